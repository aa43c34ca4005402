/* Tissue mineral (IMMUNE_AND_TREATMENTS.md section 4): formed bone is
 * osteoid that mineralises, first quickly (primary), then slowly
 * (secondary). Martinez-Reina et al. 2019's law, as coded in
 * cmodiz/Bone-Models (bone_models/models/martinez_reina_model.py,
 * calculate_mineralisation_law), gives the mineral volume fraction of bone
 * tissue of age a:
 *   v_m = 0                                        a <= t_lag
 *       = v_prim (a - t_lag) / t_prim              t_lag < a <= t_lag + t_prim
 *       = v_max - (v_max - v_prim) e^(-k (a - t_lag - t_prim))   after
 * (12 d, 10 d, 0.121, 0.442, 0.007 /d: 0.442 - 0.321 e^(-0.007 (a - 22))).
 * A voxel's age is t - bone_birth_day; formation mixes the birth day of new
 * bone in (mix_birth_day, common.h), resorption keeps it, so nothing runs
 * per step. Mineral per voxel volume: density x f x v_m.
 * The same function is compiled by the host (tb_mineral_fraction). */

TB_INLINE float mineral_fraction(const tb_kp_mineral kp, float age_days) {
  float a = age_days - kp.lag_days;
  if (!(a > 0.0f)) return 0.0f;
  if (a <= kp.primary_days) return kp.primary_fraction * a / kp.primary_days;
  return kp.max_fraction -
         (kp.max_fraction - kp.primary_fraction) * exp(-kp.secondary_rate_per_day * (a - kp.primary_days));
}

#ifdef __OPENCL_VERSION__
/* Sums per x-row, one work-item per row whatever the device (the order is
 * fixed; kernels/reduce.cl adds the rows): per compartment, trabecular then
 * cortical, the mineral f v_m, the bone f and the voxel count. */
#define MINERAL_SUMS 6
__kernel void mineral_stats(__constant tb_kdomain *dom, __constant tb_kp_mineral *kp, __constant tb_kstep *ks,
                            __global const float *f, __global const uchar *comp, __global const float *birth,
                            __global float *out) {
  const int y = (int)get_global_id(0), z = (int)get_global_id(1);
  if (y >= dom->ny || z >= dom->nz) return;
  const tb_kp_mineral k = *kp;
  const float t = ks->t_days;
  float acc[MINERAL_SUMS] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  for (int x = 0, i = local_index(dom, 0, y, z); x < dom->nx; x++, i++) {
    int c = comp[i];
    if (c == TB_COMP_OUTSIDE) continue;
    int o = c == TB_COMP_CORTICAL ? 3 : 0;
    float fi = f[i];
    if (fi > 0.0f) acc[o] += fi * mineral_fraction(k, t - birth[i]);
    acc[o + 1] += fi;
    acc[o + 2] += 1.0f;
  }
  int row = row_index(dom, y, z), rows = dom->ny * dom->nz;
  for (int m = 0; m < MINERAL_SUMS; m++) out[m * rows + row] = acc[m];
}

/* 0 at remodelable surface voxels (where BMUs start), 1 elsewhere: the mask
 * whose distance transform places each voxel below the surface for its
 * initial tissue age (src/processes/mineral.c). */
__kernel void mineral_surface(__constant tb_kdomain *dom, __global const float *f, __global const uchar *comp,
                              __global uchar *mask) {
  TB_FOR_ROW(dom, x, y, z, i) { mask[i] = is_surface(dom, f, comp, x, y, z, i) ? 0 : 1; }
}

/* v_m at n ages; used to check the device agrees with the host law. */
__kernel void mineral_fraction_series(__constant tb_kp_mineral *kp, __global const float *age_days,
                                      __global float *out, int n) {
  int i = get_global_id(0);
  if (i < n) out[i] = mineral_fraction(*kp, age_days[i]);
}
#endif
