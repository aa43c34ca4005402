/* The process layer (trabecula/process.h): a process from outside the
 * library plugs into the time step through the public interface alone.
 *
 * The toy process below is all a new process needs: a kernel as a string
 * (kernel_source), one field of its own (tb_sim_add_field: "toy_signal" with
 * its source array "toy_signal_source"), one array of its own
 * (tb_sim_declare_array: "toy_marker", an output), buffers looked up by name
 * and bound once, and a step that adds its source. It runs between the
 * built-in processes and the signals process, which must stay last: it
 * solves every registered field, the toy's included.
 *
 * What the tests show:
 *  - the toy's field and array are outputs, the field table grew by one and
 *    the output table by two (field and marker; a field's source is scratch);
 *  - the toy's field, a uniform source S0 over the whole organ with no flux
 *    across the grid's faces, is the exact steady solution c = S0 / k in
 *    every voxel (the 7-point operator of kernels/signals.cl annihilates a
 *    constant), to the solver's tolerance;
 *  - the toy's array holds what its kernel wrote, once per run of the
 *    kernel (initial sources and every step);
 *  - a process that declares an array another owner already declared makes
 *    tb_sim_create_with fail with TB_ERR_INTERNAL, returns no simulation,
 *    frees every device buffer (host memory: the sanitizer build's leak
 *    check) and never reaches the process's create;
 *  - a process whose create fails (an array nobody declares) after the
 *    memory and the program exist fails the same way, cleanly, and its own
 *    state is destroyed once.
 * Every test skips (77) when no OpenCL device can be opened. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>

#include "tb_test_sim.h"
#include "trabecula/device.h"
#include "trabecula/params.h"
#include "trabecula/process.h"
#include "trabecula/sim.h"
#include "trabecula/volume.h"

/* ------------------------------------------------------------ the toy */

#define TOY_S0 3.0        /* pM/day in every voxel of the organ */
#define TOY_K 2.0         /* turnover, 1/day */
#define TOY_LAMBDA 60.0   /* reach, um */
#define TOY_TOL 1e-5      /* the toy field's own solver tolerance */

/* Adds S0 to the toy field's source inside the organ and 1 + f to the
 * marker (so the marker counts the kernel's runs, twice over in bone). */
static const char toy_cl[] =
    "__kernel void toy_sources(__constant tb_kdomain *dom, float s0, __global const float *f,\n"
    "                          __global const uchar *comp, __global float *src, __global float *marker) {\n"
    "  TB_FOR_ROW(dom, x, y, z, i) {\n"
    "    if (comp[i] == TB_COMP_OUTSIDE) continue;\n"
    "    src[i] += s0;\n"
    "    marker[i] += 1.0f + f[i];\n"
    "  }\n"
    "}\n";

typedef struct toy {
  tb_kernel *k;
} toy;

static tb_status toy_declare(tb_sim *s, const tb_params *p) {
  (void)p;
  tb_status st = tb_sim_add_field(
      s, &(tb_field_desc){"toy_signal", "pM", TOY_LAMBDA, TOY_K, TOY_TOL, "a signal of the test's toy process"});
  if (st != TB_OK) return st;
  return tb_sim_declare_array(s, &(tb_array_desc){"toy_marker", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1",
                                                  TB_ARRAY_OUTPUT, 0, "runs of the toy kernel x (1 + f)"});
}

static tb_status toy_create(tb_sim *s, const tb_params *p, void **state) {
  (void)p;
  tb_status st = TB_OK;
  tb_buf *bf = NULL, *bc = NULL, *src = NULL, *marker = NULL;
  toy *o = calloc(1, sizeof *o);
  if (!o) return TB_ERR_NOMEM;
  *state = o;
  if ((st = tb_sim_array(s, "bone_fraction", &bf)) != TB_OK) return st;
  if ((st = tb_sim_array(s, "compartment", &bc)) != TB_OK) return st;
  if ((st = tb_sim_array(s, "toy_signal_source", &src)) != TB_OK) return st;
  if ((st = tb_sim_array(s, "toy_marker", &marker)) != TB_OK) return st;
  if ((st = tb_dev_fill_zero(tb_sim_device(s), marker)) != TB_OK) return st;
  if ((st = tb_sim_kernel(s, "toy_sources", &o->k)) != TB_OK) return st;
  return TB_BIND(o->k, TB_BUF(tb_sim_domain_buf(s)), TB_F32((float)TOY_S0), TB_BUF(bf), TB_BUF(bc), TB_BUF(src),
                 TB_BUF(marker));
}

static tb_status toy_step(tb_sim *s, void *state) { return tb_sim_run_rows(s, ((toy *)state)->k); }

static void toy_destroy(void **state) {
  free(*state);
  *state = NULL;
}

static const tb_process_type toy_process = {.name = "toy",
                                            .kernel_source = toy_cl,
                                            .kernel_source_name = "toy.cl",
                                            .declare = toy_declare,
                                            .create = toy_create,
                                            .initial_sources = toy_step,
                                            .step = toy_step,
                                            .destroy = toy_destroy};

/* A toy that claims an array the framework owns. */
static int dup_creates = 0;
static tb_status dup_declare(tb_sim *s, const tb_params *p) {
  (void)p;
  return tb_sim_declare_array(s, &(tb_array_desc){"bone_fraction", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1",
                                                  TB_ARRAY_OUTPUT, 0, "a second bone fraction"});
}
static tb_status dup_create(tb_sim *s, const tb_params *p, void **state) {
  (void)s;
  (void)p;
  (void)state;
  dup_creates++;
  return TB_OK;
}
static tb_status dup_step(tb_sim *s, void *state) {
  (void)s;
  (void)state;
  return TB_OK;
}
static const tb_process_type dup_process = {
    .name = "duplicate", .declare = dup_declare, .create = dup_create, .step = dup_step};

/* A toy whose create asks for an array no process declares: it fails after
 * the tables, the memory and the program exist, and with its own state
 * allocated. */
static int lost_destroys = 0;
static tb_status lost_create(tb_sim *s, const tb_params *p, void **state) {
  (void)p;
  tb_buf *b = NULL;
  *state = calloc(1, 64);
  if (!*state) return TB_ERR_NOMEM;
  return tb_sim_array(s, "toy_no_such_array", &b);
}
static void lost_destroy(void **state) {
  lost_destroys++;
  free(*state);
  *state = NULL;
}
static const tb_process_type lost_process = {
    .name = "lost", .create = lost_create, .step = dup_step, .destroy = lost_destroy};

/* The built-in table with `extra` inserted before its last entry (the
 * signals process). out has room for 32 entries. Returns 0 on success. */
static int table_with(const tb_process_type *extra, const tb_process_type *out[32]) {
  int n = 0;
  while (tb_default_processes[n]) n++;
  if (n < 1 || n + 2 > 32) return 1;
  for (int i = 0; i < n - 1; i++) out[i] = tb_default_processes[i];
  out[n - 1] = extra;
  out[n] = tb_default_processes[n - 1];
  out[n + 1] = NULL;
  return 0;
}

/* A process with scratch (TB_ARRAY_SCRATCH): each step it fills its
 * voxel-sized scratch array with NaN. The scratch shares one block with the
 * other processes' (the osteoclasts' joins, the multigrid's coarse levels),
 * so a process that expected its scratch to hold zeros or its own last
 * values would now read NaN. Its state and step are the toy's (one kernel,
 * run over the rows). */
static const char scribble_cl[] =
    "__kernel void scribble_nan(__constant tb_kdomain *dom, __global float *scratch) {\n"
    "  TB_FOR_ROW(dom, x, y, z, i) scratch[i] = as_float(0x7fc00000u);\n"
    "}\n";
static tb_status scribble_declare(tb_sim *s, const tb_params *p) {
  (void)p;
  return tb_sim_declare_array(s, &(tb_array_desc){"scribble_scratch", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1",
                                                  TB_ARRAY_SCRATCH, 0, "NaN each step"});
}
static tb_status scribble_create(tb_sim *s, const tb_params *p, void **state) {
  (void)p;
  tb_status st = TB_OK;
  tb_buf *b = NULL;
  toy *o = calloc(1, sizeof *o);
  if (!o) return TB_ERR_NOMEM;
  *state = o;
  if ((st = tb_sim_array(s, "scribble_scratch", &b)) != TB_OK) return st;
  if ((st = tb_sim_kernel(s, "scribble_nan", &o->k)) != TB_OK) return st;
  return TB_BIND(o->k, TB_BUF(tb_sim_domain_buf(s)), TB_BUF(b));
}
static const tb_process_type scribble_process = {.name = "scribbler",
                                                 .kernel_source = scribble_cl,
                                                 .kernel_source_name = "scribble.cl",
                                                 .declare = scribble_declare,
                                                 .create = scribble_create,
                                                 .initial_sources = toy_step,
                                                 .step = toy_step,
                                                 .destroy = toy_destroy};

/* A scratch array that is an output is refused. */
static tb_status bad_scratch_declare(tb_sim *s, const tb_params *p) {
  (void)p;
  return tb_sim_declare_array(s, &(tb_array_desc){"scribble_scratch", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "1",
                                                  TB_ARRAY_SCRATCH | TB_ARRAY_OUTPUT, 0, "an output as scratch"});
}
static const tb_process_type bad_scratch_process = {
    .name = "bad_scratch", .declare = bad_scratch_declare, .create = dup_create, .step = dup_step};

/* ------------------------------------------------------------------------ */

/* The toy on a 16^3 bone half-space (z < 8) at 10 um, 3 steps after the
 * initial solve. Field: k c + D L c = S0 1 with L the organ's graph
 * Laplacian (L 1 = 0), so c* = S0 / k in every voxel. The solver stops when
 * ||r||_2 <= max(tol k, 8 eps (k + 6 D)) ||c||_2 (src/processes/signals.c),
 * which bounds ||c - c*||_2 / ||c||_2 by max(tol, 8 eps (1 + 6 D / k)):
 * 1.03e-4 here (lambda = 6 voxels: D/k = 36). The RMS relative error must
 * be within that bound (+ float32 rounding of c* itself), the largest
 * voxel error within 10x of it. */
static int new_process_adds_a_field_and_an_output_through_the_public_interface(void) {
  const int nx = 16, ny = 16, nz = 16, zb = 8, steps = 3;
  const double h = 10.0;
  tb_device *dev = NULL;
  int r = open_device(&dev);
  if (r) return r;
  const tb_process_type *procs[32];
  tb_params p;
  tb_volume *v = NULL;
  tb_sim *s0 = NULL, *s = NULL;
  float *c = NULL, *m = NULL;
  int fail = 1;
  tb_params_default(&p);
  REQUIRE(tb_params_set_assignment(&p, "run.spinup_days=0") == TB_OK);
  REQUIRE(tb_params_set_assignment(&p, "osteoclast.activation_frequency_per_year=0") == TB_OK);
  REQUIRE(table_with(&toy_process, procs) == 0);
  REQUIRE((v = half_space(nx, ny, nz, zb, h)) != NULL);

  /* The built-in table alone, for the counts. */
  REQUIRE(tb_sim_create(dev, &p, v, NULL, &s0) == TB_OK);
  const int32_t fields0 = tb_sim_field_count(s0), outputs0 = tb_sim_output_count(s0);
  const int32_t procs0 = tb_sim_process_count(s0);
  REQUIRE(tb_sim_output_find(s0, "toy_signal") < 0 && tb_sim_output_find(s0, "toy_marker") < 0);
  tb_sim_destroy(&s0);

  REQUIRE(tb_sim_create_with(dev, &p, v, NULL, procs, &s) == TB_OK);
  printf("  fields %d -> %d, outputs %d -> %d, processes %d -> %d\n", (int)fields0, (int)tb_sim_field_count(s),
         (int)outputs0, (int)tb_sim_output_count(s), (int)procs0, (int)tb_sim_process_count(s));
  REQUIRE(tb_sim_field_count(s) == fields0 + 1);
  REQUIRE(tb_sim_output_count(s) == outputs0 + 2);
  REQUIRE(tb_sim_process_count(s) == procs0 + 1);
  REQUIRE(!strcmp(tb_sim_process_name(s, procs0 - 1), "toy"));
  REQUIRE(!strcmp(tb_sim_process_name(s, procs0), tb_default_processes[procs0 - 1]->name));
  {
    int found_field = 0, found_marker = 0;
    for (int32_t k = 0; k < tb_sim_output_count(s); k++) {
      if (!strcmp(tb_sim_output_name(s, k), "toy_signal")) {
        found_field++;
        REQUIRE(!strcmp(tb_sim_output_unit(s, k), "pM"));
      }
      if (!strcmp(tb_sim_output_name(s, k), "toy_marker")) found_marker++;
      REQUIRE(strcmp(tb_sim_output_name(s, k), "toy_signal_source") != 0);
    }
    REQUIRE(found_field == 1 && found_marker == 1);
    /* In the field table once, with its description (the toy declares
     * before the signals process, so its field comes first). */
    const tb_field_desc *fd = NULL;
    for (int32_t f = 0; f < tb_sim_field_count(s); f++)
      if (!strcmp(tb_sim_field(s, f)->name, "toy_signal")) {
        REQUIRE(!fd);
        fd = tb_sim_field(s, f);
      }
    REQUIRE(fd && !strcmp(fd->unit, "pM") && fd->range_um == TOY_LAMBDA && fd->decay_per_day == TOY_K &&
            fd->tolerance == TOY_TOL);
  }

  const size_t n = tb_volume_count(v);
  c = malloc(n * sizeof *c);
  m = malloc(n * sizeof *m);
  REQUIRE(c && m);
  const double cstar = TOY_S0 / TOY_K, dk = TOY_LAMBDA * TOY_LAMBDA / (h * h);
  const double bound = fmax(TOY_TOL, 8.0 * 5.9604644775390625e-08 * (1.0 + 6.0 * dk)) + 6e-8;
  for (int k = 0; k <= steps; k++) {
    if (k > 0) REQUIRE(tb_sim_step(s) == TB_OK);
    tb_solver_stats ss;
    REQUIRE(tb_sim_solver_stats(s, &ss) == TB_OK);
    REQUIRE(tb_sim_read(s, "toy_signal", c) == TB_OK);
    double e2 = 0.0, c2 = 0.0, emax = 0.0;
    for (size_t i = 0; i < n; i++) {
      double e = fabs(c[i] - cstar);
      e2 += e * e;
      c2 += cstar * cstar;
      if (e > emax) emax = e;
    }
    double rel = sqrt(e2 / c2);
    printf("  %s %d: toy_signal vs S0/k = %.6g pM: RMS rel. error %.3g, max %.3g (bound %.3g); %d V-cycles, "
           "%d checks\n",
           k ? "step" : "initial solve", k, cstar, rel, emax / cstar, bound, (int)ss.cycles, (int)ss.checks);
    REQUIRE(rel <= bound);
    REQUIRE(emax <= 10.0 * bound * cstar);
  }

  /* The marker: the kernel ran once for the initial sources and once per
   * step, adding 1 + f (no BMU starts, so f stays 1 in bone, 0 in marrow). */
  REQUIRE(tb_sim_read(s, "toy_marker", m) == TB_OK);
  {
    int bad = 0;
    for (int z = 0; z < nz; z++)
      for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++)
          bad += m[tb_volume_index(v, x, y, z)] != (float)((z < zb ? 2 : 1) * (steps + 1));
    printf("  toy_marker: %d of %zu voxels differ from runs x (1 + f) = %d (bone), %d (marrow)\n", bad, n,
           2 * (steps + 1), steps + 1);
    REQUIRE(bad == 0);
  }
  fail = 0;
done:
  free(c);
  free(m);
  tb_sim_destroy(&s0);
  tb_sim_destroy(&s);
  tb_volume_destroy(&v);
  tb_dev_destroy(&dev);
  return fail;
}

/* tb_sim_create_with with `bad` added to a table fails with
 * TB_ERR_INTERNAL, returns no simulation and frees every device buffer
 * (tb_dev_allocated back where it was); *calls counts what the bad process
 * records (its creates or its destroys) and must end at expect_calls. */
static int creating_with_fails_cleanly(const tb_process_type *bad, int *calls, int expect_calls, const char *what) {
  tb_device *dev = NULL;
  int r = open_device(&dev);
  if (r) return r;
  const tb_process_type *procs[32];
  tb_params p;
  tb_volume *v = NULL;
  tb_sim *s = NULL;
  int fail = 1;
  tb_params_default(&p);
  REQUIRE(tb_params_set_assignment(&p, "run.spinup_days=0") == TB_OK);
  REQUIRE(table_with(bad, procs) == 0);
  REQUIRE((v = half_space(8, 8, 8, 4, 10.0)) != NULL);
  const uint64_t before = tb_dev_allocated(dev);
  *calls = 0;
  tb_status st = tb_sim_create_with(dev, &p, v, NULL, procs, &s);
  printf("  status %s, device bytes %llu -> %llu, %s called %d times\n", tb_status_name(st),
         (unsigned long long)before, (unsigned long long)tb_dev_allocated(dev), what, *calls);
  REQUIRE(st == TB_ERR_INTERNAL);
  REQUIRE(s == NULL);
  REQUIRE(tb_dev_allocated(dev) == before);
  REQUIRE(*calls == expect_calls);
  fail = 0;
done:
  tb_sim_destroy(&s);
  tb_volume_destroy(&v);
  tb_dev_destroy(&dev);
  return fail;
}

/* A process declaring "bone_fraction" (the framework's) is refused while
 * the tables are built, and its create is never called. */
static int process_redeclaring_an_existing_array_is_refused(void) {
  return creating_with_fails_cleanly(&dup_process, &dup_creates, 0, "create");
}

/* A process whose create fails (it asks for an array nobody declares) after
 * the state table is allocated and the program built fails the same way,
 * and the process's own state is destroyed (once). */
static int process_needing_an_undeclared_array_fails_cleanly(void) {
  return creating_with_fails_cleanly(&lost_process, &lost_destroys, 1, "destroy");
}

/* The scribbler beside the built-in processes, remodeling at 20/year on a
 * 24^3 half-space cut to a cylinder (radius 10 voxels: the corners lie
 * outside the organ, where the coarse levels hold cells no smoother
 * writes), for 6 steps: every output the built-in
 * processes write (the bone fraction, every field) is bit-identical to the
 * run without it, though its NaN lands in the memory the osteoclasts'
 * scratch and the multigrid's coarse levels use; and the state table's
 * device bytes grow by less than the scribbler's array (the block is
 * shared, and the built-in table's is larger). */
static int scratch_is_shared_and_never_read_stale(void) {
  const int nx = 24, ny = 24, nz = 24, zb = 12, steps = 6;
  tb_device *dev = NULL;
  int r = open_device(&dev);
  if (r) return r;
  const tb_process_type *procs[32];
  tb_params p;
  tb_volume *v = NULL;
  tb_sim *a = NULL, *b = NULL;
  float *ca = NULL, *cb = NULL;
  uint8_t *lab = NULL;
  int fail = 1;
  tb_params_default(&p);
  REQUIRE(tb_params_set_assignment(&p, "run.spinup_days=0") == TB_OK);
  REQUIRE(tb_params_set_assignment(&p, "osteoclast.activation_frequency_per_year=20") == TB_OK);
  REQUIRE(table_with(&scribble_process, procs) == 0);
  REQUIRE((v = half_space(nx, ny, nz, zb, 20.0)) != NULL);
  const size_t n = tb_volume_count(v);
  lab = malloc(n);
  REQUIRE(lab);
  for (int z = 0; z < nz; z++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++) {
        double dx = x - 11.5, dy = y - 11.5;
        lab[tb_volume_index(v, x, y, z)] = dx * dx + dy * dy < 100.0 ? TB_COMP_TRABECULAR : TB_COMP_OUTSIDE;
      }
  REQUIRE(tb_sim_create(dev, &p, v, lab, &a) == TB_OK);
  REQUIRE(tb_sim_create_with(dev, &p, v, lab, procs, &b) == TB_OK);
  const uint64_t bytes_a = tb_sim_state_bytes(a), bytes_b = tb_sim_state_bytes(b);
  printf("  state table: %.2f -> %.2f bytes per voxel with the scribbler's 4-byte scratch\n",
         (double)bytes_a / (double)n, (double)bytes_b / (double)n);
  REQUIRE(bytes_b < bytes_a + n * sizeof(float));
  for (int k = 0; k < steps; k++) {
    REQUIRE(tb_sim_step(a) == TB_OK);
    REQUIRE(tb_sim_step(b) == TB_OK);
  }
  ca = malloc(n * sizeof *ca);
  cb = malloc(n * sizeof *cb);
  REQUIRE(ca && cb);
  int compared = 0;
  for (int32_t k = 0; k < tb_sim_output_count(a); k++) {
    const char *name = tb_sim_output_name(a, k);
    REQUIRE(tb_sim_read(a, name, ca) == TB_OK);
    REQUIRE(tb_sim_read(b, name, cb) == TB_OK);
    size_t differ = 0, nonfinite = 0;
    for (size_t i = 0; i < n; i++) {
      differ += memcmp(&ca[i], &cb[i], sizeof(float)) != 0;
      nonfinite += !isfinite(cb[i]);
    }
    if (differ || nonfinite) printf("  %s: %zu voxels differ, %zu not finite\n", name, differ, nonfinite);
    REQUIRE(differ == 0 && nonfinite == 0);
    compared++;
  }
  printf("  %d outputs bit-identical after %d steps with NaN written into the shared scratch each step\n", compared,
         steps);
  fail = 0;
done:
  free(ca);
  free(cb);
  free(lab);
  tb_sim_destroy(&a);
  tb_sim_destroy(&b);
  tb_volume_destroy(&v);
  tb_dev_destroy(&dev);
  return fail;
}

/* A scratch array declared as an output is refused while the tables are
 * built. */
static int scratch_output_is_refused(void) {
  return creating_with_fails_cleanly(&bad_scratch_process, &dup_creates, 0, "create");
}

int main(void) {
  return TB_RUN(new_process_adds_a_field_and_an_output_through_the_public_interface,
                process_redeclaring_an_existing_array_is_refused,
                process_needing_an_undeclared_array_fails_cleanly, scratch_is_shared_and_never_read_stale,
                scratch_output_is_refused);
}
