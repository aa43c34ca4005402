/* Internals of the simulation framework shared by its source files. */
#ifndef TRABECULA_SIM_INTERNAL_H
#define TRABECULA_SIM_INTERNAL_H

#include "trabecula/sim.h"

/* The statistics of a state (kernels/stats.cl + a device reduction). */
typedef struct tb_stats_ctx tb_stats_ctx;
tb_status tb_stats_create(tb_sim *s, tb_stats_ctx **out);
/* Binds the kernel to the processes' arrays; after every process is created. */
tb_status tb_stats_compute(tb_stats_ctx *c, tb_sim *s, int reset, double out[TB_NSTATS]);
void tb_stats_destroy(tb_stats_ctx **c);

#endif
