/* Lining-cell (quiescent-surface, modeling-based) formation, the anabolic
 * path of teriparatide and romosozumab (IMMUNE_AND_TREATMENTS.md 5.4 (c),
 * 5.5): lining cells on bone that no BMU is remodeling are reactivated into
 * osteoblasts and lay bone on it without prior resorption (Dobnig 1995 via
 * Trichilo 2019). The drug processes give the activation A, a share of the
 * healthy MAR (tb_drug_effects.lining_teriparatide + lining_romosozumab);
 * the surface then grows at
 *   A x MAR x commit_bone(E)   (the estrogen-dependent MSC share)
 * in µm/day, i.e. that / h voxel fraction per day at the front.
 *
 * The front: a voxel grows when it is in no team, not full, on the marrow
 * side (marrow, or bone with a marrow 6-neighbour) and has a 6-neighbour
 * that is full bone (f >= LINING_FULL) in no team. A marrow voxel thus waits
 * until the partial surface voxel beside it is full (taking what growth is
 * left in the step it fills), so a flat surface moves out at exactly the
 * rate above and leaves no half-filled voxels behind. The mark pass reads
 * bone_fraction and team_id two voxels away.
 *
 * Two passes so that no launch writes what a neighbour reads:
 * lining_mark reads the step's snapshot of bone_fraction and team_id and
 * writes each voxel's increment; lining_apply adds its own. */

#define LINING_FULL 0.999f

/* 1 when voxel (x, y, z) is full bone in no team: what lining cells build on. */
inline int lining_substrate(__constant tb_kdomain *dom, __global const float *f, __global const uchar *comp,
                            __global const int *team_id, int x, int y, int z) {
  if (!in_grid(dom, x, y, z)) return 0;
  const int j = local_index(dom, x, y, z);
  return comp[j] != TB_COMP_OUTSIDE && f[j] >= LINING_FULL && team_id[j] < 0;
}

/* The growth of voxel (x, y, z) this step when it has a quiescent, full
 * bone 6-neighbour and is on the marrow side, else 0 (uncapped). */
inline float lining_front(__constant tb_kdomain *dom, __global const float *f, __global const uchar *comp,
                          __global const int *team_id, int x, int y, int z, float grow) {
  if (!in_grid(dom, x, y, z)) return 0.0f;
  const int i = local_index(dom, x, y, z);
  const float fi = f[i];
  if (comp[i] == TB_COMP_OUTSIDE || team_id[i] >= 0 || fi >= 1.0f) return 0.0f;
  int marrow_side = !is_bone(fi), substrate = 0;
  for (int d = 0; d < 6; d++) {
    const int xn = x + dir_dx(d), yn = y + dir_dy(d), zn = z + dir_dz(d);
    substrate |= lining_substrate(dom, f, comp, team_id, xn, yn, zn);
    if (!marrow_side && in_grid(dom, xn, yn, zn)) {
      const int j = local_index(dom, xn, yn, zn);
      marrow_side = comp[j] != TB_COMP_OUTSIDE && !is_bone(f[j]);
    }
  }
  return marrow_side && substrate ? grow : 0.0f;
}

__kernel void lining_mark(__constant tb_kdomain *dom, __constant tb_kp_lining *kp, __constant tb_kstep *ks,
                          __global const float *f, __global const uchar *comp, __global const int *team_id,
                          __global const tb_drug_effects *drug, __global float *inc_out) {
  const float act = drug->lining_teriparatide + drug->lining_romosozumab;
  const float grow = act * kp->mar_um_per_day * commit_bone(kp->fat_baseline, kp->fat_estrogen_gain, deficit_of(ks)) /
                     dom->h_um * dom->dt_days;
  TB_FOR_ROW(dom, x, y, z, i) {
    float inc = 0.0f;
    if (grow > 0.0f && comp[i] != TB_COMP_OUTSIDE && team_id[i] < 0 && f[i] < 1.0f) {
      inc = lining_front(dom, f, comp, team_id, x, y, z, grow);
      /* A marrow voxel beside a front voxel that fills up within this step
       * takes the rest of the step's growth, so the surface moves at the
       * same rate whatever the step (the most any neighbour passes on). */
      if (inc == 0.0f && !is_bone(f[i]))
        for (int d = 0; d < 6; d++) {
          const int xn = x + dir_dx(d), yn = y + dir_dy(d), zn = z + dir_dz(d);
          const float g = lining_front(dom, f, comp, team_id, xn, yn, zn, grow);
          if (g > 0.0f && is_bone(f[local_index(dom, xn, yn, zn)]))
            inc = fmax(inc, f[local_index(dom, xn, yn, zn)] + g - 1.0f);
        }
      inc = clamp(inc, 0.0f, 1.0f - f[i]);
    }
    inc_out[i] = inc;
  }
}

__kernel void lining_apply(__constant tb_kdomain *dom, __constant tb_kstep *ks, __global const float *inc_in,
                           __global float *f, __global float *ocy, __global float *form_acc, __global float *birth,
                           float mineral_rate_per_day) {
  const float t_mid = ks->t_days + 0.5f * dom->dt_days;
  TB_FOR_ROW(dom, x, y, z, i) {
    /* The voxel's formation increment this step (the one place it is set). */
    const float inc = inc_in[i];
    if (!(inc > 0.0f)) continue;
    const float fi = f[i];
    /* New bone embeds new, live osteocytes (as kernels/formation.cl). */
    ocy[i] = (ocy[i] * fi + inc) / (fi + inc);
    /* Its tissue age: the mineral process's birth day (common.h). */
    birth[i] = mix_birth_day(birth[i], fi, t_mid, inc, mineral_rate_per_day);
    f[i] = fi + inc;
    form_acc[i] += inc;
  }
}
