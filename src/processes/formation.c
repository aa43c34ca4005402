/* The formation process: osteoblast recruitment, refilling and the end of
 * each remodeling cycle (kernels/formation.cl). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trabecula/process.h"

typedef struct formation {
  tb_kp_formation kp;
  tb_buf *b_kp, *team_id, *team_time, *team_perf, *log, *log_count, *perf_loss;
  tb_kernel *k;
  double reversal_days;
  double t_last;          /* time of the previous snapshot's figures */
  double bone_start;      /* trabecular bone (voxels) at the start */
} formation;

static const tb_scalar_desc scalars[] = {
    {"cycles_completed", "count", "remodeling cycles that ended since the previous snapshot"},
    {"cavity_depth_um", "um", "mean erosion depth of the cycles that ended (the resorbed ball's radius)"},
    {"wall_thickness_um", "um", "mean wall thickness refilled by the non-perforated cycles that ended"},
    {"perforations", "count", "cycles that ended since the previous snapshot having perforated a trabecula"},
    {"perforations_per_year", "1/year", "perforated cycles per year over the last interval"},
    {"perforated_loss_mm3", "mm3", "bone lost in perforated cavities since the start (never refilled)"},
    {"bone_lost_perforated_pct", "%", "share of the net trabecular bone loss since the start lost in perforated cavities"},
};
#define NSCALARS ((int)(sizeof scalars / sizeof scalars[0]))

static const tb_array_desc arrays[] = {
    {"wall_um", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "um", TB_ARRAY_RESTART, 0, "wall thickness formed so far in the cycle"},
    {"tgfb_seen", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1", TB_ARRAY_RESTART, 0,
     "strongest TGF-beta activation seen during resorption: osteoblast recruitment"},
    {"formed", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1", TB_ARRAY_OUTPUT | TB_ARRAY_RESTART, 0,
     "bone fraction formed since the previous snapshot"},
    {"perforation_loss", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1", TB_ARRAY_OUTPUT | TB_ARRAY_RESTART, 1,
     "bone fraction lost in perforated cavities since the start: where trabeculae were cut"},
    {"team_log", TB_TYPE_I32, 4, TB_EXTENT_TEAM, 0, "nm", TB_ARRAY_RESTART, 0,
     "cycles ended since the previous snapshot: depth, wall (nm), perforated, seed index"},
    {"team_log_count", TB_TYPE_I32, 1, TB_EXTENT_FIXED, 2, "count", TB_ARRAY_RESTART, 0, "entries in team_log, overflow flag"},
};

static tb_status declare(tb_sim *s, const tb_params *p) {
  tb_status st = TB_OK;
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) TRY(tb_sim_declare_array(s, &arrays[i]));
  TRY(tb_sim_declare_output(s, &(tb_output_desc){"osteoblasts", "1", "1 where an osteoblast team is forming"}));
  for (int i = 0; i < NSCALARS; i++) TRY(tb_sim_declare_scalar(s, &scalars[i]));
cleanup:
  return st;
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  formation *o = calloc(1, sizeof *o);
  tb_buf *b[13] = {NULL};
  static const char *const names[] = {"bone_fraction", "compartment", "team_id",    "team_pos", "team_time",
                                      "team_perf",     "team_used",   "cavity",     "wall_um",  "tgfb_seen",
                                      "osteocyte_viability", "tgfb", "sclerostin"};
  tb_buf *formed = NULL, *src_opg = NULL, *imm = NULL, *tnf = NULL, *drug = NULL, *birth = NULL;
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  o->kp.reversal_days = (float)p->reversal_period_days;
  o->kp.mar_um_per_day = (float)p->mar_um_per_day;
  o->kp.formation_period_days = (float)p->formation_period_days;
  o->kp.ob_apoptosis_estrogen_gain = (float)p->estrogen_ob_apoptosis_gain;
  o->kp.K_tgfb_act_pM = (float)p->K_tgfb_act_pM;
  o->kp.K_scl_pM = (float)p->K_sclerostin_pM;
  o->kp.scl_ref_pM = (float)p->K_sclerostin_pM; /* measured in start() */
  o->kp.resorb_speed_um_per_day = (float)p->resorption_speed_um_per_day;
  o->kp.fat_baseline = (float)p->fat_baseline;
  o->kp.fat_estrogen_gain = (float)p->estrogen_fat_gain;
  o->kp.ob_opg_pM_per_day = (float)p->osteoblast_opg_pM_per_day;
  o->kp.mineral_rate_per_day = (float)p->mineral_secondary_rate_per_day;
  o->reversal_days = p->reversal_period_days;
  TRY(tb_sim_constants(s, &o->kp, sizeof o->kp, &o->b_kp));
  for (int i = 0; i < 13; i++) TRY(tb_sim_array(s, names[i], &b[i]));
  TRY(tb_sim_array(s, "formed", &formed));
  TRY(tb_sim_array(s, "opg_source", &src_opg));
  TRY(tb_sim_array(s, "immune_state", &imm));
  TRY(tb_sim_array(s, "tnf", &tnf));
  TRY(tb_sim_array(s, "drug_effects", &drug));
  TRY(tb_sim_array(s, "team_log", &o->log));
  TRY(tb_sim_array(s, "team_log_count", &o->log_count));
  TRY(tb_sim_array(s, "perforation_loss", &o->perf_loss));
  TRY(tb_sim_array(s, "bone_birth_day", &birth)); /* the mineral process's */
  o->t_last = -p->spinup_days;
  o->team_id = b[2];
  o->team_time = b[4];
  o->team_perf = b[5];
  TRY(tb_sim_kernel(s, "formation_step", &o->k));
  TRY(TB_BIND(o->k, TB_BUF(tb_sim_domain_buf(s)), TB_BUF(o->b_kp), TB_BUF(tb_sim_step_buf(s)), TB_BUF(b[0]),
              TB_BUF(b[1]), TB_BUF(b[2]), TB_BUF(b[3]), TB_BUF(b[4]), TB_BUF(b[5]), TB_BUF(b[6]), TB_BUF(b[7]),
              TB_BUF(b[8]), TB_BUF(b[9]), TB_BUF(b[10]), TB_BUF(b[11]), TB_BUF(b[12]), TB_BUF(formed),
              TB_BUF(src_opg), TB_BUF(imm), TB_BUF(tnf), TB_BUF(o->log), TB_BUF(o->log_count),
              TB_BUF(o->perf_loss), TB_BUF(drug), TB_BUF(birth)));
cleanup:
  return st;
}

/* The healthy reference: mean sclerostin over the remodelable surface of
 * the initial state normalises Wnt signalling. */
static tb_status start(tb_sim *s, void *state) {
  tb_status st = TB_OK;
  formation *o = state;
  double sums[TB_NSTATS];
  TRY(tb_sim_stats(s, 0, sums));
  double surf = sums[TB_STAT_SURF_TRAB] + sums[TB_STAT_SURF_CORT];
  CHECK(surf > 0, TB_ERR_INPUT, "the sample has no bone surface next to marrow inside the bone: nothing can remodel");
  o->kp.scl_ref_pM = (float)(sums[TB_STAT_SCL_SURF] / surf);
  o->bone_start = sums[TB_STAT_BONE_TRAB];
  TRY(tb_dev_write(tb_sim_device(s), o->b_kp, 0, sizeof o->kp, &o->kp));
cleanup:
  return st;
}

static tb_status step(tb_sim *s, void *state) { return tb_sim_run_rows(s, ((formation *)state)->k); }

/* Where osteoblast teams are refilling: after reversal, not perforated. */
static tb_status output(tb_sim *s, void *state, int index, float *host) {
  tb_status st = TB_OK;
  formation *o = state;
  tb_device *dev = tb_sim_device(s);
  const tb_kdomain *d = tb_sim_domain(s);
  size_t n = (size_t)d->nx * d->ny * d->nz, cap = (size_t)d->team_capacity;
  int32_t *id = malloc(n * sizeof *id), *perf = malloc(cap * sizeof *perf);
  float *tt = malloc(2 * cap * sizeof *tt);
  CHECK(id && tt && perf, TB_ERR_NOMEM, "out of memory");
  TRY(tb_dev_read(dev, o->team_id, 0, n * sizeof *id, id));
  TRY(tb_dev_read(dev, o->team_time, 0, 2 * cap * sizeof *tt, tt));
  TRY(tb_dev_read(dev, o->team_perf, 0, cap * sizeof *perf, perf));
  double t = tb_sim_time_days(s);
  for (size_t i = 0; i < n; i++) {
    int32_t k = id[i];
    host[i] = (k >= 0 && t >= tt[2 * (size_t)k + 1] + o->reversal_days && !perf[k]) ? 1.0f : 0.0f;
  }
  (void)index;
cleanup:
  free(id);
  free(perf);
  free(tt);
  return st;
}

/* Orders log entries by seed position, then depth and wall: a fixed order
 * for the sums whatever order the device appended them in. */
static int by_seed(const void *a, const void *b) {
  const int32_t *x = a, *y = b;
  for (int k = 3, n = 0; n < 4; n++, k = (k + 1) % 4)
    if (x[k] != y[k]) return x[k] < y[k] ? -1 : 1;
  return 0;
}

static tb_status report(tb_sim *s, void *state, double *out) {
  tb_status st = TB_OK;
  formation *o = state;
  tb_device *dev = tb_sim_device(s);
  const tb_kdomain *d = tb_sim_domain(s);
  int32_t count[2], *log = NULL;
  float *loss = NULL;
  size_t n = (size_t)d->nx * d->ny * d->nz;
  TRY(tb_dev_read(dev, o->log_count, 0, sizeof count, count));
  size_t m = (size_t)(count[0] < d->team_capacity ? count[0] : d->team_capacity);
  log = malloc((m ? m : 1) * 4 * sizeof *log);
  loss = malloc(n * sizeof *loss);
  CHECK(log && loss, TB_ERR_NOMEM, "out of memory");
  if (m) TRY(tb_dev_read(dev, o->log, 0, m * 4 * sizeof *log, log));
  qsort(log, m, 4 * sizeof *log, by_seed);
  double depth = 0, wall = 0, nwall = 0, perf = 0;
  for (size_t k = 0; k < m; k++) {
    depth += log[4 * k] * 1e-3;
    if (log[4 * k + 2]) perf += 1;
    else {
      wall += log[4 * k + 1] * 1e-3;
      nwall += 1;
    }
  }
  TRY(tb_dev_read(dev, o->perf_loss, 0, n * sizeof *loss, loss));
  double lost = 0;
  for (size_t i = 0; i < n; i++) lost += loss[i];
  double sums[TB_NSTATS];
  TRY(tb_sim_stats(s, 0, sums));
  double h = d->h_um, voxel_mm3 = h * h * h * 1e-9, t = tb_sim_time_days(s);
  double years = (t - o->t_last) / 365.25, net = o->bone_start - sums[TB_STAT_BONE_TRAB];
  int overflow = count[1] != 0;
  double v[NSCALARS] = {overflow ? NAN : (double)m,
                        m && !overflow ? depth / (double)m : NAN,
                        nwall > 0 && !overflow ? wall / nwall : NAN,
                        overflow ? NAN : perf,
                        years > 0 && !overflow ? perf / years : NAN,
                        lost * voxel_mm3,
                        net > 0 ? 100.0 * lost / net : NAN};
  memcpy(out, v, sizeof v);
  /* The log restarts with each snapshot. */
  TRY(tb_dev_fill_zero(dev, o->log_count));
  o->t_last = t;
cleanup:
  free(log);
  free(loss);
  return st;
}

static const char *const files[] = {"formation.cl", NULL};
const tb_process_type tb_process_formation = {
    .name = "formation", .kernel_files = files, .declare = declare, .create = create, .start = start,
    .step = step, .scalars = report, .output = output};
