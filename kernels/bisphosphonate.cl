/* Bisphosphonates, alendronate and zoledronate (IMMUNE_AND_TREATMENTS.md
 * 5.3): drug bound to exposed bone surface, buried by formation, freed when
 * that bone is resorbed, killing the osteoclasts that take it up.
 *
 * Systemic course (one work-item per step, as kernels/denosumab.cl), per
 * drug d: an absorbed dose F_d x dose enters plasma at once (oral
 * alendronate is absorbed within about an hour, zoledronate is a 15-minute
 * infusion); plasma is cleared at k = 8.76 /day (half-life 1.9 h), a share
 * f_bone of what is cleared binding to the skeleton, the rest going to urine
 * (40-50 % of a dose in urine: Chen 2002 J Clin Pharmacol 42:1228; Khan
 * 1997 JBMR 12:1700). The skeleton's bound drug S_d is freed by remodeling
 * at the skeleton's turnover rate k_s and returns to plasma, where f_bone of
 * it binds again: the long terminal phase, t1/2 = ln 2 / (k_s (1 - f_bone))
 * (about 15 years at the defaults; Khan 1997: > 10 years). Between doses,
 * with the release R = S (1 - e^(-k_s tau)) / tau spread over the interval,
 *   A(tau) = A e^(-k tau) + R/k (1 - e^(-k tau)),
 * exact for the plasma, whose half-life is hours while a step is days.
 * (The sample's own freed drug is part of the skeleton's release: the
 * sample is a negligible part of the skeleton, so it is not counted twice.)
 *
 * What binds is spread over the skeleton's exposed surface S_skeleton: each
 * exposed voxel of the sample (bone with a marrow 6-neighbour, standing for
 * h^2 of surface as in kernels/osteoclast.cl) gains potency_d x bound_d /
 * (S_skeleton h) per voxel volume, alendronate-equivalent. The voxel keeps
 * an amount (ng per mm3 of voxel), not a concentration: bone formed over it
 * buries it (the voxel is no longer exposed and binds nothing more) and new
 * bone carries none. osteoclast_resorb (kernels/osteoclast.cl) frees the
 * drug in the bone it removes into the team's uptake U; each step a team
 * still resorbing dies with probability 1 - exp(-h dt), hazard
 * h = h_max U/(U + EC50), drawn from Philox keyed by its seed's position and
 * the step (never by slot), and stops resorbing: a shallower cavity that
 * refilling makes up. */

#define BP_NDRUGS 2

/* One drug's plasma, skeleton and urine over tau days without doses; adds
 * what binds (mg) to *bound. */
inline void bp_span(__constant tb_kp_bisphosphonate *kp, tb_bp_state *s, int d, float tau, float *bound) {
  if (!(tau > 0.0f)) return;
  const float k = kp->k_plasma_per_day;
  const float a0 = s->plasma_mg[d], s0 = s->skeleton_mg[d];
  const float released = s0 * -expm1(-kp->skeleton_turnover_per_day * tau);
  const float keep = exp(-k * tau);
  const float a1 = a0 * keep + released / (k * tau) * -expm1(-k * tau);
  const float cleared = fmax(a0 + released - a1, 0.0f);
  const float b = kp->f_bone * cleared;
  s->plasma_mg[d] = a1;
  s->skeleton_mg[d] = s0 - released + b;
  s->urine_mg[d] += cleared - b;
  *bound += b;
}

/* One work-item: both drugs to the end of this step, and what binds at the
 * exposed surface in it. */
__kernel void bisphosphonate_advance(__constant tb_kp_schedule *sc, __constant tb_kp_treatment *tr,
                                     __constant tb_kp_bisphosphonate *kp, __constant tb_kstep *ks,
                                     __global tb_bp_state *st) {
  if (get_global_id(0) != 0) return;
  tb_bp_state s = *st;
  const float t0 = step_start(sc, ks->step), t1 = step_start(sc, ks->step + 1u);
  const int drugs[BP_NDRUGS] = {TB_DRUG_ALENDRONATE, TB_DRUG_ZOLEDRONATE};
  float eq_mg = 0.0f; /* bound this step, alendronate-equivalent */
  for (int d = 0; d < BP_NDRUGS; d++) {
    float when[TB_MAX_DOSES_PER_STEP], mg[TB_MAX_DOSES_PER_STEP];
    int nd = doses_in(tr, drugs[d], t0, t1, when, mg, TB_MAX_DOSES_PER_STEP);
    float t = t0, bound = 0.0f;
    for (int j = 0; j < nd; j++) {
      bp_span(kp, &s, d, when[j] - t, &bound);
      s.plasma_mg[d] += kp->bioavailability[d] * mg[j];
      t = when[j];
    }
    bp_span(kp, &s, d, t1 - t, &bound);
    eq_mg += kp->potency[d] * bound;
  }
  s.deposit_ng_per_mm3 = kp->surface_ng_per_mm3_per_mg * eq_mg;
  s.t_days = t1;
  *st = s;
}

/* This step's binding at the exposed surface; buried bone and marrow get
 * none. Own voxel only. */
__kernel void bisphosphonate_adsorb(__constant tb_kdomain *dom, __global const tb_bp_state *st,
                                    __global const float *f, __global const uchar *comp, __global float *bp) {
  const float add = st->deposit_ng_per_mm3;
  if (!(add > 0.0f)) return;
  TB_FOR_ROW(dom, x, y, z, i) {
    if (is_surface(dom, f, comp, x, y, z, i)) bp[i] += add;
  }
}

/* One work-item per team slot: apoptosis of the osteoclasts of a team still
 * resorbing, from the drug it has taken up so far. A team that dies ends
 * its resorption at the start of this step (its cavity is as deep as it
 * got); reversal and refilling follow as for any team. */
__kernel void bisphosphonate_apoptosis(__constant tb_kdomain *dom, __constant tb_kp_bisphosphonate *kp,
                                       __constant tb_kstep *ks, __global const int *team_used,
                                       __global const int4 *team_pos, __global float2 *team_time,
                                       __global const uint *team_uptake, __global tb_bp_state *st) {
  const int s = (int)get_global_id(0);
  if (s >= dom->team_capacity || !team_used[s]) return;
  const float t = ks->t_days;
  float2 tt = team_time[s];
  if (t >= tt.y) return;
  const uint q = team_uptake[s];
  if (q == 0u) return;
  const float u = (float)q * (1.0f / TB_BP_UPTAKE_PER_NG);
  const float h = kp->hmax_per_day * u / (u + kp->ec50_ng);
  const int4 p = team_pos[s];
  const uint key = (uint)p.x + (uint)dom->gnx * ((uint)p.y + (uint)dom->gny * (uint)p.z);
  tb_philox4 r = tb_philox4x32(ks->step, key, TB_RNG_BP_APOPTOSIS, 0u, dom->seed_lo, dom->seed_hi);
  if (tb_u01(r.v[0]) >= -expm1(-h * dom->dt_days)) return;
  tt.y = t;
  team_time[s] = tt;
  atomic_inc(&st->teams_ended);
}
