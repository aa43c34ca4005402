/* The romosozumab process (kernels/romosozumab.cl): the serum course of the
 * scenario's romosozumab doses, total sclerostin and the bone's tolerance,
 * and what they do to the tissue (tb_drug_effects.scl_free, opg_factor,
 * lining_romosozumab). Without a romosozumab course it launches nothing. */
#include <stdlib.h>
#include <string.h>

#include "drug.h"

typedef struct romosozumab {
  tb_kp_romosozumab kp;
  tb_drug_course c;
  tb_kernel *advance;
} romosozumab;

static const tb_scalar_desc scalars[] = {
    {"romosozumab_nM", "nM", "serum (central) romosozumab at the snapshot"},
    {"sclerostin_total_nM", "nM", "total serum sclerostin, free and bound"},
    {"sclerostin_free_share", "1", "free sclerostin relative to untreated (1 = none)"},
    {"romosozumab_tolerance", "1", "the bone's tolerance to the Wnt signal (1 = untreated)"},
    {"lining_activation_romosozumab", "1", "quiescent-surface formation, share of the healthy MAR"},
};

static tb_status declare(tb_sim *s, const tb_params *p) {
  return tb_drug_declare(s, tb_params_has_drug(p, TB_DRUG_ROMOSOZUMAB),
                         &(tb_array_desc){"romosozumab_state", TB_TYPE_F32, 1, TB_EXTENT_FIXED,
                                          (int64_t)(sizeof(tb_romosozumab_state) / sizeof(float)), "nM",
                                          TB_ARRAY_RESTART, 0,
                                          "romosozumab depot, serum, sclerostin and tolerance"},
                         scalars, (int)(sizeof scalars / sizeof scalars[0]));
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  romosozumab *o = calloc(1, sizeof *o);
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  tb_kp_romosozumab *k = &o->kp;
  k->ka_per_day = (float)p->romo_absorption_per_day;
  /* mg x 1e-3 g/mg / (M kg/mol x 1e3 g/kg) mol = mg / M x 1e3 nmol. */
  k->f_nmol_per_mg = (float)(p->romo_bioavailability * 1000.0 / p->romo_molar_mass_kg_per_mol);
  k->vc_L = (float)p->romo_central_volume_L;
  k->vp_L = (float)p->romo_peripheral_volume_L;
  k->cl_L_per_day = (float)p->romo_clearance_L_per_day;
  k->q_L_per_day = (float)p->romo_intercompartmental_L_per_day;
  k->vmax_nmol_per_day = (float)p->romo_vmax_nmol_per_day;
  k->km_nM = (float)p->romo_km_nM;
  k->scl_in_nM_per_day = (float)p->scl_production_nM_per_day;
  k->scl_out_per_day = (float)p->scl_elimination_per_day;
  k->complex_out_per_day = (float)p->scl_complex_elimination_per_day;
  k->scl0_nM = (float)(p->scl_production_nM_per_day / p->scl_elimination_per_day);
  k->tol_rate_per_day = (float)p->tolerance_rate_per_day;
  k->tol_max = (float)p->tolerance_max;
  k->opg_exponent = (float)p->romo_opg_exponent;
  k->lining_gain = (float)p->romo_lining_gain;
  tb_romosozumab_state is;
  memset(&is, 0, sizeof is);
  is.t_days = (float)-p->spinup_days;
  is.scl_nM = k->scl0_nM;
  is.tolerance = 1.0f;
  tb_drug_course *c = &o->c;
  TRY(tb_drug_course_create(s, p, tb_params_has_drug(p, TB_DRUG_ROMOSOZUMAB), k, sizeof *k, "romosozumab_state", &is,
                            sizeof is, c));
  TRY(tb_sim_kernel(s, "romosozumab_advance", &o->advance));
  TRY(TB_BIND(o->advance, TB_BUF(tb_sim_schedule_buf(s)), TB_BUF(c->b_tr), TB_BUF(c->b_kp),
              TB_BUF(tb_sim_step_buf(s)), TB_BUF(c->state), TB_BUF(c->fx)));
cleanup:
  return st;
}

static tb_status step(tb_sim *s, void *state) {
  romosozumab *o = state;
  return o->c.on ? tb_sim_run_shape(s, o->advance, &o->c.one) : TB_OK;
}

static tb_status report(tb_sim *s, void *state, double *out) {
  tb_status st = TB_OK;
  romosozumab *o = state;
  tb_romosozumab_state rs;
  tb_drug_effects e;
  if (!o->c.on) return TB_OK;
  TRY(tb_dev_read(tb_sim_device(s), o->c.state, 0, sizeof rs, &rs));
  TRY(tb_dev_read(tb_sim_device(s), o->c.fx, 0, sizeof e, &e));
  out[0] = rs.central_nM;
  out[1] = rs.scl_nM;
  out[2] = e.scl_free;
  out[3] = rs.tolerance;
  out[4] = e.lining_romosozumab;
cleanup:
  return st;
}

static const char *const files[] = {"romosozumab.cl", NULL};
const tb_process_type tb_process_romosozumab = {.name = "romosozumab", .kernel_files = files, .declare = declare,
                                                .create = create, .step = step, .scalars = report};
