/* The teriparatide process (kernels/teriparatide.cl): the serum course of
 * the scenario's teriparatide doses or infusions, its anti-apoptotic BCL2
 * signal and what they do to the tissue (tb_drug_effects.ob_life_factor,
 * rankl_factor, lining_teriparatide). Without a teriparatide course it
 * launches nothing. */
#include <stdlib.h>
#include <string.h>

#include "drug.h"

typedef struct teriparatide {
  tb_kp_teriparatide kp;
  tb_drug_course c;
  tb_kernel *advance;
} teriparatide;

static const tb_scalar_desc scalars[] = {
    {"teriparatide_peak_pM", "pM", "highest serum teriparatide in the last step"},
    {"teriparatide_mean_pM", "pM", "mean serum teriparatide over the last step"},
    {"ob_apoptosis_factor", "1", "osteoblast apoptosis relative to health from the BCL2 signal (1 = none)"},
    {"lining_activation_teriparatide", "1", "quiescent-surface formation, share of the healthy MAR"},
};

static tb_status declare(tb_sim *s, const tb_params *p) {
  return tb_drug_declare(s, tb_params_has_drug(p, TB_DRUG_TERIPARATIDE),
                         &(tb_array_desc){"teriparatide_state", TB_TYPE_F32, 1, TB_EXTENT_FIXED,
                                          (int64_t)(sizeof(tb_teriparatide_state) / sizeof(float)), "pM",
                                          TB_ARRAY_RESTART, 0,
                                          "teriparatide depot, serum and the RUNX2/CREB/BCL2 signal"},
                         scalars, (int)(sizeof scalars / sizeof scalars[0]));
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  teriparatide *o = calloc(1, sizeof *o);
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  tb_kp_teriparatide *k = &o->kp;
  k->ka_per_h = (float)p->pth_absorption_per_hour;
  k->ke_per_h = (float)p->pth_elimination_per_hour;
  /* Teriparatide, PTH(1-34), 4117.8 g/mol: 1 mg = 242,850 pmol
   * (20 ug = 4857 pmol). */
  k->pM_per_mg = (float)(p->pth_bioavailability * 242850.0 / p->pth_volume_L);
  k->p0_pM = (float)p->pth_baseline_pM;
  k->rankl_emax = (float)p->pth_rankl_emax;
  k->lining_gain = (float)p->pth_lining_gain;
  tb_teriparatide_state is;
  memset(&is, 0, sizeof is);
  is.t_days = (float)-p->spinup_days;
  is.rx2 = 10.0f; /* the steady state at P = P0 */
  is.creb = 10.0f;
  is.bcl2 = 100.0f;
  tb_drug_course *c = &o->c;
  TRY(tb_drug_course_create(s, p, tb_params_has_drug(p, TB_DRUG_TERIPARATIDE), k, sizeof *k, "teriparatide_state", &is,
                            sizeof is, c));
  TRY(tb_sim_kernel(s, "teriparatide_advance", &o->advance));
  TRY(TB_BIND(o->advance, TB_BUF(tb_sim_schedule_buf(s)), TB_BUF(c->b_tr), TB_BUF(c->b_kp),
              TB_BUF(tb_sim_step_buf(s)), TB_BUF(c->state), TB_BUF(c->fx)));
cleanup:
  return st;
}

static tb_status step(tb_sim *s, void *state) {
  teriparatide *o = state;
  return o->c.on ? tb_sim_run_shape(s, o->advance, &o->c.one) : TB_OK;
}

static tb_status report(tb_sim *s, void *state, double *out) {
  tb_status st = TB_OK;
  teriparatide *o = state;
  tb_teriparatide_state ts;
  tb_drug_effects e;
  if (!o->c.on) return TB_OK;
  TRY(tb_dev_read(tb_sim_device(s), o->c.state, 0, sizeof ts, &ts));
  TRY(tb_dev_read(tb_sim_device(s), o->c.fx, 0, sizeof e, &e));
  out[0] = ts.peak_pM;
  out[1] = ts.mean_pM;
  out[2] = 1.0 / e.ob_life_factor;
  out[3] = e.lining_teriparatide;
cleanup:
  return st;
}

static const char *const files[] = {"teriparatide.cl", NULL};
const tb_process_type tb_process_teriparatide = {.name = "teriparatide", .kernel_files = files, .declare = declare,
                                                 .create = create, .step = step, .scalars = report};
