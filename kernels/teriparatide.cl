/* Teriparatide (IMMUNE_AND_TREATMENTS.md 5.4): why daily pulses build bone
 * and the same amount infused does not.
 *
 * Pharmacokinetics, hours (Martonova 2023, martonova_parameters.py): a
 * subcutaneous depot d and serum drug c, both as serum concentration (pM),
 *   dd/dt = -k_a d + infusion,   dc/dt = k_a d - k_e c,
 * each injection adding F Dose / V to d: C_max 29.7 pM 0.5 h after 20 ug
 * with F = 0.95 (31 pM with F = 1) [derived].
 * Anti-apoptosis, per hour (OpenBoneMin.cpp, metrumresearchgroup/
 * OpenBoneMin), with P = endogenous PTH P0 + c:
 *   dRX2/dt  = 6.93 - (0.125 + 5 P/(P + EC50r)) RX2,  EC50r = 5 P0/(0.693 - 0.125) - P0
 *   dCREB/dt = 0.0279513 (0.5 + 3.39745 P/(P + EC50c)) - 0.00279513 CREB,  EC50c = 3.39745 P0/0.5 - P0
 *   dBCL2/dt = 0.693 (RX2 CREB - BCL2),  RUNX2 = BCL2 - 90 if BCL2 > 105 else 10
 * (10, 10, 100 and RUNX2 10 at P = P0). A pulse lifts CREB (slow, ~15 d)
 * more than it lowers RX2 (fast), so BCL2 overshoots 105 for hours after
 * each injection; a steady P lowers RX2 as much as it raises CREB and BCL2
 * stays below 105. The osteoblast apoptosis factor of the step's mean RUNX2
 * R, a = 1.01 - 0.6444951 R^g/(R^g + R50^g) (g 3.81644, a(10) = 1), is 0.93
 * at 1 month and 0.90 from 3 months of 20 ug daily (0.92, 0.90 with F = 1,
 * the figures of IMMUNE_AND_TREATMENTS.md) and 1.00 infused
 * (tests/physics/test_anabolic.c). Osteoblasts live 1/a longer; lining cells
 * on quiescent surfaces are activated in proportion to 1 - a (Dobnig 1995),
 * so only pulses do it; osteoblast-lineage RANKL follows the step's mean
 * PTH, the same for either regimen (the catabolic part). */

#define PTH_SUBSTEP_H 0.1f
#define PTH_HILL 3.81644f
#define PTH_RUNX2_EMAX 0.6444951f

typedef struct pth_y {
  float d, c, rx2, creb, bcl2;
} pth_y;

inline pth_y pth_rate(__constant tb_kp_teriparatide *kp, pth_y y, float infusion_pM_per_h) {
  const float p0 = kp->p0_pM, p = p0 + y.c;
  const float ec50r = 5.0f * p0 / (0.693f - 0.125f) - p0, ec50c = 3.39745f * p0 / 0.5f - p0;
  pth_y r;
  r.d = -kp->ka_per_h * y.d + infusion_pM_per_h;
  r.c = kp->ka_per_h * y.d - kp->ke_per_h * y.c;
  r.rx2 = 6.93f - (0.125f + 5.0f * p / (p + ec50r)) * y.rx2;
  r.creb = 0.0279513f * (0.5f + 3.39745f * p / (p + ec50c)) - 0.00279513f * y.creb;
  r.bcl2 = 0.693f * (y.rx2 * y.creb - y.bcl2);
  return r;
}

inline pth_y pth_axpy(pth_y y, float h, pth_y k) {
  pth_y r = {y.d + h * k.d, y.c + h * k.c, y.rx2 + h * k.rx2, y.creb + h * k.creb, y.bcl2 + h * k.bcl2};
  return r;
}

inline float pth_runx2(float bcl2) { return bcl2 > 105.0f ? bcl2 - 90.0f : 10.0f; }

/* Osteoblast apoptosis relative to health at RUNX2 R (1 at R = 10). */
inline float pth_apoptosis(float R) {
  const float r50 = 10.0f * pow(PTH_RUNX2_EMAX / 0.01f - 1.0f, 1.0f / PTH_HILL);
  const float rg = pow(R, PTH_HILL);
  return 1.01f - PTH_RUNX2_EMAX * rg / (rg + pow(r50, PTH_HILL));
}

/* Sums over the step: time x drug concentration, time x RUNX2 above its
 * resting 10 (exactly 0 without an excursion), and the peak. */
typedef struct pth_acc {
  float c_h, runx2_h, peak;
} pth_acc;

/* Classical Runge-Kutta over [t, t1) days in substeps of at most
 * PTH_SUBSTEP_H hours; the infusion rate is that at each substep's start. */
inline void pth_integrate(__constant tb_kp_teriparatide *kp, __constant tb_kp_treatment *tr, pth_y *y, float t,
                          float t1, pth_acc *acc) {
  const float span_h = (t1 - t) * 24.0f;
  if (!(span_h > 0.0f)) return;
  const int n = (int)ceil(span_h / PTH_SUBSTEP_H);
  const float h = span_h / (float)n;
  pth_y s = *y;
  for (int k = 0; k < n; k++) {
    const float inf = infusion_mg_per_day(tr, TB_DRUG_TERIPARATIDE, t + (float)k * h / 24.0f) * kp->pM_per_mg / 24.0f;
    pth_y k1 = pth_rate(kp, s, inf);
    pth_y k2 = pth_rate(kp, pth_axpy(s, 0.5f * h, k1), inf);
    pth_y k3 = pth_rate(kp, pth_axpy(s, 0.5f * h, k2), inf);
    pth_y k4 = pth_rate(kp, pth_axpy(s, h, k3), inf);
    const float c0 = s.c, r0 = pth_runx2(s.bcl2);
    s.d = fmax(s.d + h / 6.0f * (k1.d + 2.0f * k2.d + 2.0f * k3.d + k4.d), 0.0f);
    s.c = fmax(s.c + h / 6.0f * (k1.c + 2.0f * k2.c + 2.0f * k3.c + k4.c), 0.0f);
    s.rx2 += h / 6.0f * (k1.rx2 + 2.0f * k2.rx2 + 2.0f * k3.rx2 + k4.rx2);
    s.creb += h / 6.0f * (k1.creb + 2.0f * k2.creb + 2.0f * k3.creb + k4.creb);
    s.bcl2 += h / 6.0f * (k1.bcl2 + 2.0f * k2.bcl2 + 2.0f * k3.bcl2 + k4.bcl2);
    /* Trapezoid sums over the substep. */
    acc->c_h += 0.5f * h * (c0 + s.c);
    acc->runx2_h += 0.5f * h * ((r0 - 10.0f) + (pth_runx2(s.bcl2) - 10.0f));
    acc->peak = fmax(acc->peak, s.c);
  }
  *y = s;
}

/* One work-item: the course to the end of this step; the osteoblast life
 * factor, the RANKL factor and the lining-cell activation of the step. */
__kernel void teriparatide_advance(__constant tb_kp_schedule *sc, __constant tb_kp_treatment *tr,
                                   __constant tb_kp_teriparatide *kp, __constant tb_kstep *ks,
                                   __global tb_teriparatide_state *st, __global tb_drug_effects *fx) {
  if (get_global_id(0) != 0) return;
  tb_teriparatide_state s = *st;
  const float t0 = step_start(sc, ks->step), t1 = step_start(sc, ks->step + 1u);
  float when[TB_MAX_DOSES_PER_STEP], mg[TB_MAX_DOSES_PER_STEP];
  const int nd = doses_in(tr, TB_DRUG_TERIPARATIDE, t0, t1, when, mg, TB_MAX_DOSES_PER_STEP);
  pth_y y = {s.depot_pM, s.serum_pM, s.rx2, s.creb, s.bcl2};
  pth_acc acc = {0.0f, 0.0f, s.serum_pM};
  float t = t0;
  for (int d = 0; d < nd; d++) {
    pth_integrate(kp, tr, &y, t, when[d], &acc);
    y.d += kp->pM_per_mg * mg[d];
    t = when[d];
  }
  pth_integrate(kp, tr, &y, t, t1, &acc);
  const float span_h = (t1 - t0) * 24.0f;
  s.t_days = t1;
  s.depot_pM = y.d;
  s.serum_pM = y.c;
  s.rx2 = y.rx2;
  s.creb = y.creb;
  s.bcl2 = y.bcl2;
  s.mean_pM = acc.c_h / span_h;
  s.peak_pM = acc.peak;
  *st = s;
  /* Without drug in the step the effects are exactly neutral. */
  const float a = acc.runx2_h > 0.0f ? pth_apoptosis(10.0f + acc.runx2_h / span_h) : 1.0f;
  const float pmean = kp->p0_pM + s.mean_pM, emax = kp->rankl_emax;
  fx->ob_life_factor = 1.0f / a;
  fx->rankl_factor = s.mean_pM > 0.0f ? emax * pmean / ((emax - 1.0f) * kp->p0_pM + pmean) : 1.0f;
  /* 0.11 = 1 - a at the daily regimen's plateau (IMMUNE_AND_TREATMENTS.md):
   * lining_gain is the activation there. */
  fx->lining_teriparatide = kp->lining_gain * fmax(1.0f - a, 0.0f) / 0.11f;
}
