/* Immune cells in marrow (MODEL.md mechanism 8): T and B cells add RANKL in
 * proportion to the estrogen deficit (Martinez-Reina & Pivonka 2019's extra
 * RANKL source; Eghbali-Fatourechi 2003), spread over the marrow share of
 * each voxel. A systemic level: the marrow of a sample is well mixed. */

__kernel void immune_sources(__constant tb_kdomain *dom, __constant tb_kp_immune *kp, __constant tb_kstep *ks,
                             __global const float *f, __global const uchar *comp, __global float *src_rankl) {
  const float s = kp->marrow_rankl_pM_per_day * deficit_of(ks);
  if (s <= 0.0f) return;
  TB_FOR_ROW(dom, x, y, z, i) {
    if (comp[i] == TB_COMP_OUTSIDE) continue;
    src_rankl[i] += (1.0f - f[i]) * s;
  }
}
