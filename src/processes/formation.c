/* The formation process: osteoblast recruitment, refilling and the end of
 * each remodeling cycle (kernels/formation.cl). */
#include <math.h>
#include <stdlib.h>

#include "trabecula/process.h"

typedef struct formation {
  tb_kp_formation kp;
  tb_buf *b_kp, *team_id, *team_time, *team_perf;
  tb_kernel *k;
  double reversal_days;
} formation;

static const tb_array_desc arrays[] = {
    {"wall_um", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "um", TB_ARRAY_RESTART, 0, "wall thickness formed so far in the cycle"},
    {"tgfb_seen", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1", TB_ARRAY_RESTART, 0,
     "strongest TGF-beta activation seen during resorption: osteoblast recruitment"},
    {"formed", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1", TB_ARRAY_OUTPUT | TB_ARRAY_RESTART, 0,
     "bone fraction formed since the previous snapshot"},
};

static tb_status declare(tb_sim *s, const tb_params *p) {
  tb_status st = TB_OK;
  for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) TRY(tb_sim_declare_array(s, &arrays[i]));
  TRY(tb_sim_declare_output(s, &(tb_output_desc){"osteoblasts", "1", "1 where an osteoblast team is forming"}));
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
  tb_buf *formed = NULL, *src_opg = NULL, *imm = NULL, *tnf = NULL;
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
  o->reversal_days = p->reversal_period_days;
  TRY(tb_sim_constants(s, &o->kp, sizeof o->kp, &o->b_kp));
  for (int i = 0; i < 13; i++) TRY(tb_sim_array(s, names[i], &b[i]));
  TRY(tb_sim_array(s, "formed", &formed));
  TRY(tb_sim_array(s, "opg_source", &src_opg));
  TRY(tb_sim_array(s, "immune_state", &imm));
  TRY(tb_sim_array(s, "tnf", &tnf));
  o->team_id = b[2];
  o->team_time = b[4];
  o->team_perf = b[5];
  TRY(tb_sim_kernel(s, "formation_step", &o->k));
  TRY(TB_BIND(o->k, TB_BUF(tb_sim_domain_buf(s)), TB_BUF(o->b_kp), TB_BUF(tb_sim_step_buf(s)), TB_BUF(b[0]),
              TB_BUF(b[1]), TB_BUF(b[2]), TB_BUF(b[3]), TB_BUF(b[4]), TB_BUF(b[5]), TB_BUF(b[6]), TB_BUF(b[7]),
              TB_BUF(b[8]), TB_BUF(b[9]), TB_BUF(b[10]), TB_BUF(b[11]), TB_BUF(b[12]), TB_BUF(formed),
              TB_BUF(src_opg), TB_BUF(imm), TB_BUF(tnf)));
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

static const char *const files[] = {"formation.cl", NULL};
const tb_process_type tb_process_formation = {
    .name = "formation", .kernel_files = files, .declare = declare, .create = create, .start = start,
    .step = step, .output = output};
