/* The immune process: immune-cell RANKL in marrow (kernels/immune.cl). */
#include <stdlib.h>

#include "trabecula/process.h"

typedef struct immune {
  tb_kp_immune kp;
  tb_buf *b_kp;
  tb_kernel *k;
} immune;

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  immune *o = calloc(1, sizeof *o);
  tb_buf *bf = NULL, *bc = NULL, *src = NULL;
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  o->kp.marrow_rankl_pM_per_day = (float)p->marrow_rankl_pM_per_day;
  TRY(tb_sim_constants(s, &o->kp, sizeof o->kp, &o->b_kp));
  TRY(tb_sim_array(s, "bone_fraction", &bf));
  TRY(tb_sim_array(s, "compartment", &bc));
  TRY(tb_sim_array(s, "rankl_source", &src));
  TRY(tb_sim_kernel(s, "immune_sources", &o->k));
  TRY(TB_BIND(o->k, TB_BUF(tb_sim_domain_buf(s)), TB_BUF(o->b_kp), TB_BUF(tb_sim_step_buf(s)), TB_BUF(bf),
              TB_BUF(bc), TB_BUF(src)));
cleanup:
  return st;
}

static tb_status step(tb_sim *s, void *state) { return tb_sim_run_rows(s, ((immune *)state)->k); }

static const char *const files[] = {"immune.cl", NULL};
const tb_process_type tb_process_immune = {.name = "immune", .kernel_files = files, .create = create,
                                           .initial_sources = step, .step = step};
