/* Romosozumab (IMMUNE_AND_TREATMENTS.md 5.5; Eudy 2015 CPT:PSP 4:527).
 *
 * Pharmacokinetics, days: subcutaneous depot A (nmol), central and
 * peripheral concentrations C, C_p (nM) with target-mediated elimination,
 *   dA/dt = -k_a A
 *   V_c dC/dt = k_a A - CL C - Q (C - C_p) - V_max C/(K_m + C)
 *   V_p dC_p/dt = Q (C - C_p)
 * each dose adding F x dose / molar mass to A: C_max about 140 nM 5 to 6 d
 * after 210 mg. Total serum sclerostin S (free + bound) and the bone's
 * tolerance TOL to the Wnt signal (Eudy 2015),
 *   dS/dt = k_in - k_out S - (k_0 - k_out) S C/(K_m + C)
 *   dTOL/dt = k_TOL (S_max S_r/(S_max - 1 + S_r) - TOL),  S_r = S/S0:
 * bound sclerostin is cleared slowly (k_0 << k_out), so total sclerostin
 * rises; k_out = 25/d is stiff, hence substeps of 0.025 d.
 * Effects: free sclerostin relative to untreated, S_r K_m/(K_m + C), scales
 * the sclerostin the osteoblasts read (kernels/formation.cl); osteocyte OPG
 * x (free share)^-e (kernels/osteocyte.cl: Wnt signalling released from
 * sclerostin raises osteocyte OPG; Eudy 2015 scale OPG with total
 * sclerostin, S_r^1.597, which rises about 90-fold here and would leave
 * almost no resorption, far below FRAME's markers); lining cells on quiescent surfaces
 * form bone at lining_gain (1 - free share)/TOL of the healthy MAR
 * (kernels/lining.cl): formation first, waning within the year as the
 * tolerance builds. */

#define ROMO_SUBSTEP_DAYS 0.025f

typedef struct romo_y {
  float a, c, cp, s, tol;
} romo_y;

inline romo_y romo_rate(__constant tb_kp_romosozumab *kp, romo_y y) {
  const float bound = y.c / (kp->km_nM + y.c), sr = y.s / kp->scl0_nM, smax = kp->tol_max;
  romo_y r;
  r.a = -kp->ka_per_day * y.a;
  r.c = (kp->ka_per_day * y.a - kp->cl_L_per_day * y.c - kp->q_L_per_day * (y.c - y.cp) -
         kp->vmax_nmol_per_day * bound) /
        kp->vc_L;
  r.cp = kp->q_L_per_day * (y.c - y.cp) / kp->vp_L;
  r.s = kp->scl_in_nM_per_day - kp->scl_out_per_day * y.s -
        (kp->complex_out_per_day - kp->scl_out_per_day) * y.s * bound;
  r.tol = kp->tol_rate_per_day * (smax * sr / (smax - 1.0f + sr) - y.tol);
  return r;
}

inline romo_y romo_axpy(romo_y y, float h, romo_y k) {
  romo_y r = {y.a + h * k.a, y.c + h * k.c, y.cp + h * k.cp, y.s + h * k.s, y.tol + h * k.tol};
  return r;
}

/* Classical Runge-Kutta from t to t1 in substeps of at most ROMO_SUBSTEP_DAYS. */
inline void romo_integrate(__constant tb_kp_romosozumab *kp, romo_y *y, float t, float t1) {
  const float span = t1 - t;
  if (!(span > 0.0f)) return;
  const int n = (int)ceil(span / ROMO_SUBSTEP_DAYS);
  const float h = span / (float)n;
  romo_y s = *y;
  for (int k = 0; k < n; k++) {
    romo_y k1 = romo_rate(kp, s);
    romo_y k2 = romo_rate(kp, romo_axpy(s, 0.5f * h, k1));
    romo_y k3 = romo_rate(kp, romo_axpy(s, 0.5f * h, k2));
    romo_y k4 = romo_rate(kp, romo_axpy(s, h, k3));
    s.a = fmax(s.a + h / 6.0f * (k1.a + 2.0f * k2.a + 2.0f * k3.a + k4.a), 0.0f);
    s.c = fmax(s.c + h / 6.0f * (k1.c + 2.0f * k2.c + 2.0f * k3.c + k4.c), 0.0f);
    s.cp = fmax(s.cp + h / 6.0f * (k1.cp + 2.0f * k2.cp + 2.0f * k3.cp + k4.cp), 0.0f);
    s.s = fmax(s.s + h / 6.0f * (k1.s + 2.0f * k2.s + 2.0f * k3.s + k4.s), 0.0f);
    s.tol += h / 6.0f * (k1.tol + 2.0f * k2.tol + 2.0f * k3.tol + k4.tol);
  }
  *y = s;
}

/* One work-item: the course to the end of this step and the effects of the
 * step, from the state at its end (as kernels/denosumab.cl). Untreated the
 * state rests at S = S0, TOL = 1 and the effects are exactly neutral. */
__kernel void romosozumab_advance(__constant tb_kp_schedule *sc, __constant tb_kp_treatment *tr,
                                  __constant tb_kp_romosozumab *kp, __constant tb_kstep *ks,
                                  __global tb_romosozumab_state *st, __global tb_drug_effects *fx) {
  if (get_global_id(0) != 0) return;
  tb_romosozumab_state s = *st;
  const float t0 = step_start(sc, ks->step), t1 = step_start(sc, ks->step + 1u);
  float when[TB_MAX_DOSES_PER_STEP], mg[TB_MAX_DOSES_PER_STEP];
  const int nd = doses_in(tr, TB_DRUG_ROMOSOZUMAB, t0, t1, when, mg, TB_MAX_DOSES_PER_STEP);
  romo_y y = {s.depot_nmol, s.central_nM, s.peripheral_nM, s.scl_nM, s.tolerance};
  const int dosed =
      nd > 0 || y.a > 0.0f || y.c > 0.0f || y.cp > 0.0f || y.s != kp->scl0_nM || y.tol != 1.0f;
  float t = t0;
  for (int d = 0; d < nd; d++) {
    romo_integrate(kp, &y, t, when[d]);
    y.a += kp->f_nmol_per_mg * mg[d];
    t = when[d];
  }
  /* Before the first dose nothing moves: the untreated rest stays exact. */
  if (dosed) romo_integrate(kp, &y, t, t1);
  s.t_days = t1;
  s.depot_nmol = y.a;
  s.central_nM = y.c;
  s.peripheral_nM = y.cp;
  s.scl_nM = y.s;
  s.tolerance = y.tol;
  *st = s;
  if (!dosed) return;
  const float sr = y.s / kp->scl0_nM, free_share = sr * kp->km_nM / (kp->km_nM + y.c);
  fx->scl_free = free_share;
  fx->opg_factor = pow(fmax(free_share, 1e-3f), -kp->opg_exponent);
  fx->lining_romosozumab = kp->lining_gain * fmax(1.0f - free_share, 0.0f) / y.tol;
}
