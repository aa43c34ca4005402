/* The process layer: how a biological process plugs into the time step.
 *
 * A process is a table row of function pointers plus its own state (CoMD's
 * BasePotential): it declares the per-voxel arrays and diffusing fields it
 * owns, creates its kernels with their buffers bound once, enqueues them
 * each step, and may add derived output volumes. The time step walks the
 * process table; it never names a process. Adding a process is a new module
 * (src/processes/<name>.c with kernels/<name>.cl) and one row in
 * tb_default_processes (src/processes/table.c), or, from outside the
 * library, a tb_process_type passed to tb_sim_create_with.
 *
 * State as data: every array is declared once (tb_array_desc): name, type,
 * unit, owner, whether it is written to the output and needed for a restart,
 * and the halo it needs. The declarations drive allocation, the HDF5/XDMF
 * output, the byte counts of `trabecula bench`, and later the checkpoint and
 * the MPI halo exchange.
 *
 * Fields as data: each diffusing signal is one tb_field_desc (name, unit,
 * reach, turnover), as BioFVM's add_density. Registering a field declares
 * two arrays, NAME (the concentration, pM, output and restart) and
 * NAME_source (pM/day, scratch). The framework zeroes every source at the
 * start of a step; each process adds its own sources explicitly (src +=),
 * in the order of the process table, and the signals process solves every
 * field at the end of the step. */
#ifndef TRABECULA_PROCESS_H
#define TRABECULA_PROCESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trabecula/device.h"
#include "trabecula/params.h"
#include "trabecula/shared.h"
#include "trabecula/status.h"

typedef struct tb_sim tb_sim;

/* Element types of arrays. */
enum { TB_TYPE_F32 = 1, TB_TYPE_I32 = 2, TB_TYPE_U8 = 3 };
/* How many elements an array has. */
enum {
  TB_EXTENT_VOXEL = 1, /* one per voxel of the local block (halo included) */
  TB_EXTENT_TEAM = 2,  /* one per slot of the team table */
  TB_EXTENT_ROW = 3,   /* one per x-row of the local block */
  TB_EXTENT_FIXED = 4  /* `count` elements */
};
/* Array flags. */
enum {
  TB_ARRAY_OUTPUT = 1,  /* written to trabecula.h5 with every snapshot (float32 voxel arrays) */
  TB_ARRAY_RESTART = 2, /* part of the state a restart needs */
  TB_ARRAY_FIELD = 4,   /* a field's concentration (set by tb_sim_add_field) */
  TB_ARRAY_SOURCE = 8,  /* a field's source (set by tb_sim_add_field) */
  /* Scratch: its contents matter only inside its owner's step, start and
   * initial_sources hooks (and its outputs, written between steps), never
   * from one of those calls to the next. The scratch arrays of different
   * processes share one block of device memory (the largest owner's sum),
   * so a kernel must not expect a scratch array to hold zeros, or its last
   * values, when its process's call begins. Not for outputs, restarts or
   * fields. */
  TB_ARRAY_SCRATCH = 16
};

typedef struct tb_array_desc {
  const char *name;   /* unique; the output dataset name */
  int32_t type;       /* TB_TYPE_* */
  int32_t components; /* elements per entry: 1, 2 or 4 (int4 team positions) */
  int32_t extent;     /* TB_EXTENT_* */
  int64_t count;      /* entries for TB_EXTENT_FIXED */
  const char *unit;   /* "1", "pM", "um", "day", "pM/day", "slot" */
  int32_t flags;      /* TB_ARRAY_* */
  int32_t halo;       /* neighbour layers its readers need (for the MPI halo exchange) */
  const char *help;   /* one line */
} tb_array_desc;

typedef struct tb_field_desc {
  const char *name;     /* "rankl" */
  const char *unit;     /* "pM" */
  double range_um;      /* reach lambda = sqrt(D/k) */
  double decay_per_day; /* turnover k */
  double tolerance;     /* solver tolerance (see signals.tolerance); 0 = signals.tolerance */
  const char *help;
} tb_field_desc;

/* A derived output volume a process computes on request (e.g. where
 * osteoclasts are, from the team table). */
typedef struct tb_output_desc {
  const char *name;
  const char *unit;
  const char *help;
} tb_output_desc;

/* A number a process reports at each snapshot (a column of
 * morphometry.csv), e.g. an immune population's level. */
typedef struct tb_scalar_desc {
  const char *name; /* column name */
  const char *unit;
  const char *help;
} tb_scalar_desc;

typedef struct tb_process_type {
  const char *name;                 /* "osteoclast"; also its timing label */
  const char *const *kernel_files;  /* NULL-terminated embedded kernel files, or NULL */
  const char *kernel_source;        /* kernel text of a process outside the library, or NULL */
  const char *kernel_source_name;   /* file name for build messages */
  /* Declares arrays, fields and derived outputs (tb_sim_declare_*). */
  tb_status (*declare)(tb_sim *s, const tb_params *p);
  /* Creates kernels (tb_sim_kernel), binds their buffers, sets initial
   * values. *state is the process's own. */
  tb_status (*create)(tb_sim *s, const tb_params *p, void **state);
  /* Adds the sources of the initial state without advancing anything (the
   * fields are solved after every process has done so). Optional. */
  tb_status (*initial_sources)(tb_sim *s, void *state);
  /* After the initial solve: measures reference levels. Optional. */
  tb_status (*start)(tb_sim *s, void *state);
  /* Enqueues one step's kernels. */
  tb_status (*step)(tb_sim *s, void *state);
  /* Fills this process's declared scalars, in declaration order, at a
   * snapshot; may reset its since-last-snapshot counters. Optional. */
  tb_status (*scalars)(tb_sim *s, void *state, double *out);
  /* Writes whole CSV rows of a per-step time series the process keeps on
   * the device (drug concentrations: treatment.csv) for the steps since its
   * previous call, up to the current time; header != 0: the column names
   * line first. Optional. */
  tb_status (*series)(tb_sim *s, void *state, FILE *out, int header);
  /* Fills derived output `index` of this process (nx*ny*nz floats). Optional. */
  tb_status (*output)(tb_sim *s, void *state, int index, float *host);
  /* Releases what the state holds and the state itself, and sets *state to
   * NULL. Optional: without it the framework free()s the state (processes
   * whose kernels and buffers the simulation owns need nothing more). */
  void (*destroy)(void **state);
} tb_process_type;

/* The built-in processes in step order, ended by NULL. */
extern const tb_process_type *const tb_default_processes[];

/* --- For processes: declarations (only inside declare) --- */
tb_status tb_sim_declare_array(tb_sim *s, const tb_array_desc *d);
tb_status tb_sim_add_field(tb_sim *s, const tb_field_desc *f);
tb_status tb_sim_declare_output(tb_sim *s, const tb_output_desc *o);
tb_status tb_sim_declare_scalar(tb_sim *s, const tb_scalar_desc *d);

/* --- For processes: what they bind and run --- */
tb_device *tb_sim_device(tb_sim *s);
const tb_kdomain *tb_sim_domain(const tb_sim *s);
tb_buf *tb_sim_domain_buf(tb_sim *s); /* __constant tb_kdomain * */
tb_buf *tb_sim_step_buf(tb_sim *s);   /* __constant tb_kstep * */
tb_buf *tb_sim_schedule_buf(tb_sim *s); /* __constant tb_kp_schedule * (the estrogen schedule) */
/* A declared array's buffer by name; TB_ERR_INTERNAL naming it if absent. */
tb_status tb_sim_array(tb_sim *s, const char *name, tb_buf **out);
/* A kernel of the simulation's program, owned by the simulation. */
tb_status tb_sim_kernel(tb_sim *s, const char *name, tb_kernel **out);
/* A constant buffer holding bytes copied from host (owned by the simulation). */
tb_status tb_sim_constants(tb_sim *s, const void *host, size_t bytes, tb_buf **out);
/* Enqueues a kernel over the local block's rows, or n items, or one group,
 * and counts its traffic towards the running process. */
tb_status tb_sim_run_rows(tb_sim *s, tb_kernel *k);
tb_status tb_sim_run_shape(tb_sim *s, tb_kernel *k, const tb_shape *sh);
/* The statistics of the current state (see tb_sim_stats). */
tb_status tb_sim_stats(tb_sim *s, int reset, double out[TB_NSTATS]);
/* Fixed-order device reduction of per-row partial sums (kernels/reduce.cl):
 * in holds m columns of rows floats (column k at k * rows); run enqueues two kernels and reads
 * the m totals into out (blocking). */
typedef struct tb_reducer tb_reducer;
tb_status tb_reducer_create(tb_sim *s, tb_buf *in, int32_t rows, int32_t m, tb_reducer **out);
tb_status tb_reducer_run(tb_sim *s, tb_reducer *r, double *out);
void tb_reducer_destroy(tb_reducer **r);
/* All fields' concentrations and sources as two buffers, field f at
 * f * stride floats (the solver's structure of arrays; each field's arrays
 * are views of these). */
tb_status tb_sim_field_block(tb_sim *s, tb_buf **fields, tb_buf **sources, size_t *stride_floats);
/* Fields registered so far, in order. */
int32_t tb_sim_field_count(const tb_sim *s);
const tb_field_desc *tb_sim_field(const tb_sim *s, int32_t i);
/* Figures of the field solver for the last step, reported by the signals
 * process and read by tb_sim_solver_stats. */
typedef struct tb_solver_stats {
  int32_t cycles;          /* V-cycles, all fields together */
  int32_t checks;          /* residual checks (one small readback each) */
  double max_rel_residual; /* largest ||r||_2 / (k ||c||_2 tolerance) over the fields at the end (< 1) */
} tb_solver_stats;
void tb_sim_report_solver(tb_sim *s, const tb_solver_stats *st);
/* The time of the current step start, days. */
double tb_sim_time_days(const tb_sim *s);

#endif
