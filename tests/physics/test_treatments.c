/* Treatments (IMMUNE_AND_TREATMENTS.md 5) against their published courses.
 *
 *  - Denosumab's serum course is Martinez-Reina & Pivonka 2019's: C_max
 *    10.1 ug/mL at 15.9 d, 3.1 ug/mL at 90 d, about 46 ng/mL at 183 d after
 *    60 mg, and the free share of RANKL 7, 19 and 94 % at 1, 3 and 6 months
 *    [derived in IMMUNE_AND_TREATMENTS.md].
 *  - Denosumab blocks osteoclastogenesis within a month, and its effect
 *    fades within months of a missed dose: eight months after a single
 *    dose the initiation rate is back, above the untreated rate (the
 *    precursor pool filled while differentiation was blocked: the rebound).
 *  - A hormone-therapy course holds estrogen at its level while it runs and
 *    gives it back to the natural decline when it stops.
 * The device tests skip (77) when no OpenCL device can be opened. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tb_test_sim.h"
#include "trabecula/params.h"
#include "trabecula/phantom.h"
#include "trabecula/sim.h"

static tb_device *dev;

static tb_volume *sample(void) {
  tb_phantom_params pp;
  tb_phantom_params_default(&pp);
  pp.size = 24;
  pp.spacing_um = 40.0;
  pp.tb_th_um = 120.0;
  tb_volume *v = NULL;
  return tb_phantom_generate(&pp, &v, NULL) == TB_OK ? v : NULL;
}

/* Healthy, no spin-up, daily steps, no remodeling (the tissue is the same
 * in every run, so rates compare directly), then extra assignments. */
static int params(tb_params *p, const char *const *set, int n) {
  tb_params_default(p);
  const char *base[] = {"run.spinup_days=0", "run.dt_days=1", "osteoclast.activation_frequency_per_year=0"};
  for (int i = 0; i < 3; i++)
    if (tb_params_set_assignment(p, base[i]) != TB_OK) return 1;
  for (int i = 0; i < n; i++)
    if (tb_params_set_assignment(p, set[i]) != TB_OK) return 1;
  return tb_params_validate(p, 40.0) == TB_OK ? 0 : 1;
}

static const char *const one_dose[] = {"treatment.1.drug=denosumab", "treatment.1.start_day=0",
                                       "treatment.1.dose_mg=60", "treatment.1.stop_day=1"};

/* The free shares 7, 19, 94 % are the paper's binding (chi = 0.012); the
 * calibrated default (data/calibration/denosumab.json) binds more. */
static int denosumab_follows_its_published_course(void) {
  int rc = 1;
  tb_volume *v = sample();
  tb_sim *s = NULL;
  tb_params p;
  double x[64], cmax = 0, tmax = 0, c90 = 0, c183 = 0, f30 = 0, f90 = 0, f180 = 0;
  const char *set[] = {one_dose[0], one_dose[1], one_dose[2], one_dose[3], "denosumab.rankl_binding=0.012"};
  REQUIRE(v && params(&p, set, 5) == 0);
  REQUIRE(tb_sim_create(dev, &p, v, NULL, &s) == TB_OK);
  int kc = scalar_index(s, "denosumab_ng_per_mL"), kf = scalar_index(s, "rankl_free_share");
  REQUIRE(kc >= 0 && kf >= 0 && tb_sim_scalar_count(s) <= 64);
  for (int day = 1; day <= 183; day++) {
    REQUIRE(tb_sim_step(s) == TB_OK);
    REQUIRE(tb_sim_read_scalars(s, x) == TB_OK);
    if (x[kc] > cmax) cmax = x[kc], tmax = tb_sim_time_days(s);
    if (day == 30) f30 = x[kf];
    if (day == 90) c90 = x[kc], f90 = x[kf];
    if (day == 180) f180 = x[kf];
    if (day == 183) c183 = x[kc];
  }
  printf("  C_max %.0f ng/mL at day %g; C(90) %.0f, C(183) %.1f ng/mL; free RANKL %.3f %.3f %.3f\n", cmax, tmax, c90,
         c183, f30, f90, f180);
  REQUIRE_NEAR(cmax, 10100.0, 500.0);
  REQUIRE_NEAR(tmax, 15.9, 1.5);
  REQUIRE_NEAR(c90, 3100.0, 300.0);
  REQUIRE(c183 > 25.0 && c183 < 80.0);
  REQUIRE_NEAR(f30, 0.07, 0.02);
  REQUIRE_NEAR(f90, 0.19, 0.03);
  REQUIRE(f180 > 0.90 && f180 < 0.97);
  rc = 0;
done:
  tb_sim_destroy(&s);
  tb_volume_destroy(&v);
  return rc;
}

/* Mean relative initiation rate over the surface and the precursor pool
 * at each of the days asked. */
static int drive_at(const tb_volume *v, const char *const *set, int nset, const int *days, int ndays, double *drive,
                    double *pool) {
  int rc = 1;
  tb_sim *s = NULL;
  tb_params p;
  float *m = NULL;
  double x[64];
  size_t n = tb_volume_count(v);
  REQUIRE(params(&p, set, nset) == 0);
  REQUIRE(tb_sim_create(dev, &p, v, NULL, &s) == TB_OK);
  m = malloc(n * sizeof *m);
  REQUIRE(m);
  int kp = scalar_index(s, "precursors");
  REQUIRE(kp >= 0 && tb_sim_scalar_count(s) <= 64);
  for (int j = 0, day = 0; j < ndays; j++) {
    for (; day < days[j]; day++) REQUIRE(tb_sim_step(s) == TB_OK);
    REQUIRE(tb_sim_read(s, "osteoclastogenesis", m) == TB_OK);
    REQUIRE(tb_sim_read_scalars(s, x) == TB_OK);
    double sum = 0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
      if (m[i] > 0) sum += m[i], cnt++;
    REQUIRE(cnt > 100);
    drive[j] = sum / (double)cnt;
    pool[j] = x[kp];
  }
  rc = 0;
done:
  free(m);
  tb_sim_destroy(&s);
  return rc;
}

static int denosumab_blocks_osteoclastogenesis_and_fades_after_a_missed_dose(void) {
  int rc = 1;
  tb_volume *v = sample();
  const int days[] = {30, 180, 240};
  double treated[3], untreated[3], pool[3], pool0[3];
  REQUIRE(v);
  REQUIRE(drive_at(v, NULL, 0, days, 3, untreated, pool0) == 0);
  REQUIRE(drive_at(v, one_dose, 4, days, 3, treated, pool) == 0);
  printf("  initiation rate treated/untreated: day 30 %.3f, day 180 %.3f, day 240 %.3f; pool %.3f %.3f %.3f\n",
         treated[0] / untreated[0], treated[1] / untreated[1], treated[2] / untreated[2], pool[0], pool[1], pool[2]);
  REQUIRE(treated[0] < 0.15 * untreated[0]); /* blocked within a month */
  REQUIRE(treated[1] < 0.25 * untreated[1]); /* still blocked when the next dose is due */
  REQUIRE(pool[1] > 1.1 && pool0[1] < 1.0001); /* precursors pile up while blocked */
  /* Eight months after the only dose (the second, due at 6 months, was
   * missed) osteoclastogenesis is back and above the untreated rate. */
  REQUIRE(treated[2] > 1.05 * untreated[2]);
  rc = 0;
done:
  tb_volume_destroy(&v);
  return rc;
}

static int hormone_therapy_course_restores_estrogen_while_it_runs(void) {
  tb_params p;
  tb_params_default(&p);
  const char *set[] = {"estrogen.loss=0.9", "estrogen.menopause_day=0", "estrogen.decline_days=10",
                       "treatment.3.drug=hormone_therapy", "treatment.3.start_day=100", "treatment.3.stop_day=300",
                       "treatment.3.dose_mg=0.1", "treatment.4.drug=hormone_therapy", "treatment.4.start_day=400",
                       "treatment.4.dose_mg=0.05"};
  for (int i = 0; i < 10; i++) EXPECT(tb_params_set_assignment(&p, set[i]) == TB_OK);
  EXPECT(tb_params_validate(&p, 40.0) == TB_OK);
  double natural = 1.0 - 0.9 * (1.0 - exp(-50.0 / 10.0));
  EXPECT_NEAR(tb_estrogen_level(&p, 50.0), natural, 1e-5);
  EXPECT_NEAR(tb_estrogen_level(&p, 100.0), 1.0, 0.0);
  EXPECT_NEAR(tb_estrogen_level(&p, 299.0), 1.0, 0.0);
  EXPECT_NEAR(tb_estrogen_level(&p, 300.0), 1.0 - 0.9 * (1.0 - exp(-30.0)), 1e-5); /* back to the decline */
  EXPECT_NEAR(tb_estrogen_level(&p, 500.0), 0.5, 1e-6); /* half the full dose, no stop day */
  /* The device's step constants use the same schedule. */
  tb_kp_schedule kp;
  tb_params_schedule(&p, &kp);
  EXPECT(kp.n_ht == 2);
  tb_kstep k = tb_schedule_at(&kp, (uint32_t)((200.0 + p.spinup_days) / p.dt_days));
  EXPECT_NEAR(k.estrogen, 1.0, 0.0);
  return 0;
}

static int with_device(int (*fn)(void)) {
  if (!dev && open_device(&dev) != 0) return TB_SKIP;
  return fn();
}
static int t_pk(void) { return with_device(denosumab_follows_its_published_course); }
static int t_fade(void) { return with_device(denosumab_blocks_osteoclastogenesis_and_fades_after_a_missed_dose); }

int main(void) {
  int r = TB_RUN(hormone_therapy_course_restores_estrogen_while_it_runs, t_pk, t_fade);
  tb_dev_destroy(&dev);
  return r;
}
