/* The simulation framework: state and field tables, the program, the
 * process table walk, outputs and timing. Knows no process by name. */
#include "trabecula/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trabecula/log.h"
#include "sim_internal.h"

#define MAX_ARRAYS 128
#define MAX_FIELDS 32
#define MAX_OUTPUTS 64
#define MAX_SCALARS 64
#define MAX_PROCS 32
#define MAX_KERNELS 128
#define MAX_CONSTS 64

typedef struct array_entry {
  tb_array_desc d;
  char name[64];
  int32_t owner; /* process index, -1 for the framework */
  size_t bytes;
  size_t scratch_offset; /* TB_ARRAY_SCRATCH: where it lies in the scratch block */
  tb_buf *buf;
} array_entry;

typedef struct output_entry {
  char name[64];
  const char *unit;
  int32_t array;   /* array index, or -1 for a derived output */
  int32_t proc;    /* owning process of a derived output */
  int32_t derived; /* its index among that process's derived outputs */
} output_entry;

typedef struct scalar_entry {
  tb_scalar_desc d;
  char name[64];
  int32_t proc;
} scalar_entry;

typedef struct field_entry {
  tb_field_desc d;
  char name[64];
} field_entry;

struct tb_sim {
  tb_device *dev; /* borrowed */
  tb_params p;
  tb_kdomain dom;
  tb_kp_schedule sched;
  size_t n, rows;
  tb_program *prog;
  tb_kernel *kernels[MAX_KERNELS];
  int32_t nkernels;
  double kernel_seconds[MAX_KERNELS], kernel_launches[MAX_KERNELS];
  tb_buf *consts[MAX_CONSTS];
  int32_t nconsts;
  tb_buf *b_dom, *b_step, *b_sched;
  tb_kernel *k_schedule;
  tb_shape rows_shape, one;
  /* tables */
  array_entry arrays[MAX_ARRAYS];
  int32_t narrays;
  field_entry fields[MAX_FIELDS];
  int32_t nfields;
  output_entry outputs[MAX_OUTPUTS];
  int32_t noutputs;
  int32_t nderived[MAX_PROCS];
  scalar_entry scalars[MAX_SCALARS];
  int32_t nscalars;
  int declaring;
  /* processes */
  const tb_process_type *procs[MAX_PROCS];
  void *pstate[MAX_PROCS];
  int32_t nprocs, current;
  int timing;
  double proc_seconds[MAX_PROCS], proc_launches[MAX_PROCS], proc_bytes[MAX_PROCS];
  /* time */
  double t_days;
  int64_t step;
  tb_solver_stats solver;
  tb_stats_ctx *stats;
  tb_buf *field_block, *source_block;
  tb_buf *scratch_block; /* the TB_ARRAY_SCRATCH arrays, one owner at a time */
  size_t field_stride; /* floats */
};

/* ------------------------------------------------------------------ tables */

static size_t type_size(int32_t type) { return type == TB_TYPE_U8 ? 1 : 4; }

static int32_t find_array(const tb_sim *s, const char *name) {
  for (int32_t i = 0; i < s->narrays; i++)
    if (!strcmp(s->arrays[i].name, name)) return i;
  return -1;
}

tb_status tb_sim_declare_array(tb_sim *s, const tb_array_desc *d) {
  tb_status st = TB_OK;
  CHECK(s->declaring, TB_ERR_INTERNAL, "array %s declared outside a process's declare step", d->name);
  CHECK(d->name && strlen(d->name) < 64, TB_ERR_INTERNAL, "an array needs a name of at most 63 characters");
  int32_t twin = find_array(s, d->name);
  CHECK(twin < 0, TB_ERR_INTERNAL, "array %s is declared twice (by %s and %s)", d->name,
        s->arrays[twin].owner >= 0 ? s->procs[s->arrays[twin].owner]->name : "the framework",
        s->current >= 0 ? s->procs[s->current]->name : "the framework");
  CHECK(s->narrays < MAX_ARRAYS, TB_ERR_INTERNAL, "more than %d arrays", MAX_ARRAYS);
  CHECK(d->type == TB_TYPE_F32 || d->type == TB_TYPE_I32 || d->type == TB_TYPE_U8, TB_ERR_INTERNAL,
        "array %s: unknown type %d", d->name, (int)d->type);
  CHECK(!(d->flags & TB_ARRAY_OUTPUT) || (d->type == TB_TYPE_F32 && d->extent == TB_EXTENT_VOXEL &&
                                           d->components <= 1),
        TB_ERR_INTERNAL, "array %s: outputs are float32 voxel arrays", d->name);
  CHECK(!(d->flags & TB_ARRAY_SCRATCH) ||
            !(d->flags & (TB_ARRAY_OUTPUT | TB_ARRAY_RESTART | TB_ARRAY_FIELD | TB_ARRAY_SOURCE)),
        TB_ERR_INTERNAL, "array %s: a scratch array is neither an output, nor restart state, nor a field", d->name);
  array_entry *a = &s->arrays[s->narrays];
  a->d = *d;
  snprintf(a->name, sizeof a->name, "%s", d->name);
  a->d.name = a->name;
  if (a->d.components < 1) a->d.components = 1;
  a->owner = s->current;
  size_t count = 0;
  switch (d->extent) {
  case TB_EXTENT_VOXEL: count = s->n; break;
  case TB_EXTENT_TEAM: count = (size_t)s->dom.team_capacity; break;
  case TB_EXTENT_ROW: count = s->rows; break;
  case TB_EXTENT_FIXED: count = (size_t)d->count; break;
  default: CHECK(0, TB_ERR_INTERNAL, "array %s: unknown extent %d", d->name, (int)d->extent);
  }
  CHECK(count > 0, TB_ERR_INTERNAL, "array %s has no elements", d->name);
  a->bytes = count * (size_t)a->d.components * type_size(d->type);
  if (d->flags & TB_ARRAY_OUTPUT) {
    CHECK(s->noutputs < MAX_OUTPUTS, TB_ERR_INTERNAL, "more than %d outputs", MAX_OUTPUTS);
    output_entry *o = &s->outputs[s->noutputs++];
    snprintf(o->name, sizeof o->name, "%s", d->name);
    o->unit = d->unit;
    o->array = s->narrays;
    o->proc = s->current;
    o->derived = -1;
  }
  s->narrays++;
cleanup:
  return st;
}

tb_status tb_sim_add_field(tb_sim *s, const tb_field_desc *f) {
  tb_status st = TB_OK;
  char src[80];
  CHECK(s->nfields < MAX_FIELDS, TB_ERR_INTERNAL, "more than %d fields", MAX_FIELDS);
  CHECK(f->range_um > 0 && f->decay_per_day > 0, TB_ERR_INTERNAL,
        "field %s: reach %g um and turnover %g/day must be positive", f->name, f->range_um, f->decay_per_day);
  CHECK(f->tolerance >= 0 && f->tolerance < 1, TB_ERR_INTERNAL, "field %s: tolerance %g", f->name, f->tolerance);
  TRY(tb_sim_declare_array(s, &(tb_array_desc){f->name, TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, f->unit,
                                               TB_ARRAY_OUTPUT | TB_ARRAY_RESTART | TB_ARRAY_FIELD, 1, f->help}));
  snprintf(src, sizeof src, "%s_source", f->name);
  TRY(tb_sim_declare_array(s, &(tb_array_desc){src, TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "pM/day", TB_ARRAY_SOURCE, 0,
                                               "source of the field, summed over the processes each step"}));
  field_entry *e = &s->fields[s->nfields++];
  e->d = *f;
  snprintf(e->name, sizeof e->name, "%s", f->name);
  e->d.name = e->name;
cleanup:
  return st;
}

tb_status tb_sim_declare_output(tb_sim *s, const tb_output_desc *od) {
  tb_status st = TB_OK;
  CHECK(s->declaring && s->current >= 0, TB_ERR_INTERNAL, "derived output %s declared outside a process", od->name);
  CHECK(s->noutputs < MAX_OUTPUTS, TB_ERR_INTERNAL, "more than %d outputs", MAX_OUTPUTS);
  CHECK(s->procs[s->current]->output, TB_ERR_INTERNAL, "process %s declares output %s but has no output function",
        s->procs[s->current]->name, od->name);
  output_entry *o = &s->outputs[s->noutputs++];
  snprintf(o->name, sizeof o->name, "%s", od->name);
  o->unit = od->unit;
  o->array = -1;
  o->proc = s->current;
  o->derived = s->nderived[s->current]++;
cleanup:
  return st;
}

int32_t tb_sim_field_count(const tb_sim *s) { return s->nfields; }
const tb_field_desc *tb_sim_field(const tb_sim *s, int32_t i) { return &s->fields[i].d; }

tb_status tb_sim_array(tb_sim *s, const char *name, tb_buf **out) {
  tb_status st = TB_OK;
  int32_t i = find_array(s, name);
  *out = NULL;
  if (i < 0) {
    char names[2048] = "";
    for (int32_t k = 0; k < s->narrays; k++) {
      size_t used = strlen(names);
      snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "", s->arrays[k].name);
    }
    CHECK(0, TB_ERR_INTERNAL, "%s needs the array '%s', which no process declares (declared: %s)",
          s->current >= 0 ? s->procs[s->current]->name : "the framework", name, names);
  }
  CHECK(s->arrays[i].buf, TB_ERR_INTERNAL, "array %s is used before it is allocated", name);
  *out = s->arrays[i].buf;
cleanup:
  return st;
}

int32_t tb_sim_array_count(const tb_sim *s) { return s->narrays; }
const tb_array_desc *tb_sim_array_desc(const tb_sim *s, int32_t i) { return &s->arrays[i].d; }
const char *tb_sim_array_owner(const tb_sim *s, int32_t i) {
  return s->arrays[i].owner >= 0 ? s->procs[s->arrays[i].owner]->name : "sim";
}
size_t tb_sim_array_bytes(const tb_sim *s, int32_t i) { return s->arrays[i].bytes; }

uint64_t tb_sim_state_bytes(const tb_sim *s) {
  uint64_t b = s->scratch_block ? tb_buf_size(s->scratch_block) : 0;
  for (int32_t i = 0; i < s->narrays; i++)
    if (!(s->arrays[i].d.flags & TB_ARRAY_SCRATCH)) b += s->arrays[i].bytes;
  return b;
}
uint64_t tb_sim_device_bytes(const tb_sim *s) { return tb_dev_allocated(s->dev); }

/* --------------------------------------------------------- process access */

tb_device *tb_sim_device(tb_sim *s) { return s->dev; }
const tb_kdomain *tb_sim_domain(const tb_sim *s) { return &s->dom; }
tb_buf *tb_sim_schedule_buf(tb_sim *s) { return s->b_sched; }
tb_buf *tb_sim_domain_buf(tb_sim *s) { return s->b_dom; }
tb_buf *tb_sim_step_buf(tb_sim *s) { return s->b_step; }
const tb_params *tb_sim_params(const tb_sim *s) { return &s->p; }

tb_status tb_sim_kernel(tb_sim *s, const char *name, tb_kernel **out) {
  tb_status st = TB_OK;
  *out = NULL;
  CHECK(s->nkernels < MAX_KERNELS, TB_ERR_INTERNAL, "more than %d kernels", MAX_KERNELS);
  TRY(tb_dev_kernel(s->prog, name, &s->kernels[s->nkernels]));
  *out = s->kernels[s->nkernels++];
cleanup:
  return st;
}

tb_status tb_sim_constants(tb_sim *s, const void *host, size_t bytes, tb_buf **out) {
  tb_status st = TB_OK;
  *out = NULL;
  CHECK(s->nconsts < MAX_CONSTS, TB_ERR_INTERNAL, "more than %d constant buffers", MAX_CONSTS);
  TRY(tb_dev_alloc(s->dev, bytes, &s->consts[s->nconsts]));
  TRY(tb_dev_write(s->dev, s->consts[s->nconsts], 0, bytes, host));
  *out = s->consts[s->nconsts++];
cleanup:
  return st;
}

tb_status tb_sim_run_shape(tb_sim *s, tb_kernel *k, const tb_shape *sh) {
  tb_status st = TB_OK;
  if (s->current >= 0) {
    s->proc_launches[s->current] += 1.0;
    s->proc_bytes[s->current] += tb_kernel_traffic(k);
  }
  if (s->timing < 2) return tb_dev_run(s->dev, k, sh);
  /* Kernel-level timing: each launch waited for on its own. */
  int32_t j = 0;
  while (j < s->nkernels && s->kernels[j] != k) j++;
  TRY(tb_dev_finish(s->dev));
  double t0 = tb_dev_now();
  TRY(tb_dev_run(s->dev, k, sh));
  TRY(tb_dev_finish(s->dev));
  if (j < s->nkernels) {
    s->kernel_seconds[j] += tb_dev_now() - t0;
    s->kernel_launches[j] += 1.0;
  }
cleanup:
  return st;
}

int32_t tb_sim_kernel_count(const tb_sim *s) { return s->nkernels; }
const char *tb_sim_kernel_name(const tb_sim *s, int32_t j) { return tb_kernel_name(s->kernels[j]); }
double tb_sim_kernel_seconds(const tb_sim *s, int32_t j) { return s->kernel_seconds[j]; }
double tb_sim_kernel_launches(const tb_sim *s, int32_t j) { return s->kernel_launches[j]; }

tb_status tb_sim_run_rows(tb_sim *s, tb_kernel *k) { return tb_sim_run_shape(s, k, &s->rows_shape); }

void tb_sim_report_solver(tb_sim *s, const tb_solver_stats *stt) { s->solver = *stt; }
tb_status tb_sim_solver_stats(tb_sim *s, tb_solver_stats *out) {
  *out = s->solver;
  return TB_OK;
}

/* ---------------------------------------------------------------- the step */

/* Every field's source is a view of one block: one fill zeroes them all. */
static tb_status zero_sources(tb_sim *s) { return s->source_block ? tb_dev_fill_zero(s->dev, s->source_block) : TB_OK; }

/* One biological time step: every process of the table in order, each
 * timed, after the sources are zeroed; then the step constants advance on
 * the device. */
tb_status tb_sim_step(tb_sim *s) {
  tb_status st = TB_OK;
  TRY(zero_sources(s));
  for (int32_t k = 0; k < s->nprocs; k++) {
    double t0 = 0.0;
    if (s->timing) {
      TRY(tb_dev_finish(s->dev));
      t0 = tb_dev_now();
    }
    s->current = k;
    TRY(s->procs[k]->step(s, s->pstate[k]));
    s->current = -1;
    if (s->timing) {
      TRY(tb_dev_finish(s->dev));
      s->proc_seconds[k] += tb_dev_now() - t0;
    }
  }
  TRY(tb_dev_run(s->dev, s->k_schedule, &s->one));
  s->step++;
  s->t_days = -s->p.spinup_days + (double)s->step * s->p.dt_days;
cleanup:
  s->current = -1;
  return st;
}

double tb_sim_time_days(const tb_sim *s) { return s->t_days; }
double tb_sim_estrogen(const tb_sim *s) { return tb_estrogen_level(&s->p, s->t_days); }
int64_t tb_sim_steps_done(const tb_sim *s) { return s->step; }
void tb_sim_set_timing(tb_sim *s, int on) {
  s->timing = on;
  for (int32_t k = 0; k < s->nprocs; k++) s->proc_seconds[k] = s->proc_launches[k] = s->proc_bytes[k] = 0.0;
  for (int32_t j = 0; j < s->nkernels; j++) s->kernel_seconds[j] = s->kernel_launches[j] = 0.0;
}
int32_t tb_sim_process_count(const tb_sim *s) { return s->nprocs; }
const char *tb_sim_process_name(const tb_sim *s, int32_t k) { return s->procs[k]->name; }
double tb_sim_process_seconds(const tb_sim *s, int32_t k) { return s->proc_seconds[k]; }
double tb_sim_process_launches(const tb_sim *s, int32_t k) { return s->proc_launches[k]; }
double tb_sim_process_bytes(const tb_sim *s, int32_t k) { return s->proc_bytes[k]; }

tb_status tb_sim_stats(tb_sim *s, int reset, double out[TB_NSTATS]) {
  return tb_stats_compute(s->stats, s, reset, out);
}

/* ----------------------------------------------------------------- scalars */

tb_status tb_sim_declare_scalar(tb_sim *s, const tb_scalar_desc *d) {
  tb_status st = TB_OK;
  CHECK(s->declaring && s->current >= 0, TB_ERR_INTERNAL, "scalar %s declared outside a process", d->name);
  CHECK(s->procs[s->current]->scalars, TB_ERR_INTERNAL, "process %s declares scalar %s but has no scalars function",
        s->procs[s->current]->name, d->name);
  CHECK(s->nscalars < MAX_SCALARS, TB_ERR_INTERNAL, "more than %d scalars", MAX_SCALARS);
  CHECK(strlen(d->name) < sizeof s->scalars[0].name, TB_ERR_INTERNAL, "scalar name %s too long", d->name);
  for (int32_t k = 0; k < s->nscalars; k++)
    CHECK(strcmp(s->scalars[k].name, d->name), TB_ERR_INTERNAL, "scalar %s declared twice", d->name);
  scalar_entry *e = &s->scalars[s->nscalars++];
  e->d = *d;
  snprintf(e->name, sizeof e->name, "%s", d->name);
  e->d.name = e->name;
  e->proc = s->current;
cleanup:
  return st;
}

int32_t tb_sim_scalar_count(const tb_sim *s) { return s->nscalars; }
const char *tb_sim_scalar_name(const tb_sim *s, int32_t k) { return s->scalars[k].name; }
const char *tb_sim_scalar_unit(const tb_sim *s, int32_t k) { return s->scalars[k].d.unit; }

tb_status tb_sim_read_scalars(tb_sim *s, double *out) {
  tb_status st = TB_OK;
  /* A process's scalars are consecutive: declared in its declare step. */
  for (int32_t k = 0; k < s->nscalars;) {
    int32_t p = s->scalars[k].proc;
    s->current = p;
    TRY(s->procs[p]->scalars(s, s->pstate[p], out + k));
    while (k < s->nscalars && s->scalars[k].proc == p) k++;
  }
cleanup:
  s->current = -1;
  return st;
}

tb_status tb_sim_write_series(tb_sim *s, FILE *out, int header) {
  tb_status st = TB_OK;
  for (int32_t p = 0; p < s->nprocs; p++) {
    if (!s->procs[p]->series) continue;
    s->current = p;
    TRY(s->procs[p]->series(s, s->pstate[p], out, header));
  }
cleanup:
  s->current = -1;
  return st;
}

/* ----------------------------------------------------------------- outputs */

int32_t tb_sim_output_count(const tb_sim *s) { return s->noutputs; }
const char *tb_sim_output_name(const tb_sim *s, int32_t k) { return s->outputs[k].name; }
const char *tb_sim_output_unit(const tb_sim *s, int32_t k) { return s->outputs[k].unit; }
int32_t tb_sim_output_find(const tb_sim *s, const char *name) {
  for (int32_t k = 0; k < s->noutputs; k++)
    if (!strcmp(s->outputs[k].name, name)) return k;
  return -1;
}

tb_status tb_sim_read_output(tb_sim *s, int32_t k, float *host) {
  tb_status st = TB_OK;
  CHECK(k >= 0 && k < s->noutputs, TB_ERR_INTERNAL, "no output %d", (int)k);
  const output_entry *o = &s->outputs[k];
  if (o->array >= 0) {
    TRY(tb_dev_read(s->dev, s->arrays[o->array].buf, 0, s->n * sizeof(float), host));
  } else {
    s->current = o->proc;
    TRY(s->procs[o->proc]->output(s, s->pstate[o->proc], o->derived, host));
  }
cleanup:
  s->current = -1;
  return st;
}

tb_status tb_sim_read(tb_sim *s, const char *name, float *host) {
  tb_status st = TB_OK;
  int32_t k = tb_sim_output_find(s, name);
  CHECK(k >= 0, TB_ERR_INTERNAL, "no output named %s", name);
  TRY(tb_sim_read_output(s, k, host));
cleanup:
  return st;
}

/* ------------------------------------------------------------------ create */

tb_status tb_sim_field_block(tb_sim *s, tb_buf **fields, tb_buf **sources, size_t *stride_floats) {
  tb_status st = TB_OK;
  CHECK(s->field_block, TB_ERR_INTERNAL, "no fields are registered");
  *fields = s->field_block;
  *sources = s->source_block;
  *stride_floats = s->field_stride;
cleanup:
  return st;
}

/* Every array of the state table; fields and their sources as views of two
 * blocks, one aligned stride per field. */
static tb_status allocate(tb_sim *s) {
  tb_status st = TB_OK;
  if (s->nfields > 0) {
    size_t align = tb_dev_base_align(s->dev);
    size_t stride = (s->n * sizeof(float) + align - 1) / align * align;
    s->field_stride = stride / sizeof(float);
    TRY(tb_dev_alloc(s->dev, stride * (size_t)s->nfields, &s->field_block));
    TRY(tb_dev_alloc(s->dev, stride * (size_t)s->nfields, &s->source_block));
    for (int32_t f = 0; f < s->nfields; f++) {
      char src[80];
      snprintf(src, sizeof src, "%s_source", s->fields[f].name);
      int32_t a = find_array(s, s->fields[f].name), b = find_array(s, src);
      TRY(tb_dev_sub_buffer(s->dev, s->field_block, (size_t)f * stride, s->n * sizeof(float), &s->arrays[a].buf));
      TRY(tb_dev_sub_buffer(s->dev, s->source_block, (size_t)f * stride, s->n * sizeof(float), &s->arrays[b].buf));
    }
  }
  /* Scratch: each owner's arrays one after another from the block's start
   * (aligned for sub-buffers); the block holds the largest owner's. */
  size_t align = tb_dev_base_align(s->dev), scratch = 0, used[MAX_PROCS + 1] = {0};
  for (int32_t i = 0; i < s->narrays; i++) {
    array_entry *a = &s->arrays[i];
    if (!(a->d.flags & TB_ARRAY_SCRATCH)) continue;
    size_t *u = &used[a->owner + 1];
    a->scratch_offset = *u;
    *u += (a->bytes + align - 1) / align * align;
    if (*u > scratch) scratch = *u;
  }
  if (scratch > 0) {
    TRY(tb_dev_alloc(s->dev, scratch, &s->scratch_block));
    for (int32_t i = 0; i < s->narrays; i++)
      if (s->arrays[i].d.flags & TB_ARRAY_SCRATCH)
        TRY(tb_dev_sub_buffer(s->dev, s->scratch_block, s->arrays[i].scratch_offset, s->arrays[i].bytes,
                              &s->arrays[i].buf));
  }
  for (int32_t i = 0; i < s->narrays; i++)
    if (!s->arrays[i].buf) TRY(tb_dev_alloc(s->dev, s->arrays[i].bytes, &s->arrays[i].buf));
cleanup:
  return st;
}

static const char *const framework_files[] = {"shared.h", "common.h", "estrogen.cl", "reduce.cl", "stats.cl"};
#define NFRAMEWORK ((int)(sizeof framework_files / sizeof framework_files[0]))

/* One program from the framework's files and every process's kernels. */
static tb_status build_program(tb_sim *s) {
  tb_status st = TB_OK;
  const char *files[96], *sources[96];
  int n = 0;
  for (int i = 0; i < NFRAMEWORK; i++) {
    files[n] = framework_files[i];
    sources[n++] = NULL;
  }
  for (int32_t k = 0; k < s->nprocs; k++) {
    const tb_process_type *t = s->procs[k];
    for (int j = 0; t->kernel_files && t->kernel_files[j]; j++) {
      CHECK(n < 95, TB_ERR_INTERNAL, "too many kernel files");
      files[n] = t->kernel_files[j];
      sources[n++] = NULL;
    }
    if (t->kernel_source) {
      CHECK(n < 95, TB_ERR_INTERNAL, "too many kernel files");
      files[n] = t->kernel_source_name ? t->kernel_source_name : t->name;
      sources[n++] = t->kernel_source;
    }
  }
  TRY(tb_dev_program_sources(s->dev, files, sources, n, "-cl-std=CL1.2", &s->prog));
cleanup:
  return st;
}

static tb_status check_sample(const tb_volume *bone, const uint8_t *labels) {
  tb_status st = TB_OK;
  double h = bone->spacing_um[0];
  for (int a = 1; a < 3; a++)
    CHECK(fabs(bone->spacing_um[a] - h) <= 1e-3 * h, TB_ERR_INPUT,
          "the sample's voxels are %g x %g x %g um: the simulation needs isotropic voxels (resample the sample)",
          bone->spacing_um[0], bone->spacing_um[1], bone->spacing_um[2]);
  CHECK((double)bone->nx * bone->ny * bone->nz < 2147483647.0, TB_ERR_INPUT,
        "the sample has %d x %d x %d voxels: fewer than 2^31 - 1 are supported", bone->nx, bone->ny, bone->nz);
  size_t n = (size_t)bone->nx * bone->ny * bone->nz;
  for (size_t i = 0; i < n; i++) {
    float v = bone->data[i];
    CHECK(isfinite(v) && v >= 0.0f && v <= 1.0f, TB_ERR_INPUT, "bone fraction %g at voxel %zu: expected a value in [0, 1]",
          v, i);
    CHECK(!labels || labels[i] <= TB_COMP_CORTICAL, TB_ERR_INPUT,
          "compartment label %d at voxel %zu: expected 0, 1 or 2", labels ? labels[i] : 0, i);
  }
cleanup:
  return st;
}

/* The framework's own arrays: the bone and its compartments. */
static tb_status declare_core(tb_sim *s) {
  tb_status st = TB_OK;
  TRY(tb_sim_declare_array(s, &(tb_array_desc){"bone_fraction", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1",
                                               TB_ARRAY_OUTPUT | TB_ARRAY_RESTART, 1,
                                               "mineralised share of the voxel"}));
  TRY(tb_sim_declare_array(s, &(tb_array_desc){"compartment", TB_TYPE_U8, 1, TB_EXTENT_VOXEL, 0, "label",
                                               TB_ARRAY_RESTART, 1, "0 outside, 1 trabecular, 2 cortical"}));
cleanup:
  return st;
}

static tb_status upload_core(tb_sim *s, const tb_volume *bone, const uint8_t *labels) {
  tb_status st = TB_OK;
  float *f = malloc(s->n * sizeof(float));
  uint8_t *comp = malloc(s->n);
  tb_buf *bf = NULL, *bc = NULL;
  CHECK(f && comp, TB_ERR_NOMEM, "out of memory for a %d x %d x %d sample", s->dom.nx, s->dom.ny, s->dom.nz);
  for (size_t i = 0; i < s->n; i++) {
    comp[i] = labels ? labels[i] : TB_COMP_TRABECULAR;
    f[i] = comp[i] == TB_COMP_OUTSIDE ? 0.0f : bone->data[i];
  }
  TRY(tb_sim_array(s, "bone_fraction", &bf));
  TRY(tb_sim_array(s, "compartment", &bc));
  TRY(tb_dev_write(s->dev, bf, 0, s->n * sizeof(float), f));
  TRY(tb_dev_write(s->dev, bc, 0, s->n, comp));
cleanup:
  free(f);
  free(comp);
  return st;
}

tb_status tb_sim_create(tb_device *dev, const tb_params *p, const tb_volume *bone, const uint8_t *labels,
                        tb_sim **out) {
  return tb_sim_create_with(dev, p, bone, labels, tb_default_processes, out);
}

tb_status tb_sim_create_with(tb_device *dev, const tb_params *p, const tb_volume *bone, const uint8_t *labels,
                             const tb_process_type *const *procs, tb_sim **out) {
  tb_status st = TB_OK;
  tb_sim *s = NULL;
  *out = NULL;
  TRY(check_sample(bone, labels));
  s = calloc(1, sizeof *s);
  CHECK(s, TB_ERR_NOMEM, "out of memory");
  s->dev = dev;
  s->p = *p;
  s->current = -1;
  for (; procs[s->nprocs]; s->nprocs++) {
    CHECK(s->nprocs < MAX_PROCS, TB_ERR_INTERNAL, "more than %d processes", MAX_PROCS);
    CHECK(procs[s->nprocs]->step && procs[s->nprocs]->create, TB_ERR_INTERNAL,
          "process %s has no create or step function", procs[s->nprocs]->name);
    s->procs[s->nprocs] = procs[s->nprocs];
  }

  /* The domain: one block, the whole sample. */
  tb_kdomain *d = &s->dom;
  d->nx = d->gnx = bone->nx;
  d->ny = d->gny = bone->ny;
  d->nz = d->gnz = bone->nz;
  d->halo = 0;
  d->sy = d->nx + 2 * d->halo;
  d->sz = d->sy * (d->ny + 2 * d->halo);
  d->h_um = (float)bone->spacing_um[0];
  d->dt_days = (float)p->dt_days;
  uint64_t seed = (uint64_t)p->seed;
  d->seed_lo = (tb_u32)(seed & 0xffffffffu);
  d->seed_hi = (tb_u32)(seed >> 32) ^ 0x7ab3c1d5u;
  s->n = (size_t)d->sz * (size_t)(d->nz + 2 * d->halo);
  s->rows = (size_t)d->ny * (size_t)d->nz;
  /* Slots for teams alive at once: one per 16 voxels covers every surface
   * voxel of a plate starting a BMU in the same step (tests do that);
   * physiological rates use a few per cent of it. */
  d->team_capacity = (tb_i32)(s->n / 16 + 4096);
  tb_dev_shape_rows(dev, d->nx, d->ny, d->nz, &s->rows_shape);
  s->one = (tb_shape){1, 0, {1, 1, 1}, {1, 1, 1}};

  tb_params_schedule(p, &s->sched);

  /* 1. Tables: each process declares what it owns. */
  s->declaring = 1;
  TRY(declare_core(s));
  for (int32_t k = 0; k < s->nprocs; k++) {
    s->current = k;
    if (s->procs[k]->declare) TRY(s->procs[k]->declare(s, p));
  }
  s->current = -1;
  s->declaring = 0;

  /* 2. Memory from the state table, and the program. */
  TRY(allocate(s));
  TRY(tb_dev_alloc(dev, sizeof(tb_kdomain), &s->b_dom));
  TRY(tb_dev_write(dev, s->b_dom, 0, sizeof(tb_kdomain), &s->dom));
  tb_kstep ks0 = tb_schedule_at(&s->sched, 0u);
  TRY(tb_dev_alloc(dev, sizeof ks0, &s->b_step));
  TRY(tb_dev_write(dev, s->b_step, 0, sizeof ks0, &ks0));
  TRY(build_program(s));
  TRY(tb_sim_constants(s, &s->sched, sizeof s->sched, &s->b_sched));
  TRY(tb_sim_kernel(s, "schedule_advance", &s->k_schedule));
  TRY(TB_BIND(s->k_schedule, TB_BUF(s->b_sched), TB_BUF(s->b_step), TB_I32(1)));
  TRY(upload_core(s, bone, labels));
  TRY(tb_stats_create(s, &s->stats));
  s->t_days = -p->spinup_days;

  /* 3. Processes, then the initial signals and the reference levels. */
  for (int32_t k = 0; k < s->nprocs; k++) {
    s->current = k;
    TRY(s->procs[k]->create(s, p, &s->pstate[k]));
  }
  TRY(zero_sources(s));
  for (int32_t k = 0; k < s->nprocs; k++) {
    s->current = k;
    if (s->procs[k]->initial_sources) TRY(s->procs[k]->initial_sources(s, s->pstate[k]));
  }
  /* The last process that solves fields does so in its step; the initial
   * solve is its start hook (see the signals process). */
  for (int32_t k = 0; k < s->nprocs; k++) {
    s->current = k;
    if (s->procs[k]->start) TRY(s->procs[k]->start(s, s->pstate[k]));
  }
  s->current = -1;
  tb_sim_set_timing(s, 0);
  *out = s;
  s = NULL;
cleanup:
  if (s) s->current = -1;
  tb_sim_destroy(&s);
  return st;
}

void tb_sim_destroy(tb_sim **sp) {
  if (!sp || !*sp) return;
  tb_sim *s = *sp;
  for (int32_t k = s->nprocs - 1; k >= 0; k--)
    if (s->pstate[k] && s->procs[k]->destroy) s->procs[k]->destroy(&s->pstate[k]);
    else free(s->pstate[k]); /* a state of plain values */
  tb_stats_destroy(&s->stats);
  for (int32_t k = 0; k < s->nkernels; k++) tb_dev_kernel_destroy(&s->kernels[k]);
  for (int32_t k = 0; k < s->nconsts; k++) tb_dev_free(&s->consts[k]);
  for (int32_t i = 0; i < s->narrays; i++) tb_dev_free(&s->arrays[i].buf);
  tb_dev_free(&s->field_block);
  tb_dev_free(&s->scratch_block);
  tb_dev_free(&s->source_block);
  tb_dev_free(&s->b_dom);
  tb_dev_free(&s->b_step);
  tb_dev_program_destroy(&s->prog);
  free(s);
  *sp = NULL;
}
