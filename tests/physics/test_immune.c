/* The immune compartment (kernels/immune.cl) against what it must do.
 *
 *  - In health nothing moves: every population, the precursor pool and the
 *    cytokine fields stay at their premenopausal values step after step.
 *  - After an abrupt estrogen withdrawal the populations follow their
 *    relaxation equations: RANKL per immune cell is 1 + r (1 - E) exactly,
 *    TNF T cells relax to 1 + f (1 - E) at mu (analytic exponential), Treg
 *    stay at 1, Th17 and M1 rise, M2 fall.
 *  - Each population's knock-out moves osteoclastogenesis the right way: on
 *    a sample with no remodeling (activation frequency 0, so the tissue is
 *    the same in every run), the mean relative initiation rate over the bone
 *    surface (the `osteoclastogenesis` output) after 40 days of withdrawal
 *    is lower with Th17, TNF T cells, M1, M2, B cells, neutrophils, mast
 *    cells, TNF-alpha, IL-17 or IL-6 knocked out, and higher with Treg
 *    knocked out (IMMUNE_AND_TREATMENTS.md 2.1); a knock-in (scale 2) moves
 *    it the other way.
 *  - The M2-derived precursor supply matures before it joins the pool: a
 *    slower early rise, the same steady state.
 * Every test skips (77) when no OpenCL device can be opened. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tb_test_sim.h"
#include "trabecula/device.h"
#include "trabecula/params.h"
#include "trabecula/phantom.h"
#include "trabecula/sim.h"
#include "trabecula/volume.h"

static tb_device *dev;

/* A small trabecular sample (24^3 at 40 um). */
static tb_volume *sample(void) {
  tb_phantom_params pp;
  tb_phantom_params_default(&pp);
  pp.size = 24;
  pp.spacing_um = 40.0;
  pp.tb_th_um = 120.0;
  tb_volume *v = NULL;
  return tb_phantom_generate(&pp, &v, NULL) == TB_OK ? v : NULL;
}

/* Defaults, no spin-up, surgical withdrawal at day 0 unless healthy, then
 * extra assignments. */
static int params(tb_params *p, int withdrawal, const char *const *set, int n) {
  tb_params_default(p);
  const char *base[] = {"run.spinup_days=0", "estrogen.menopause_day=0", "estrogen.decline_days=0.161"};
  for (int i = 0; i < 3; i++)
    if (tb_params_set_assignment(p, base[i]) != TB_OK) return 1;
  if (tb_params_set_assignment(p, withdrawal ? "estrogen.loss=0.903" : "estrogen.loss=0") != TB_OK) return 1;
  for (int i = 0; i < n; i++)
    if (tb_params_set_assignment(p, set[i]) != TB_OK) return 1;
  return 0;
}

static int healthy_immune_state_does_not_drift(void) {
  int rc = 1;
  tb_volume *v = sample();
  tb_sim *s = NULL;
  tb_params p;
  double a[64], b[64];
  REQUIRE(v && params(&p, 0, NULL, 0) == 0);
  REQUIRE(tb_sim_create(dev, &p, v, NULL, &s) == TB_OK);
  int n = tb_sim_scalar_count(s);
  REQUIRE(n > 0 && n <= 64 && scalar_index(s, "th17") >= 0);
  REQUIRE(tb_sim_read_scalars(s, a) == TB_OK);
  for (int k = 0; k < 50; k++) REQUIRE(tb_sim_step(s) == TB_OK);
  REQUIRE(tb_sim_read_scalars(s, b) == TB_OK);
  static const char *const levels[] = {"th17", "treg", "effector_t", "m1", "m2", "b_cell", "neutrophil",
                                       "mast_cell", "precursors", "rankl_per_immune_cell"};
  for (int i = 0; i < 10; i++) {
    int k = scalar_index(s, levels[i]);
    REQUIRE(k >= 0);
    REQUIRE_NEAR(b[k], 1.0, 1e-4);
  }
  static const char *const fields[] = {"tnf", "il17", "il6"};
  for (int i = 0; i < 3; i++) {
    int k = scalar_index(s, fields[i]);
    REQUIRE(k >= 0 && a[k] > 0.1);
    /* The fields follow the marrow, which healthy remodeling barely moves. */
    REQUIRE_NEAR(b[k] / a[k], 1.0, 0.02);
  }
  rc = 0;
done:
  tb_sim_destroy(&s);
  tb_volume_destroy(&v);
  return rc;
}

static int withdrawal_follows_the_relaxation_equations(void) {
  int rc = 1;
  tb_volume *v = sample();
  tb_sim *s = NULL;
  tb_params p;
  double x[64];
  REQUIRE(v && params(&p, 1, NULL, 0) == 0);
  REQUIRE(tb_sim_create(dev, &p, v, NULL, &s) == TB_OK);
  for (int k = 0; k < 15; k++) REQUIRE(tb_sim_step(s) == TB_OK); /* 30 days */
  REQUIRE(tb_sim_read_scalars(s, x) == TB_OK);
  double t = tb_sim_time_days(s), d = 0.903 * (1.0 - exp(-t / 0.161));
  REQUIRE_NEAR(x[scalar_index(s, "rankl_per_immune_cell")], 1.0 + p.rankl_per_cell_estrogen_gain * d, 1e-4);
  /* TNF T cells: target 1 + f d, reached at mu per day (backward Euler in
   * quarter days: within 1 % of the exponential). */
  double target = 1.0 + p.effector_t_estrogen_gain * d;
  double expect = target - (target - 1.0) * exp(-p.t_cell_turnover_per_day * t);
  REQUIRE_NEAR(x[scalar_index(s, "effector_t")], expect, 0.01 * (target - 1.0));
  REQUIRE_NEAR(x[scalar_index(s, "treg")], 1.0, 1e-4);
  REQUIRE(x[scalar_index(s, "th17")] > expect); /* its target is raised further by weaker Treg suppression */
  /* Polarisation shifts to M1 (Dou 2018): M1 up, M2 down. */
  printf("  day %g: th17 %.3f effector_t %.3f m1 %.3f m2 %.3f b_cell %.3f precursors %.3f\n", t,
         x[scalar_index(s, "th17")], x[scalar_index(s, "effector_t")], x[scalar_index(s, "m1")],
         x[scalar_index(s, "m2")], x[scalar_index(s, "b_cell")], x[scalar_index(s, "precursors")]);
  REQUIRE(x[scalar_index(s, "m1")] > 1.05);
  REQUIRE(x[scalar_index(s, "m2")] < 1.0);
  REQUIRE(x[scalar_index(s, "b_cell")] > 1.05);
  REQUIRE(x[scalar_index(s, "tnf")] > 0.0 && x[scalar_index(s, "il17")] > 0.0);
  rc = 0;
done:
  tb_sim_destroy(&s);
  tb_volume_destroy(&v);
  return rc;
}

/* The precursor pool after `steps` steps of withdrawal, no remodeling, no
 * cap (precursor_max 100), with the M2 supply's maturation time tau_Q. */
static int pool_after(const tb_volume *v, double tau_q_days, int steps, double *out) {
  int rc = 1;
  tb_sim *s = NULL;
  tb_params p;
  double x[64];
  char tq[64];
  snprintf(tq, sizeof tq, "immune.precursor_maturation_days=%g", tau_q_days);
  const char *extra[3] = {"osteoclast.activation_frequency_per_year=0", "immune.precursor_max=100", tq};
  REQUIRE(params(&p, 1, extra, 3) == 0);
  REQUIRE(tb_sim_create(dev, &p, v, NULL, &s) == TB_OK);
  for (int k = 0; k < steps; k++) REQUIRE(tb_sim_step(s) == TB_OK);
  REQUIRE(tb_sim_read_scalars(s, x) == TB_OK);
  *out = x[scalar_index(s, "precursors")];
  rc = 0;
done:
  tb_sim_destroy(&s);
  return rc;
}

/* The M2-derived supply matures for a mean tau_Q before it joins the pool
 * (dQ/dt = flux - Q/tau_Q, then Q/tau_Q into P): 30 days after withdrawal
 * the pool has risen less than half as much as with tau_Q = 0, and once
 * the lag has passed (1600 days, 13 tau_Q) both reach the same steady
 * state, the one of dP/dt = 0. */
static int m2_supply_matures_before_it_joins_the_pool(void) {
  int rc = 1;
  tb_volume *v = sample();
  double at_once = 0, delayed = 0, at_once_late = 0, delayed_late = 0;
  tb_params p;
  tb_params_default(&p);
  REQUIRE(v && p.precursor_maturation_days >= 30.0);
  REQUIRE(pool_after(v, 0.0, 15, &at_once) == 0);
  REQUIRE(pool_after(v, p.precursor_maturation_days, 15, &delayed) == 0);
  printf("  day 30: pool %.4f at once, %.4f after maturation (tau_Q %g days)\n", at_once, delayed,
         p.precursor_maturation_days);
  REQUIRE(at_once - 1.0 > 0.05);
  REQUIRE(delayed > 1.0 && delayed - 1.0 < 0.5 * (at_once - 1.0));
  REQUIRE(pool_after(v, 0.0, 800, &at_once_late) == 0);
  REQUIRE(pool_after(v, p.precursor_maturation_days, 800, &delayed_late) == 0);
  printf("  day 1600: pool %.4f at once, %.4f after maturation\n", at_once_late, delayed_late);
  REQUIRE(at_once_late > at_once);
  REQUIRE_NEAR(delayed_late, at_once_late, 0.01 * (at_once_late - 1.0));
  rc = 0;
done:
  tb_volume_destroy(&v);
  return rc;
}

/* Mean relative initiation rate over the surface after 40 days of
 * withdrawal, no remodeling, with one extra assignment (or none). */
static int drive_with(const tb_volume *v, const char *set, double *out) {
  int rc = 1;
  tb_sim *s = NULL;
  tb_params p;
  float *m = NULL;
  const char *extra[2] = {"osteoclast.activation_frequency_per_year=0", set};
  REQUIRE(params(&p, 1, extra, set ? 2 : 1) == 0);
  REQUIRE(tb_sim_create(dev, &p, v, NULL, &s) == TB_OK);
  for (int k = 0; k < 20; k++) REQUIRE(tb_sim_step(s) == TB_OK);
  size_t n = tb_volume_count(v);
  m = malloc(n * sizeof *m);
  REQUIRE(m && tb_sim_read(s, "osteoclastogenesis", m) == TB_OK);
  double sum = 0;
  size_t cnt = 0;
  for (size_t i = 0; i < n; i++)
    if (m[i] > 0) {
      sum += m[i];
      cnt++;
    }
  REQUIRE(cnt > 100);
  *out = sum / (double)cnt;
  rc = 0;
done:
  free(m);
  tb_sim_destroy(&s);
  return rc;
}

static int knock_outs_move_osteoclastogenesis_the_right_way(void) {
  int rc = 1;
  tb_volume *v = sample();
  double intact = 0, x = 0, healthy = 0;
  REQUIRE(v);
  REQUIRE(drive_with(v, NULL, &intact) == 0);
  REQUIRE(drive_with(v, "estrogen.loss=0", &healthy) == 0);
  printf("  relative initiation rate: healthy %.4f, withdrawal %.4f\n", healthy, intact);
  REQUIRE_NEAR(healthy, 1.0, 0.02);
  REQUIRE(intact > 1.2);
  static const char *const lower[] = {"th17",      "effector_t", "m1",  "m2",   "b_cell",
                                      "neutrophil", "mast_cell", "tnf", "il17", "il6"};
  char set[64];
  for (int i = 0; i < 10; i++) {
    snprintf(set, sizeof set, "immune.%s_scale=0", lower[i]);
    REQUIRE(drive_with(v, set, &x) == 0);
    printf("  %-26s %.4f (%+.2f %%)\n", set, x, 100 * (x / intact - 1));
    REQUIRE(x < intact);
    snprintf(set, sizeof set, "immune.%s_scale=2", lower[i]);
    REQUIRE(drive_with(v, set, &x) == 0);
    printf("  %-26s %.4f (%+.2f %%)\n", set, x, 100 * (x / intact - 1));
    REQUIRE(x > intact);
  }
  REQUIRE(drive_with(v, "immune.treg_scale=0", &x) == 0);
  printf("  immune.treg_scale=0        %.4f (%+.2f %%)\n", x, 100 * (x / intact - 1));
  REQUIRE(x > intact);
  REQUIRE(drive_with(v, "immune.treg_scale=2", &x) == 0);
  printf("  immune.treg_scale=2        %.4f (%+.2f %%)\n", x, 100 * (x / intact - 1));
  REQUIRE(x < intact);
  rc = 0;
done:
  tb_volume_destroy(&v);
  return rc;
}

int main(void) {
  int r = open_device(&dev);
  if (r) return r;
  int rc = TB_RUN(healthy_immune_state_does_not_drift, withdrawal_follows_the_relaxation_equations,
                  knock_outs_move_osteoclastogenesis_the_right_way, m2_supply_matures_before_it_joins_the_pool);
  tb_dev_destroy(&dev);
  return rc;
}
