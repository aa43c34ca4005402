/* The immune process (kernels/immune.cl): the marrow's T cells (Th17, Treg,
 * TNF-producing effector T cells), B cells, macrophages M0/M1/M2,
 * neutrophils and mast cells as systemic levels advanced on the device each
 * step; their RANKL and OPG and the cytokines TNF-alpha, IL-17 and IL-6
 * placed in marrow voxels as field sources; and the osteoclast precursor
 * pool. The other processes read the state buffer "immune_state"
 * (tb_immune_state) for the factors they apply. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trabecula/log.h"
#include "trabecula/process.h"

typedef struct immune {
  tb_kp_immune kp;
  tb_buf *b_kp, *state, *rows;
  tb_kernel *advance, *sources, *stats;
  tb_reducer *red;
  tb_shape one, row_items;
} immune;

static const tb_scalar_desc scalars[] = {
    {"th17", "1", "Th17 cells relative to premenopause"},
    {"treg", "1", "regulatory T cells relative to premenopause"},
    {"effector_t", "1", "TNF-producing effector T cells relative to premenopause"},
    {"m1", "1", "M1 macrophages relative to premenopause"},
    {"m2", "1", "M2 macrophages relative to premenopause"},
    {"b_cell", "1", "B cells relative to premenopause"},
    {"neutrophil", "1", "neutrophils relative to premenopause"},
    {"mast_cell", "1", "mast cells relative to premenopause"},
    {"precursors", "1", "osteoclast precursor pool relative to health"},
    {"rankl_per_immune_cell", "1", "RANKL per immune cell relative to premenopause"},
    {"tnf", "1", "TNF-alpha, mean over marrow (1 = healthy open marrow)"},
    {"il17", "1", "IL-17, mean over marrow (1 = healthy open marrow)"},
    {"il6", "1", "IL-6, mean over marrow (1 = healthy open marrow)"},
};
#define NSCALARS ((int)(sizeof scalars / sizeof scalars[0]))

static tb_status declare(tb_sim *s, const tb_params *p) {
  tb_status st = TB_OK;
  TRY(tb_sim_declare_array(s, &(tb_array_desc){"immune_state", TB_TYPE_F32, 1, TB_EXTENT_FIXED,
                                               (int64_t)(sizeof(tb_immune_state) / sizeof(float)), "1",
                                               TB_ARRAY_RESTART, 0,
                                               "systemic immune populations, precursor pool and cytokine factors"}));
  for (int i = 0; i < NSCALARS; i++) TRY(tb_sim_declare_scalar(s, &scalars[i]));
cleanup:
  return st;
}

/* The macrophages' healthy steady state (influx 1 per day, E = 1): the
 * linear system of kernels/immune.cl with its time derivatives zero. */
static void macrophage_steady_state(const tb_kp_immune *kp, double m[3]) {
  double g1 = kp->g1_per_day, g2 = kp->g2_per_day;
  double m0 = 1.0 / (g1 + g2 + TB_TREJO_D0);
  /* a M1 - k21 M2 = g1 M0; -k12 M1 + b M2 = g2 M0 */
  double a = TB_TREJO_K12 + TB_TREJO_D1, b = TB_TREJO_K21 + TB_TREJO_D2;
  double det = a * b - TB_TREJO_K21 * TB_TREJO_K12;
  m[0] = m0;
  m[1] = (g1 * m0 * b + TB_TREJO_K21 * g2 * m0) / det;
  m[2] = (a * g2 * m0 + TB_TREJO_K12 * g1 * m0) / det;
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  immune *o = calloc(1, sizeof *o);
  tb_buf *bf = NULL, *bc = NULL, *src[5] = {NULL}, *fld[3] = {NULL}, *drug = NULL;
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  tb_kp_immune *k = &o->kp;
  k->th17_scale = (float)p->th17_scale;
  k->treg_scale = (float)p->treg_scale;
  k->effector_t_scale = (float)p->effector_t_scale;
  k->m1_scale = (float)p->m1_scale;
  k->m2_scale = (float)p->m2_scale;
  k->b_cell_scale = (float)p->b_cell_scale;
  k->neutrophil_scale = (float)p->neutrophil_scale;
  k->mast_cell_scale = (float)p->mast_cell_scale;
  k->tnf_scale = (float)p->tnf_scale;
  k->il17_scale = (float)p->il17_scale;
  k->il6_scale = (float)p->il6_scale;
  k->t_rate_per_day = (float)p->t_cell_turnover_per_day;
  k->b_rate_per_day = (float)p->b_cell_turnover_per_day;
  k->innate_rate_per_day = (float)p->innate_turnover_per_day;
  k->th17_gain = (float)p->th17_estrogen_gain;
  k->effector_t_gain = (float)p->effector_t_estrogen_gain;
  k->b_cell_gain = (float)p->b_cell_estrogen_gain;
  k->neutrophil_gain = (float)p->neutrophil_estrogen_gain;
  k->mast_cell_gain = (float)p->mast_cell_estrogen_gain;
  k->treg_suppression = (float)p->treg_suppression;
  k->treg_estrogen_loss = (float)p->treg_estrogen_loss;
  k->g1_per_day = (float)p->m1_polarisation_per_day;
  k->g2_per_day = (float)p->m2_polarisation_per_day;
  k->m1_gain = (float)p->m1_estrogen_gain;
  k->m2_exponent = (float)p->m2_estrogen_exponent;
  k->rankl_pM_per_day = (float)p->immune_rankl_pM_per_day;
  k->rankl_cell_gain = (float)p->rankl_per_cell_estrogen_gain;
  k->b_opg_pM_per_day = (float)p->b_cell_opg_pM_per_day;
  k->surface_weight = (float)p->surface_weight;
  k->tnf_decay_per_day = (float)p->tnf_decay_per_day;
  k->il17_decay_per_day = (float)p->il17_decay_per_day;
  k->il6_decay_per_day = (float)p->il6_decay_per_day;
  k->precursor_life_days = (float)p->precursor_life_days;
  k->precursor_use_per_day = (float)p->precursor_use_per_day;
  k->precursor_max = (float)p->precursor_max;
  k->m2_precursor_gain = (float)p->m2_precursor_gain;
  k->m2_precursor_exponent = (float)p->m2_precursor_exponent;
  k->precursor_maturation_days = (float)p->precursor_maturation_days;
  k->init_estrogen_gain = (float)p->estrogen_initiation_gain;
  k->rankl_exponent = (float)p->rankl_exponent;
  CHECK(p->m1_polarisation_per_day > 0 && p->m2_polarisation_per_day > 0, TB_ERR_INPUT,
        "immune.m1_polarisation_per_day and immune.m2_polarisation_per_day must be > 0 (the healthy M1 and M2 "
        "populations are the reference levels); use immune.m1_scale = 0 or m2_scale = 0 to knock one out");
  TRY(tb_sim_constants(s, k, sizeof *k, &o->b_kp));

  /* The healthy steady state: every population 1, the pool full. */
  tb_immune_state is;
  memset(&is, 0, sizeof is);
  double m[3];
  macrophage_steady_state(k, m);
  is.th17 = is.treg = is.effector_t = is.b_cell = is.neutrophil = is.mast_cell = 1.0f;
  is.m0 = (float)m[0];
  is.m1 = (float)m[1];
  is.m2 = (float)m[2];
  for (int i = 0; i < 3; i++) is.m_healthy[i] = (float)m[i];
  is.precursors = 1.0f;
  is.tnf_ref = is.il17_ref = is.il6_ref = 1.0f; /* measured in start() */
  is.t_days = (float)(-p->spinup_days);
  is.fx = (tb_kp_cytokine){(float)p->K_cytokine,          (float)p->tnf_osteoclast_gain,
                           (float)p->il17_osteoclast_gain, (float)p->il6_osteoclast_gain,
                           (float)p->tnf_rankl_gain,       (float)p->il17_rankl_gain,
                           (float)p->tnf_ob_differentiation_gain, (float)p->tnf_ob_apoptosis_gain};
  TRY(tb_sim_array(s, "immune_state", &o->state));
  TRY(tb_dev_write(tb_sim_device(s), o->state, 0, sizeof is, &is));

  TRY(tb_sim_array(s, "bone_fraction", &bf));
  TRY(tb_sim_array(s, "compartment", &bc));
  static const char *const src_names[] = {"rankl_source", "opg_source", "tnf_source", "il17_source", "il6_source"};
  for (int i = 0; i < 5; i++) TRY(tb_sim_array(s, src_names[i], &src[i]));
  static const char *const field_names[] = {"tnf", "il17", "il6"};
  for (int i = 0; i < 3; i++) TRY(tb_sim_array(s, field_names[i], &fld[i]));
  tb_buf *dom = tb_sim_domain_buf(s);
  TRY(tb_sim_kernel(s, "immune_advance", &o->advance));
  TRY(tb_sim_array(s, "drug_effects", &drug));
  TRY(TB_BIND(o->advance, TB_BUF(tb_sim_schedule_buf(s)), TB_BUF(o->b_kp), TB_BUF(tb_sim_step_buf(s)),
              TB_BUF(o->state), TB_I32(1), TB_BUF(drug)));
  TRY(tb_sim_kernel(s, "immune_sources", &o->sources));
  TRY(TB_BIND(o->sources, TB_BUF(dom), TB_BUF(o->b_kp), TB_BUF(o->state), TB_BUF(bf), TB_BUF(bc), TB_BUF(src[0]),
              TB_BUF(src[1]), TB_BUF(src[2]), TB_BUF(src[3]), TB_BUF(src[4])));
  const tb_kdomain *d = tb_sim_domain(s);
  int32_t rows = d->ny * d->nz;
  TRY(tb_dev_alloc(tb_sim_device(s), (size_t)rows * 8 * sizeof(float), &o->rows));
  TRY(tb_sim_kernel(s, "immune_stats", &o->stats));
  TRY(TB_BIND(o->stats, TB_BUF(dom), TB_BUF(bf), TB_BUF(bc), TB_BUF(fld[0]), TB_BUF(fld[1]), TB_BUF(fld[2]),
              TB_BUF(o->rows)));
  TRY(tb_reducer_create(s, o->rows, rows, 8, &o->red));
  o->one = (tb_shape){1, 0, {1, 1, 1}, {1, 1, 1}};
  /* One work-item per row on every device: the sums' order is fixed. */
  o->row_items = (tb_shape){2, 0, {(size_t)d->ny, (size_t)d->nz, 1}, {1, 1, 1}};
  /* The derived factors of the healthy state, then advancing from now on. */
  TRY(tb_sim_run_shape(s, o->advance, &o->one));
  TRY(tb_dev_set(o->advance, 4, TB_I32(0)));
cleanup:
  return st;
}

static tb_status field_means(tb_sim *s, immune *o, double sums[8]) {
  tb_status st = TB_OK;
  TRY(tb_sim_run_shape(s, o->stats, &o->row_items));
  TRY(tb_reducer_run(s, o->red, sums));
cleanup:
  return st;
}

/* The cytokines' healthy reference: each field's mean over the trabecular
 * surface of the initial state (over marrow where there is no trabecular
 * surface). */
static tb_status start(tb_sim *s, void *state) {
  tb_status st = TB_OK;
  immune *o = state;
  double sums[8];
  tb_immune_state is;
  TRY(field_means(s, o, sums));
  TRY(tb_dev_read(tb_sim_device(s), o->state, 0, sizeof is, &is));
  float *ref[3] = {&is.tnf_ref, &is.il17_ref, &is.il6_ref};
  const float level[3] = {is.tnf, is.il17, is.il6};
  for (int f = 0; f < 3; f++) {
    double r = sums[7] > 0 ? sums[4 + f] / sums[7] : sums[3] > 0 ? sums[f] / sums[3] : 0.0;
    /* The reference is the field of the normal healthy levels: a knock-in
     * (scale > 1) starts above it, a knock-out has no field (its reference
     * is then that of open marrow). */
    r = level[f] > 1e-6 ? r / level[f] : 0.0;
    *ref[f] = (float)(r > 1e-6 ? r : 1.0);
  }
  TRY(tb_dev_write(tb_sim_device(s), o->state, 0, sizeof is, &is));
  tb_log_info("healthy cytokine levels at the trabecular surface (1 = open marrow): TNF-alpha %.3f, IL-17 %.3f, "
              "IL-6 %.3f",
              is.tnf_ref, is.il17_ref, is.il6_ref);
cleanup:
  return st;
}

static tb_status initial_sources(tb_sim *s, void *state) { return tb_sim_run_rows(s, ((immune *)state)->sources); }

static tb_status step(tb_sim *s, void *state) {
  tb_status st = TB_OK;
  immune *o = state;
  TRY(tb_sim_run_shape(s, o->advance, &o->one)); /* populations and pool to the end of the step */
  TRY(tb_sim_run_rows(s, o->sources));           /* RANKL, OPG, TNF-alpha, IL-17, IL-6 in marrow */
cleanup:
  return st;
}

static tb_status report(tb_sim *s, void *state, double *out) {
  tb_status st = TB_OK;
  immune *o = state;
  tb_immune_state is;
  double sums[8];
  TRY(tb_dev_read(tb_sim_device(s), o->state, 0, sizeof is, &is));
  TRY(field_means(s, o, sums));
  const tb_kp_immune *k = &o->kp;
  double v[NSCALARS] = {k->th17_scale * is.th17,
                        k->treg_scale * is.treg,
                        k->effector_t_scale * is.effector_t,
                        k->m1_scale * is.m1 / is.m_healthy[1],
                        k->m2_scale * is.m2 / is.m_healthy[2],
                        k->b_cell_scale * is.b_cell,
                        k->neutrophil_scale * is.neutrophil,
                        k->mast_cell_scale * is.mast_cell,
                        is.precursors,
                        is.rankl_per_cell,
                        sums[3] > 0 ? sums[0] / sums[3] : NAN,
                        sums[3] > 0 ? sums[1] / sums[3] : NAN,
                        sums[3] > 0 ? sums[2] / sums[3] : NAN};
  memcpy(out, v, sizeof v);
cleanup:
  return st;
}

static void destroy(void **state) {
  immune *o = *state;
  if (o) {
    tb_reducer_destroy(&o->red);
    tb_dev_free(&o->rows);
  }
  free(o);
  *state = NULL;
}

static const char *const files[] = {"immune.cl", NULL};
const tb_process_type tb_process_immune = {.name = "immune", .kernel_files = files, .declare = declare,
                                           .create = create, .initial_sources = initial_sources, .start = start,
                                           .step = step, .scalars = report, .destroy = destroy};
