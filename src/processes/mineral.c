/* The mineral process (kernels/mineral.cl): each voxel's bone carries its
 * birth day, from which its mineral content follows (Martinez-Reina 2019),
 * and the run reports tissue mineral density and a BMD-like figure beside
 * BV/TV (IMMUNE_AND_TREATMENTS.md section 4).
 *
 * State: bone_birth_day, written by formation (mix_birth_day, common.h) and
 * kept by resorption, so the process runs nothing per step. Output: the
 * `mineral` volume, 1000 rho f v_m(t - birth) in mg/cm3. Scalars, reduced
 * on the device at snapshots only: per compartment the tissue mineral
 * density (mineral over bone volume) and the BMD-like figure (mineral over
 * the compartment's total volume), the BMD-like figure of the whole bone
 * organ and its change since t = 0. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trabecula/log.h"
#include "trabecula/morph.h"
#include "trabecula/process.h"

/* The host compiles the same law (mineral_fraction). */
#include "../../kernels/mineral.cl"

#define NSUMS 6 /* MINERAL_SUMS of kernels/mineral.cl */

/* Ages are capped where secondary mineralisation is complete in float
 * (e^(-40) of its deficit left): bone that remodeling never reaches (deeper
 * than a cavity below every surface) gets this age, and no older age could
 * change v_m or a later mix_birth_day. */
static double mature_age_days(const tb_kp_mineral *kp) {
  return (double)kp->lag_days + kp->primary_days + 40.0 / kp->secondary_rate_per_day;
}

typedef struct mineral {
  tb_kp_mineral kp;
  tb_buf *b_kp, *rows, *f, *birth;
  tb_kernel *stats;
  tb_reducer *red;
  tb_shape row_items;
  double mg_per_cm3;   /* 1000 x mineral density: mg/cm3 per unit f v_m */
  double bmd_ref;      /* organ BMD-like figure at the first report at t >= 0 (mg/cm3); NAN before */
  double half_step;
} mineral;

static const tb_scalar_desc scalars[] = {
    {"tmd_trabecular_mg_cm3", "mg/cm3", "tissue mineral density, trabecular: mineral over bone volume"},
    {"bmd_trabecular_mg_cm3", "mg/cm3", "BMD-like, trabecular: mineral over the compartment's total volume"},
    {"tmd_cortical_mg_cm3", "mg/cm3", "tissue mineral density, cortical: mineral over bone volume"},
    {"bmd_cortical_mg_cm3", "mg/cm3", "BMD-like, cortical: mineral over the compartment's total volume"},
    {"bmd_mg_cm3", "mg/cm3", "BMD-like of the bone organ (trabecular and cortical): volumetric mineral density"},
    {"bmd_change_pct", "%", "change of bmd_mg_cm3 since t = 0 (the first snapshot of a run)"},
};
#define NSCALARS ((int)(sizeof scalars / sizeof scalars[0]))

static tb_status declare(tb_sim *s, const tb_params *p) {
  tb_status st = TB_OK;
  TRY(tb_sim_declare_array(s, &(tb_array_desc){"bone_birth_day", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "day",
                                               TB_ARRAY_RESTART, 0,
                                               "when the voxel's bone was formed (mean weighted by e^(k day), "
                                               "mix_birth_day): its age is t - birth"}));
  TRY(tb_sim_declare_output(s, &(tb_output_desc){"mineral", "mg/cm3",
                                                  "mineral mass per voxel volume: 1000 density x f x v_m(age)"}));
  for (int i = 0; i < NSCALARS; i++) TRY(tb_sim_declare_scalar(s, &scalars[i]));
cleanup:
  return st;
}

/* Renewal rate of bone at distance d (um) from the nearest surface voxel,
 * relative to the activation frequency: a BMU seeded at a surface voxel
 * resorbs the ball of radius r0 = speed x period around it with a linear
 * ramp one voxel wide (ball_cover, common.h), and BMUs start at
 * Ac.f h^2/(pi r0^2) per surface voxel (osteoclast.c). Summed over a flat
 * surface's seeds (one per h^2), a point at depth d loses
 *   (pi/h^2) J(d),  J = r0^2 - r0 h + h^2/3 - d^2        for d <= r0 - h,
 *                   J = (2/h) [r0 (r0^2 - d^2)/2 - (r0^3 - d^3)/3]  below r0,
 * of its bone per BMU rate, so it is renewed at Ac.f J(d)/r0^2 (a surface
 * voxel of 40 um under 51 um cavities: 0.42 Ac.f), and never deeper than r0. */
static double renewal_share(double d, double r0, double h) {
  if (d >= r0) return 0.0;
  double j = d <= r0 - h ? r0 * r0 - r0 * h + h * h / 3.0 - d * d
                         : 2.0 / h * (r0 * (r0 * r0 - d * d) / 2.0 - (r0 * r0 * r0 - d * d * d) / 3.0);
  return fmax(j, 0.0) / (r0 * r0);
}

/* The initial tissue age. The sample is not newly formed bone: in a
 * remodeling steady state bone renewed at rate r (1/day) has an exponential
 * age distribution of mean 1/r (Martinez-Reina 2019 initialise their age
 * queue the same way), so each voxel draws age = -ln(u)/r from Philox keyed
 * by (seed, global voxel index, TB_RNG_TISSUE_AGE): reproducible on any
 * launch shape. r is the model's own: the healthy activation frequency
 * (osteoclast.activation_frequency_per_year), as realised on a surface whose
 * points are busy for a whole cycle T after each activation (resorption +
 * reversal + formation periods; a Poisson process with that dead time
 * activates at Ac.f/(1 + Ac.f T)), times the voxel's share at its depth
 * below the surface of the sample at the start (renewal_share, from the
 * exact distance transform to the nearest surface voxel). With the
 * e^(k day)-weighted birth day (mix_birth_day) the expected mineral of
 * a voxel drawn this way equals that of a voxel whose parts were renewed
 * at random at rate r (parts past primary mineralisation). */
static tb_status initial_birth_days(tb_sim *s, mineral *o, const tb_params *p, tb_buf *comp) {
  tb_status st = TB_OK;
  tb_device *dev = tb_sim_device(s);
  const tb_kdomain *d = tb_sim_domain(s);
  size_t n = (size_t)d->nx * d->ny * d->nz;
  uint8_t *mask = NULL;
  float *dist_sq = NULL, *birth = NULL, *f = NULL;
  tb_buf *b_mask = NULL;
  tb_kernel *k = NULL;
  CHECK(d->halo == 0 && d->ox == 0 && d->oy == 0 && d->oz == 0 && d->gnx == d->nx && d->gny == d->ny &&
            d->gnz == d->nz,
        TB_ERR_INTERNAL, "the initial tissue age needs the whole sample on one device (a split domain is not "
                         "supported yet)");
  mask = malloc(n);
  dist_sq = malloc(n * sizeof *dist_sq);
  birth = malloc(n * sizeof *birth);
  f = malloc(n * sizeof *f);
  CHECK(mask && dist_sq && birth && f, TB_ERR_NOMEM, "out of memory for the initial tissue age (%zu voxels)", n);
  TRY(tb_dev_alloc(dev, n, &b_mask));
  TRY(tb_sim_kernel(s, "mineral_surface", &k));
  TRY(TB_BIND(k, TB_BUF(tb_sim_domain_buf(s)), TB_BUF(o->f), TB_BUF(comp), TB_BUF(b_mask)));
  TRY(tb_sim_run_rows(s, k));
  TRY(tb_dev_read(dev, b_mask, 0, n, mask));
  TRY(tb_dev_read(dev, o->f, 0, n * sizeof *f, f));
  int32_t dims[3] = {d->nx, d->ny, d->nz};
  TRY(tb_morph_edt_sq(mask, dims, dist_sq)); /* voxels^2; INFINITY with no surface at all */

  const double h = d->h_um, r0 = p->resorption_speed_um_per_day * p->resorption_period_days;
  const double acf = p->activation_frequency_per_year / 365.25; /* 1/day */
  const double cycle = p->resorption_period_days + p->reversal_period_days + p->formation_period_days;
  const double rate0 = acf / (1.0 + acf * cycle); /* realised activations per surface point per day */
  const double t0 = tb_sim_time_days(s), mature = mature_age_days(&o->kp);
  double reach = 0.0, bone = 0.0;
  for (size_t i = 0; i < n; i++) {
    double depth = sqrt((double)dist_sq[i]) * h;
    double rate = isfinite(depth) ? rate0 * renewal_share(depth, r0, h) : 0.0;
    tb_philox4 r = tb_philox4x32(0u, (tb_u32)i, TB_RNG_TISSUE_AGE, 0u, d->seed_lo, d->seed_hi);
    double age = rate > 0.0 ? fmin(-log((double)tb_u01(r.v[0])) / rate, mature) : mature;
    birth[i] = (float)(t0 - age);
    bone += f[i];
    if (rate > 0.0) reach += f[i];
  }
  TRY(tb_dev_write(dev, o->birth, 0, n * sizeof *birth, birth));
  double surface_rate = rate0 * renewal_share(0.0, r0, h);
  if (surface_rate > 0.0)
    tb_log_info("initial tissue age: %.1f %% of the bone within a cavity's depth (%.0f um) of the surface, renewed "
                "at up to %.3g/year (mean age %.0f days); deeper bone mature",
                bone > 0 ? 100.0 * reach / bone : 0.0, r0, 365.25 * surface_rate, 1.0 / surface_rate);
  else
    tb_log_info("initial tissue age: no remodeling in health (activation frequency 0), all bone mature");
cleanup:
  tb_dev_free(&b_mask);
  free(mask);
  free(dist_sq);
  free(birth);
  free(f);
  return st;
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  mineral *o = calloc(1, sizeof *o);
  tb_buf *comp = NULL;
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  tb_params_mineral(p, &o->kp);
  o->mg_per_cm3 = 1000.0 * p->mineral_density_g_per_cm3;
  o->bmd_ref = NAN;
  o->half_step = 0.5 * p->dt_days;
  TRY(tb_sim_constants(s, &o->kp, sizeof o->kp, &o->b_kp));
  TRY(tb_sim_array(s, "bone_fraction", &o->f));
  TRY(tb_sim_array(s, "compartment", &comp));
  TRY(tb_sim_array(s, "bone_birth_day", &o->birth));
  const tb_kdomain *d = tb_sim_domain(s);
  int32_t rows = d->ny * d->nz;
  TRY(tb_dev_alloc(tb_sim_device(s), (size_t)rows * NSUMS * sizeof(float), &o->rows));
  TRY(tb_sim_kernel(s, "mineral_stats", &o->stats));
  TRY(TB_BIND(o->stats, TB_BUF(tb_sim_domain_buf(s)), TB_BUF(o->b_kp), TB_BUF(tb_sim_step_buf(s)), TB_BUF(o->f),
              TB_BUF(comp), TB_BUF(o->birth), TB_BUF(o->rows)));
  TRY(tb_reducer_create(s, o->rows, rows, NSUMS, &o->red));
  /* One work-item per row on every device: the sums' order is fixed. */
  o->row_items = (tb_shape){2, 0, {(size_t)d->ny, (size_t)d->nz, 1}, {1, 1, 1}};
  TRY(initial_birth_days(s, o, p, comp));
cleanup:
  return st;
}

/* Nothing advances: a voxel's age is t - birth. */
static tb_status step(tb_sim *s, void *state) { return TB_OK; }

static tb_status report(tb_sim *s, void *state, double *out) {
  tb_status st = TB_OK;
  mineral *o = state;
  double m[NSUMS];
  TRY(tb_sim_run_shape(s, o->stats, &o->row_items));
  TRY(tb_reducer_run(s, o->red, m));
  const double *tr = m, *co = m + 3; /* mineral, bone, voxels */
  double c = o->mg_per_cm3, tv = tr[2] + co[2];
  double bmd = tv > 0 ? c * (tr[0] + co[0]) / tv : NAN;
  if (isnan(o->bmd_ref) && tb_sim_time_days(s) >= -o->half_step) o->bmd_ref = bmd;
  double v[NSCALARS] = {tr[1] > 0 ? c * tr[0] / tr[1] : NAN,
                        tr[2] > 0 ? c * tr[0] / tr[2] : NAN,
                        co[1] > 0 ? c * co[0] / co[1] : NAN,
                        co[2] > 0 ? c * co[0] / co[2] : NAN,
                        bmd,
                        o->bmd_ref > 0 ? 100.0 * (bmd / o->bmd_ref - 1.0) : NAN};
  memcpy(out, v, sizeof v);
cleanup:
  return st;
}

/* The mineral volume: 1000 rho f v_m(t - birth), on the host with the same
 * law as the kernels. */
static tb_status output(tb_sim *s, void *state, int index, float *host) {
  tb_status st = TB_OK;
  mineral *o = state;
  const tb_kdomain *d = tb_sim_domain(s);
  size_t n = (size_t)d->nx * d->ny * d->nz;
  float *birth = malloc(n * sizeof *birth);
  CHECK(birth, TB_ERR_NOMEM, "out of memory");
  TRY(tb_dev_read(tb_sim_device(s), o->f, 0, n * sizeof *host, host));
  TRY(tb_dev_read(tb_sim_device(s), o->birth, 0, n * sizeof *birth, birth));
  const float t = (float)tb_sim_time_days(s), c = (float)o->mg_per_cm3;
  for (size_t i = 0; i < n; i++) host[i] = host[i] > 0.0f ? c * host[i] * mineral_fraction(o->kp, t - birth[i]) : 0.0f;
  (void)index;
cleanup:
  free(birth);
  return st;
}

static void destroy(void **state) {
  mineral *o = *state;
  if (o) {
    tb_reducer_destroy(&o->red);
    tb_dev_free(&o->rows);
  }
  free(o);
  *state = NULL;
}

static const char *const files[] = {"mineral.cl", NULL};
const tb_process_type tb_process_mineral = {.name = "mineral", .kernel_files = files, .declare = declare,
                                            .create = create, .step = step, .scalars = report, .output = output,
                                            .destroy = destroy};
