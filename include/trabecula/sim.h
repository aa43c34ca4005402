/* The remodeling simulation on an OpenCL device: the process table, the
 * state and field tables, and the time step.
 *
 * Time runs from -spinup_days (healthy spin-up) through 0 (start of the
 * reported run) to years * 365.25 days. One step walks the process table
 * (tb_default_processes, src/processes/table.c):
 *   osteoclast  BMU initiation, team fronts, resorption   kernels/osteoclast.cl
 *   formation   coupling and refilling by osteoblasts      kernels/formation.cl
 *   osteocyte   apoptosis and the osteocytes' signals      kernels/osteocyte.cl
 *   marrow      MSC commitment and adiposity               kernels/marrow.cl
 *   immune      immune-cell RANKL in marrow                kernels/immune.cl
 *   mineral     tissue age and mineral (nothing per step)  kernels/mineral.cl
 *   signals     multigrid solve of every field             kernels/signals.cl
 * after the framework has set the step's constants (kernels/estrogen.cl) and
 * zeroed every field's source. See trabecula/process.h for the interface. */
#ifndef TRABECULA_SIM_H
#define TRABECULA_SIM_H

#include <stdint.h>

#include <stdio.h>

#include "trabecula/device.h"
#include "trabecula/params.h"
#include "trabecula/process.h"
#include "trabecula/volume.h"

/* bone: bone fraction in [0,1] with an isotropic voxel size. labels: NULL
 * (everything trabecular) or 0 outside, 1 trabecular, 2 cortical per voxel.
 * Declares and allocates the state, builds the kernels, solves the initial
 * fields and lets each process measure its healthy reference levels. */
tb_status tb_sim_create(tb_device *dev, const tb_params *p, const tb_volume *bone, const uint8_t *labels,
                        tb_sim **out);
/* The same with another process table (NULL-terminated, in step order). */
tb_status tb_sim_create_with(tb_device *dev, const tb_params *p, const tb_volume *bone, const uint8_t *labels,
                             const tb_process_type *const *procs, tb_sim **out);
void tb_sim_destroy(tb_sim **s);

/* Advances one time step of dt_days. */
tb_status tb_sim_step(tb_sim *s);
double tb_sim_estrogen(const tb_sim *s);
int64_t tb_sim_steps_done(const tb_sim *s);
const tb_params *tb_sim_params(const tb_sim *s);

/* Output volumes: arrays declared with TB_ARRAY_OUTPUT and derived outputs,
 * in declaration order. */
int32_t tb_sim_output_count(const tb_sim *s);
const char *tb_sim_output_name(const tb_sim *s, int32_t k);
const char *tb_sim_output_unit(const tb_sim *s, int32_t k);
/* Index of an output by name, -1 if none. */
int32_t tb_sim_output_find(const tb_sim *s, const char *name);
/* Copies one output volume (nx*ny*nz floats) to host memory. */
tb_status tb_sim_read_output(tb_sim *s, int32_t k, float *host);
tb_status tb_sim_read(tb_sim *s, const char *name, float *host);

/* Scalars the processes report at each snapshot (tb_scalar_desc), in
 * process-table order; tb_sim_read_scalars fills all of them (and lets
 * processes reset their since-last-snapshot counters: call it once per
 * snapshot). */
int32_t tb_sim_scalar_count(const tb_sim *s);
const char *tb_sim_scalar_name(const tb_sim *s, int32_t k);
const char *tb_sim_scalar_unit(const tb_sim *s, int32_t k);
tb_status tb_sim_read_scalars(tb_sim *s, double *out);
/* The per-step time series of the processes that keep one (process.h
 * series), written as CSV rows to out; header != 0 first writes the column
 * names. Returns TB_OK writing nothing when no process keeps one. */
tb_status tb_sim_write_series(tb_sim *s, FILE *out, int header);

/* The state table, entry by entry (tb_sim_array_bytes: the array's own
 * size, a scratch array's included, though it shares the scratch block). */
int32_t tb_sim_array_count(const tb_sim *s);
const tb_array_desc *tb_sim_array_desc(const tb_sim *s, int32_t i);
const char *tb_sim_array_owner(const tb_sim *s, int32_t i);
size_t tb_sim_array_bytes(const tb_sim *s, int32_t i);
/* Device bytes of the whole state table: every array, the scratch arrays'
 * shared block counted once (TB_ARRAY_SCRATCH). */
uint64_t tb_sim_state_bytes(const tb_sim *s);
/* Bytes of device memory the simulation holds. */
uint64_t tb_sim_device_bytes(const tb_sim *s);

/* Timing per process (on = 1): seconds, launches and bytes moved by the
 * process's kernels (tb_kernel_traffic) since timing was set. With on = 2
 * also per kernel (each launch waited for: slower, for finding where time
 * goes). Setting it restarts every counter. */
void tb_sim_set_timing(tb_sim *s, int on);
int32_t tb_sim_kernel_count(const tb_sim *s);
const char *tb_sim_kernel_name(const tb_sim *s, int32_t j);
double tb_sim_kernel_seconds(const tb_sim *s, int32_t j);
double tb_sim_kernel_launches(const tb_sim *s, int32_t j);
int32_t tb_sim_process_count(const tb_sim *s);
const char *tb_sim_process_name(const tb_sim *s, int32_t k);
double tb_sim_process_seconds(const tb_sim *s, int32_t k);
double tb_sim_process_launches(const tb_sim *s, int32_t k);
double tb_sim_process_bytes(const tb_sim *s, int32_t k);

/* The signals process's solver figures for the last step (tb_solver_stats in
 * trabecula/process.h). */
tb_status tb_sim_solver_stats(tb_sim *s, tb_solver_stats *out);

#endif
