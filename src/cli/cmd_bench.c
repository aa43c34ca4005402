/* trabecula bench: time each process of a step on the built-in phantom and
 * compare its effective memory traffic with a plain copy kernel measured on
 * the same device in the same run (a roofline-style "% of copy").
 *
 * The processes are memory-bound stencils, so the copy kernel's GB/s is the
 * ceiling a process could reach; effective GB/s counts only the compulsory
 * traffic (every buffer a kernel binds, read once and written once where not
 * const: tb_kernel_traffic), so a low % means extra traffic
 * (uncoalesced or repeated reads), launch overhead or host round trips. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "trabecula/device.h"
#include "trabecula/params.h"
#include "trabecula/phantom.h"
#include "trabecula/sim.h"

enum { WARMUP_STEPS = 3, COPY_REPS = 10, COPY_BATCHES = 5, LAUNCH_REPS = 200 };
static const double COPY_MIN_BYTES = 64.0 * 1024 * 1024; /* beyond last-level caches */
static const double CORTEX_UM = 300.0;                  /* human vertebral-like shell */

typedef struct bench_opts {
  const char *device; /* NULL: default device */
  int32_t size;
  int32_t steps;
  int csv;
  int kernels; /* --kernels: time each kernel too */
} bench_opts;

#define MAX_PROCS 32

/* What one run measured. */
typedef struct bench_result {
  char device[256];
  int32_t nx, ny, nz;
  double voxel_um, cortex_um, tb_th_um;
  size_t copy_bytes;
  double copy_gbps;
  double launch_s; /* one empty launch (tb_dev_launch_seconds), best of COPY_BATCHES */
  int32_t steps, nproc, nfields;
  double wall_s;                 /* the timed steps, end to end */
  double device_bytes;           /* device memory the simulation holds */
  double state_bytes;            /* of which the state table's arrays */
  double cycles, checks;         /* solver V-cycles and residual checks, over the timed steps */
  char proc_name[MAX_PROCS][32];
  double proc_s[MAX_PROCS];        /* per process, over the timed steps */
  double launches[MAX_PROCS];      /* kernel launches */
  double bytes[MAX_PROCS];         /* compulsory bytes moved (tb_kernel_traffic) */
  int32_t nkern;
  char kern_name[128][64];
  double kern_s[128], kern_launches[128];
} bench_result;

static const char SYNOPSIS[] = "usage: trabecula bench [--device SPEC] [--size N] [--steps N] [--format text|csv|json] [--kernels] [--help]\n";

static void usage(FILE *out) {
  fputs(SYNOPSIS, out);
  fprintf(out,
          "\n"
          "Times each process of the time step on the built-in phantom (a cube of N voxels a side,\n"
          "20 um voxels, with a %g um cortical shell) and compares its effective memory traffic with\n"
          "a copy kernel run on the same device just before.\n\n"
          "  --device SPEC   device index or part of its name (see 'trabecula devices');\n"
          "                  default: TRABECULA_DEVICE, else the first GPU, else the first device\n"
          "  --size N        voxels per side, 16 to 1024 (default 96)\n"
          "  --steps N       timed steps after %d warm-up steps (default 20)\n"
          "  --format F      'text' (aligned table, default), 'csv' or 'json'\n"
          "  --kernels       also time every kernel on its own (each launch waited for, so the\n"
          "                  step is slower; for finding where the time goes)\n\n"
          "Per process (the rows of the process table): seconds per step; kernel launches per step;\n"
          "effective GB/s (the bytes of every buffer its kernels bind, read once and written once\n"
          "where not const, over its time) and that as a percentage of the copy kernel's GB/s; and\n"
          "copy equivalents: its time per step over the time the copy kernel needs to read and write\n"
          "4 bytes per voxel once. The whole step in copy equivalents is the figure to compare\n"
          "across devices. Process times are wall clock including launch overhead and the solver's\n"
          "convergence checks; the copy kernel is timed by event profiling. The launch line: the\n"
          "wall time one launch of an empty kernel costs (enqueue, dispatch, start and end), and\n"
          "what the step's launches would cost at that price. On small grids the cortex and\n"
          "trabecular thickness shrink so that the phantom fits.\n",
          CORTEX_UM, WARMUP_STEPS);
}

static tb_status parse(int argc, char **argv, bench_opts *o, int *help) {
  tb_status st = TB_OK;
  *help = 0;
  o->device = NULL;
  o->size = 96;
  o->steps = 20;
  o->csv = 0;
  o->kernels = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = NULL;
    int64_t n = 0;
    if (tb_arg_is_help(a)) {
      *help = 1;
      return TB_OK;
    } else if (!strcmp(a, "--device")) {
      TRY(tb_arg_value(argc, argv, &i, &o->device));
    } else if (!strcmp(a, "--size")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_int(a, v, 16, 1024, &n));
      o->size = (int32_t)n;
    } else if (!strcmp(a, "--steps")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_int(a, v, 1, 1000000, &n));
      o->steps = (int32_t)n;
    } else if (!strcmp(a, "--kernels")) {
      o->kernels = 1;
    } else if (!strcmp(a, "--format")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      CHECK(!strcmp(v, "text") || !strcmp(v, "csv") || !strcmp(v, "json"), TB_ERR_INPUT,
            "option --format: expected 'text', 'csv' or 'json', got '%s'", v);
      o->csv = !strcmp(v, "csv") ? 1 : !strcmp(v, "json") ? 2 : 0;
    } else {
      CHECK(0, TB_ERR_INPUT, "bench: unknown option '%s'", a);
    }
  }
cleanup:
  return st;
}

/* The default phantom at the requested size. Its cortex must stay under half
 * the cylinder radius and its trabeculae under side/8 (tb_phantom_check), so
 * small grids get a thinner shell and thinner trabeculae. */
static void phantom_params(int32_t size, tb_phantom_params *pp) {
  tb_phantom_params_default(pp);
  pp->size = size;
  double side = size * pp->spacing_um;
  double cortex_max = 0.5 * 0.45 * side; /* half the radius; phantom.c CYLINDER_RADIUS = 0.45 */
  pp->cortex_um = fmin(CORTEX_UM, floor(cortex_max));
  if (pp->cortex_um < 2.0 * pp->spacing_um) pp->cortex_um = 0.0;
  if (pp->tb_th_um > side / 8.0) pp->tb_th_um = side / 8.0;
}

static tb_status run_bench(const bench_opts *o, bench_result *r) {
  tb_status st = TB_OK;
  tb_device *dev = NULL;
  tb_volume *bone = NULL;
  uint8_t *labels = NULL;
  tb_sim *sim = NULL;
  tb_phantom_params pp;
  tb_params p;

  memset(r, 0, sizeof *r);
  phantom_params(o->size, &pp);
  TRY(tb_phantom_check(&pp));
  TRY(tb_dev_create(o->device, &dev));
  snprintf(r->device, sizeof r->device, "%s", tb_dev_name(dev));

  /* Copy ceiling first, while the device memory is still free: a buffer of
   * the order of the state arrays, and never one a cache could hold. */
  const size_t nvox = (size_t)pp.size * pp.size * pp.size;
  double want = fmax(4.0 * (double)nvox, COPY_MIN_BYTES);
  double limit = fmin((double)tb_dev_max_alloc(dev), (double)tb_dev_global_mem(dev) / 4.0);
  r->copy_bytes = (size_t)fmin(want, limit) / 16 * 16;
  /* The best of a few batches: memory shared with other jobs makes single
   * measurements vary by up to 2x here, and the ceiling is the fastest. */
  for (int b = 0; b < COPY_BATCHES; b++) {
    double g = 0.0;
    TRY(tb_dev_copy_bandwidth(dev, r->copy_bytes, COPY_REPS, &g));
    if (g > r->copy_gbps) r->copy_gbps = g;
  }
  for (int b = 0; b < COPY_BATCHES; b++) {
    double t = 0.0;
    TRY(tb_dev_launch_seconds(dev, LAUNCH_REPS, &t));
    if (b == 0 || t < r->launch_s) r->launch_s = t;
  }

  TRY(tb_phantom_generate(&pp, &bone, &labels));
  r->nx = bone->nx;
  r->ny = bone->ny;
  r->nz = bone->nz;
  r->voxel_um = bone->spacing_um[0];
  r->cortex_um = pp.cortex_um;
  r->tb_th_um = pp.tb_th_um;
  tb_params_default(&p);
  TRY(tb_sim_create(dev, &p, bone, labels, &sim));
  r->nproc = tb_sim_process_count(sim);
  r->nfields = tb_sim_field_count(sim);
  CHECK(r->nproc <= MAX_PROCS, TB_ERR_INTERNAL, "more than %d processes", MAX_PROCS);
  r->device_bytes = (double)tb_sim_device_bytes(sim);
  r->state_bytes = (double)tb_sim_state_bytes(sim);
  for (int i = 0; i < WARMUP_STEPS; i++) TRY(tb_sim_step(sim));
  tb_sim_set_timing(sim, o->kernels ? 2 : 1); /* counts from here */
  TRY(tb_dev_finish(dev));
  double t0 = tb_dev_now();
  for (int32_t i = 0; i < o->steps; i++) {
    tb_solver_stats ss;
    TRY(tb_sim_step(sim));
    TRY(tb_sim_solver_stats(sim, &ss));
    r->cycles += ss.cycles;
    r->checks += ss.checks;
  }
  TRY(tb_dev_finish(dev));
  r->wall_s = tb_dev_now() - t0;
  r->steps = o->steps;
  for (int32_t k = 0; k < r->nproc; k++) {
    snprintf(r->proc_name[k], sizeof r->proc_name[k], "%s", tb_sim_process_name(sim, k));
    r->proc_s[k] = tb_sim_process_seconds(sim, k);
    r->launches[k] = tb_sim_process_launches(sim, k);
    r->bytes[k] = tb_sim_process_bytes(sim, k);
  }
  /* Kernels of the same name (one per multigrid level, say) add up. */
  int32_t nk = o->kernels ? tb_sim_kernel_count(sim) : 0;
  r->nkern = 0;
  for (int32_t j = 0; j < nk; j++) {
    const char *name = tb_sim_kernel_name(sim, j);
    int32_t m = 0;
    while (m < r->nkern && strcmp(r->kern_name[m], name)) m++;
    if (m == r->nkern) {
      snprintf(r->kern_name[m], sizeof r->kern_name[m], "%s", name);
      r->kern_s[m] = r->kern_launches[m] = 0.0;
      r->nkern++;
    }
    r->kern_s[m] += tb_sim_kernel_seconds(sim, j);
    r->kern_launches[m] += tb_sim_kernel_launches(sim, j);
  }
cleanup:
  tb_sim_destroy(&sim);
  tb_volume_destroy(&bone);
  free(labels);
  tb_dev_destroy(&dev);
  return st;
}

/* Seconds the copy kernel needs to read and write 4 bytes per voxel once. */
static double copy_equivalent_s(const bench_result *r) {
  double nvox = (double)r->nx * r->ny * r->nz;
  return r->copy_gbps > 0 ? 8.0 * nvox / (r->copy_gbps * 1e9) : NAN;
}

/* Derived columns of one process. */
static void process_rates(const bench_result *r, int k, double *s_per_step, double *gbps, double *pct,
                          double *copy_eq) {
  double t = r->proc_s[k];
  *s_per_step = t / r->steps;
  *gbps = t > 0 ? r->bytes[k] / t / 1e9 : 0.0;
  *pct = r->copy_gbps > 0 ? 100.0 * *gbps / r->copy_gbps : 0.0;
  *copy_eq = *s_per_step / copy_equivalent_s(r);
}

static double total_bytes(const bench_result *r) {
  double b = 0.0;
  for (int k = 0; k < r->nproc; k++) b += r->bytes[k];
  return b;
}

/* Kernel launches per step, every process. */
static double launches_per_step(const bench_result *r) {
  double n = 0.0;
  for (int k = 0; k < r->nproc; k++) n += r->launches[k];
  return n / r->steps;
}

static void print_text(FILE *out, const bench_result *r) {
  double nvox = (double)r->nx * r->ny * r->nz;
  fprintf(out, "device: %s\n", r->device);
  fprintf(out, "grid: %d x %d x %d voxels (%.3g M), voxel %g um, cortex %g um, Tb.Th %g um\n", r->nx, r->ny,
          r->nz, nvox / 1e6, r->voxel_um, r->cortex_um, r->tb_th_um);
  fprintf(out, "copy kernel: %.2f GB/s (%.0f MiB buffer, best of %d x %d reps); one copy equivalent (4 B/voxel read and written) = %.3g s\n",
          r->copy_gbps, (double)r->copy_bytes / (1024.0 * 1024.0), COPY_BATCHES, COPY_REPS, copy_equivalent_s(r));
  fprintf(out, "launch: %.3g us per launch of an empty kernel (best of %d x %d in a row); the step's %.1f launches at that cost "
               "are %.1f %% of its time\n",
          1e6 * r->launch_s, COPY_BATCHES, LAUNCH_REPS, launches_per_step(r),
          r->wall_s > 0 ? 100.0 * r->launch_s * launches_per_step(r) * r->steps / r->wall_s : 0.0);
  fprintf(out, "timed: %d steps after %d warm-up; %d fields, %.2f multigrid cycles and %.2f residual checks per step\n",
          r->steps, WARMUP_STEPS, r->nfields, r->cycles / r->steps, r->checks / r->steps);
  fprintf(out, "device memory: %.1f bytes per voxel (state table %.1f)\n\n", r->device_bytes / nvox,
          r->state_bytes / nvox);
  fprintf(out, "%-14s %11s %11s %9s %9s %7s %9s\n", "process", "s/step", "launch/step", "MB/step", "eff GB/s",
          "% copy", "copy-eq");
  for (int k = 0; k < r->nproc; k++) {
    double sps, gbps, pct, ce;
    process_rates(r, k, &sps, &gbps, &pct, &ce);
    fprintf(out, "%-14s %11.3e %11.1f %9.2f %9.3f %6.1f%% %9.1f\n", r->proc_name[k], sps, r->launches[k] / r->steps,
            r->bytes[k] / r->steps / 1e6, gbps, pct, ce);
  }
  double total_gbps = r->wall_s > 0 ? total_bytes(r) / r->wall_s / 1e9 : 0.0;
  fprintf(out, "%-14s %11.3e %11s %9.2f %9.3f %6.1f%% %9.1f\n", "step (wall)", r->wall_s / r->steps, "",
          total_bytes(r) / r->steps / 1e6, total_gbps, r->copy_gbps > 0 ? 100.0 * total_gbps / r->copy_gbps : 0.0,
          r->wall_s / r->steps / copy_equivalent_s(r));
  if (r->nkern) {
    fprintf(out, "\n%-22s %11s %11s %9s\n", "kernel", "s/step", "launch/step", "copy-eq");
    for (int j = 0; j < r->nkern; j++)
      if (r->kern_launches[j] > 0)
        fprintf(out, "%-22s %11.3e %11.1f %9.1f\n", r->kern_name[j], r->kern_s[j] / r->steps,
                r->kern_launches[j] / r->steps, r->kern_s[j] / r->steps / copy_equivalent_s(r));
  }
  fprintf(out, "\n%.3f steps/s, %.4f s wall per step, %.1f copy equivalents per step\n",
          r->wall_s > 0 ? r->steps / r->wall_s : 0.0, r->wall_s / r->steps, r->wall_s / r->steps / copy_equivalent_s(r));
}

static void print_csv(FILE *out, const bench_result *r) {
  fprintf(out, "device,nx,ny,nz,voxel_um,copy_gbps,process,s_per_step,launches_per_step,bytes_per_step,eff_gbps,"
               "pct_copy,copy_equivalents\n");
  for (int k = 0; k < r->nproc; k++) {
    double sps, gbps, pct, ce;
    process_rates(r, k, &sps, &gbps, &pct, &ce);
    fprintf(out, "\"%s\",%d,%d,%d,%g,%.4f,%s,%.6e,%.3f,%.6e,%.4f,%.2f,%.3f\n", r->device, r->nx, r->ny, r->nz,
            r->voxel_um, r->copy_gbps, r->proc_name[k], sps, r->launches[k] / r->steps, r->bytes[k] / r->steps,
            gbps, pct, ce);
  }
  double gbps = r->wall_s > 0 ? total_bytes(r) / r->wall_s / 1e9 : 0.0;
  fprintf(out, "\"%s\",%d,%d,%d,%g,%.4f,step,%.6e,,%.6e,%.4f,%.2f,%.3f\n", r->device, r->nx, r->ny, r->nz,
          r->voxel_um, r->copy_gbps, r->wall_s / r->steps, total_bytes(r) / r->steps, gbps,
          r->copy_gbps > 0 ? 100.0 * gbps / r->copy_gbps : 0.0, r->wall_s / r->steps / copy_equivalent_s(r));
}

static void json_str(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fputc('\\', out);
    if ((unsigned char)*s >= 0x20) fputc(*s, out);
  }
  fputc('"', out);
}

static void print_json(FILE *out, const bench_result *r) {
  double nvox = (double)r->nx * r->ny * r->nz;
  fputs("{\n  \"device\": ", out);
  json_str(out, r->device);
  fprintf(out, ",\n  \"grid\": [%d, %d, %d],\n  \"voxels\": %.0f,\n  \"voxel_um\": %g,\n", r->nx, r->ny, r->nz, nvox,
          r->voxel_um);
  fprintf(out, "  \"copy_gbps\": %.6g,\n  \"copy_buffer_bytes\": %zu,\n  \"copy_equivalent_seconds\": %.6g,\n",
          r->copy_gbps, r->copy_bytes, copy_equivalent_s(r));
  fprintf(out, "  \"launch_seconds\": %.6g,\n  \"launches_per_step\": %.6g,\n", r->launch_s, launches_per_step(r));
  fprintf(out, "  \"steps\": %d,\n  \"seconds_per_step\": %.6g,\n  \"copy_equivalents_per_step\": %.6g,\n", r->steps,
          r->wall_s / r->steps, r->wall_s / r->steps / copy_equivalent_s(r));
  fprintf(out, "  \"device_bytes_per_voxel\": %.6g,\n  \"state_bytes_per_voxel\": %.6g,\n", r->device_bytes / nvox,
          r->state_bytes / nvox);
  fprintf(out, "  \"fields\": %d,\n  \"multigrid_cycles_per_step\": %.6g,\n  \"residual_checks_per_step\": %.6g,\n",
          r->nfields, r->cycles / r->steps, r->checks / r->steps);
  fputs("  \"processes\": [\n", out);
  for (int k = 0; k < r->nproc; k++) {
    double sps, gbps, pct, ce;
    process_rates(r, k, &sps, &gbps, &pct, &ce);
    fputs("    {\"name\": ", out);
    json_str(out, r->proc_name[k]);
    fprintf(out,
            ", \"seconds_per_step\": %.6g, \"launches_per_step\": %.6g, \"bytes_per_step\": %.6g, "
            "\"effective_gbps\": %.6g, \"percent_of_copy\": %.4g, \"copy_equivalents_per_step\": %.6g}%s\n",
            sps, r->launches[k] / r->steps, r->bytes[k] / r->steps, gbps, pct, ce, k + 1 < r->nproc ? "," : "");
  }
  fputs("  ]", out);
  if (r->nkern) {
    fputs(",\n  \"kernels\": [\n", out);
    int first = 1;
    for (int j = 0; j < r->nkern; j++) {
      if (r->kern_launches[j] <= 0) continue;
      fprintf(out, "%s    {\"name\": ", first ? "" : ",\n");
      json_str(out, r->kern_name[j]);
      fprintf(out, ", \"seconds_per_step\": %.6g, \"launches_per_step\": %.6g}", r->kern_s[j] / r->steps,
              r->kern_launches[j] / r->steps);
      first = 0;
    }
    fputs("\n  ]", out);
  }
  fputs("\n}\n", out);
}

int tb_cmd_bench(int argc, char **argv) {
  bench_opts o;
  bench_result r;
  int help = 0;
  tb_status st = parse(argc, argv, &o, &help);
  if (st != TB_OK) {
    fputs(SYNOPSIS, stderr);
    return tb_exit_code(st);
  }
  if (help) {
    usage(stdout);
    return 0;
  }
  st = run_bench(&o, &r);
  if (st != TB_OK) return tb_exit_code(st);
  if (o.csv == 1) print_csv(stdout, &r);
  else if (o.csv == 2) print_json(stdout, &r);
  else print_text(stdout, &r);
  return 0;
}
