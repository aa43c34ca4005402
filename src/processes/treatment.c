/* The treatment process: the scenario's [treatment.N] courses and the drug
 * effects buffer every drug process writes its own members of
 * (tb_drug_effects, neutral without a drug). Its kernel file holds the
 * dosing schedule the drug kernels share (kernels/treatment.cl). It comes
 * before the drug processes in the table; hormone therapy needs no process
 * (it is the estrogen schedule, kernels/estrogen.cl). */
#include <stdlib.h>

#include "trabecula/process.h"

static tb_status declare(tb_sim *s, const tb_params *p) {
  (void)p;
  return tb_sim_declare_array(s, &(tb_array_desc){"drug_effects", TB_TYPE_F32, 1, TB_EXTENT_FIXED,
                                                  (int64_t)(sizeof(tb_drug_effects) / sizeof(float)), "1",
                                                  TB_ARRAY_RESTART, 0, "what the systemic drugs do this step"});
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  tb_buf *b = NULL;
  (void)p;
  *state = NULL;
  tb_drug_effects e = tb_drug_effects_neutral();
  TRY(tb_sim_array(s, "drug_effects", &b));
  TRY(tb_dev_write(tb_sim_device(s), b, 0, sizeof e, &e));
cleanup:
  return st;
}

static tb_status step(tb_sim *s, void *state) {
  (void)s, (void)state;
  return TB_OK; /* each drug process advances its own course */
}

static const char *const files[] = {"treatment.cl", NULL};
const tb_process_type tb_process_treatment = {.name = "treatment", .kernel_files = files, .declare = declare,
                                              .create = create, .step = step};
