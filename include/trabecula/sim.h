/* The remodeling simulation on an OpenCL device: state, time step, fields.
 *
 * Time runs from -spinup_days (healthy spin-up) through 0 (start of the
 * reported run) to years * 365.25 days. One step is a short list of named
 * processes (see tb_sim_step), each a kernel file:
 *   osteoclast_recruit, osteoclast_resorb   kernels/osteoclast.cl
 *   osteoblast_form                         kernels/osteoblast.cl
 *   osteocyte_update                        kernels/osteocyte.cl
 *   diffusion_sweep (per signal)            kernels/diffusion.cl
 * with the systemic schedule from kernels/estrogen.cl. */
#ifndef TRABECULA_SIM_H
#define TRABECULA_SIM_H

#include <stdint.h>

#include "trabecula/device.h"
#include "trabecula/params.h"
#include "trabecula/volume.h"

typedef struct tb_sim tb_sim;

/* Processes timed in a step (tb_sim_process_seconds). */
enum {
  TB_PROC_OSTEOCLAST_RECRUIT,
  TB_PROC_OSTEOCLAST_RESORB,
  TB_PROC_OSTEOBLAST_FORM,
  TB_PROC_OSTEOCYTE_UPDATE,
  TB_PROC_DIFFUSION,
  TB_NPROC
};
extern const char *const tb_sim_process_names[TB_NPROC];

/* Output volumes a simulation can give (tb_sim_read_field). */
enum {
  TB_OUT_BONE_FRACTION,
  TB_OUT_OSTEOCYTE_VIABILITY,
  TB_OUT_OSTEOCLASTS,   /* 1 where an osteoclast team is resorbing */
  TB_OUT_OSTEOBLASTS,   /* 1 where an osteoblast team is forming */
  TB_OUT_CAVITY,        /* bone fraction resorbed in the current cycle */
  TB_OUT_ADIPOSITY,
  TB_OUT_RANKL,
  TB_OUT_OPG,
  TB_OUT_SCLEROSTIN,
  TB_OUT_TGFB,
  TB_OUT_RESORBED,      /* resorbed since the last stats reset */
  TB_OUT_FORMED,        /* formed since the last stats reset */
  TB_NOUT
};
extern const char *const tb_sim_output_names[TB_NOUT];
extern const char *const tb_sim_output_units[TB_NOUT];

/* bone: bone fraction in [0,1] with an isotropic voxel size. labels: NULL
 * (everything trabecular) or 0 outside, 1 trabecular, 2 cortical per voxel.
 * Builds the kernels, uploads the state, solves the initial fields and
 * measures the healthy reference levels (effective RANKL at the surface,
 * sclerostin) that the rates are normalised by. */
tb_status tb_sim_create(tb_device *dev, const tb_params *p, const tb_volume *bone, const uint8_t *labels,
                        tb_sim **out);
void tb_sim_destroy(tb_sim **s);

/* Advances one time step of dt_days. */
tb_status tb_sim_step(tb_sim *s);
double tb_sim_time_days(const tb_sim *s);
double tb_sim_estrogen(const tb_sim *s);
int64_t tb_sim_steps_done(const tb_sim *s);
/* Solver sweeps used in the last step, all fields together. */
int32_t tb_sim_last_sweeps(const tb_sim *s);

/* Sums of the TB_STAT_* quantities over the volume (voxel units). With
 * reset, the since-last-reset accumulators restart from zero. */
tb_status tb_sim_stats(tb_sim *s, int reset, double out[TB_NSTATS]);
/* Copies one output volume (nx*ny*nz floats) to host memory. */
tb_status tb_sim_read_field(tb_sim *s, int which, float *host);

/* Seconds spent in each process so far (measured when timing is on). */
void tb_sim_set_timing(tb_sim *s, int on);
double tb_sim_process_seconds(const tb_sim *s, int proc);
/* Bytes each process reads and writes per voxel per launch (for GB/s). */
double tb_sim_process_bytes_per_voxel(int proc);

#endif
