/* The lining-cell process: formation on quiescent bone surfaces under an
 * anabolic drug (kernels/lining.cl). It exists only when teriparatide or
 * romosozumab is scheduled: otherwise it declares no scratch and launches
 * nothing. */
#include <stdlib.h>

#include "trabecula/process.h"

typedef struct lining {
  tb_kp_lining kp;
  tb_buf *b_kp;
  tb_kernel *mark, *apply;
  int on;
} lining;

static int lining_on(const tb_params *p) {
  return tb_params_has_drug(p, TB_DRUG_TERIPARATIDE) || tb_params_has_drug(p, TB_DRUG_ROMOSOZUMAB);
}

static tb_status declare(tb_sim *s, const tb_params *p) {
  if (!lining_on(p)) return TB_OK;
  return tb_sim_declare_array(s, &(tb_array_desc){"lining_increment", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1", TB_ARRAY_SCRATCH, 0,
                                                  "bone fraction lining cells add this step (scratch)"});
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  lining *o = calloc(1, sizeof *o);
  tb_buf *f = NULL, *comp = NULL, *team = NULL, *fx = NULL, *inc = NULL, *ocy = NULL, *formed = NULL, *birth = NULL;
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  o->on = lining_on(p);
  if (!o->on) goto cleanup;
  o->kp.mar_um_per_day = (float)p->mar_um_per_day;
  o->kp.fat_baseline = (float)p->fat_baseline;
  o->kp.fat_estrogen_gain = (float)p->estrogen_fat_gain;
  TRY(tb_sim_constants(s, &o->kp, sizeof o->kp, &o->b_kp));
  TRY(tb_sim_array(s, "bone_fraction", &f));
  TRY(tb_sim_array(s, "compartment", &comp));
  TRY(tb_sim_array(s, "team_id", &team));
  TRY(tb_sim_array(s, "drug_effects", &fx));
  TRY(tb_sim_array(s, "lining_increment", &inc));
  TRY(tb_sim_array(s, "osteocyte_viability", &ocy));
  TRY(tb_sim_array(s, "formed", &formed));
  TRY(tb_sim_kernel(s, "lining_mark", &o->mark));
  TRY(TB_BIND(o->mark, TB_BUF(tb_sim_domain_buf(s)), TB_BUF(o->b_kp), TB_BUF(tb_sim_step_buf(s)), TB_BUF(f),
              TB_BUF(comp), TB_BUF(team), TB_BUF(fx), TB_BUF(inc)));
  TRY(tb_sim_kernel(s, "lining_apply", &o->apply));
  TRY(tb_sim_array(s, "bone_birth_day", &birth));
  TRY(TB_BIND(o->apply, TB_BUF(tb_sim_domain_buf(s)), TB_BUF(tb_sim_step_buf(s)), TB_BUF(inc), TB_BUF(f), TB_BUF(ocy),
              TB_BUF(formed), TB_BUF(birth), TB_F32((float)p->mineral_secondary_rate_per_day)));
cleanup:
  return st;
}

static tb_status step(tb_sim *s, void *state) {
  tb_status st = TB_OK;
  lining *o = state;
  if (!o->on) return TB_OK;
  TRY(tb_sim_run_rows(s, o->mark));
  TRY(tb_sim_run_rows(s, o->apply));
cleanup:
  return st;
}

static const char *const files[] = {"lining.cl", NULL};
const tb_process_type tb_process_lining = {.name = "lining", .kernel_files = files, .declare = declare,
                                           .create = create, .step = step};
