/* The osteocyte process: viability, apoptosis and the osteocytes' RANKL,
 * OPG and sclerostin (kernels/osteocyte.cl). */
#include <stdlib.h>

#include "trabecula/process.h"

typedef struct osteocyte {
  tb_kp_osteocyte kp;
  tb_buf *b_kp;
  tb_kernel *k;
} osteocyte;

static tb_status declare(tb_sim *s, const tb_params *p) {
  return tb_sim_declare_array(s, &(tb_array_desc){"osteocyte_viability", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1",
                                                  TB_ARRAY_OUTPUT | TB_ARRAY_RESTART, 0,
                                                  "share of the voxel's lacunae with live osteocytes"});
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  osteocyte *o = calloc(1, sizeof *o);
  float *host = NULL;
  tb_buf *f = NULL, *comp = NULL, *ocy = NULL, *rankl = NULL, *opg = NULL, *scl = NULL, *imm = NULL, *tnf = NULL,
         *il17 = NULL, *drug = NULL, *perf_loss = NULL;
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  o->kp.apoptosis_per_day = (float)(p->ocy_apoptosis_per_year / 365.25);
  o->kp.apoptosis_estrogen_gain = (float)p->estrogen_ocy_apoptosis_gain;
  o->kp.cut_apoptosis_per_day = (float)p->cut_apoptosis_per_day;
  o->kp.rankl_live_pM_per_day = (float)p->rankl_live_pM_per_day;
  o->kp.rankl_dead_pM_per_day = (float)p->rankl_dead_pM_per_day;
  o->kp.opg_pM_per_day = (float)p->opg_pM_per_day;
  o->kp.scl_pM_per_day = (float)p->sclerostin_pM_per_day;
  o->kp.opg_estrogen_gain = (float)p->estrogen_opg_gain;
  o->kp.scl_estrogen_gain = (float)p->estrogen_sclerostin_gain;
  TRY(tb_sim_constants(s, &o->kp, sizeof o->kp, &o->b_kp));
  TRY(tb_sim_array(s, "bone_fraction", &f));
  TRY(tb_sim_array(s, "compartment", &comp));
  TRY(tb_sim_array(s, "osteocyte_viability", &ocy));
  TRY(tb_sim_array(s, "rankl_source", &rankl));
  TRY(tb_sim_array(s, "opg_source", &opg));
  TRY(tb_sim_array(s, "sclerostin_source", &scl));
  TRY(tb_sim_array(s, "immune_state", &imm));
  TRY(tb_sim_array(s, "tnf", &tnf));
  TRY(tb_sim_array(s, "il17", &il17));
  TRY(tb_sim_array(s, "drug_effects", &drug));
  TRY(tb_sim_array(s, "perforation_loss", &perf_loss));
  TRY(tb_sim_kernel(s, "osteocyte_update", &o->k));
  TRY(TB_BIND(o->k, TB_BUF(tb_sim_domain_buf(s)), TB_BUF(o->b_kp), TB_BUF(tb_sim_step_buf(s)), TB_BUF(f),
              TB_BUF(comp), TB_BUF(ocy), TB_BUF(rankl), TB_BUF(opg), TB_BUF(scl), TB_I32(1), TB_BUF(imm),
              TB_BUF(tnf), TB_BUF(il17), TB_BUF(drug), TB_BUF(perf_loss)));
  /* A healthy adult sample has some empty lacunae; which ones is a draw
   * from the same counter-based generator (step = all ones). */
  const tb_kdomain *d = tb_sim_domain(s);
  size_t n = (size_t)d->nx * d->ny * d->nz;
  host = malloc(n * sizeof *host);
  CHECK(host, TB_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    tb_philox4 r = tb_philox4x32(0xffffffffu, (tb_u32)i, 3u, 0u, d->seed_lo, d->seed_hi);
    host[i] = tb_u01(r.v[0]) < p->initial_viability ? 1.0f : 0.0f;
  }
  TRY(tb_dev_write(tb_sim_device(s), ocy, 0, n * sizeof *host, host));
cleanup:
  free(host);
  return st;
}

/* The initial sources, without apoptosis draws. */
static tb_status initial_sources(tb_sim *s, void *state) {
  tb_status st = TB_OK;
  osteocyte *o = state;
  TRY(tb_dev_set(o->k, 9, TB_I32(0)));
  TRY(tb_sim_run_rows(s, o->k));
  TRY(tb_dev_set(o->k, 9, TB_I32(1)));
cleanup:
  return st;
}

static tb_status step(tb_sim *s, void *state) { return tb_sim_run_rows(s, ((osteocyte *)state)->k); }

static const char *const files[] = {"osteocyte.cl", NULL};
const tb_process_type tb_process_osteocyte = {
    .name = "osteocyte", .kernel_files = files, .declare = declare, .create = create,
    .initial_sources = initial_sources, .step = step};
