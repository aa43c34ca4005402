/* Marrow: MSC commitment and adiposity (MODEL.md mechanism 9). Estrogen loss
 * shifts marrow stromal cells from the osteoblast to the adipocyte lineage
 * (Griffith 2012: marrow fat +10-15 points after menopause), so adiposity
 * relaxes to a target fat0 + g (1 - E); the same shift lowers osteoblast
 * commitment (commit_bone in common.h, used by formation). The relaxation is
 * exact over the step, stable for any dt/tau. */

__kernel void marrow_step(__constant tb_kdomain *dom, __constant tb_kp_marrow *kp, __constant tb_kstep *ks,
                          __global const float *f, __global const uchar *comp, __global float *fat) {
  const float target = fat_target(kp->fat_baseline, kp->fat_estrogen_gain, deficit_of(ks));
  const float relax = 1.0f - exp(-dom->dt_days / kp->fat_tau_days);
  TB_FOR_ROW(dom, x, y, z, i) {
    if (comp[i] == TB_COMP_OUTSIDE || is_bone(f[i])) continue;
    fat[i] += (target - fat[i]) * relax;
  }
}
