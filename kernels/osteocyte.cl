/* Mechanism 7 (MODEL.md): osteocytes and the signals they make.
 *
 * Viability is the share of a bone voxel's osteocyte lacunae that hold live
 * cells. Apoptosis is a random event per bone voxel at a rate raised by
 * estrogen loss (Tomkinson 1997); a dead voxel keeps releasing RANKL until
 * it is resorbed, which draws BMUs to it (targeted remodeling). Where a
 * perforation has cut a trabecula, the osteocytes of the cut faces (bone
 * beside a voxel lost to the perforated cavity, kernels/formation.cl) lose
 * their canalicular connections and the load the trabecula carried, and die
 * at a faster rate (microdamage: Verborgt 2000, JBMR 15:60; unloading:
 * Aguirre 2006, JBMR 21:605): their RANKL draws BMUs to the stumps, whose
 * cavities break through to the marrow around them in turn. Live
 * osteocytes make OPG and sclerostin and little RANKL; estrogen loss lowers
 * OPG and raises sclerostin; TNF-alpha and IL-17 above their healthy level
 * raise the live cells' RANKL (IMMUNE_AND_TREATMENTS.md 2.4); romosozumab raises their OPG. Sources are in pM/day per voxel, added to the
 * fields' sources.
 *
 * Draws: one Philox4x32-10 call keyed by (seed, step, global index / 4)
 * gives the four voxels of an aligned group of four along x one 32-bit
 * word each (word = global index % 4): still a pure function of seed, step
 * and voxel, at a quarter of the cost where a work-item walks a row; where
 * it walks runs of 16 voxels or more (CPUs), sixteen groups' calls run at
 * once in vector lanes (tb_philox4x32_16, the same words). */

/* Sixteen voxels from x of a row at once, where none of them dies this
 * step (nearly always: deaths are rare per step): only the sources
 * change, computed lane by lane as the scalar loop computes them. Returns
 * 0, having written nothing, where one may die (the scalar loop then
 * decides). */
inline int osteocyte_block(__constant tb_kdomain *dom, __constant tb_kp_osteocyte *kp, __constant tb_kstep *ks,
                           __global const float *f, __global const uchar *comp, __global const float *ocy,
                           __global float *src_rankl, __global float *src_opg, __global float *src_scl,
                           const tb_immune_state *im, __global const float *tnf, __global const float *il17,
                           int cytokines_up, float opg, float scl, uint threshold, uint threshold_cut,
                           __global const float *perf_loss, tb_draws16 *d16, int x, int y, int z, int i) {
  const int off[6] = {1, -1, dom->sy, -dom->sy, dom->sz, -dom->sz};
  const int16 inside = convert_int16(vload16(0, comp + i)) != TB_COMP_OUTSIDE;
  const float16 fi = vload16(0, f + i), v = vload16(0, ocy + i);
  if (threshold_cut > 0u) {
    const int16 drawn = inside & (fi >= 0.5f) & (v > 0.0f);
    if (any(drawn)) {
      const uint16 u = tb_draws16_quarters(d16, ks->step, global_index(dom, x, y, z), TB_RNG_OCY_APOPTOSIS,
                                           dom->seed_lo, dom->seed_hi);
      if (any(drawn & (u < threshold))) return 0; /* dies: the scalar loop kills it */
      /* Between the thresholds only a cut face dies. */
      const int16 band = drawn & (u < threshold_cut);
      if (any(band)) {
        if (!in_grid_interior(dom, x, y, z) || !in_grid_interior(dom, x + 15, y, z)) return 0;
        int16 cut = (int16)(0);
        for (int d = 0; d < 6; d++) cut |= vload16(0, perf_loss + i + off[d]) > 0.5f;
        if (any(band & cut)) return 0;
      }
    }
  }
  const int16 takes = inside & (fi > 0.0f);
  if (!any(takes)) return 1;
  const float16 live = fi * v, dead = fi - live;
  const float16 boost = !cytokines_up ? (float16)(1.0f)
                                      : 1.0f + im->fx.tnf_rankl * immune_h16(vload16(0, tnf + i), im->tnf, im->tnf_ref,
                                                                             im->fx.K) +
                                            im->fx.il17_rankl * immune_h16(vload16(0, il17 + i), im->il17,
                                                                           im->il17_ref, im->fx.K);
  float16 a = vload16(0, src_rankl + i), b = a;
  b += live * kp->rankl_live_pM_per_day * boost + dead * kp->rankl_dead_pM_per_day;
  vstore16(select(a, b, takes), 0, src_rankl + i);
  a = vload16(0, src_opg + i);
  b = a;
  b += live * opg;
  vstore16(select(a, b, takes), 0, src_opg + i);
  a = vload16(0, src_scl + i);
  b = a;
  b += live * scl;
  vstore16(select(a, b, takes), 0, src_scl + i);
  return 1;
}

__kernel void osteocyte_update(__constant tb_kdomain *dom, __constant tb_kp_osteocyte *kp,
                               __constant tb_kstep *ks, __global const float *f, __global const uchar *comp,
                               __global float *ocy, __global float *src_rankl, __global float *src_opg,
                               __global float *src_scl, int apoptosis, __global const tb_immune_state *imm,
                               __global const float *tnf, __global const float *il17,
                               __global const tb_drug_effects *drug, __global const float *perf_loss) {
  const tb_immune_state im = *imm;
  /* At or below their healthy levels the cytokines add nothing (immune_h
   * is 0): the fields are then not read at all. */
  const int cytokines_up = im.tnf > 1.0f || im.il17 > 1.0f;
  const float deficit = deficit_of(ks);
  const float rate = kp->apoptosis_per_day * (1.0f + kp->apoptosis_estrogen_gain * deficit);
  const float p_death = apoptosis ? 1.0f - exp(-rate * dom->dt_days) : 0.0f;
  /* Romosozumab raises osteocyte OPG (kernels/romosozumab.cl). */
  const float opg = kp->opg_pM_per_day * fmax(1.0f - kp->opg_estrogen_gain * deficit, 0.0f) * drug->opg_factor;
  const float scl = kp->scl_pM_per_day * (1.0f + kp->scl_estrogen_gain * deficit);
  /* Draws only below this threshold kill: compare the raw 32-bit words. */
  const uint threshold = (uint)(p_death * 4294967040.0f);
  const float p_cut = apoptosis ? 1.0f - exp(-(rate + kp->cut_apoptosis_per_day) * dom->dt_days) : 0.0f;
  const uint threshold_cut = (uint)(p_cut * 4294967040.0f);
  uint cached = 0xffffffffu; /* the group whose draw r holds */
  tb_philox4 r;
  r.v[0] = r.v[1] = r.v[2] = r.v[3] = 0u;
  /* Where a work-item walks long runs of a row (CPUs), the draws of
   * sixteen consecutive groups at once (the same words). */
  const int wide = row_run(dom) >= 16;
  const int x1 = row_run_end(dom);
  int scalar_to = 0; /* the scalar loop decides the voxels before this index */
  tb_draws16 d16;
  d16.valid = 0;
  TB_FOR_ROW(dom, x, y, z, i) {
    if (i >= scalar_to && x + 16 <= x1) {
      if (osteocyte_block(dom, kp, ks, f, comp, ocy, src_rankl, src_opg, src_scl, &im, tnf, il17, cytokines_up, opg,
                          scl, threshold, threshold_cut, perf_loss, &d16, x, y, z, i)) {
        x += 15;
        i += 15;
        continue;
      }
      scalar_to = i + 16;
    }
    if (comp[i] == TB_COMP_OUTSIDE) continue;
    float fi = f[i], v = ocy[i];
    if (threshold_cut > 0u && is_bone(fi) && v > 0.0f) {
      uint g = global_index(dom, x, y, z), u;
      if (wide) {
        u = tb_draws16_word(&d16, ks->step, g >> 2, TB_RNG_OCY_APOPTOSIS, g & 3u, dom->seed_lo, dom->seed_hi);
      } else {
        if ((g >> 2) != cached) {
          r = tb_philox4x32(ks->step, g >> 2, TB_RNG_OCY_APOPTOSIS, 0u, dom->seed_lo, dom->seed_hi);
          cached = g >> 2;
        }
        u = r.v[g & 3u];
      }
      /* Below the healthy threshold the cells die anyway; between the two
       * thresholds only on a cut face (a 6-neighbour lost to a perforated
       * cavity), so only those draws look at the neighbours. */
      int dies = u < threshold;
      if (!dies && u < threshold_cut)
        for (int d = 0; d < 6 && !dies; d++) {
          const int xn = x + dir_dx(d), yn = y + dir_dy(d), zn = z + dir_dz(d);
          dies = in_grid(dom, xn, yn, zn) && perf_loss[local_index(dom, xn, yn, zn)] > 0.5f;
        }
      if (dies) {
        v = 0.0f;
        ocy[i] = 0.0f;
      }
    }
    if (fi <= 0.0f) continue;
    float live = fi * v, dead = fi - live;
    /* TNF-alpha and IL-17 raise the osteoblast lineage's RANKL. */
    float boost = !cytokines_up ? 1.0f
                                : 1.0f + im.fx.tnf_rankl * immune_h(tnf[i], im.tnf, im.tnf_ref, im.fx.K) +
                                      im.fx.il17_rankl * immune_h(il17[i], im.il17, im.il17_ref, im.fx.K);
    src_rankl[i] += live * kp->rankl_live_pM_per_day * boost + dead * kp->rankl_dead_pM_per_day;
    src_opg[i] += live * opg;
    src_scl[i] += live * scl;
  }
}
