/* Denosumab (IMMUNE_AND_TREATMENTS.md 5.2): Martinez-Reina & Pivonka 2019
 * pharmacokinetics as coded in Bone-Models (class denosumab),
 *   dC/dt = k_a a - V_max' C/(K_m + C) - k_el C,   da/dt = -k_a a,
 * a the dose still in the subcutaneous depot as serum concentration (each
 * dose adds F Dose / V_c; summing k_a a over doses is their
 * k_a (F Dose/V_c) e^(-k_a tau)), V_max' = V_max/(V_c/F). C_max 10.1 ug/mL
 * at 15.9 d, 3.1 ug/mL at 90 d, 46 ng/mL at 183 d [derived].
 * Pharmacodynamics: denosumab binds RANKL (K_den 0.333 /pM), adding
 * chi K_den C to the binding denominator D (about 20 untreated), so the free
 * share of effective RANKL is D/(D + chi K_den C): 7, 19, 94 % at 1, 3 and 6
 * months. The osteoclast kernels scale effective RANKL by it, and so does
 * the immune process's drive on the precursor pool: differentiation stops,
 * the pool fills towards its ceiling, and when the drug wanes the full pool
 * gives the rebound (IMMUNE_AND_TREATMENTS.md 3). */

#define DMAB_SUBSTEP_DAYS 0.25f

inline void dmab_rate(__constant tb_kp_denosumab *kp, float a, float c, float *da, float *dc) {
  *da = -kp->ka_per_day * a;
  *dc = kp->ka_per_day * a - kp->vmax_ng_per_mL_per_day * c / (kp->km_ng_per_mL + c) - kp->kel_per_day * c;
}

/* Classical Runge-Kutta from t to t1 in substeps of at most DMAB_SUBSTEP_DAYS. */
inline void dmab_integrate(__constant tb_kp_denosumab *kp, tb_denosumab_state *s, float t, float t1) {
  float span = t1 - t;
  if (!(span > 0.0f)) return;
  int n = (int)ceil(span / DMAB_SUBSTEP_DAYS);
  float h = span / (float)n;
  float a = s->depot_ng_per_mL, c = s->serum_ng_per_mL;
  for (int k = 0; k < n; k++) {
    float a1, c1, a2, c2, a3, c3, a4, c4;
    dmab_rate(kp, a, c, &a1, &c1);
    dmab_rate(kp, a + 0.5f * h * a1, c + 0.5f * h * c1, &a2, &c2);
    dmab_rate(kp, a + 0.5f * h * a2, c + 0.5f * h * c2, &a3, &c3);
    dmab_rate(kp, a + h * a3, c + h * c3, &a4, &c4);
    a += h / 6.0f * (a1 + 2.0f * a2 + 2.0f * a3 + a4);
    c = fmax(c + h / 6.0f * (c1 + 2.0f * c2 + 2.0f * c3 + c4), 0.0f);
  }
  s->depot_ng_per_mL = fmax(a, 0.0f);
  s->serum_ng_per_mL = c;
}

/* One work-item: the course to the end of this step, and the free share of
 * RANKL for the tissue kernels of the step. */
__kernel void denosumab_advance(__constant tb_kp_schedule *sc, __constant tb_kp_treatment *tr,
                                __constant tb_kp_denosumab *kp, __constant tb_kstep *ks,
                                __global tb_denosumab_state *st, __global tb_drug_effects *fx) {
  if (get_global_id(0) != 0) return;
  tb_denosumab_state s = *st;
  const float t0 = step_start(sc, ks->step), t1 = step_start(sc, ks->step + 1u);
  float when[TB_MAX_DOSES_PER_STEP], mg[TB_MAX_DOSES_PER_STEP];
  int nd = doses_in(tr, TB_DRUG_DENOSUMAB, t0, t1, when, mg, TB_MAX_DOSES_PER_STEP);
  float t = t0;
  for (int d = 0; d < nd; d++) {
    dmab_integrate(kp, &s, t, when[d]);
    s.depot_ng_per_mL += kp->ng_per_mL_per_mg * mg[d];
    t = when[d];
  }
  dmab_integrate(kp, &s, t, t1);
  s.t_days = t1;
  *st = s;
  /* The step's effect from the concentration at its end (a dose inside the
   * step acts from that step on). */
  fx->rankl_free = kp->denominator / (kp->denominator + kp->chi_K_per_ng_per_mL * s.serum_ng_per_mL);
}
