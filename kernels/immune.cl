/* Mechanism 8 (MODEL.md; IMMUNE_AND_TREATMENTS.md sections 2-3): the
 * immune compartment of the marrow and the osteoclast precursor pool.
 *
 * Populations are systemic scalars (the marrow of a 0.5-5 mm sample mixes
 * well), 1 at the premenopausal steady state. T and B cells, neutrophils and
 * mast cells relax to estrogen-dependent targets, dX/dt = mu (P_X(E) - X):
 *   Treg   P = 1; their suppression weakens, s(E) = s0 (1 - q (1 - E))
 *   Th17   P = (1 + f17 (1 - E)) (1 + s0)/(1 + s(E) Treg)   (Tyagi 2012)
 *   TNF T  P = 1 + fT (1 - E)                               (Cenci 2000)
 *   B, neutrophils, mast cells  P = 1 + f (1 - E)
 * Macrophages follow Trejo et al. 2019 (M0 -> M1, M2 with exchange and
 * death; female rates) with a constant monocyte influx, M1 polarisation
 * x (1 + m1 (1 - E)) and M2 polarisation x E^m2 (Dou 2018), reported
 * relative to their healthy steady state.
 * Each population's *_scale multiplies what it does (0 knocks it out).
 *
 * Cytokine source levels (1 in health): TNF-alpha 0.4 TNF T + 0.2 Th17 +
 * 0.4 M1; IL-17 Th17; IL-6 0.4 M1 + 0.2 neutrophils + 0.2 mast cells + 0.2
 * osteoblast lineage (constant). Immune RANKL per cell rises 1 + r (1 - E)
 * (Eghbali-Fatourechi 2003), carried 50 % by B cells, 40 % T cells, 10 %
 * mast cells; B-lineage OPG follows B cells (Li 2007).
 *
 * Precursor pool (section 3), relative to health:
 *   dP/dt = S0 M + Q/tau_Q - (k_d drive + 1/tau_P) P,  P <= P_max
 *   dQ/dt = S0 M k_M2 M2 (1 - E)^n - Q/tau_Q
 * with S0 = k_d + 1/tau_P so that P = 1 in health; Q, the M2-derived
 * precursors still maturing, is 0 in health and delays the estrogen-driven
 * supply by a mean tau_Q (tau_Q = 0: it joins the pool at once, Q/tau_Q
 * = its flux); drive is the systemic
 * osteoclastogenic drive (estrogen, Treg and cytokine factors). BMU
 * initiation scales with P (kernels/osteoclast.cl).
 *
 * Integration: implicit (backward) Euler in substeps of at most 0.25 day
 * with E(t) at each substep's end, so an abrupt withdrawal (surgical
 * menopause, E2 half-life 161 min) is followed within the step. */

#define IMMUNE_SUBSTEP_DAYS 0.25f
#define TREJO_K12 ((float)TB_TREJO_K12)
#define TREJO_K21 ((float)TB_TREJO_K21)
#define TREJO_D0 ((float)TB_TREJO_D0)
#define TREJO_D1 ((float)TB_TREJO_D1)
#define TREJO_D2 ((float)TB_TREJO_D2)

inline float relax_to(float x, float target, float rate, float h) { return (x + h * rate * target) / (1.0f + h * rate); }

/* The factors the tissue kernels use, from the populations at estrogen E:
 * cytokine source levels, Treg suppression, RANKL per cell and the
 * systemic osteoclastogenic drive. */
inline void derive_factors(__constant tb_kp_immune *kp, tb_immune_state *s, float E, float rankl_drug) {
  float d = 1.0f - E;
  float sup = kp->treg_suppression * (1.0f - kp->treg_estrogen_loss * d);
  float m1r = kp->m1_scale * s->m1 / s->m_healthy[1];
  s->tnf = kp->tnf_scale * (0.4f * kp->effector_t_scale * s->effector_t + 0.2f * kp->th17_scale * s->th17 + 0.4f * m1r);
  s->il17 = kp->il17_scale * kp->th17_scale * s->th17;
  s->il6 = kp->il6_scale * (0.4f * m1r + 0.2f * kp->neutrophil_scale * s->neutrophil +
                            0.2f * kp->mast_cell_scale * s->mast_cell + 0.2f);
  s->treg_factor = (1.0f + kp->treg_suppression) / (1.0f + sup * s->treg * kp->treg_scale);
  s->rankl_per_cell = 1.0f + kp->rankl_cell_gain * d;
  /* rankl_drug: the drugs' systemic factor on effective RANKL, ^n (under
   * denosumab precursors stop differentiating and the pool fills). */
  s->drive = rankl_drug * (1.0f + kp->init_estrogen_gain * d) * s->treg_factor *
             (1.0f + s->fx.tnf_oc * immune_h_sys(s->tnf, s->fx.K) + s->fx.il17_oc * immune_h_sys(s->il17, s->fx.K) +
              s->fx.il6_oc * immune_h_sys(s->il6, s->fx.K));
}

/* One work-item: advances the populations from the state's time to the end
 * of this step. reset != 0: only recomputes the derived factors (at
 * creation, from the values the host wrote). */
__kernel void immune_advance(__constant tb_kp_schedule *sched, __constant tb_kp_immune *kp,
                             __constant tb_kstep *ks, __global tb_immune_state *st, int reset,
                             __global const tb_drug_effects *drug) {
  if (get_global_id(0) != 0) return;
  tb_immune_state s = *st;
  const float rf = drug->rankl_free * drug->rankl_factor;
  const float rankl_drug = kp->rankl_exponent == 1.0f ? rf : pow(fmax(rf, 0.0f), kp->rankl_exponent);
  const float t_end = reset ? s.t_days : ks->t_days + sched->dt_days;
  float span = t_end - s.t_days;
  int nsub = span > 0.0f ? (int)ceil(span / IMMUNE_SUBSTEP_DAYS) : 0;
  float h = nsub > 0 ? span / (float)nsub : 0.0f;
  float E = estrogen_level(*sched, s.t_days);
  for (int k = 1; k <= nsub; k++) {
    E = estrogen_level(*sched, s.t_days + h * (float)k);
    float d = 1.0f - E;
    float tr = s.treg * kp->treg_scale;
    float sup = kp->treg_suppression * (1.0f - kp->treg_estrogen_loss * d);
    s.treg = relax_to(s.treg, 1.0f, kp->t_rate_per_day, h);
    s.th17 = relax_to(s.th17, (1.0f + kp->th17_gain * d) * (1.0f + kp->treg_suppression) / (1.0f + sup * tr),
                      kp->t_rate_per_day, h);
    s.effector_t = relax_to(s.effector_t, 1.0f + kp->effector_t_gain * d, kp->t_rate_per_day, h);
    s.b_cell = relax_to(s.b_cell, 1.0f + kp->b_cell_gain * d, kp->b_rate_per_day, h);
    s.neutrophil = relax_to(s.neutrophil, 1.0f + kp->neutrophil_gain * d, kp->innate_rate_per_day, h);
    s.mast_cell = relax_to(s.mast_cell, 1.0f + kp->mast_cell_gain * d, kp->innate_rate_per_day, h);
    /* Macrophages, unnormalised (influx 1 per day), Gauss-Seidel order. */
    float g1 = kp->g1_per_day * (1.0f + kp->m1_gain * d);
    float g2 = kp->g2_per_day * (kp->m2_exponent == 1.0f ? E : pow(fmax(E, 0.0f), kp->m2_exponent));
    s.m0 = (s.m0 + h) / (1.0f + h * (g1 + g2 + TREJO_D0));
    s.m1 = (s.m1 + h * (g1 * s.m0 + TREJO_K21 * s.m2)) / (1.0f + h * (TREJO_K12 + TREJO_D1));
    s.m2 = (s.m2 + h * (g2 * s.m0 + TREJO_K12 * s.m1)) / (1.0f + h * (TREJO_K21 + TREJO_D2));
    /* The pool, driven by the factors of this substep. */
    derive_factors(kp, &s, E, rankl_drug);
    float m2r = kp->m2_scale * s.m2 / s.m_healthy[2];
    float mtot = (s.m0 + kp->m1_scale * s.m1 + kp->m2_scale * s.m2) /
                 (s.m_healthy[0] + s.m_healthy[1] + s.m_healthy[2]);
    float dn = kp->m2_precursor_exponent == 1.0f ? d : pow(fmax(d, 0.0f), kp->m2_precursor_exponent);
    float s0 = kp->precursor_use_per_day + 1.0f / kp->precursor_life_days;
    float supply;
    if (kp->precursor_maturation_days > 0.0f) { /* the M2 flux matures before it joins the pool */
      s.committed = (s.committed + h * s0 * mtot * kp->m2_precursor_gain * m2r * dn) /
                    (1.0f + h / kp->precursor_maturation_days);
      supply = s0 * mtot + s.committed / kp->precursor_maturation_days;
    } else {
      supply = s0 * mtot * (1.0f + kp->m2_precursor_gain * m2r * dn);
    }
    s.precursors = fmin((s.precursors + h * supply) /
                            (1.0f + h * (kp->precursor_use_per_day * s.drive + 1.0f / kp->precursor_life_days)),
                        kp->precursor_max);
  }
  /* With no substep (reset) the factors still follow the state and E. */
  if (nsub == 0) derive_factors(kp, &s, E, rankl_drug);
  s.t_days = t_end;
  *st = s;
}

/* Marrow voxels get the immune cells' sources, in proportion to their
 * marrow share, x (1 + w) next to trabecular bone. Cytokine sources are
 * k x level x weight, so the field in open healthy marrow is 1 (relative
 * units). */
__kernel void immune_sources(__constant tb_kdomain *dom, __constant tb_kp_immune *kp,
                             __global const tb_immune_state *st, __global const float *f,
                             __global const uchar *comp, __global float *src_rankl, __global float *src_opg,
                             __global float *src_tnf, __global float *src_il17, __global float *src_il6) {
  const tb_immune_state s = *st;
  const float rankl = kp->rankl_pM_per_day * s.rankl_per_cell *
                      (0.5f * kp->b_cell_scale * s.b_cell +
                       0.2f * (kp->th17_scale * s.th17 + kp->effector_t_scale * s.effector_t) +
                       0.1f * kp->mast_cell_scale * s.mast_cell);
  const float opg = kp->b_opg_pM_per_day * kp->b_cell_scale * s.b_cell;
  const float tnf = kp->tnf_decay_per_day * s.tnf, il17 = kp->il17_decay_per_day * s.il17,
              il6 = kp->il6_decay_per_day * s.il6;
  const float w_near = 1.0f + kp->surface_weight;
  const int off[6] = {1, -1, dom->sy, -dom->sy, dom->sz, -dom->sz};
  const int x1 = row_run_end(dom);
  TB_FOR_ROW(dom, x, y, z, i) {
    if (x + 16 <= x1 && in_grid_interior(dom, x, y, z) && in_grid_interior(dom, x + 15, y, z)) {
      /* Sixteen voxels at once where all their neighbours are in the grid
       * (a walk along whole rows, CPUs): the scalar code's operations lane
       * by lane; lanes that take no source store back what they read. */
      const float16 m = 1.0f - vload16(0, f + i);
      const int16 takes = (convert_int16(vload16(0, comp + i)) != TB_COMP_OUTSIDE) & (m > 0.0f);
      if (any(takes)) {
        int16 near = (int16)(0);
        for (int d = 0; d < 6; d++)
          near |= (vload16(0, f + i + off[d]) >= 0.5f) &
                  (convert_int16(vload16(0, comp + i + off[d])) == TB_COMP_TRABECULAR);
        const float16 w = m * select((float16)(1.0f), (float16)(w_near), near);
        float16 a = vload16(0, src_rankl + i);
        vstore16(select(a, a + w * rankl, takes), 0, src_rankl + i);
        a = vload16(0, src_opg + i);
        vstore16(select(a, a + w * opg, takes), 0, src_opg + i);
        a = vload16(0, src_tnf + i);
        vstore16(select(a, a + w * tnf, takes), 0, src_tnf + i);
        a = vload16(0, src_il17 + i);
        vstore16(select(a, a + w * il17, takes), 0, src_il17 + i);
        a = vload16(0, src_il6 + i);
        vstore16(select(a, a + w * il6, takes), 0, src_il6 + i);
      }
      x += 15;
      i += 15;
      continue;
    }
    if (comp[i] == TB_COMP_OUTSIDE) continue;
    float m = 1.0f - f[i];
    if (m <= 0.0f) continue;
    int near_trab = 0;
    if (in_grid_interior(dom, x, y, z)) { /* no bounds tests; marrow beside marrow reads no label */
      for (int d = 0; d < 6; d++) {
        int j = i + off[d];
        near_trab |= is_bone(f[j]) && comp[j] == TB_COMP_TRABECULAR;
      }
    } else
      for (int d = 0; d < 6; d++) {
        int xn = x + dir_dx(d), yn = y + dir_dy(d), zn = z + dir_dz(d);
        if (!in_grid(dom, xn, yn, zn)) continue;
        int j = local_index(dom, xn, yn, zn);
        near_trab |= comp[j] == TB_COMP_TRABECULAR && is_bone(f[j]);
      }
    float w = m * (near_trab ? w_near : 1.0f);
    src_rankl[i] += w * rankl;
    src_opg[i] += w * opg;
    src_tnf[i] += w * tnf;
    src_il17[i] += w * il17;
    src_il6[i] += w * il6;
  }
}

/* Per-row sums for the cytokines' reference levels and the run's figures:
 * the three fields summed over marrow voxels (and their count), and over
 * trabecular surface voxels (and their count). */
__kernel void immune_stats(__constant tb_kdomain *dom, __global const float *f, __global const uchar *comp,
                           __global const float *tnf, __global const float *il17, __global const float *il6,
                           __global float *out) {
  const int y = (int)get_global_id(0), z = (int)get_global_id(1);
  if (y >= dom->ny || z >= dom->nz) return;
  float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  for (int x = 0, i = local_index(dom, 0, y, z); x < dom->nx; x++, i++) {
    if (comp[i] == TB_COMP_OUTSIDE) continue;
    if (!is_bone(f[i])) {
      acc[0] += tnf[i];
      acc[1] += il17[i];
      acc[2] += il6[i];
      acc[3] += 1.0f;
    } else if (comp[i] == TB_COMP_TRABECULAR && is_surface(dom, f, comp, x, y, z, i)) {
      acc[4] += tnf[i];
      acc[5] += il17[i];
      acc[6] += il6[i];
      acc[7] += 1.0f;
    }
  }
  int row = row_index(dom, y, z), rows = dom->ny * dom->nz;
  for (int k = 0; k < 8; k++) out[k * rows + row] = acc[k];
}
