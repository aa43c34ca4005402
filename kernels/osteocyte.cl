/* Mechanism 7 (MODEL.md): osteocytes and the signals they make.
 *
 * Viability is the share of a bone voxel's osteocyte lacunae that hold live
 * cells. Apoptosis is a random event per bone voxel (Philox keyed by seed,
 * step and voxel) at a rate raised by estrogen loss (Tomkinson 1997); a dead
 * voxel keeps releasing RANKL until it is resorbed, which draws BMUs to it
 * (targeted remodeling). Live osteocytes make OPG and sclerostin and little
 * RANKL; estrogen loss lowers OPG and raises sclerostin. Marrow immune cells
 * add RANKL in proportion to the estrogen deficit (Martinez-Reina & Pivonka
 * 2019's extra RANKL source). Sources are in pM/day per voxel; forming
 * osteoblasts' OPG was written by osteoblast_form and is added to here. */

__kernel void osteocyte_update(__constant tb_kparams *kp, __constant tb_kstep *ks, __global const float *f,
                               __global const uchar *comp, __global float *ocy, __global float *src_rankl,
                               __global float *src_opg, __global float *src_scl) {
  const float deficit = 1.0f - ks->estrogen;
  const float p_death = 1.0f - exp(-ks->ocy_apoptosis_per_day * kp->dt_days);
  TB_FOR_ROW(kp, x, y, z, i) {
    if (comp[i] == TB_COMP_OUTSIDE) {
      src_rankl[i] = src_opg[i] = src_scl[i] = 0.0f;
      continue;
    }
    float fi = f[i], v = ocy[i];
    if (is_bone(fi) && v > 0.0f && random_u01(kp, ks->step, i, TB_RNG_OCY_APOPTOSIS, 0) < p_death) {
      v = 0.0f;
      ocy[i] = 0.0f;
    }
    float live = fi * v, dead = fi * (1.0f - v);
    src_rankl[i] = live * kp->ocy_rankl_pM_per_day + dead * kp->dead_rankl_pM_per_day +
                   (1.0f - fi) * kp->marrow_rankl_pM_per_day * deficit;
    src_opg[i] += live * kp->ocy_opg_pM_per_day * fmax(1.0f - kp->opg_estrogen_gain * deficit, 0.0f);
    src_scl[i] = live * kp->ocy_scl_pM_per_day * (1.0f + kp->scl_estrogen_gain * deficit);
  }
}
