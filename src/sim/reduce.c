/* Fixed-order device reductions (kernels/reduce.cl). */
#include <stdlib.h>

#include "trabecula/process.h"

/* Groups of the first level: enough to fill a GPU, few enough that the
 * second level is short. */
#define REDUCE_GROUPS 256

struct tb_reducer {
  int32_t m, groups;
  tb_kernel *partial, *final;
  tb_buf *b_partial, *b_out;
  tb_shape sh_partial, sh_final;
  float *host;
};

tb_status tb_reducer_create(tb_sim *s, tb_buf *in, int32_t rows, int32_t m, tb_reducer **out) {
  tb_status st = TB_OK;
  tb_reducer *r = calloc(1, sizeof *r);
  *out = NULL;
  CHECK(r, TB_ERR_NOMEM, "out of memory");
  r->m = m;
  r->groups = rows < REDUCE_GROUPS ? rows : REDUCE_GROUPS;
  int32_t chunk = (rows + r->groups - 1) / r->groups;
  r->host = malloc((size_t)m * sizeof(float));
  CHECK(r->host, TB_ERR_NOMEM, "out of memory");
  TRY(tb_dev_alloc(tb_sim_device(s), (size_t)r->groups * (size_t)m * sizeof(float), &r->b_partial));
  TRY(tb_dev_alloc(tb_sim_device(s), (size_t)m * sizeof(float), &r->b_out));
  TRY(tb_sim_kernel(s, "reduce_partial", &r->partial));
  TRY(tb_sim_kernel(s, "reduce_final", &r->final));
  TRY(TB_BIND(r->partial, TB_BUF(in), TB_I32(rows), TB_I32(m), TB_I32(chunk), TB_I32(r->groups),
              TB_BUF(r->b_partial)));
  TRY(TB_BIND(r->final, TB_BUF(r->b_partial), TB_I32(m), TB_I32(r->groups), TB_BUF(r->b_out)));
  tb_dev_shape_1d(tb_sim_device(s), (size_t)r->groups * (size_t)m, &r->sh_partial);
  tb_dev_shape_1d(tb_sim_device(s), (size_t)m, &r->sh_final);
  *out = r;
  r = NULL;
cleanup:
  tb_reducer_destroy(&r);
  return st;
}

tb_status tb_reducer_run(tb_sim *s, tb_reducer *r, double *out) {
  tb_status st = TB_OK;
  TRY(tb_sim_run_shape(s, r->partial, &r->sh_partial));
  TRY(tb_sim_run_shape(s, r->final, &r->sh_final));
  TRY(tb_dev_read(tb_sim_device(s), r->b_out, 0, (size_t)r->m * sizeof(float), r->host));
  for (int32_t k = 0; k < r->m; k++) out[k] = r->host[k];
cleanup:
  return st;
}

void tb_reducer_destroy(tb_reducer **rp) {
  if (!rp || !*rp) return;
  tb_reducer *r = *rp;
  tb_dev_free(&r->b_partial);
  tb_dev_free(&r->b_out);
  free(r->host);
  free(r);
  *rp = NULL;
}
