/* The run's statistics: per-row sums (kernels/stats.cl) reduced on the
 * device in a fixed order; the host reads TB_NSTATS numbers. */
#include <stdlib.h>

#include "sim_internal.h"

struct tb_stats_ctx {
  tb_kernel *k;
  tb_buf *rows, *kp;
  tb_reducer *red;
  tb_shape shape;
  int bound;
};

tb_status tb_stats_create(tb_sim *s, tb_stats_ctx **out) {
  tb_status st = TB_OK;
  tb_stats_ctx *c = calloc(1, sizeof *c);
  *out = NULL;
  CHECK(c, TB_ERR_NOMEM, "out of memory");
  const tb_kdomain *d = tb_sim_domain(s);
  const tb_params *p = tb_sim_params(s);
  int32_t rows = d->ny * d->nz;
  tb_kp_stats kp = {(float)p->K_opg_per_pM, (float)p->reversal_period_days, {0.0f, 0.0f}};
  TRY(tb_dev_alloc(tb_sim_device(s), (size_t)rows * TB_NSTATS * sizeof(float), &c->rows));
  TRY(tb_sim_constants(s, &kp, sizeof kp, &c->kp));
  TRY(tb_sim_kernel(s, "stats_rows", &c->k));
  TRY(tb_reducer_create(s, c->rows, rows, TB_NSTATS, &c->red));
  /* One work-item per row on every device: the sums' order is fixed. */
  c->shape = (tb_shape){2, 0, {(size_t)d->ny, (size_t)d->nz, 1}, {1, 1, 1}};
  *out = c;
  c = NULL;
cleanup:
  tb_stats_destroy(&c);
  return st;
}

static tb_status bind(tb_stats_ctx *c, tb_sim *s) {
  tb_status st = TB_OK;
  static const char *const names[] = {"bone_fraction", "compartment", "osteocyte_viability", "adiposity",
                                      "team_id",       "team_pos",    "team_time",           "team_perf",
                                      "resorbed",      "formed",      "events",              "rankl",
                                      "opg",           "sclerostin"};
  tb_arg args[4 + 14 + 2];
  int n = 0;
  args[n++] = TB_BUF(tb_sim_domain_buf(s));
  args[n++] = TB_BUF(c->kp);
  args[n++] = TB_BUF(tb_sim_step_buf(s));
  for (int i = 0; i < 14; i++) {
    tb_buf *b = NULL;
    TRY(tb_sim_array(s, names[i], &b));
    args[n++] = TB_BUF(b);
  }
  args[n++] = TB_BUF(c->rows);
  args[n++] = TB_I32(0);
  TRY(tb_dev_bind(c->k, args, n));
  c->bound = 1;
cleanup:
  return st;
}

tb_status tb_stats_compute(tb_stats_ctx *c, tb_sim *s, int reset, double out[TB_NSTATS]) {
  tb_status st = TB_OK;
  if (!c->bound) TRY(bind(c, s));
  TRY(tb_dev_set(c->k, 18, TB_I32(reset ? 1 : 0)));
  TRY(tb_dev_run(tb_sim_device(s), c->k, &c->shape));
  TRY(tb_reducer_run(s, c->red, out));
cleanup:
  return st;
}

void tb_stats_destroy(tb_stats_ctx **cp) {
  if (!cp || !*cp) return;
  tb_stats_ctx *c = *cp;
  tb_reducer_destroy(&c->red);
  tb_dev_free(&c->rows);
  free(c);
  *cp = NULL;
}
