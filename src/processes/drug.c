/* Shared by the drug processes (drug.h). */
#include "drug.h"

tb_status tb_drug_declare(tb_sim *s, int on, const tb_array_desc *state, const tb_scalar_desc *scalars, int nscalars) {
  tb_status st = TB_OK;
  TRY(tb_sim_declare_array(s, state));
  for (int i = 0; on && i < nscalars; i++) TRY(tb_sim_declare_scalar(s, &scalars[i]));
cleanup:
  return st;
}

tb_status tb_drug_course_create(tb_sim *s, const tb_params *p, int on, const void *kp, size_t kp_bytes,
                                const char *name, const void *init, size_t init_bytes, tb_drug_course *c) {
  tb_status st = TB_OK;
  tb_kp_treatment tr;
  tb_params_treatments(p, &tr);
  c->on = on;
  c->one = (tb_shape){1, 0, {1, 1, 1}, {1, 1, 1}};
  TRY(tb_sim_constants(s, kp, kp_bytes, &c->b_kp));
  TRY(tb_sim_constants(s, &tr, sizeof tr, &c->b_tr));
  TRY(tb_sim_array(s, name, &c->state));
  TRY(tb_dev_write(tb_sim_device(s), c->state, 0, init_bytes, init));
  TRY(tb_sim_array(s, "drug_effects", &c->fx));
cleanup:
  return st;
}
