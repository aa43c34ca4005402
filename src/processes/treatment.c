/* The treatment process: the scenario's [treatment.N] courses, the drug
 * effects buffer every drug process writes its own members of
 * (tb_drug_effects, neutral without a drug), and the per-step treatment
 * record (treatment.csv: serum concentrations and effects at every step).
 * Its kernel file holds the dosing schedule the drug kernels share
 * (kernels/treatment.cl). It comes before the drug processes in the table;
 * hormone therapy needs no process of its own (it is the estrogen schedule,
 * kernels/estrogen.cl). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trabecula/process.h"
#include "trabecula/sim.h"

/* The drug states the record copies, and the columns it writes of each. */
typedef struct column {
  const char *name;
  int32_t offset; /* float offset in the row */
  double scale;
} column;

typedef struct record_drug {
  int32_t drug;          /* writes its columns when this drug is scheduled (0: any bisphosphonate) */
  const char *state;     /* its state array */
  int32_t floats;        /* floats of the state copied */
  column cols[6];
} record_drug;

#define EFF(m) (TB_LOG_EFFECTS + (int32_t)(offsetof(tb_drug_effects, m) / sizeof(float)))
#define ST(j, type, m) (TB_LOG_STATES + (j) * TB_LOG_STATE_FLOATS + (int32_t)(offsetof(type, m) / sizeof(float)))

static const record_drug drugs[] = {
    {TB_DRUG_DENOSUMAB,
     "denosumab_state",
     (int32_t)(sizeof(tb_denosumab_state) / sizeof(float)),
     {{"denosumab_ng_per_mL", ST(0, tb_denosumab_state, serum_ng_per_mL), 1}, {"rankl_free_share", EFF(rankl_free), 1}}},
    {TB_DRUG_TERIPARATIDE,
     "teriparatide_state",
     (int32_t)(sizeof(tb_teriparatide_state) / sizeof(float)),
     {{"teriparatide_peak_pM", ST(1, tb_teriparatide_state, peak_pM), 1},
      {"teriparatide_mean_pM", ST(1, tb_teriparatide_state, mean_pM), 1},
      {"ob_life_factor", EFF(ob_life_factor), 1},
      {"osteoblast_rankl_factor", EFF(rankl_factor), 1},
      {"lining_activation_teriparatide", EFF(lining_teriparatide), 1}}},
    {TB_DRUG_ROMOSOZUMAB,
     "romosozumab_state",
     (int32_t)(sizeof(tb_romosozumab_state) / sizeof(float)),
     {{"romosozumab_nM", ST(2, tb_romosozumab_state, central_nM), 1},
      {"sclerostin_total_nM", ST(2, tb_romosozumab_state, scl_nM), 1},
      {"sclerostin_free_share", EFF(scl_free), 1},
      {"romosozumab_tolerance", ST(2, tb_romosozumab_state, tolerance), 1},
      {"osteocyte_opg_factor", EFF(opg_factor), 1},
      {"lining_activation_romosozumab", EFF(lining_romosozumab), 1}}},
    {0, /* alendronate or zoledronate */
     "bisphosphonate_state",
     (int32_t)(sizeof(tb_bp_state) / sizeof(float)),
     {{"alendronate_plasma_ug", ST(3, tb_bp_state, plasma_mg[0]), 1e3},
      {"zoledronate_plasma_ug", ST(3, tb_bp_state, plasma_mg[1]), 1e3},
      {"alendronate_skeleton_mg", ST(3, tb_bp_state, skeleton_mg[0]), 1},
      {"zoledronate_skeleton_mg", ST(3, tb_bp_state, skeleton_mg[1]), 1},
      {"bp_deposit_ng_per_mm3", ST(3, tb_bp_state, deposit_ng_per_mm3), 1}}},
};
#define NDRUGS ((int)(sizeof drugs / sizeof drugs[0]))

typedef struct treatment {
  int on;           /* any course scheduled */
  int used[NDRUGS]; /* the record writes this drug's columns */
  tb_kernel *log;
  tb_buf *b_log;
  int32_t cap;        /* rows of the ring */
  int64_t next_step;  /* first step not yet written */
  float *host;
  tb_shape one;
} treatment;

static tb_status declare(tb_sim *s, const tb_params *p) {
  tb_status st = TB_OK;
  TRY(tb_sim_declare_array(s, &(tb_array_desc){"drug_effects", TB_TYPE_F32, 1, TB_EXTENT_FIXED,
                                               (int64_t)(sizeof(tb_drug_effects) / sizeof(float)), "1",
                                               TB_ARRAY_RESTART, 0, "what the systemic drugs do this step"}));
  if (p->n_treatments > 0) {
    /* Every step between two snapshots, and the snapshot's own row. */
    int64_t cap = (int64_t)ceil(p->snapshot_interval_days / p->dt_days) + 3;
    TRY(tb_sim_declare_array(s, &(tb_array_desc){"treatment_record", TB_TYPE_F32, 1, TB_EXTENT_FIXED,
                                                 cap * TB_LOG_COLS, "1", 0, 0,
                                                 "per-step rows of treatment.csv since the last snapshot"}));
  }
cleanup:
  return st;
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  tb_buf *fx = NULL;
  treatment *o = calloc(1, sizeof *o);
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  tb_drug_effects e = tb_drug_effects_neutral();
  TRY(tb_sim_array(s, "drug_effects", &fx));
  TRY(tb_dev_write(tb_sim_device(s), fx, 0, sizeof e, &e));
  o->on = p->n_treatments > 0;
  if (!o->on) return TB_OK;
  TRY(tb_sim_array(s, "treatment_record", &o->b_log));
  o->cap = (int32_t)(tb_buf_size(o->b_log) / (TB_LOG_COLS * sizeof(float)));
  o->host = malloc(tb_buf_size(o->b_log));
  CHECK(o->host, TB_ERR_NOMEM, "out of memory");
  TRY(tb_sim_kernel(s, "treatment_log", &o->log));
  tb_buf *stb[TB_LOG_NSTATES] = {fx, fx, fx, fx};
  int32_t n[TB_LOG_NSTATES] = {0};
  for (int d = 0; d < NDRUGS; d++) { /* drug d's state goes to slot d of the row */
    o->used[d] = drugs[d].drug ? tb_params_has_drug(p, drugs[d].drug)
                               : tb_params_has_drug(p, TB_DRUG_ALENDRONATE) || tb_params_has_drug(p, TB_DRUG_ZOLEDRONATE);
    CHECK(d < TB_LOG_NSTATES, TB_ERR_INTERNAL, "the treatment record holds %d drug states", TB_LOG_NSTATES);
    TRY(tb_sim_array(s, drugs[d].state, &stb[d]));
    n[d] = drugs[d].floats < TB_LOG_STATE_FLOATS ? drugs[d].floats : TB_LOG_STATE_FLOATS;
  }
  TRY(TB_BIND(o->log, TB_BUF(tb_sim_step_buf(s)), TB_BUF(fx), TB_BUF(stb[0]), TB_I32(n[0]), TB_BUF(stb[1]),
              TB_I32(n[1]), TB_BUF(stb[2]), TB_I32(n[2]), TB_BUF(stb[3]), TB_I32(n[3]), TB_BUF(o->b_log),
              TB_I32(o->cap)));
  o->one = (tb_shape){1, 0, {1, 1, 1}, {1, 1, 1}};
cleanup:
  return st;
}

/* The row of this step's start: the states as the previous step left them. */
static tb_status step(tb_sim *s, void *state) {
  treatment *o = state;
  return o->on ? tb_sim_run_shape(s, o->log, &o->one) : TB_OK;
}

static tb_status series(tb_sim *s, void *state, FILE *out, int header) {
  tb_status st = TB_OK;
  treatment *o = state;
  if (!o->on) return TB_OK;
  if (header) {
    o->next_step = tb_sim_steps_done(s); /* the record starts at the first snapshot */
    fputs("time_days,estrogen", out);
    for (int d = 0; d < NDRUGS; d++)
      for (int k = 0; o->used[d] && k < 6 && drugs[d].cols[k].name; k++) fprintf(out, ",%s", drugs[d].cols[k].name);
    fputc('\n', out);
  }
  /* The current time's row (the next step rewrites it with the same
   * values), then every row not yet written. */
  TRY(tb_sim_run_shape(s, o->log, &o->one));
  TRY(tb_dev_read(tb_sim_device(s), o->b_log, 0, tb_buf_size(o->b_log), o->host));
  int64_t now = tb_sim_steps_done(s);
  CHECK(now - o->next_step < o->cap, TB_ERR_INTERNAL, "treatment record overrun (%lld steps, %d rows)",
        (long long)(now - o->next_step), o->cap);
  for (int64_t k = o->next_step; k <= now; k++) {
    const float *row = o->host + (size_t)(k % o->cap) * TB_LOG_COLS;
    fprintf(out, "%.9g,%.9g", row[TB_LOG_T], row[TB_LOG_E]);
    for (int d = 0; d < NDRUGS; d++)
      for (int c = 0; o->used[d] && c < 6 && drugs[d].cols[c].name; c++)
        fprintf(out, ",%.9g", row[drugs[d].cols[c].offset] * drugs[d].cols[c].scale);
    fputc('\n', out);
  }
  o->next_step = now + 1;
cleanup:
  return st;
}

static void destroy(void **state) {
  treatment *o = *state;
  if (o) free(o->host);
  free(o);
  *state = NULL;
}

static const char *const files[] = {"treatment.cl", NULL};
const tb_process_type tb_process_treatment = {.name = "treatment", .kernel_files = files, .declare = declare,
                                              .create = create, .step = step, .series = series,
                                              .destroy = destroy};
