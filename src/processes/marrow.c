/* The marrow process: MSC commitment and adiposity (kernels/marrow.cl). */
#include <stdlib.h>

#include "trabecula/process.h"

typedef struct marrow {
  tb_kp_marrow kp;
  tb_buf *b_kp;
  tb_kernel *k;
} marrow;

static tb_status declare(tb_sim *s, const tb_params *p) {
  return tb_sim_declare_array(s, &(tb_array_desc){"adiposity", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1",
                                                  TB_ARRAY_OUTPUT | TB_ARRAY_RESTART, 0,
                                                  "volume share of marrow adipocytes"});
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  marrow *o = calloc(1, sizeof *o);
  float *host = NULL, *f = NULL;
  uint8_t *comp = NULL;
  tb_buf *bf = NULL, *bc = NULL, *fat = NULL;
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  o->kp.fat_tau_days = (float)p->fat_tau_days;
  o->kp.fat_baseline = (float)p->fat_baseline;
  o->kp.fat_estrogen_gain = (float)p->estrogen_fat_gain;
  TRY(tb_sim_constants(s, &o->kp, sizeof o->kp, &o->b_kp));
  TRY(tb_sim_array(s, "bone_fraction", &bf));
  TRY(tb_sim_array(s, "compartment", &bc));
  TRY(tb_sim_array(s, "adiposity", &fat));
  TRY(tb_sim_kernel(s, "marrow_step", &o->k));
  TRY(TB_BIND(o->k, TB_BUF(tb_sim_domain_buf(s)), TB_BUF(o->b_kp), TB_BUF(tb_sim_step_buf(s)), TB_BUF(bf),
              TB_BUF(bc), TB_BUF(fat)));
  /* Marrow starts at the healthy adiposity. */
  const tb_kdomain *d = tb_sim_domain(s);
  size_t n = (size_t)d->nx * d->ny * d->nz;
  host = malloc(n * sizeof *host);
  f = malloc(n * sizeof *f);
  comp = malloc(n);
  CHECK(host && f && comp, TB_ERR_NOMEM, "out of memory");
  TRY(tb_dev_read(tb_sim_device(s), bf, 0, n * sizeof *f, f));
  TRY(tb_dev_read(tb_sim_device(s), bc, 0, n, comp));
  for (size_t i = 0; i < n; i++) host[i] = (comp[i] && f[i] < 0.5f) ? (float)p->fat_baseline : 0.0f;
  TRY(tb_dev_write(tb_sim_device(s), fat, 0, n * sizeof *host, host));
cleanup:
  free(host);
  free(f);
  free(comp);
  return st;
}

static tb_status step(tb_sim *s, void *state) { return tb_sim_run_rows(s, ((marrow *)state)->k); }

static const char *const files[] = {"marrow.cl", NULL};
const tb_process_type tb_process_marrow = {.name = "marrow", .kernel_files = files, .declare = declare,
                                           .create = create, .step = step};
