/* The denosumab process (kernels/denosumab.cl): the serum course of the
 * scenario's denosumab doses and the free share of RANKL it leaves
 * (tb_drug_effects.rankl_free). Without a denosumab course it launches
 * nothing. */
#include <stdlib.h>
#include <string.h>

#include "drug.h"

typedef struct denosumab {
  tb_kp_denosumab kp;
  tb_drug_course c;
  tb_kernel *advance;
} denosumab;

static const tb_scalar_desc scalars[] = {
    {"denosumab_ng_per_mL", "ng/mL", "serum denosumab at the snapshot"},
    {"rankl_free_share", "1", "share of effective RANKL left free by denosumab (1 = none)"},
};

static tb_status declare(tb_sim *s, const tb_params *p) {
  return tb_drug_declare(s, tb_params_has_drug(p, TB_DRUG_DENOSUMAB),
                         &(tb_array_desc){"denosumab_state", TB_TYPE_F32, 1, TB_EXTENT_FIXED,
                                          (int64_t)(sizeof(tb_denosumab_state) / sizeof(float)), "ng/mL",
                                          TB_ARRAY_RESTART, 0, "denosumab depot and serum concentration"},
                         scalars, (int)(sizeof scalars / sizeof scalars[0]));
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  denosumab *o = calloc(1, sizeof *o);
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  tb_kp_denosumab *k = &o->kp;
  double vc_mL = p->dmab_central_volume_mL_per_kg * p->dmab_body_mass_kg;
  k->ka_per_day = (float)p->dmab_absorption_per_day;
  k->kel_per_day = (float)p->dmab_elimination_per_day;
  k->vmax_ng_per_mL_per_day =
      (float)(p->dmab_vmax_ng_per_kg_per_day / (p->dmab_central_volume_mL_per_kg / p->dmab_bioavailability));
  k->km_ng_per_mL = (float)p->dmab_km_ng_per_mL;
  k->ng_per_mL_per_mg = (float)(p->dmab_bioavailability * 1e6 / vc_mL);
  /* 1 ng/mL of a 149 kDa antibody is 1e-6 g/L / 149,000 g/mol = 6.71 pM. */
  k->chi_K_per_ng_per_mL = (float)(p->dmab_rankl_binding * p->dmab_K_per_pM * 1e6 / 149000.0);
  k->denominator = (float)p->dmab_untreated_denominator;
  tb_denosumab_state is;
  memset(&is, 0, sizeof is);
  is.t_days = (float)-p->spinup_days;
  tb_drug_course *c = &o->c;
  TRY(tb_drug_course_create(s, p, tb_params_has_drug(p, TB_DRUG_DENOSUMAB), k, sizeof *k, "denosumab_state", &is,
                            sizeof is, c));
  TRY(tb_sim_kernel(s, "denosumab_advance", &o->advance));
  TRY(TB_BIND(o->advance, TB_BUF(tb_sim_schedule_buf(s)), TB_BUF(c->b_tr), TB_BUF(c->b_kp), TB_BUF(tb_sim_step_buf(s)),
              TB_BUF(c->state), TB_BUF(c->fx)));
cleanup:
  return st;
}

static tb_status step(tb_sim *s, void *state) {
  denosumab *o = state;
  return o->c.on ? tb_sim_run_shape(s, o->advance, &o->c.one) : TB_OK;
}

static tb_status report(tb_sim *s, void *state, double *out) {
  tb_status st = TB_OK;
  denosumab *o = state;
  tb_denosumab_state ds;
  tb_drug_effects e;
  if (!o->c.on) return TB_OK;
  TRY(tb_dev_read(tb_sim_device(s), o->c.state, 0, sizeof ds, &ds));
  TRY(tb_dev_read(tb_sim_device(s), o->c.fx, 0, sizeof e, &e));
  out[0] = ds.serum_ng_per_mL;
  out[1] = e.rankl_free;
cleanup:
  return st;
}

static const char *const files[] = {"denosumab.cl", NULL};
const tb_process_type tb_process_denosumab = {.name = "denosumab", .kernel_files = files, .declare = declare,
                                              .create = create, .step = step, .scalars = report};
