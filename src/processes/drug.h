/* What every drug process keeps the same way (src/processes/denosumab.c,
 * teriparatide.c, romosozumab.c, bisphosphonate.c): a systemic state array
 * advanced by one work-item per step, its morphometry.csv columns only
 * when the drug is scheduled, and on the device its constants, the
 * schedule in kernel form (kernels/treatment.cl) and the drug effects
 * buffer (src/processes/treatment.c). */
#ifndef TRABECULA_DRUG_H
#define TRABECULA_DRUG_H

#include "trabecula/process.h"

typedef struct tb_drug_course {
  tb_buf *b_kp;  /* the drug's constants */
  tb_buf *b_tr;  /* tb_kp_treatment */
  tb_buf *state; /* its state array */
  tb_buf *fx;    /* drug_effects */
  tb_shape one;  /* one work-item */
  int on;        /* a course is scheduled */
} tb_drug_course;

/* Declares the state array (floats, restart) and, when on, the scalars. */
tb_status tb_drug_declare(tb_sim *s, int on, const tb_array_desc *state, const tb_scalar_desc *scalars, int nscalars);

/* Fills c: constants from kp, the schedule of p, the state array `name`
 * set to init (bytes), the drug effects buffer. */
tb_status tb_drug_course_create(tb_sim *s, const tb_params *p, int on, const void *kp, size_t kp_bytes,
                                const char *name, const void *init, size_t init_bytes, tb_drug_course *c);

#endif
