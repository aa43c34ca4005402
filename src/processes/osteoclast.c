/* The osteoclast process: BMU initiation and resorption (kernels/osteoclast.cl).
 *
 * Owns the team table (team_pos, team_time, team_perf, team_used), each
 * voxel's team (team_id), the cavity and the resorption counters. The
 * formation process ends teams (it releases their voxels and slots). */
#include <math.h>
#include <stdlib.h>

#include "trabecula/log.h"
#include "trabecula/process.h"

#define GROUPS 256

typedef struct osteoclast {
  tb_kp_osteoclast kp;
  tb_buf *b_kp, *row_new, *group_base, *counter, *team_id, *team_pos, *team_time, *team_perf, *team_used;
  tb_buf *reach;
  tb_kernel *reach_k, *recruit, *count, *scan, *resorb, *drive;
  tb_buf *drive_map, *join;
  tb_shape one, groups, slots;
} osteoclast;

static const tb_array_desc arrays[] = {
    {"team_id", TB_TYPE_I32, 1, TB_EXTENT_VOXEL, 0, "slot", TB_ARRAY_RESTART, 1, "team slot of the voxel, -1 none"},
    {"cavity", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1", TB_ARRAY_OUTPUT | TB_ARRAY_RESTART, 0,
     "bone fraction resorbed in the current cycle"},
    {"resorbed", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1", TB_ARRAY_OUTPUT | TB_ARRAY_RESTART, 0,
     "bone fraction resorbed since the previous snapshot"},
    {"events", TB_TYPE_U8, 1, TB_EXTENT_VOXEL, 0, "count", TB_ARRAY_RESTART, 0,
     "BMUs started at the voxel since the previous snapshot"},
    {"join", TB_TYPE_I32, 1, TB_EXTENT_VOXEL, 0, "slot", TB_ARRAY_SCRATCH, 0, "scratch: team the voxel joins this step"},
    {"new_team", TB_TYPE_U8, 1, TB_EXTENT_VOXEL, 0, "flags", TB_ARRAY_SCRATCH, 0, "scratch: a new team starts here (and its direction)"},
    {"team_pos", TB_TYPE_I32, 4, TB_EXTENT_TEAM, 0, "voxel", TB_ARRAY_RESTART, 0,
     "global x, y, z of the team's seed and its inward direction"},
    {"team_time", TB_TYPE_F32, 2, TB_EXTENT_TEAM, 0, "day", TB_ARRAY_RESTART, 0, "start and resorption end"},
    {"team_perf", TB_TYPE_I32, 1, TB_EXTENT_TEAM, 0, "1", TB_ARRAY_RESTART, 0, "the team perforated a trabecula"},
    {"team_used", TB_TYPE_I32, 1, TB_EXTENT_TEAM, 0, "1", TB_ARRAY_RESTART, 0, "the slot holds a live team"},
    {"team_reach", TB_TYPE_U8, 1, TB_EXTENT_VOXEL, 0, "1", TB_ARRAY_SCRATCH, 0,
     "scratch: a resorbing team's front may reach the voxel this step"},
    {"team_new_per_row", TB_TYPE_I32, 1, TB_EXTENT_ROW, 0, "count", 0, 0, "scratch: new teams per row"},
    {"team_group_base", TB_TYPE_I32, 1, TB_EXTENT_FIXED, GROUPS, "slot", 0, 0, "scratch: first slot of each row group"},
    {"team_counter", TB_TYPE_I32, 1, TB_EXTENT_FIXED, 4, "slot", TB_ARRAY_RESTART, 0,
     "next free slot, overflow flag, new teams in the last step"},
};

static tb_status declare(tb_sim *s, const tb_params *p) {
  tb_status st = TB_OK;
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) TRY(tb_sim_declare_array(s, &arrays[i]));
  TRY(tb_sim_declare_output(s, &(tb_output_desc){"osteoclasts", "1", "1 where an osteoclast team is resorbing"}));
  TRY(tb_sim_declare_output(s, &(tb_output_desc){"osteoclastogenesis", "1",
                                                  "BMU initiation rate at surface voxels relative to health"}));
cleanup:
  return st;
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  osteoclast *o = calloc(1, sizeof *o);
  int32_t *init = NULL;
  tb_buf *f = NULL, *comp = NULL, *rankl = NULL, *opg = NULL, *join = NULL, *pflag = NULL, *cav = NULL,
         *res = NULL, *evt = NULL, *tgfb_src = NULL, *imm = NULL, *tnf = NULL, *il17 = NULL, *il6 = NULL,
         *drug = NULL, *bp = NULL, *bp_uptake = NULL;
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  const tb_kdomain *d = tb_sim_domain(s);
  double h = d->h_um;
  /* A surface voxel stands for h^2 of bone surface; one BMU covers the
   * footprint of its cavity, pi R0^2 with R0 = speed x period. A surface
   * point is then remodelled activation_frequency times a year. */
  double r0 = p->resorption_speed_um_per_day * p->resorption_period_days;
  o->kp.init_rate_per_day =
      (float)(p->activation_frequency_per_year / 365.25 * h * h / (3.14159265358979323846 * r0 * r0));
  o->kp.rankl_exponent = (float)p->rankl_exponent;
  o->kp.reff_ref_pM = 1.0f; /* measured in start() */
  o->kp.K_opg_per_pM = (float)p->K_opg_per_pM;
  o->kp.init_estrogen_gain = (float)p->estrogen_initiation_gain;
  o->kp.resorb_speed_um_per_day = (float)p->resorption_speed_um_per_day;
  o->kp.resorb_period_days = (float)p->resorption_period_days;
  o->kp.survival_estrogen_gain = (float)p->estrogen_survival_gain;
  o->kp.lifetime_cv = (float)p->lifetime_cv;
  o->kp.tgfb_content_pM = (float)p->tgfb_release_pM;
  /* Bisphosphonates (src/processes/bisphosphonate.c): the bound drug is ng
   * per mm3 of voxel, h^3 1e-9 mm3; without a course the kernel leaves the
   * placeholder arrays alone. */
  if (tb_params_has_drug(p, TB_DRUG_ALENDRONATE) || tb_params_has_drug(p, TB_DRUG_ZOLEDRONATE))
    o->kp.bp_uptake_units = (float)(h * h * h * 1e-9 * TB_BP_UPTAKE_PER_NG);
  TRY(tb_sim_constants(s, &o->kp, sizeof o->kp, &o->b_kp));

  TRY(tb_sim_array(s, "bone_fraction", &f));
  TRY(tb_sim_array(s, "compartment", &comp));
  TRY(tb_sim_array(s, "rankl", &rankl));
  TRY(tb_sim_array(s, "opg", &opg));
  TRY(tb_sim_array(s, "tgfb_source", &tgfb_src));
  TRY(tb_sim_array(s, "immune_state", &imm));
  TRY(tb_sim_array(s, "tnf", &tnf));
  TRY(tb_sim_array(s, "il17", &il17));
  TRY(tb_sim_array(s, "il6", &il6));
  TRY(tb_sim_array(s, "drug_effects", &drug));
  TRY(tb_sim_array(s, "bisphosphonate", &bp));
  TRY(tb_sim_array(s, "team_bp_uptake", &bp_uptake));
  TRY(tb_sim_array(s, "team_id", &o->team_id));
  TRY(tb_sim_array(s, "team_pos", &o->team_pos));
  TRY(tb_sim_array(s, "team_time", &o->team_time));
  TRY(tb_sim_array(s, "team_perf", &o->team_perf));
  TRY(tb_sim_array(s, "team_used", &o->team_used));
  TRY(tb_sim_array(s, "join", &join));
  TRY(tb_sim_array(s, "new_team", &pflag));
  TRY(tb_sim_array(s, "cavity", &cav));
  TRY(tb_sim_array(s, "resorbed", &res));
  TRY(tb_sim_array(s, "events", &evt));
  TRY(tb_sim_array(s, "team_new_per_row", &o->row_new));
  TRY(tb_sim_array(s, "team_group_base", &o->group_base));
  TRY(tb_sim_array(s, "team_counter", &o->counter));

  int32_t rows = d->ny * d->nz;
  int32_t groups = rows < GROUPS ? rows : GROUPS;
  int32_t per_group = (rows + groups - 1) / groups;
  tb_buf *dom = tb_sim_domain_buf(s), *ks = tb_sim_step_buf(s);
  TRY(tb_sim_array(s, "team_reach", &o->reach));
  TRY(tb_sim_kernel(s, "osteoclast_reach", &o->reach_k));
  TRY(TB_BIND(o->reach_k, TB_BUF(dom), TB_BUF(o->b_kp), TB_BUF(ks), TB_BUF(o->team_used), TB_BUF(o->team_pos),
              TB_BUF(o->team_time), TB_BUF(o->reach)));
  tb_dev_shape_1d(tb_sim_device(s), (size_t)d->team_capacity, &o->slots);
  TRY(tb_sim_kernel(s, "osteoclast_recruit", &o->recruit));
  TRY(TB_BIND(o->recruit, TB_BUF(dom), TB_BUF(o->b_kp), TB_BUF(ks), TB_BUF(f), TB_BUF(comp), TB_BUF(o->team_id),
              TB_BUF(o->team_pos), TB_BUF(o->team_time), TB_BUF(o->team_perf), TB_BUF(rankl), TB_BUF(opg),
              TB_BUF(join), TB_BUF(pflag), TB_BUF(o->row_new), TB_BUF(o->reach), TB_BUF(imm), TB_BUF(tnf),
              TB_BUF(il17), TB_BUF(il6), TB_BUF(drug)));
  TRY(tb_sim_kernel(s, "osteoclast_count", &o->count));
  TRY(TB_BIND(o->count, TB_BUF(o->row_new), TB_I32(rows), TB_I32(per_group), TB_I32(groups), TB_BUF(o->group_base)));
  TRY(tb_sim_kernel(s, "osteoclast_scan", &o->scan));
  TRY(TB_BIND(o->scan, TB_BUF(dom), TB_BUF(o->group_base), TB_I32(groups), TB_BUF(o->counter)));
  TRY(tb_sim_kernel(s, "osteoclast_resorb", &o->resorb));
  TRY(TB_BIND(o->resorb, TB_BUF(dom), TB_BUF(o->b_kp), TB_BUF(ks), TB_BUF(f), TB_BUF(comp), TB_BUF(o->team_id),
              TB_BUF(o->team_pos), TB_BUF(o->team_time), TB_BUF(o->team_perf), TB_BUF(o->team_used), TB_BUF(join),
              TB_BUF(pflag), TB_BUF(o->row_new), TB_BUF(o->group_base), TB_I32(per_group), TB_BUF(o->counter),
              TB_BUF(cav), TB_BUF(res), TB_BUF(evt), TB_BUF(tgfb_src), TB_BUF(bp), TB_BUF(bp_uptake)));
  o->one = (tb_shape){1, 0, {1, 1, 1}, {1, 1, 1}};
  tb_dev_shape_1d(tb_sim_device(s), (size_t)groups, &o->groups);
  /* The map's buffer exists only while an output is written (output()). */
  TRY(tb_sim_kernel(s, "osteoclast_drive", &o->drive));
  TRY(TB_BIND(o->drive, TB_BUF(dom), TB_BUF(o->b_kp), TB_BUF(ks), TB_BUF(f), TB_BUF(comp), TB_BUF(rankl), TB_BUF(opg),
              TB_BUF(imm), TB_BUF(tnf), TB_BUF(il17), TB_BUF(il6), TB_BUF(drug), TB_BUF(join)));
  o->join = join; /* a scratch the next step rewrites: the map's placeholder */

  /* No voxel is in a team at the start. */
  size_t n = tb_buf_size(o->team_id) / sizeof(int32_t);
  init = malloc(n * sizeof *init);
  CHECK(init, TB_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) init[i] = TB_TEAM_NONE;
  TRY(tb_dev_write(tb_sim_device(s), o->team_id, 0, n * sizeof *init, init));
cleanup:
  free(init);
  return st;
}

/* The healthy reference: mean effective RANKL over the remodelable surface
 * of the initial state, so initiation runs at the configured activation
 * frequency in health. */
static tb_status start(tb_sim *s, void *state) {
  tb_status st = TB_OK;
  osteoclast *o = state;
  double sums[TB_NSTATS];
  TRY(tb_sim_stats(s, 1, sums));
  double surf = sums[TB_STAT_SURF_TRAB] + sums[TB_STAT_SURF_CORT];
  CHECK(surf > 0, TB_ERR_INPUT,
        "the sample has no bone surface next to marrow inside the bone (all bone or all marrow?): nothing can remodel");
  o->kp.reff_ref_pM = (float)fmax(sums[TB_STAT_REFF_SURF] / surf, 1e-12);
  TRY(tb_dev_write(tb_sim_device(s), o->b_kp, 0, sizeof o->kp, &o->kp));
  tb_log_info("healthy reference levels: effective RANKL %.4g pM at %.0f surface voxels, sclerostin %.4g pM",
              o->kp.reff_ref_pM, surf, sums[TB_STAT_SCL_SURF] / surf);
cleanup:
  return st;
}

static tb_status step(tb_sim *s, void *state) {
  tb_status st = TB_OK;
  osteoclast *o = state;
  TRY(tb_dev_fill_zero(tb_sim_device(s), o->row_new));
  TRY(tb_dev_fill_zero(tb_sim_device(s), o->reach));
  TRY(tb_sim_run_shape(s, o->reach_k, &o->slots)); /* where fronts can arrive */
  TRY(tb_sim_run_rows(s, o->recruit)); /* BMU initiation, team fronts */
  TRY(tb_sim_run_shape(s, o->count, &o->groups));
  TRY(tb_sim_run_shape(s, o->scan, &o->one)); /* slots of the new teams */
  TRY(tb_sim_run_rows(s, o->resorb)); /* resorption, TGF-beta release */
cleanup:
  return st;
}

/* Output 0: where teams are resorbing, from the team table; also reports
 * a full table (checked here, at each snapshot, not inside a step).
 * Output 1: the map of osteoclastogenesis (kernels/osteoclast.cl). */
static tb_status output(tb_sim *s, void *state, int index, float *host) {
  tb_status st = TB_OK;
  osteoclast *o = state;
  tb_device *dev = tb_sim_device(s);
  int32_t counter[4], *id = NULL;
  float *tt = NULL;
  const tb_kdomain *d = tb_sim_domain(s);
  size_t n = (size_t)d->nx * d->ny * d->nz, cap = (size_t)d->team_capacity;
  if (index == 1) {
    TRY(tb_dev_alloc(dev, tb_buf_size(o->team_id), &o->drive_map));
    TRY(tb_dev_set(o->drive, 12, TB_BUF(o->drive_map)));
    TRY(tb_sim_run_rows(s, o->drive));
    TRY(tb_dev_read(dev, o->drive_map, 0, n * sizeof *host, host));
    TRY(tb_dev_set(o->drive, 12, TB_BUF(o->join)));
    goto cleanup;
  }
  TRY(tb_dev_read(dev, o->counter, 0, sizeof counter, counter));
  CHECK(!counter[1], TB_ERR_INPUT,
        "more than %d remodeling teams were alive at once (the team table is full); the activation frequency is "
        "far above physiological values, or the sample is very large for its surface",
        d->team_capacity);
  id = malloc(n * sizeof *id);
  tt = malloc(2 * cap * sizeof *tt);
  CHECK(id && tt, TB_ERR_NOMEM, "out of memory");
  TRY(tb_dev_read(dev, o->team_id, 0, n * sizeof *id, id));
  TRY(tb_dev_read(dev, o->team_time, 0, 2 * cap * sizeof *tt, tt));
  double t = tb_sim_time_days(s);
  for (size_t i = 0; i < n; i++) host[i] = (id[i] >= 0 && t < tt[2 * (size_t)id[i] + 1]) ? 1.0f : 0.0f;
cleanup:
  tb_dev_free(&o->drive_map);
  free(id);
  free(tt);
  return st;
}

static void destroy(void **state) {
  osteoclast *o = *state;
  if (o) tb_dev_free(&o->drive_map);
  free(o);
  *state = NULL;
}

static const char *const files[] = {"osteoclast.cl", NULL};
const tb_process_type tb_process_osteoclast = {
    .name = "osteoclast", .kernel_files = files, .declare = declare, .create = create, .start = start,
    .step = step, .output = output, .destroy = destroy};
