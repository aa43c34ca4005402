/* The run: parse, create, run, write, destroy.
 *
 * Reads like main should: scenario and sample in (load_inputs), the device
 * and simulation (tb_sim_create), the time loop with snapshots (run_loop),
 * the final figures and invariants (finish). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "trabecula/run.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "trabecula/device.h"
#include "trabecula/io.h"
#include "trabecula/log.h"
#include "trabecula/morph.h"
#include "trabecula/params.h"
#include "trabecula/phantom.h"
#include "trabecula/sim.h"


void tb_run_options_default(tb_run_options *o) {
  memset(o, 0, sizeof *o);
  o->threshold = NAN;
  o->seed = -1;
  o->progress = -1;
}

typedef struct run_ctx {
  const tb_run_options *o;
  tb_params p;
  tb_volume *bone;
  uint8_t *labels;
  int has_cortex;
  char input_desc[1100];
  char outdir[1024];
  char partial[1100];
  tb_device *dev;
  tb_sim *sim;
  tb_h5_out *h5;
  FILE *csv;
  FILE *tcsv; /* treatment.csv: per-step drug record, when the scenario has courses */
  /* snapshots */
  int32_t nsnap, cap;
  int32_t *snap_index;
  double *snap_time;
  int32_t nout;
  float *fields[64];
  const char *out_names[64];
  int32_t i_bone, i_resorbed, i_formed;
  /* invariants and figures */
  double bone_at_reset, res_total, form_total, bone_first;
  double t_last_reset;
  double last_row[128];
  double first_row[128];  /* the first snapshot (t = 0) */
  double resorbing_first; /* resorbing teams at the first snapshot: the marker's baseline */
  int32_t nscalars;
  tb_morph_result last_morph;
  double wall_start, wall_loop;
  int progress;
} run_ctx;

static double now_s(void) { return tb_dev_now(); }

/* 1 when path exists and is not an empty directory. */
static int dir_has_entries(const char *path) {
  struct stat sb;
  if (stat(path, &sb) != 0) return 0;
  if (!S_ISDIR(sb.st_mode)) return 1;
  DIR *d = opendir(path);
  if (!d) return 1;
  int any = 0;
  struct dirent *e;
  while (!any && (e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) any = 1;
  closedir(d);
  return any;
}

static tb_status choose_outdir(run_ctx *c) {
  tb_status st = TB_OK;
  if (c->o->outdir) {
    CHECK(c->o->outdir[0], TB_ERR_INPUT, "-o: the folder name is empty; name a new folder for the results");
    CHECK(strlen(c->o->outdir) < 900, TB_ERR_INPUT, "-o %s: path too long", c->o->outdir);
    /* "out/" names the folder "out": the partial folder goes beside it. */
    char name[1024];
    snprintf(name, sizeof name, "%s", c->o->outdir);
    for (size_t len = strlen(name); len > 1 && name[len - 1] == '/'; len--) name[len - 1] = '\0';
    const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    CHECK(strcmp(base, ".") && strcmp(base, "..") && strcmp(name, "/"), TB_ERR_INPUT,
          "-o %s: name a new folder for the results, not '.', '..' or '/'", c->o->outdir);
    struct stat sb;
    /* The results are renamed onto the name at the end, which a symlink
     * (dangling or not) would make fail after the whole run. */
    CHECK(lstat(name, &sb) != 0 || !S_ISLNK(sb.st_mode), TB_ERR_INPUT,
          "-o %s: is a symbolic link%s; name a new folder (or the link's target) instead", c->o->outdir,
          stat(name, &sb) != 0 ? " to nothing" : "");
    if (stat(name, &sb) == 0) {
      CHECK(S_ISDIR(sb.st_mode), TB_ERR_INPUT, "-o %s: exists and is not a directory", c->o->outdir);
      CHECK(!dir_has_entries(name), TB_ERR_INPUT,
            "-o %s: is not empty (an earlier run's results?); choose another output directory: a run never "
            "replaces existing files",
            c->o->outdir);
    }
    snprintf(c->outdir, sizeof c->outdir, "%s", name);
  } else {
    snprintf(c->outdir, sizeof c->outdir, "trabecula-out");
    for (int k = 2; dir_has_entries(c->outdir) && k < 10000; k++)
      snprintf(c->outdir, sizeof c->outdir, "trabecula-out-%d", k);
  }
  /* The parent must exist. */
  char parent[1024];
  snprintf(parent, sizeof parent, "%s", c->outdir);
  char *slash = strrchr(parent, '/');
  if (slash && slash != parent) {
    *slash = '\0';
    struct stat sb;
    CHECK(stat(parent, &sb) == 0 && S_ISDIR(sb.st_mode), TB_ERR_INPUT,
          "-o %s: the folder %s, where it would go, does not exist", c->outdir, parent);
  }
  const char *where = !slash ? "." : slash == parent ? "/" : parent;
  CHECK(access(where, W_OK | X_OK) == 0, TB_ERR_INPUT, "-o %s: the folder %s, where it would go, is not writable",
        c->outdir, where);
  snprintf(c->partial, sizeof c->partial, "%s.partial-%ld", c->outdir, (long)getpid());
cleanup:
  return st;
}

static tb_status load_params(run_ctx *c) {
  tb_status st = TB_OK;
  const tb_run_options *o = c->o;
  tb_params_default(&c->p);
  if (o->scenario) {
    TRY(tb_params_load_file(&c->p, o->scenario));
  } else {
    const char *text = tb_scenario_builtin("postmenopausal");
    CHECK(text, TB_ERR_INTERNAL, "the built-in postmenopausal scenario is missing from this build");
    TRY(tb_params_load_text(&c->p, "built-in postmenopausal scenario", text));
    /* The default run is a demonstration sized for two CPU cores. */
    c->p.years = 4;
  }
  if (o->years > 0) {
    char buf[64];
    snprintf(buf, sizeof buf, "run.years=%.17g", o->years);
    TRY(tb_params_set_assignment(&c->p, buf));
  }
  if (o->seed >= 0) {
    char buf[64];
    snprintf(buf, sizeof buf, "run.seed=%lld", (long long)o->seed);
    TRY(tb_params_set_assignment(&c->p, buf));
  }
  for (int32_t i = 0; i < o->nsets; i++) TRY(tb_params_set_assignment(&c->p, o->sets[i]));
cleanup:
  return st;
}

static tb_status load_sample(run_ctx *c) {
  tb_status st = TB_OK;
  tb_volume *raw = NULL;
  const tb_run_options *o = c->o;
  if (o->input) {
    TRY(tb_io_read_volume(o->input, o->spacing_um, &raw));
    float used = NAN;
    TRY(tb_volume_to_fraction(raw, (float)o->threshold, &c->bone, &used));
    if (isnan(o->threshold) && !isnan(used))
      tb_log_info("%s: automatic threshold %g (midpoint of a binary image, Otsu's method otherwise)", o->input,
                  used);
    if (o->labels) TRY(tb_io_read_labels(o->labels, o->spacing_um, c->bone, &c->labels));
    snprintf(c->input_desc, sizeof c->input_desc, "%s", o->input);
  } else {
    CHECK(!o->labels, TB_ERR_INPUT, "--labels needs --input (the built-in phantom brings its own labels)");
    /* The human sample of MODEL.md's healthy reference, 5.12 mm across;
     * a smaller --phantom-size or --spacing keeps its BV/TV and shrinks
     * trabeculae and cortex to fit (within what the generator accepts). */
    tb_phantom_params pp;
    tb_phantom_params_human(&pp);
    if (o->phantom_size > 0) pp.size = o->phantom_size;
    if (o->spacing_um > 0) pp.spacing_um = o->spacing_um;
    double side_um = pp.size * pp.spacing_um;
    if (side_um < 5000.0) pp.tb_n_per_mm = 0.0; /* too few spacings across to aim Tb.N */
    pp.tb_th_um = fmax(fmin(pp.tb_th_um, side_um / 8.0), 2.0 * pp.spacing_um);
    pp.cortex_um = fmax(fmin(pp.cortex_um, side_um / 5.0), 2.0 * pp.spacing_um);
    TRY(tb_phantom_check(&pp));
    TRY(tb_phantom_generate(&pp, &c->bone, &c->labels));
    snprintf(c->input_desc, sizeof c->input_desc, "built-in phantom %d^3 at %g um, BV/TV %.2f, Tb.Th %g um, cortex %g um",
             pp.size, pp.spacing_um, pp.bvtv, pp.tb_th_um, pp.cortex_um);
  }
  size_t n = tb_volume_count(c->bone);
  for (size_t i = 0; c->labels && i < n; i++)
    if (c->labels[i] == TB_COMP_CORTICAL) {
      c->has_cortex = 1;
      break;
    }
  TRY(tb_params_validate(&c->p, c->bone->spacing_um[0]));
cleanup:
  tb_volume_destroy(&raw);
  return st;
}

/* Columns of morphometry.csv, in order. */
static const char *const csv_columns[] = {
    "time_days", "time_years", "estrogen", "bv_tv_trabecular", "bv_tv_cortical", "resorbed_mm3", "formed_mm3",
    "resorbed_trabecular_mm3", "formed_trabecular_mm3", "resorbed_cortical_mm3", "formed_cortical_mm3",
    "events_initiated", "active_events", "activation_frequency_per_year", "eroded_surface_pct",
    "forming_surface_pct", "marrow_adiposity", "osteocyte_viability", "perforated_events", "bv_tv", "bs_mm2",
    "bs_bv_per_mm", "tb_th_um", "tb_th_sd_um", "tb_sp_um", "tb_sp_sd_um", "tb_n_per_mm", "euler",
    "conn_d_per_mm3", "da", "da_eigen_ratio", "ct_th_um", "ct_po", "resorbing_teams", "forming_teams",
    "resorbing_teams_per_mm2", "resorption_marker"};
#define NCOLS ((int)(sizeof csv_columns / sizeof csv_columns[0]))

static tb_status snapshot(run_ctx *c) {
  tb_status st = TB_OK;
  double s[TB_NSTATS];
  double t = tb_sim_time_days(c->sim);
  double h = c->bone->spacing_um[0];
  double voxel_mm3 = h * h * h * 1e-9;
  for (int32_t k = 0; k < c->nout; k++) TRY(tb_sim_read_output(c->sim, k, c->fields[k]));
  TRY(tb_sim_stats(c->sim, 1, s));
  double interval_yr = (t - c->t_last_reset) / 365.25;
  c->res_total += s[TB_STAT_RES_TRAB] + s[TB_STAT_RES_CORT];
  c->form_total += s[TB_STAT_FORM_TRAB] + s[TB_STAT_FORM_CORT];
  c->t_last_reset = t;

  /* Morphometry of the trabecular compartment, as BoneJ measures it. */
  tb_volume view = *c->bone;
  view.data = c->fields[c->i_bone];
  tb_morph_options mo;
  tb_morph_options_default(&mo);
  mo.compartment = TB_COMP_TRABECULAR;
  tb_morph_result m;
  TRY(tb_morph_compute(&view, c->labels, &mo, &m, NULL));
  c->last_morph = m;

  double surf = s[TB_STAT_SURF_TRAB] + s[TB_STAT_SURF_CORT];
  double r0 = c->p.resorption_speed_um_per_day * c->p.resorption_period_days;
  double init = s[TB_STAT_INIT_TRAB] + s[TB_STAT_INIT_CORT];
  double af = (interval_yr > 0 && surf > 0) ? init * 3.14159265358979 * r0 * r0 / (h * h) / surf / interval_yr : NAN;
  double row[NCOLS] = {
      t,
      t / 365.25,
      tb_sim_estrogen(c->sim),
      s[TB_STAT_TV_TRAB] > 0 ? s[TB_STAT_BONE_TRAB] / s[TB_STAT_TV_TRAB] : NAN,
      s[TB_STAT_TV_CORT] > 0 ? s[TB_STAT_BONE_CORT] / s[TB_STAT_TV_CORT] : NAN,
      (s[TB_STAT_RES_TRAB] + s[TB_STAT_RES_CORT]) * voxel_mm3,
      (s[TB_STAT_FORM_TRAB] + s[TB_STAT_FORM_CORT]) * voxel_mm3,
      s[TB_STAT_RES_TRAB] * voxel_mm3,
      s[TB_STAT_FORM_TRAB] * voxel_mm3,
      s[TB_STAT_RES_CORT] * voxel_mm3,
      s[TB_STAT_FORM_CORT] * voxel_mm3,
      init,
      s[TB_STAT_ACTIVE_BMU],
      af,
      surf > 0 ? 100.0 * s[TB_STAT_ERODED] / surf : NAN,
      surf > 0 ? 100.0 * s[TB_STAT_FORMING] / surf : NAN,
      s[TB_STAT_MARROW] > 0 ? s[TB_STAT_FAT] / s[TB_STAT_MARROW] : NAN,
      s[TB_STAT_BONE_ALL] > 0 ? s[TB_STAT_OCY] / s[TB_STAT_BONE_ALL] : NAN,
      s[TB_STAT_PERFORATED],
      m.bv_tv, m.bs_mm2, m.bs_bv_per_mm, m.tb_th_um, m.tb_th_sd_um, m.tb_sp_um, m.tb_sp_sd_um, m.tb_n_per_mm,
      m.euler, m.conn_d_per_mm3, m.da, m.da_eigen_ratio,
      c->has_cortex ? m.ct_th_um : NAN,
      c->has_cortex ? m.ct_po : NAN,
      s[TB_STAT_RESORBING],
      s[TB_STAT_REFILLING],
      surf > 0 ? s[TB_STAT_RESORBING] / (surf * h * h * 1e-6) : NAN,
      NAN};
  /* A CTX-like resorption marker: osteoclast teams x their (constant)
   * activity, relative to the first snapshot. */
  if (c->nsnap == 0) c->resorbing_first = s[TB_STAT_RESORBING];
  row[NCOLS - 1] = c->resorbing_first > 0 ? s[TB_STAT_RESORBING] / c->resorbing_first : NAN;
  memcpy(c->last_row, row, sizeof row);
  TRY(tb_sim_read_scalars(c->sim, c->last_row + NCOLS));
  if (c->tcsv) TRY(tb_sim_write_series(c->sim, c->tcsv, c->nsnap == 0));
  if (c->nsnap == 0) memcpy(c->first_row, c->last_row, sizeof c->first_row);
  for (int k = 0; k < NCOLS + c->nscalars; k++) fprintf(c->csv, k ? ",%.9g" : "%.9g", c->last_row[k]);
  fputc('\n', c->csv);
  CHECK(!ferror(c->csv), TB_ERR_IO, "%s/morphometry.csv: write failed: %s", c->partial, strerror(errno));

  /* Volumes and previews. */
  if (c->nsnap == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 16;
    int32_t *si = realloc(c->snap_index, (size_t)c->cap * sizeof *si);
    CHECK(si, TB_ERR_NOMEM, "out of memory");
    c->snap_index = si;
    double *stt = realloc(c->snap_time, (size_t)c->cap * sizeof *stt);
    CHECK(stt, TB_ERR_NOMEM, "out of memory");
    c->snap_time = stt;
  }
  c->snap_index[c->nsnap] = c->nsnap;
  c->snap_time[c->nsnap] = t;
  TRY(tb_h5_out_write_snapshot(c->h5, c->nsnap, t, c->nout, c->out_names, (const float *const *)c->fields));
  char dir[1200];
  snprintf(dir, sizeof dir, "%s/previews", c->partial);
  TRY(tb_io_write_previews(dir, c->nsnap, c->bone->nx, c->bone->ny, c->bone->nz, c->fields[c->i_bone],
                           c->fields[c->i_resorbed], c->fields[c->i_formed]));
  c->nsnap++;
cleanup:
  return st;
}

static void progress_line(run_ctx *c, double t, double t_end, int final) {
  double t_start = -c->p.spinup_days;
  double frac = (t - t_start) / (t_end - t_start);
  if (frac < 0) frac = 0;
  if (frac > 1) frac = 1;
  double el = now_s() - c->wall_start;
  double eta = frac > 0.01 ? el * (1 - frac) / frac : NAN;
  if (c->progress) {
    int w = 30, k = (int)(frac * w);
    char bar[64];
    for (int i = 0; i < w; i++) bar[i] = i < k ? '#' : '.';
    bar[w] = '\0';
    fprintf(stderr, "\r[%s] %3.0f%%  t = %6.2f y  E = %.2f  elapsed %4.0f s  ETA %4.0f s ", bar, 100 * frac,
            t / 365.25, tb_sim_estrogen(c->sim), el, isnan(eta) ? 0.0 : eta);
    if (final) fputc('\n', stderr);
    fflush(stderr);
  } else {
    tb_log_info("t = %.2f years (%.0f%%), estrogen %.2f, elapsed %.0f s, ETA %.0f s", t / 365.25, 100 * frac,
                tb_sim_estrogen(c->sim), el, isnan(eta) ? 0.0 : eta);
  }
}

static tb_status run_loop(run_ctx *c) {
  tb_status st = TB_OK;
  const double dt = c->p.dt_days, interval = c->p.snapshot_interval_days;
  const double t_end = c->p.years * 365.25;
  double s[TB_NSTATS];
  /* Figures in the first snapshot cover the last interval of the spin-up. */
  double t_first_reset = -fmin(interval, c->p.spinup_days);
  int reset_done = 0;
  double next_snap = 0.0, next_report = now_s() + (c->progress ? 0.5 : 10.0);
  c->wall_start = now_s();
  for (;;) {
    double t = tb_sim_time_days(c->sim);
    if (!reset_done && t >= t_first_reset - 1e-6 * dt) {
      TRY(tb_sim_stats(c->sim, 1, s));
      c->bone_at_reset = s[TB_STAT_BONE_ALL];
      c->t_last_reset = t;
      reset_done = 1;
    }
    if (t >= next_snap - 1e-6 * dt) {
      TRY(snapshot(c));
      if (c->nsnap == 1) c->bone_first = c->last_row[3];
      next_snap += interval;
      if (next_snap > t_end + 1e-6 * dt && t < t_end - 1e-6 * dt) next_snap = t_end;
    }
    if (t >= t_end - 1e-6 * dt) break;
    TRY(tb_sim_step(c->sim));
    if (now_s() >= next_report) {
      progress_line(c, tb_sim_time_days(c->sim), t_end, 0);
      next_report = now_s() + (c->progress ? 0.5 : 10.0);
    }
  }
  progress_line(c, tb_sim_time_days(c->sim), t_end, 1);
  c->wall_loop = now_s() - c->wall_start;
cleanup:
  return st;
}

/* The run checks its own invariants (as CoMD's validateResult): the bone
 * resorbed minus formed equals the loss of bone volume, and every field is
 * finite and non-negative. */
static tb_status check_invariants(run_ctx *c, double *balance_rel) {
  tb_status st = TB_OK;
  double s[TB_NSTATS];
  TRY(tb_sim_stats(c->sim, 0, s));
  double change = c->bone_at_reset - s[TB_STAT_BONE_ALL];
  double net = c->res_total - c->form_total;
  *balance_rel = fabs(change - net) / fmax(c->bone_at_reset, 1.0);
  CHECK(*balance_rel < 1e-4, TB_ERR_INTERNAL,
        "mass balance broken: bone lost %.6g voxels but resorbed - formed = %.6g voxels", change, net);
  size_t n = tb_volume_count(c->bone);
  for (int32_t k = 0; k < c->nout; k++)
    for (size_t i = 0; i < n; i++)
      CHECK(isfinite(c->fields[k][i]) && c->fields[k][i] >= 0.0f, TB_ERR_INTERNAL,
            "output %s has the value %g at voxel %zu: expected finite and non-negative", c->out_names[k],
            c->fields[k][i], i);
cleanup:
  return st;
}

static void json_number(FILE *f, const char *key, double v, int comma) {
  if (isfinite(v)) fprintf(f, "  \"%s\": %.9g%s\n", key, v, comma ? "," : "");
  else fprintf(f, "  \"%s\": null%s\n", key, comma ? "," : "");
}

static void json_string(FILE *f, const char *key, const char *v) {
  fprintf(f, "  \"%s\": \"", key);
  for (const char *p = v; *p; p++) {
    if (*p == '"' || *p == '\\') fputc('\\', f);
    if ((unsigned char)*p >= 0x20) fputc(*p, f);
  }
  fputs("\",\n", f);
}

/* "[treatment.N] denosumab 60 mg every 182.625 d from day 1096 before day 2190" */
static void describe_course(const tb_params *p, int k, char *out, size_t n) {
  const tb_treatment *t = &p->treatment[k];
  double every = isnan(t->interval_days) ? tb_drug_default_interval(t->drug) : t->interval_days;
  char stop[64] = "";
  if (!isnan(t->stop_day)) snprintf(stop, sizeof stop, " before day %g", t->stop_day);
  if (t->drug == TB_DRUG_HORMONE_THERAPY || every <= 0)
    snprintf(out, n, "[treatment.%d] %s %g mg/day from day %g%s", t->number, tb_drug_name(t->drug), t->dose_mg,
             t->start_day, stop);
  else
    snprintf(out, n, "[treatment.%d] %s %g mg every %g d from day %g%s", t->number, tb_drug_name(t->drug),
             t->dose_mg, every, t->start_day, stop);
}

/* Column of a process's scalar in last_row, -1 when no process reports it. */
static int scalar_column(const run_ctx *c, const char *name) {
  for (int k = 0; k < c->nscalars; k++)
    if (!strcmp(tb_sim_scalar_name(c->sim, k), name)) return NCOLS + k;
  return -1;
}

/* The mineral process's BMD-like figures at t = 0 beside their final values
 * (final_* above), and what they are for. */
static const char *const bmd_note =
    "BMD-like = volumetric mineral density of the sample (mineral mass over total volume, mg/cm3); antiresorptive "
    "BMD gains come largely from secondary mineralisation, so compare a drug's effect with clinical (areal) BMD "
    "through this figure, not through BV/TV";

static void write_bmd(FILE *f, const run_ctx *c) {
  static const char *const names[] = {"bmd_mg_cm3", "bmd_trabecular_mg_cm3", "bmd_cortical_mg_cm3",
                                      "tmd_trabecular_mg_cm3", "tmd_cortical_mg_cm3"};
  int organ = scalar_column(c, names[0]);
  if (organ < 0) return;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    int k = scalar_column(c, names[i]);
    char key[96];
    snprintf(key, sizeof key, "start_%s", names[i]);
    if (k >= 0) json_number(f, key, c->first_row[k], 1);
  }
  json_number(f, "bmd_change_pct_per_year", 100.0 * (c->last_row[organ] / c->first_row[organ] - 1.0) / c->p.years,
              1);
  json_string(f, "bmd_note", bmd_note);
}

static tb_status write_summary(run_ctx *c, double balance_rel) {
  tb_status st = TB_OK;
  char path[1300];
  snprintf(path, sizeof path, "%s/summary.json", c->partial);
  FILE *f = fopen(path, "w");
  CHECK(f, TB_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
  fputs("{\n", f);
  json_string(f, "version", TB_VERSION);
  json_string(f, "device", tb_dev_name(c->dev));
  json_string(f, "input", c->input_desc);
  json_string(f, "scenario", c->o->scenario ? c->o->scenario : "built-in postmenopausal");
  json_number(f, "seed", c->p.seed, 1);
  json_number(f, "voxel_size_um", c->bone->spacing_um[0], 1);
  fprintf(f, "  \"grid\": [%d, %d, %d],\n", c->bone->nx, c->bone->ny, c->bone->nz);
  fprintf(f, "  \"sample_size_mm\": [%.6g, %.6g, %.6g],\n", c->bone->nx * c->bone->spacing_um[0] / 1000.0,
          c->bone->ny * c->bone->spacing_um[1] / 1000.0, c->bone->nz * c->bone->spacing_um[2] / 1000.0);
  json_number(f, "years", c->p.years, 1);
  fputs("  \"treatments\": [", f);
  for (int k = 0; k < c->p.n_treatments; k++) {
    char course[256];
    describe_course(&c->p, k, course, sizeof course);
    fprintf(f, "%s\"%s\"", k ? ", " : "", course);
  }
  fputs("],\n", f);
  json_number(f, "snapshots", c->nsnap, 1);
  for (int k = 0; k < NCOLS + c->nscalars; k++) {
    char key[96];
    snprintf(key, sizeof key, "final_%s", k < NCOLS ? csv_columns[k] : tb_sim_scalar_name(c->sim, k - NCOLS));
    json_number(f, key, c->last_row[k], 1);
  }
  double bv0 = c->bone_first, bv1 = c->last_row[3];
  json_number(f, "bv_tv_trabecular_change_pct", 100.0 * (bv1 / bv0 - 1.0), 1);
  json_number(f, "bv_tv_trabecular_change_pct_per_year", 100.0 * (bv1 / bv0 - 1.0) / c->p.years, 1);
  write_bmd(f, c);
  json_number(f, "mass_balance_relative_error", balance_rel, 1);
  json_number(f, "wall_seconds", c->wall_loop, 1);
  json_number(f, "steps", (double)tb_sim_steps_done(c->sim), 1);
  json_number(f, "steps_per_second", (double)tb_sim_steps_done(c->sim) / fmax(c->wall_loop, 1e-9), 1);
  json_string(f, "note", "BV/TV of a sample; clinical targets are areal BMD of whole bones: compare rates and directions");
  fputs("  \"units\": {\"time\": \"day\", \"length\": \"um\", \"volume\": \"mm3\", \"concentration\": \"pM\"}\n}\n", f);
  int bad = ferror(f);
  bad |= fclose(f) != 0;
  CHECK(!bad, TB_ERR_IO, "%s: write failed", path);
cleanup:
  return st;
}

static tb_status write_attributes(run_ctx *c) {
  tb_status st = TB_OK;
  for (int i = 0; i < tb_param_count; i++) {
    const tb_param_info *q = &tb_param_table[i];
    char name[128];
    snprintf(name, sizeof name, "%s.%s", q->section, q->key);
    TRY(tb_h5_out_attr_double(c->h5, "/parameters", name, tb_param_get(&c->p, q), q->unit));
  }
  for (int k = 0; k < c->p.n_treatments; k++) {
    char name[64], course[256];
    snprintf(name, sizeof name, "treatment.%d", c->p.treatment[k].number);
    describe_course(&c->p, k, course, sizeof course);
    TRY(tb_h5_out_attr_string(c->h5, "/parameters", name, course));
  }
  TRY(tb_h5_out_attr_string(c->h5, "/", "version", TB_VERSION));
  TRY(tb_h5_out_attr_string(c->h5, "/", "device", tb_dev_name(c->dev)));
  TRY(tb_h5_out_attr_string(c->h5, "/", "input", c->input_desc));
  TRY(tb_h5_out_attr_string(c->h5, "/", "scenario", c->o->scenario ? c->o->scenario : "built-in postmenopausal"));
  TRY(tb_h5_out_attr_double(c->h5, "/", "seed", c->p.seed, NULL));
  TRY(tb_h5_out_attr_string(c->h5, "/", "time_unit", "day"));
  for (int32_t k = 0; k < c->nout; k++)
    TRY(tb_h5_out_attr_string(c->h5, "/units", c->out_names[k], tb_sim_output_unit(c->sim, k)));
cleanup:
  return st;
}

/* Runs tools/plot_morphometry.py without a shell (paths may hold any
 * character); 0 when it wrote the plot, else why in why[] (the script's
 * last line of stderr: a missing matplotlib and a full disk read
 * differently). */
static int run_plot_tool(run_ctx *c, char *why, size_t nwhy) {
#ifdef TB_TOOLS_DIR
  char script[1200], csv[1200], png[1200];
  snprintf(script, sizeof script, "%s/plot_morphometry.py", TB_TOOLS_DIR);
  snprintf(csv, sizeof csv, "%s/morphometry.csv", c->partial);
  snprintf(png, sizeof png, "%s/morphometry.png", c->partial);
  snprintf(why, nwhy, "it needs /usr/bin/python3 and %.500s", script);
  if (access("/usr/bin/python3", X_OK) != 0 || access(script, R_OK) != 0) return 1;
  int fds[2];
  if (pipe(fds) != 0) return 1;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return 1;
  }
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 1);
    dup2(fds[1], 2);
    close(fds[0]);
    char *argv[] = {"/usr/bin/python3", script, csv, "-o", png, "--labels", c->outdir, NULL};
    execv(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  /* Keep the last non-empty line of what the script says. */
  char buf[4096], last[512] = "";
  size_t len = 0;
  ssize_t r;
  while ((r = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0 || (r < 0 && errno == EINTR)) {
    if (r < 0) continue;
    len += (size_t)r;
    buf[len] = '\0';
    char *nl;
    while ((nl = strchr(buf, '\n')) != NULL) {
      *nl = '\0';
      if (buf[0]) snprintf(last, sizeof last, "%.500s", buf);
      memmove(buf, nl + 1, len - (size_t)(nl + 1 - buf) + 1);
      len = strlen(buf);
    }
    if (len == sizeof buf - 1) len = 0; /* a line longer than the buffer: drop it */
  }
  if (len && buf[0]) snprintf(last, sizeof last, "%.500s", buf);
  close(fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!ok) snprintf(why, nwhy, "tools/plot_morphometry.py: %s", last[0] ? last : "failed without a message");
  return !ok;
#else
  (void)c;
  snprintf(why, nwhy, "this build has no tools folder");
  return 1;
#endif
}

static void run_plot(run_ctx *c) {
  char why[700];
  if (run_plot_tool(c, why, sizeof why) != 0)
    tb_log_warn("morphometry.png not written: %s (the CSV is complete; run tools/plot_morphometry.py yourself)", why);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* Removes a folder and everything in it (the partial output of a failed run). */
static int remove_tree(const char *path) { return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

tb_status tb_run(const tb_run_options *o) {
  tb_status st = TB_OK;
  run_ctx c;
  memset(&c, 0, sizeof c);
  c.o = o;
  c.progress = o->progress >= 0 ? o->progress : isatty(2);
  int created = 0;
  double balance_rel = 0.0;

  /* 1. Everything that can be checked, before any output exists. */
  TRY(choose_outdir(&c));
  TRY(load_params(&c));
  TRY(load_sample(&c));
  TRY(tb_dev_create(o->device, &c.dev));
  tb_log_info("device: %s", tb_dev_name(c.dev));
  tb_log_info("sample: %s (%d x %d x %d, %g um)", c.input_desc, c.bone->nx, c.bone->ny, c.bone->nz,
              c.bone->spacing_um[0]);
  TRY(tb_sim_create(c.dev, &c.p, c.bone, c.labels, &c.sim));

  /* 2. Outputs, in a partial folder renamed at the end. */
  CHECK(mkdir(c.partial, 0777) == 0, TB_ERR_IO, "%s: cannot create: %s", c.partial, strerror(errno));
  created = 1;
  char path[1300];
  snprintf(path, sizeof path, "%s/previews", c.partial);
  CHECK(mkdir(path, 0777) == 0, TB_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
  size_t n = tb_volume_count(c.bone);
  c.nout = tb_sim_output_count(c.sim);
  CHECK(c.nout <= 64, TB_ERR_INTERNAL, "more than 64 outputs");
  c.i_bone = tb_sim_output_find(c.sim, "bone_fraction");
  c.i_resorbed = tb_sim_output_find(c.sim, "resorbed");
  c.i_formed = tb_sim_output_find(c.sim, "formed");
  CHECK(c.i_bone >= 0 && c.i_resorbed >= 0 && c.i_formed >= 0, TB_ERR_INTERNAL,
        "the process table lacks bone_fraction, resorbed or formed");
  for (int32_t k = 0; k < c.nout; k++) {
    c.out_names[k] = tb_sim_output_name(c.sim, k);
    c.fields[k] = malloc(n * sizeof(float));
    CHECK(c.fields[k], TB_ERR_NOMEM, "out of memory for the output volumes");
  }
  snprintf(path, sizeof path, "%s/trabecula.h5", c.partial);
  TRY(tb_h5_out_create(path, c.bone->nx, c.bone->ny, c.bone->nz, c.bone->spacing_um, c.bone->origin_um, &c.h5));
  TRY(write_attributes(&c));
  if (c.labels) TRY(tb_h5_out_write_labels(c.h5, c.labels));
  snprintf(path, sizeof path, "%s/morphometry.csv", c.partial);
  c.csv = fopen(path, "w");
  CHECK(c.csv, TB_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
  c.nscalars = tb_sim_scalar_count(c.sim);
  CHECK(NCOLS + c.nscalars <= (int)(sizeof c.last_row / sizeof c.last_row[0]), TB_ERR_INTERNAL,
        "too many morphometry.csv columns");
  for (int k = 0; k < NCOLS; k++) fprintf(c.csv, k ? ",%s" : "%s", csv_columns[k]);
  for (int k = 0; k < c.nscalars; k++) fprintf(c.csv, ",%s", tb_sim_scalar_name(c.sim, k));
  fputc('\n', c.csv);
  if (c.p.n_treatments > 0) {
    snprintf(path, sizeof path, "%s/treatment.csv", c.partial);
    c.tcsv = fopen(path, "w");
    CHECK(c.tcsv, TB_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
  }

  /* 3. The time loop. */
  tb_log_info("simulating %.0f days of spin-up and %.3g years in steps of %g days", c.p.spinup_days, c.p.years,
              c.p.dt_days);
  TRY(run_loop(&c));

  /* 4. Invariants, figures, and the rename into place. */
  TRY(check_invariants(&c, &balance_rel));
  int bad = fclose(c.csv) != 0;
  c.csv = NULL;
  CHECK(!bad, TB_ERR_IO, "%s/morphometry.csv: write failed", c.partial);
  if (c.tcsv) {
    bad = ferror(c.tcsv) | (fclose(c.tcsv) != 0);
    c.tcsv = NULL;
    CHECK(!bad, TB_ERR_IO, "%s/treatment.csv: write failed", c.partial);
  }
  TRY(write_summary(&c, balance_rel));
  TRY(tb_h5_out_close(&c.h5, 1));
  snprintf(path, sizeof path, "%s/trabecula.xdmf", c.partial);
  TRY(tb_io_write_xdmf(path, "trabecula.h5", c.bone->nx, c.bone->ny, c.bone->nz, c.bone->spacing_um,
                       c.bone->origin_um, c.nsnap, c.snap_index, c.snap_time, c.nout, c.out_names,
                       c.labels != NULL));
  run_plot(&c);
  /* Another run may have taken the default name meanwhile: take the next. */
  int renamed = rename(c.partial, c.outdir) == 0;
  for (int k = 2; !renamed && !o->outdir && (errno == ENOTEMPTY || errno == EEXIST) && k < 10000; k++) {
    snprintf(c.outdir, sizeof c.outdir, "trabecula-out-%d", k);
    renamed = rename(c.partial, c.outdir) == 0;
  }
  if (!renamed) created = 0; /* keep the finished results where they are */
  CHECK(renamed, TB_ERR_IO, "cannot rename %s to %s: %s (the results are left in %s)", c.partial, c.outdir,
        strerror(errno), c.partial);
  created = 0;
  int organ = scalar_column(&c, "bmd_mg_cm3");
  if (organ >= 0)
    tb_log_info("BMD-like %.1f -> %.1f mg/cm3 (%+.2f %%/year): %s", c.first_row[organ], c.last_row[organ],
                100.0 * (c.last_row[organ] / c.first_row[organ] - 1.0) / c.p.years, bmd_note);
  tb_log_info("trabecular BV/TV %.4f -> %.4f (%+.2f %%/year), activation frequency %.2f/year, wrote %s/",
              c.bone_first, c.last_row[3], 100.0 * (c.last_row[3] / c.bone_first - 1.0) / c.p.years,
              c.last_row[13], c.outdir);
cleanup:
  if (c.csv) fclose(c.csv);
  if (c.tcsv) fclose(c.tcsv);
  tb_h5_out_close(&c.h5, 0);
  if (created && remove_tree(c.partial) != 0) tb_log_warn("could not remove %s", c.partial);
  for (int32_t k = 0; k < c.nout; k++) free(c.fields[k]);
  free(c.snap_index);
  free(c.snap_time);
  tb_sim_destroy(&c.sim);
  tb_dev_destroy(&c.dev);
  tb_volume_destroy(&c.bone);
  free(c.labels);
  return st;
}
