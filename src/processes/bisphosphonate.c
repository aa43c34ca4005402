/* The bisphosphonate process (kernels/bisphosphonate.cl): the plasma and
 * skeleton course of the scenario's alendronate and zoledronate doses, the
 * drug bound per voxel (the `bisphosphonate` output volume) and the
 * apoptosis of the osteoclast teams that take it up. The uptake itself is in
 * osteoclast_resorb (kernels/osteoclast.cl), which frees the drug in the bone
 * it removes into the team's `team_bp_uptake`.
 *
 * Without an alendronate or zoledronate course it launches nothing and
 * declares the two arrays as one-element placeholders (no bytes per voxel);
 * the osteoclast kernel then leaves them alone, so results are those of a
 * build without the process. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drug.h"

typedef struct bisphosphonate {
  tb_kp_bisphosphonate kp;
  tb_drug_course c;
  tb_buf *bp, *f;
  tb_kernel *advance, *adsorb, *apoptosis;
  tb_shape slots;
} bisphosphonate;

static const tb_scalar_desc scalars[] = {
    {"bp_plasma_ng_per_mL", "ng/mL", "alendronate plus zoledronate in plasma at the snapshot"},
    {"bp_skeleton_mg", "mg", "alendronate plus zoledronate bound in the whole skeleton"},
    {"bp_urine_mg", "mg", "alendronate plus zoledronate excreted in urine since the start"},
    {"bp_bound_ng_per_mm3", "ng/mm3", "mean drug bound in the sample's bone, alendronate-equivalent per mm3 of bone"},
    {"bp_teams_ended", "count", "osteoclast teams the drug ended since the previous snapshot"},
};
#define NSCALARS ((int)(sizeof scalars / sizeof scalars[0]))

static int scheduled(const tb_params *p) {
  return tb_params_has_drug(p, TB_DRUG_ALENDRONATE) || tb_params_has_drug(p, TB_DRUG_ZOLEDRONATE);
}

static tb_status declare(tb_sim *s, const tb_params *p) {
  tb_status st = TB_OK;
  const int on = scheduled(p);
  TRY(tb_drug_declare(s, on,
                      &(tb_array_desc){"bisphosphonate_state", TB_TYPE_F32, 1, TB_EXTENT_FIXED,
                                       (int64_t)(sizeof(tb_bp_state) / sizeof(float)), "mg", TB_ARRAY_RESTART, 0,
                                       "bisphosphonate plasma, skeleton and urine"},
                      scalars, NSCALARS));
  if (on) {
    TRY(tb_sim_declare_array(s, &(tb_array_desc){"bisphosphonate", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "ng/mm3",
                                                 TB_ARRAY_OUTPUT | TB_ARRAY_RESTART, 0,
                                                 "bisphosphonate bound in the voxel, alendronate-equivalent ng per "
                                                 "mm3 of voxel (an amount: new bone carries none)"}));
    TRY(tb_sim_declare_array(s, &(tb_array_desc){"team_bp_uptake", TB_TYPE_I32, 1, TB_EXTENT_TEAM, 0, "ag",
                                                 TB_ARRAY_RESTART, 0,
                                                 "bisphosphonate the team took up (unsigned, 1e-9 ng units)"}));
  } else {
    /* Placeholders the osteoclast kernel is bound to and never reads. */
    TRY(tb_sim_declare_array(s, &(tb_array_desc){"bisphosphonate", TB_TYPE_F32, 1, TB_EXTENT_FIXED, 1, "ng/mm3", 0,
                                                 0, "placeholder: no bisphosphonate scheduled"}));
    TRY(tb_sim_declare_array(s, &(tb_array_desc){"team_bp_uptake", TB_TYPE_I32, 1, TB_EXTENT_FIXED, 1, "ag", 0, 0,
                                                 "placeholder: no bisphosphonate scheduled"}));
  }
cleanup:
  return st;
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  bisphosphonate *o = calloc(1, sizeof *o);
  tb_buf *comp = NULL, *team_used = NULL, *team_pos = NULL, *team_time = NULL, *uptake = NULL;
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  const tb_kdomain *d = tb_sim_domain(s);
  tb_kp_bisphosphonate *k = &o->kp;
  k->k_plasma_per_day = (float)(log(2.0) / (p->bp_plasma_half_life_h / 24.0));
  k->f_bone = (float)p->bp_bone_share;
  k->bioavailability[0] = (float)(p->bp_alendronate_bioavailability_pct / 100.0);
  k->bioavailability[1] = 1.0f; /* intravenous */
  k->potency[0] = 1.0f;
  k->potency[1] = (float)p->bp_zoledronate_potency;
  k->skeleton_turnover_per_day = (float)(p->bp_skeleton_turnover_per_year / 365.25);
  k->plasma_volume_mL = (float)(p->bp_plasma_volume_L * 1000.0);
  /* 1 mg bound over S_skeleton m2: 1e6 ng / (S 1e12 um2) per um2; an exposed
   * voxel stands for h^2 of it in h^3 = h^3 1e-9 mm3 of volume. */
  k->surface_ng_per_mm3_per_mg = (float)(1e3 / (p->bp_skeleton_surface_m2 * d->h_um));
  k->hmax_per_day = (float)p->bp_apoptosis_max_per_day;
  k->ec50_ng = (float)p->bp_apoptosis_ec50_pg * 1e-3f;
  tb_bp_state is;
  memset(&is, 0, sizeof is);
  is.t_days = (float)-p->spinup_days;
  TRY(tb_drug_course_create(s, p, scheduled(p), k, sizeof *k, "bisphosphonate_state", &is, sizeof is, &o->c));
  TRY(tb_sim_array(s, "bisphosphonate", &o->bp));
  TRY(tb_dev_fill_zero(tb_sim_device(s), o->bp));
  TRY(tb_sim_array(s, "team_bp_uptake", &uptake));
  TRY(tb_dev_fill_zero(tb_sim_device(s), uptake));
  if (!o->c.on) goto cleanup;
  TRY(tb_sim_array(s, "bone_fraction", &o->f));
  TRY(tb_sim_array(s, "compartment", &comp));
  TRY(tb_sim_array(s, "team_used", &team_used));
  TRY(tb_sim_array(s, "team_pos", &team_pos));
  TRY(tb_sim_array(s, "team_time", &team_time));
  tb_buf *dom = tb_sim_domain_buf(s), *ks = tb_sim_step_buf(s);
  TRY(tb_sim_kernel(s, "bisphosphonate_advance", &o->advance));
  TRY(TB_BIND(o->advance, TB_BUF(tb_sim_schedule_buf(s)), TB_BUF(o->c.b_tr), TB_BUF(o->c.b_kp), TB_BUF(ks),
              TB_BUF(o->c.state)));
  TRY(tb_sim_kernel(s, "bisphosphonate_adsorb", &o->adsorb));
  TRY(TB_BIND(o->adsorb, TB_BUF(dom), TB_BUF(o->c.state), TB_BUF(o->f), TB_BUF(comp), TB_BUF(o->bp)));
  TRY(tb_sim_kernel(s, "bisphosphonate_apoptosis", &o->apoptosis));
  TRY(TB_BIND(o->apoptosis, TB_BUF(dom), TB_BUF(o->c.b_kp), TB_BUF(ks), TB_BUF(team_used), TB_BUF(team_pos),
              TB_BUF(team_time), TB_BUF(uptake), TB_BUF(o->c.state)));
  tb_dev_shape_1d(tb_sim_device(s), (size_t)d->team_capacity, &o->slots);
cleanup:
  return st;
}

/* Apoptosis first, from the uptake up to the last step; then the doses of
 * this step and their binding at the surface, which the osteoclasts of this
 * step already meet. */
static tb_status step(tb_sim *s, void *state) {
  tb_status st = TB_OK;
  bisphosphonate *o = state;
  if (!o->c.on) return TB_OK;
  TRY(tb_sim_run_shape(s, o->apoptosis, &o->slots));
  TRY(tb_sim_run_shape(s, o->advance, &o->c.one));
  TRY(tb_sim_run_rows(s, o->adsorb));
cleanup:
  return st;
}

static tb_status report(tb_sim *s, void *state, double *out) {
  tb_status st = TB_OK;
  bisphosphonate *o = state;
  tb_device *dev = tb_sim_device(s);
  float *bp = NULL, *f = NULL;
  tb_bp_state bs;
  if (!o->c.on) return TB_OK;
  TRY(tb_dev_read(dev, o->c.state, 0, sizeof bs, &bs));
  out[0] = (bs.plasma_mg[0] + bs.plasma_mg[1]) * 1e6 / o->kp.plasma_volume_mL;
  out[1] = bs.skeleton_mg[0] + bs.skeleton_mg[1];
  out[2] = bs.urine_mg[0] + bs.urine_mg[1];
  size_t n = tb_buf_size(o->bp) / sizeof(float);
  bp = malloc(n * sizeof *bp);
  f = malloc(n * sizeof *f);
  CHECK(bp && f, TB_ERR_NOMEM, "out of memory");
  TRY(tb_dev_read(dev, o->bp, 0, n * sizeof *bp, bp));
  TRY(tb_dev_read(dev, o->f, 0, n * sizeof *f, f));
  double drug = 0.0, bone = 0.0;
  for (size_t i = 0; i < n; i++) {
    drug += bp[i];
    bone += f[i];
  }
  out[3] = bone > 0.0 ? drug / bone : 0.0;
  out[4] = bs.teams_ended;
  bs.teams_ended = 0;
  TRY(tb_dev_write(dev, o->c.state, 0, sizeof bs, &bs));
cleanup:
  free(bp);
  free(f);
  return st;
}

static const char *const files[] = {"bisphosphonate.cl", NULL};
const tb_process_type tb_process_bisphosphonate = {.name = "bisphosphonate", .kernel_files = files,
                                                   .declare = declare, .create = create, .step = step,
                                                   .scalars = report};
