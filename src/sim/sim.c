/* The simulation state on the device and its time step. */
#include "trabecula/sim.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "trabecula/log.h"

const char *const tb_sim_process_names[TB_NPROC] = {"osteoclast_recruit", "osteoclast_resorb", "osteoblast_form",
                                                     "osteocyte_update", "diffusion_sweep"};
const char *const tb_sim_output_names[TB_NOUT] = {
    "bone_fraction", "osteocyte_viability", "osteoclasts", "osteoblasts", "cavity", "adiposity",
    "rankl",         "opg",                 "sclerostin",  "tgfb",        "resorbed", "formed"};
const char *const tb_sim_output_units[TB_NOUT] = {"1", "1", "1", "1", "1", "1", "pM", "pM", "pM", "pM", "1", "1"};

/* Device arrays, one per state variable (structure of arrays). */
enum {
  B_F,         /* float bone fraction */
  B_COMP,      /* uchar compartment */
  B_OCY,       /* float osteocyte viability */
  B_FAT,       /* float marrow adiposity */
  B_CAV,       /* float bone fraction resorbed in the current cycle */
  B_FORM_W,    /* float wall thickness formed so far, µm */
  B_TGF_SEEN,  /* float TGF-beta recruitment signal seen by the cavity */
  B_SEED,      /* int team seed voxel, -1 none */
  B_T0,        /* float team start day (valid at seeds) */
  B_TEND,      /* float team resorption end day (valid at seeds) */
  B_FLAGS,     /* uchar TB_FLAG_* */
  B_JOIN,      /* int scratch: team to join this step */
  B_PFLAG,     /* uchar scratch: new flags this step */
  B_RES_ACC,   /* float resorbed since last stats reset */
  B_FORM_ACC,  /* float formed since last stats reset */
  B_EVT_ACC,   /* uchar BMUs initiated since last stats reset */
  B_TEAM_PERF, /* int, at seeds: the team perforated a trabecula (Liu 2008) */
  B_FIELD0,    /* float x TB_NFIELDS: signals, pM */
  B_SRC0 = B_FIELD0 + TB_NFIELDS, /* float x TB_NFIELDS: sources, pM/day */
  B_ROWMAX = B_SRC0 + TB_NFIELDS, /* int 2 per row: solver maxima */
  B_STATS,     /* float TB_NSTATS per row */
  B_KP,        /* tb_kparams */
  B_KS,        /* tb_kstep */
  B_COUNT
};

/* Concentration (pM) below which a field counts as zero for the solver's
 * stopping test: far below K_TGFb act (4.55e-3 pM) and every other level. */
#define TB_FIELD_FLOOR_PM 1e-6
/* Largest over-relaxation factor for warm-started solves (see solve_field). */
#define TB_WARM_OMEGA_MAX 1.75
#define TB_WARM_SWEEPS 64

enum { K_RECRUIT, K_RESORB, K_FORM, K_OCY, K_SWEEP, K_STATS, K_COUNT };
static const char *const kernel_names[K_COUNT] = {"osteoclast_recruit", "osteoclast_resorb", "osteoblast_form",
                                                  "osteocyte_update",   "diffusion_sweep",   "stats_rows"};
static const char *const program_files[] = {"shared.h",       "common.h",     "estrogen.cl", "osteoclast.cl",
                                             "osteoblast.cl",  "osteocyte.cl", "diffusion.cl", "stats.cl"};

struct tb_sim {
  tb_device *dev; /* borrowed */
  tb_params p;
  tb_kparams kp;
  tb_kstep ks;
  int32_t nx, ny, nz;
  size_t n, rows;
  tb_program *prog;
  tb_kernel *k[K_COUNT];
  tb_buf *b[B_COUNT];
  size_t gws[3];      /* row-structured launch */
  const size_t *lws;
  double omega[TB_NFIELDS];
  double t_days;
  int64_t step;
  int32_t last_sweeps;
  int timing;
  double proc_seconds[TB_NPROC];
  int *rowmax_host;
  float *stats_host;
};

static tb_status launch_timed(tb_sim *s, int proc, tb_status (*fn)(tb_sim *)) {
  tb_status st = TB_OK;
  double t0 = 0.0;
  if (s->timing) {
    TRY(tb_dev_finish(s->dev));
    t0 = tb_dev_now();
  }
  TRY(fn(s));
  if (s->timing) {
    TRY(tb_dev_finish(s->dev));
    s->proc_seconds[proc] += tb_dev_now() - t0;
  }
cleanup:
  return st;
}

static tb_status run_recruit(tb_sim *s) {
  return TB_LAUNCH(s->dev, s->k[K_RECRUIT], 3, s->gws, s->lws, TB_BUF(s->b[B_KP]), TB_BUF(s->b[B_KS]),
                   TB_BUF(s->b[B_F]), TB_BUF(s->b[B_COMP]), TB_BUF(s->b[B_SEED]), TB_BUF(s->b[B_T0]),
                   TB_BUF(s->b[B_TEND]), TB_BUF(s->b[B_FLAGS]), TB_BUF(s->b[B_FIELD0 + TB_FIELD_RANKL]),
                   TB_BUF(s->b[B_FIELD0 + TB_FIELD_OPG]), TB_BUF(s->b[B_JOIN]), TB_BUF(s->b[B_PFLAG]),
                   TB_BUF(s->b[B_TEAM_PERF]));
}

static tb_status run_resorb(tb_sim *s) {
  return TB_LAUNCH(s->dev, s->k[K_RESORB], 3, s->gws, s->lws, TB_BUF(s->b[B_KP]), TB_BUF(s->b[B_KS]),
                   TB_BUF(s->b[B_F]), TB_BUF(s->b[B_COMP]), TB_BUF(s->b[B_SEED]), TB_BUF(s->b[B_T0]),
                   TB_BUF(s->b[B_TEND]), TB_BUF(s->b[B_FLAGS]), TB_BUF(s->b[B_JOIN]), TB_BUF(s->b[B_PFLAG]),
                   TB_BUF(s->b[B_CAV]), TB_BUF(s->b[B_FORM_W]), TB_BUF(s->b[B_TGF_SEEN]),
                   TB_BUF(s->b[B_RES_ACC]), TB_BUF(s->b[B_EVT_ACC]), TB_BUF(s->b[B_SRC0 + TB_FIELD_TGFB]),
                   TB_BUF(s->b[B_TEAM_PERF]));
}

static tb_status run_form(tb_sim *s) {
  return TB_LAUNCH(s->dev, s->k[K_FORM], 3, s->gws, s->lws, TB_BUF(s->b[B_KP]), TB_BUF(s->b[B_KS]),
                   TB_BUF(s->b[B_F]), TB_BUF(s->b[B_COMP]), TB_BUF(s->b[B_SEED]), TB_BUF(s->b[B_T0]),
                   TB_BUF(s->b[B_TEND]), TB_BUF(s->b[B_CAV]), TB_BUF(s->b[B_FORM_W]),
                   TB_BUF(s->b[B_TGF_SEEN]), TB_BUF(s->b[B_OCY]), TB_BUF(s->b[B_FAT]),
                   TB_BUF(s->b[B_FIELD0 + TB_FIELD_TGFB]), TB_BUF(s->b[B_FIELD0 + TB_FIELD_SCLEROSTIN]),
                   TB_BUF(s->b[B_FORM_ACC]), TB_BUF(s->b[B_SRC0 + TB_FIELD_OPG]), TB_BUF(s->b[B_TEAM_PERF]));
}

static tb_status run_osteocyte(tb_sim *s) {
  return TB_LAUNCH(s->dev, s->k[K_OCY], 3, s->gws, s->lws, TB_BUF(s->b[B_KP]), TB_BUF(s->b[B_KS]),
                   TB_BUF(s->b[B_F]), TB_BUF(s->b[B_COMP]), TB_BUF(s->b[B_OCY]),
                   TB_BUF(s->b[B_SRC0 + TB_FIELD_RANKL]), TB_BUF(s->b[B_SRC0 + TB_FIELD_OPG]),
                   TB_BUF(s->b[B_SRC0 + TB_FIELD_SCLEROSTIN]));
}

/* Red-black SOR to tolerance for one field; returns the sweeps used. The
 * largest update is read back after a few sweeps, and from the measured
 * convergence factor the next check is placed where the tolerance should
 * be met, so round trips stay few without overshooting by much. */
static tb_status solve_field(tb_sim *s, int field, int32_t *sweeps_out) {
  tb_status st = TB_OK;
  int32_t sweeps = 0, batch = 2, last_check = 0;
  const int32_t max_sweeps = (int32_t)s->p.max_sweeps;
  /* The first, cold solve is dominated by the smoothest mode, for which the
   * optimal factor is near 2; later solves start from the last step's
   * field and only have to absorb local changes (a new team's TGF-beta, an
   * osteocyte dying), which a factor that close to 2 damps slowly. Measured
   * on the shrew sample (4.1 um voxels, OPG reach 73 voxels): 55 sweeps per
   * step with the optimum, 29 with the cap. A warm solve that still has not
   * converged after TB_WARM_SWEEPS is dominated by a smooth change after all
   * (every source of a long-range signal gone, say) and goes back to the
   * optimum. */
  float omega = (float)(s->step > 0 ? fmin(s->omega[field], TB_WARM_OMEGA_MAX) : s->omega[field]);
  double last_du = 0.0;
  for (;;) {
    if (sweeps >= TB_WARM_SWEEPS) omega = (float)s->omega[field];
    for (int32_t pass = 0; pass < batch && sweeps < max_sweeps; pass++) {
      if (pass == batch - 1 || sweeps + 1 >= max_sweeps) TRY(tb_dev_fill_zero(s->dev, s->b[B_ROWMAX]));
      for (int color = 0; color < 2; color++)
        TRY(TB_LAUNCH(s->dev, s->k[K_SWEEP], 3, s->gws, s->lws, TB_BUF(s->b[B_KP]), TB_I32(field),
                      TB_I32(color), TB_F32(omega), TB_BUF(s->b[B_COMP]), TB_BUF(s->b[B_FIELD0 + field]),
                      TB_BUF(s->b[B_SRC0 + field]), TB_BUF(s->b[B_ROWMAX])));
      sweeps++;
    }
    TRY(tb_dev_read(s->dev, s->b[B_ROWMAX], 0, 2 * s->rows * sizeof(int), s->rowmax_host));
    float max_du = 0.0f, max_c = 0.0f;
    for (size_t r = 0; r < s->rows; r++) {
      float du, c;
      memcpy(&du, &s->rowmax_host[2 * r], sizeof du);
      memcpy(&c, &s->rowmax_host[2 * r + 1], sizeof c);
      if (du > max_du) max_du = du;
      if (c > max_c) max_c = c;
    }
    /* Relative to the field's maximum, with a floor far below every
     * activation constant: a field whose sources have all stopped (no team
     * resorbing, so no TGF-beta) decays towards zero, where a purely relative
     * test would never be met. */
    double goal = s->p.tolerance * fmax(max_c, TB_FIELD_FLOOR_PM);
    if (max_du <= goal) break;
    CHECK(sweeps < max_sweeps, TB_ERR_INPUT,
          "signal %d did not converge in signals.max_sweeps = %d sweeps (largest update %.3g of %.3g pM); raise "
          "signals.max_sweeps or signals.tolerance",
          field, max_sweeps, max_du, max_c);
    /* Sweeps still needed at the rate seen since the last check. */
    batch = 4;
    if (last_du > 0.0 && max_du < last_du) {
      double rate = pow(max_du / last_du, 1.0 / (double)(sweeps - last_check));
      double need = log(goal / max_du) / log(rate);
      batch = (int32_t)fmin(fmax(ceil(need), 1.0), 64.0);
    }
    last_du = max_du;
    last_check = sweeps;
  }
  *sweeps_out = sweeps;
cleanup:
  return st;
}

static tb_status run_diffusion(tb_sim *s) {
  tb_status st = TB_OK;
  s->last_sweeps = 0;
  for (int field = 0; field < TB_NFIELDS; field++) {
    int32_t n = 0;
    TRY(solve_field(s, field, &n));
    s->last_sweeps += n;
  }
cleanup:
  return st;
}

static tb_status upload_step(tb_sim *s) {
  tb_schedule_step(&s->kp, s->t_days, (tb_u32)s->step, &s->ks);
  return tb_dev_write(s->dev, s->b[B_KS], 0, sizeof s->ks, &s->ks);
}

/* One biological time step: a short list of named processes. */
tb_status tb_sim_step(tb_sim *s) {
  tb_status st = TB_OK;
  TRY(upload_step(s));
  TRY(launch_timed(s, TB_PROC_OSTEOCLAST_RECRUIT, run_recruit)); /* BMU initiation, team fronts */
  TRY(launch_timed(s, TB_PROC_OSTEOCLAST_RESORB, run_resorb));   /* resorption, TGF-beta release */
  TRY(launch_timed(s, TB_PROC_OSTEOBLAST_FORM, run_form));       /* coupling, refilling, adiposity */
  TRY(launch_timed(s, TB_PROC_OSTEOCYTE_UPDATE, run_osteocyte)); /* apoptosis, signal sources */
  TRY(launch_timed(s, TB_PROC_DIFFUSION, run_diffusion));        /* quasi-steady signals */
  s->step++;
  s->t_days = -s->p.spinup_days + (double)s->step * s->p.dt_days;
cleanup:
  return st;
}

tb_status tb_sim_stats(tb_sim *s, int reset, double out[TB_NSTATS]) {
  tb_status st = TB_OK;
  size_t gws[2] = {(size_t)s->ny, (size_t)s->nz};
  TRY(upload_step(s));
  TRY(TB_LAUNCH(s->dev, s->k[K_STATS], 2, gws, NULL, TB_BUF(s->b[B_KP]), TB_BUF(s->b[B_KS]), TB_BUF(s->b[B_F]),
                TB_BUF(s->b[B_COMP]), TB_BUF(s->b[B_OCY]), TB_BUF(s->b[B_FAT]), TB_BUF(s->b[B_SEED]),
                TB_BUF(s->b[B_TEND]), TB_BUF(s->b[B_RES_ACC]), TB_BUF(s->b[B_FORM_ACC]),
                TB_BUF(s->b[B_EVT_ACC]), TB_BUF(s->b[B_FIELD0 + TB_FIELD_RANKL]),
                TB_BUF(s->b[B_FIELD0 + TB_FIELD_OPG]), TB_BUF(s->b[B_FIELD0 + TB_FIELD_SCLEROSTIN]),
                TB_BUF(s->b[B_TEAM_PERF]), TB_BUF(s->b[B_STATS]), TB_I32(reset ? 1 : 0)));
  TRY(tb_dev_read(s->dev, s->b[B_STATS], 0, s->rows * TB_NSTATS * sizeof(float), s->stats_host));
  for (int k = 0; k < TB_NSTATS; k++) out[k] = 0.0;
  for (size_t r = 0; r < s->rows; r++)
    for (int k = 0; k < TB_NSTATS; k++) out[k] += s->stats_host[r * TB_NSTATS + k];
cleanup:
  return st;
}

static size_t buffer_bytes(const tb_sim *s, int b) {
  switch (b) {
  case B_COMP: case B_FLAGS: case B_PFLAG: case B_EVT_ACC: return s->n;
  case B_ROWMAX: return 2 * s->rows * sizeof(int);
  case B_STATS: return s->rows * TB_NSTATS * sizeof(float);
  case B_KP: return sizeof(tb_kparams);
  case B_KS: return sizeof(tb_kstep);
  default: return s->n * 4;
  }
}

/* The healthy reference levels: mean effective RANKL and mean sclerostin
 * over the remodelable surface, on the initial state. */
static tb_status measure_references(tb_sim *s) {
  tb_status st = TB_OK;
  double sums[TB_NSTATS];
  TRY(tb_sim_stats(s, 1, sums));
  double surf = sums[TB_STAT_SURF_TRAB] + sums[TB_STAT_SURF_CORT];
  CHECK(surf > 0, TB_ERR_INPUT,
        "the sample has no bone surface next to marrow inside the bone (all bone or all marrow?): nothing can remodel");
  s->kp.reff_ref_pM = (float)fmax(sums[TB_STAT_REFF_SURF] / surf, 1e-12);
  s->kp.scl_ref_pM = (float)(sums[TB_STAT_SCL_SURF] / surf);
  TRY(tb_dev_write(s->dev, s->b[B_KP], 0, sizeof s->kp, &s->kp));
  tb_log_info("healthy reference levels: effective RANKL %.4g pM at %.0f surface voxels, sclerostin %.4g pM",
              s->kp.reff_ref_pM, surf, s->kp.scl_ref_pM);
cleanup:
  return st;
}

tb_status tb_sim_create(tb_device *dev, const tb_params *p, const tb_volume *bone, const uint8_t *labels,
                        tb_sim **out) {
  tb_status st = TB_OK;
  tb_sim *s = NULL;
  float *host = NULL;
  uint8_t *comp = NULL;
  *out = NULL;
  double h = bone->spacing_um[0];
  for (int a = 1; a < 3; a++)
    CHECK(fabs(bone->spacing_um[a] - h) <= 1e-3 * h, TB_ERR_INPUT,
          "the sample's voxels are %g x %g x %g um: the simulation needs isotropic voxels (resample the sample)",
          bone->spacing_um[0], bone->spacing_um[1], bone->spacing_um[2]);
  CHECK((double)bone->nx * bone->ny * bone->nz < 2147483647.0, TB_ERR_INPUT,
        "the sample has %d x %d x %d voxels: fewer than 2^31 - 1 are supported", bone->nx, bone->ny, bone->nz);
  s = calloc(1, sizeof *s);
  CHECK(s, TB_ERR_NOMEM, "out of memory");
  s->dev = dev;
  s->p = *p;
  s->nx = bone->nx;
  s->ny = bone->ny;
  s->nz = bone->nz;
  s->n = (size_t)s->nx * s->ny * s->nz;
  s->rows = (size_t)s->ny * s->nz;
  int32_t chunk = tb_dev_row_chunk(dev, s->nx);
  TRY(tb_params_to_kernel(p, h, s->nx, s->ny, s->nz, chunk, &s->kp));
  s->gws[0] = (size_t)((s->nx + chunk - 1) / chunk);
  s->gws[1] = (size_t)s->ny;
  s->gws[2] = (size_t)s->nz;
  s->lws = tb_dev_local_size(dev);
  for (int fi = 0; fi < TB_NFIELDS; fi++) {
    /* Optimal SOR factor from the Jacobi spectral radius of the constant
     * (Neumann) mode, 6D/(6D + k). */
    double D = s->kp.field_coupling[fi], k = s->kp.field_decay[fi];
    double rho = 6.0 * D / (6.0 * D + k);
    s->omega[fi] = 2.0 / (1.0 + sqrt(1.0 - rho * rho));
  }
  s->rowmax_host = malloc(2 * s->rows * sizeof(int));
  s->stats_host = malloc(s->rows * TB_NSTATS * sizeof(float));
  host = malloc(s->n * sizeof(float));
  comp = malloc(s->n);
  CHECK(s->rowmax_host && s->stats_host && host && comp, TB_ERR_NOMEM, "out of memory for a %d x %d x %d sample",
        s->nx, s->ny, s->nz);

  char options[64];
  snprintf(options, sizeof options, "-cl-std=CL1.2");
  TRY(tb_dev_program(dev, program_files, (int)(sizeof program_files / sizeof program_files[0]), options, &s->prog));
  for (int k = 0; k < K_COUNT; k++) TRY(tb_dev_kernel(s->prog, kernel_names[k], &s->k[k]));
  for (int b = 0; b < B_COUNT; b++) TRY(tb_dev_alloc(dev, buffer_bytes(s, b), &s->b[b]));

  /* Initial state. */
  for (size_t i = 0; i < s->n; i++) {
    float v = bone->data[i];
    CHECK(isfinite(v) && v >= 0.0f && v <= 1.0f, TB_ERR_INPUT,
          "bone fraction %g at voxel %zu: expected a value in [0, 1]", v, i);
    comp[i] = labels ? labels[i] : TB_COMP_TRABECULAR;
    CHECK(comp[i] <= TB_COMP_CORTICAL, TB_ERR_INPUT, "compartment label %d at voxel %zu: expected 0, 1 or 2",
          comp[i], i);
    host[i] = comp[i] == TB_COMP_OUTSIDE ? 0.0f : v;
  }
  TRY(tb_dev_write(dev, s->b[B_F], 0, s->n * 4, host));
  TRY(tb_dev_write(dev, s->b[B_COMP], 0, s->n, comp));
  for (size_t i = 0; i < s->n; i++) {
    /* A healthy adult sample has some empty lacunae; which ones is a draw
     * from the same counter-based generator (step = all ones). */
    tb_philox4 r = tb_philox4x32(0xffffffffu, (tb_u32)i, 3u, 0u, s->kp.seed_lo, s->kp.seed_hi);
    host[i] = tb_u01(r.v[0]) < p->initial_viability ? 1.0f : 0.0f;
  }
  TRY(tb_dev_write(dev, s->b[B_OCY], 0, s->n * 4, host));
  for (size_t i = 0; i < s->n; i++) host[i] = (comp[i] && bone->data[i] < 0.5f) ? (float)p->fat_baseline : 0.0f;
  TRY(tb_dev_write(dev, s->b[B_FAT], 0, s->n * 4, host));
  for (size_t i = 0; i < s->n; i++) ((int32_t *)host)[i] = -1;
  TRY(tb_dev_write(dev, s->b[B_SEED], 0, s->n * 4, host));
  TRY(tb_dev_write(dev, s->b[B_JOIN], 0, s->n * 4, host));
  TRY(tb_dev_write(dev, s->b[B_KP], 0, sizeof s->kp, &s->kp));

  s->t_days = -p->spinup_days;
  s->step = 0;
  /* Initial signals: sources from the initial osteocytes, then solve. */
  TRY(upload_step(s));
  TRY(run_osteocyte(s));
  TRY(run_diffusion(s));
  TRY(measure_references(s));
  *out = s;
  s = NULL;
cleanup:
  free(host);
  free(comp);
  tb_sim_destroy(&s);
  return st;
}

void tb_sim_destroy(tb_sim **sp) {
  if (!sp || !*sp) return;
  tb_sim *s = *sp;
  for (int b = 0; b < B_COUNT; b++) tb_dev_free(&s->b[b]);
  for (int k = 0; k < K_COUNT; k++) tb_dev_kernel_destroy(&s->k[k]);
  tb_dev_program_destroy(&s->prog);
  free(s->rowmax_host);
  free(s->stats_host);
  free(s);
  *sp = NULL;
}

double tb_sim_time_days(const tb_sim *s) { return s->t_days; }
double tb_sim_estrogen(const tb_sim *s) { return tb_estrogen_level(&s->p, s->t_days); }
int64_t tb_sim_steps_done(const tb_sim *s) { return s->step; }
int32_t tb_sim_last_sweeps(const tb_sim *s) { return s->last_sweeps; }
void tb_sim_set_timing(tb_sim *s, int on) { s->timing = on; }
double tb_sim_process_seconds(const tb_sim *s, int proc) { return s->proc_seconds[proc]; }

double tb_sim_process_bytes_per_voxel(int proc) {
  /* Compulsory traffic per voxel per launch (each array read once, written
   * once where the kernel writes it everywhere), as the kernels are written. */
  switch (proc) {
  case TB_PROC_OSTEOCLAST_RECRUIT: return 4 + 1 + 4 + 1 + 4 + 4 + 4 + 1;          /* f comp seed flags rankl opg | join pflag */
  case TB_PROC_OSTEOCLAST_RESORB: return 4 + 1 + 4 + 1 + 4 + 1 + 4 + 4;           /* f comp seed flags join pflag cav | src */
  case TB_PROC_OSTEOBLAST_FORM: return 4 + 1 + 4 + 4 + 4 + 4;                    /* f comp seed fat | fat src */
  case TB_PROC_OSTEOCYTE_UPDATE: return 4 + 1 + 4 + 4 + 4 + 4 + 4;               /* f comp ocy | 3 src (+opg read) */
  case TB_PROC_DIFFUSION: return 1 + 4 + 4 + 4;                                  /* comp c src | c, per sweep */
  }
  return 0;
}

tb_status tb_sim_read_field(tb_sim *s, int which, float *host) {
  tb_status st = TB_OK;
  int32_t *seed = NULL, *perf = NULL;
  float *tend = NULL;
  switch (which) {
  case TB_OUT_BONE_FRACTION: TRY(tb_dev_read(s->dev, s->b[B_F], 0, s->n * 4, host)); break;
  case TB_OUT_OSTEOCYTE_VIABILITY: TRY(tb_dev_read(s->dev, s->b[B_OCY], 0, s->n * 4, host)); break;
  case TB_OUT_CAVITY: TRY(tb_dev_read(s->dev, s->b[B_CAV], 0, s->n * 4, host)); break;
  case TB_OUT_ADIPOSITY: TRY(tb_dev_read(s->dev, s->b[B_FAT], 0, s->n * 4, host)); break;
  case TB_OUT_RANKL: case TB_OUT_OPG: case TB_OUT_SCLEROSTIN: case TB_OUT_TGFB:
    TRY(tb_dev_read(s->dev, s->b[B_FIELD0 + (which - TB_OUT_RANKL)], 0, s->n * 4, host));
    break;
  case TB_OUT_RESORBED: TRY(tb_dev_read(s->dev, s->b[B_RES_ACC], 0, s->n * 4, host)); break;
  case TB_OUT_FORMED: TRY(tb_dev_read(s->dev, s->b[B_FORM_ACC], 0, s->n * 4, host)); break;
  case TB_OUT_OSTEOCLASTS:
  case TB_OUT_OSTEOBLASTS: {
    /* Cells are teams on the cavity surface: derived from the team phase. */
    seed = malloc(s->n * 4);
    tend = malloc(s->n * 4);
    perf = malloc(s->n * 4);
    CHECK(seed && tend && perf, TB_ERR_NOMEM, "out of memory");
    TRY(tb_dev_read(s->dev, s->b[B_SEED], 0, s->n * 4, seed));
    TRY(tb_dev_read(s->dev, s->b[B_TEND], 0, s->n * 4, tend));
    TRY(tb_dev_read(s->dev, s->b[B_TEAM_PERF], 0, s->n * 4, perf));
    double t = s->t_days;
    for (size_t i = 0; i < s->n; i++) {
      int32_t sd = seed[i];
      float v = 0.0f;
      if (sd >= 0) {
        double te = tend[sd];
        if (which == TB_OUT_OSTEOCLASTS) v = t < te ? 1.0f : 0.0f;
        else v = (t >= te + s->p.reversal_period_days && !perf[sd]) ? 1.0f : 0.0f;
      }
      host[i] = v;
    }
    break;
  }
  default: CHECK(0, TB_ERR_INTERNAL, "unknown output field %d", which);
  }
cleanup:
  free(seed);
  free(tend);
  free(perf);
  return st;
}
