/* The field solver (src/processes/signals.c, kernels/signals.cl) against the
 * exact solution of the same discrete problem.
 *
 * The problem, as documented at the top of kernels/signals.cl: for every
 * voxel i inside the organ (label != 0)
 *     k c_i + D sum_{open j} (c_i - c_j) = S_i,   D = k lambda^2 / h^2,
 * j over the 6 face neighbours inside the grid and inside the organ. The
 * host solves it in double precision by conjugate gradients (the matrix is
 * symmetric positive definite: k > 0 plus a graph Laplacian) to a relative
 * residual of 1e-12. The solver's stopping test (top of
 * src/processes/signals.c) bounds the error by
 *     ||c - c*||_2 / ||c||_2 <= max(tol, 8 eps (1 + 6 D / k)),
 * the second term being the residual float32 rounding of c alone leaves
 * (eps = 2^-24; 4.6e-3 for the long reach below). The device solution must
 * meet that bound and the tolerance itself (signals.tolerance: "relative
 * error <= tolerance"): rounding c to float32 costs an error of eps, not
 * 4.6e-3, and a solver that evaluates its residual accurately gets there.
 *
 * When written, the first test failed on the solver, not the test: the
 * 400 um field converged to an error of 2.6e-4 (tolerance 1e-4) while the
 * solver's own check read 0.1 of its goal. mg_smooth_fine and
 * mg_restrict_fine (kernels/signals.cl) form the diagonal as
 * (k + n D) c_i in float32; with D / k = 1600, k + 6 D = 3360.35 keeps k
 * only to ~3.5e-4 (one ulp of 3360 is 2.4e-4), so the smoother's fixed
 * point and the residual both belong to a problem with a perturbed
 * turnover. Writing the residual as S_i - k c_i + D sum_j (c_j - c_i)
 * (and the smoother as c_i += r_i / (k + n D)) gives 1.2e-5.
 *
 * The sample is 20 x 18 x 16 voxels of 10 um, the organ a cylinder along z
 * (trabecular core, cortical shell: both labels count as inside) with a cut
 * corner and a closed spherical hole of outside voxels, so that the masked
 * boundary is met along every axis and on both sides. A toy process (the
 * public process interface, as tests/unit/test_process_layer.c) owns the
 * fields and adds a deterministic, non-uniform source computed on the host:
 * point sources, a plane and a weak uniform background. It runs with the
 * built-in signals process alone (the last row of tb_default_processes), so
 * the built-in fields have no sources and converge at once: the cycle
 * counts are the toy fields'.
 *
 * What the tests show:
 *  - a long-reach field (400 um = 40 voxels, twice the sample) and a
 *    short-reach one (20 um) solved together match the exact solution, both
 *    from zero (the initial solve in tb_sim_create_with) and warm-started
 *    from it after the sources change (one tb_sim_step);
 *  - the long reach needs about as many V-cycles as the short one, where
 *    plain Gauss-Seidel (on the host, in double) is still far from
 *    converged after many times the multigrid's work.
 * Every test skips (77) when no OpenCL device can be opened. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>

#include "tb_test_sim.h"
#include "trabecula/device.h"
#include "trabecula/params.h"
#include "trabecula/process.h"
#include "trabecula/sim.h"
#include "trabecula/volume.h"

#define NX 20
#define NY 18
#define NZ 16
#define NVOX (NX * NY * NZ)
#define H_UM 10.0
#define K_PER_DAY 0.35
#define LONG_UM 400.0
#define SHORT_UM 20.0
#define TOL 1e-4
#define TOL_COMMON 5e-3 /* above the long reach's float32 floor: the same goal for both reaches */
#define EPS32 5.9604644775390625e-08
#define MAX_TOY_FIELDS 2

static size_t idx(int x, int y, int z) { return (size_t)x + (size_t)NX * ((size_t)y + (size_t)NY * (size_t)z); }

/* ------------------------------------------------------------ geometry */

/* Cylinder along z (radius 8.6 voxels about the xy centre; cortical beyond
 * 6.5), corner x + y + z >= 38 cut off, and a hole of radius 2.2 voxels
 * about (12, 7, 6). */
static void make_labels(uint8_t *lab) {
  const double cx = 0.5 * (NX - 1), cy = 0.5 * (NY - 1);
  for (int z = 0; z < NZ; z++)
    for (int y = 0; y < NY; y++)
      for (int x = 0; x < NX; x++) {
        double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
        double h2 = (x - 12.0) * (x - 12.0) + (y - 7.0) * (y - 7.0) + (z - 6.0) * (z - 6.0);
        uint8_t l = r2 <= 8.6 * 8.6 ? (r2 <= 6.5 * 6.5 ? 1 : 2) : 0;
        if (x + y + z >= 38 || h2 <= 2.2 * 2.2) l = 0;
        lab[idx(x, y, z)] = l;
      }
}

/* Two source patterns (pM/day, inside voxels only). A: three point sources,
 * the plane x = 4 and a uniform background. B: two other points and the
 * plane z = 11. */
static void make_patterns(const uint8_t *lab, float *pa, float *pb) {
  for (int z = 0; z < NZ; z++)
    for (int y = 0; y < NY; y++)
      for (int x = 0; x < NX; x++) {
        size_t i = idx(x, y, z);
        float a = 0.0f, b = 0.0f;
        if (lab[i]) {
          a = 0.25f;
          if (x == 4) a += 1.5f;
          if (x == 9 && y == 9 && z == 3) a += 50.0f;
          if (x == 14 && y == 12 && z == 9) a += 20.0f;
          if (x == 7 && y == 4 && z == 13) a += 80.0f;
          if (z == 11) b += 0.75f;
          if (x == 10 && y == 8 && z == 8) b += 120.0f;
          if (x == 3 && y == 10 && z == 1) b += 35.0f;
        }
        pa[i] = a;
        pb[i] = b;
      }
}

/* ------------------------------------------------------------ the toy */

/* Configuration read by the toy's declare and create (a test sets it before
 * tb_sim_create_with), and the pattern weights read by its step. */
static struct {
  int nfields;
  double range_um[MAX_TOY_FIELDS];
  const float *pa, *pb; /* host patterns, NVOX each */
  float wa, wb;         /* source = wa A + wb B */
  double tol;           /* the fields' solver tolerance */
} toy_cfg;

static const char *const toy_names[MAX_TOY_FIELDS] = {"toy_a", "toy_b"};

static const char toy_cl[] =
    "__kernel void toy_add(__constant tb_kdomain *dom, __global const uchar *comp, __global const float *pa,\n"
    "                      __global const float *pb, float wa, float wb, __global float *src) {\n"
    "  TB_FOR_ROW(dom, x, y, z, i) {\n"
    "    if (comp[i] == TB_COMP_OUTSIDE) continue;\n"
    "    src[i] += wa * pa[i] + wb * pb[i];\n"
    "  }\n"
    "}\n";

typedef struct toy {
  tb_kernel *k[MAX_TOY_FIELDS];
} toy;

static tb_status toy_declare(tb_sim *s, const tb_params *p) {
  (void)p;
  tb_status st = TB_OK;
  for (int f = 0; f < toy_cfg.nfields && st == TB_OK; f++)
    st = tb_sim_add_field(s, &(tb_field_desc){toy_names[f], "pM", toy_cfg.range_um[f], K_PER_DAY, toy_cfg.tol,
                                              "a field of the solver test"});
  if (st == TB_OK)
    st = tb_sim_declare_array(s, &(tb_array_desc){"toy_pattern_a", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "pM/day", 0, 0,
                                                  "source pattern A"});
  if (st == TB_OK)
    st = tb_sim_declare_array(s, &(tb_array_desc){"toy_pattern_b", TB_TYPE_F32, 1, TB_EXTENT_VOXEL, 0, "pM/day", 0, 0,
                                                  "source pattern B"});
  return st;
}

static tb_status toy_create(tb_sim *s, const tb_params *p, void **state) {
  (void)p;
  tb_status st = TB_OK;
  tb_buf *bc = NULL, *pa = NULL, *pb = NULL;
  toy *o = calloc(1, sizeof *o);
  if (!o) return TB_ERR_NOMEM;
  *state = o;
  if ((st = tb_sim_array(s, "compartment", &bc)) != TB_OK) return st;
  if ((st = tb_sim_array(s, "toy_pattern_a", &pa)) != TB_OK) return st;
  if ((st = tb_sim_array(s, "toy_pattern_b", &pb)) != TB_OK) return st;
  if ((st = tb_dev_write(tb_sim_device(s), pa, 0, NVOX * sizeof(float), toy_cfg.pa)) != TB_OK) return st;
  if ((st = tb_dev_write(tb_sim_device(s), pb, 0, NVOX * sizeof(float), toy_cfg.pb)) != TB_OK) return st;
  for (int f = 0; f < toy_cfg.nfields; f++) {
    char name[64];
    tb_buf *src = NULL;
    snprintf(name, sizeof name, "%s_source", toy_names[f]);
    if ((st = tb_sim_array(s, name, &src)) != TB_OK) return st;
    if ((st = tb_sim_kernel(s, "toy_add", &o->k[f])) != TB_OK) return st;
    if ((st = TB_BIND(o->k[f], TB_BUF(tb_sim_domain_buf(s)), TB_BUF(bc), TB_BUF(pa), TB_BUF(pb), TB_F32(0.0f),
                      TB_F32(0.0f), TB_BUF(src))) != TB_OK)
      return st;
  }
  return TB_OK;
}

static tb_status toy_step(tb_sim *s, void *state) {
  toy *o = state;
  tb_status st = TB_OK;
  for (int f = 0; f < toy_cfg.nfields && st == TB_OK; f++) {
    st = tb_dev_set(o->k[f], 4, TB_F32(toy_cfg.wa));
    if (st == TB_OK) st = tb_dev_set(o->k[f], 5, TB_F32(toy_cfg.wb));
    if (st == TB_OK) st = tb_sim_run_rows(s, o->k[f]);
  }
  return st;
}

static void toy_destroy(void **state) {
  free(*state);
  *state = NULL;
}

static const tb_process_type toy_process = {.name = "toy",
                                            .kernel_source = toy_cl,
                                            .kernel_source_name = "toy_signals.cl",
                                            .declare = toy_declare,
                                            .create = toy_create,
                                            .initial_sources = toy_step,
                                            .step = toy_step,
                                            .destroy = toy_destroy};

/* {toy, signals}: the signals process is the last row of the built-in
 * table. */
static int toy_table(const tb_process_type *out[3]) {
  int n = 0;
  while (tb_default_processes[n]) n++;
  if (n < 1 || strcmp(tb_default_processes[n - 1]->name, "signals") != 0) return 1;
  out[0] = &toy_process;
  out[1] = tb_default_processes[n - 1];
  out[2] = NULL;
  return 0;
}

/* ------------------------------------------------- the exact problem */

/* y = A x over inside voxels (0 outside). */
static void apply(const uint8_t *lab, double k, double D, const double *x, double *y) {
  for (int z = 0; z < NZ; z++)
    for (int yy = 0; yy < NY; yy++)
      for (int xx = 0; xx < NX; xx++) {
        size_t i = idx(xx, yy, z);
        if (!lab[i]) {
          y[i] = 0.0;
          continue;
        }
        double acc = k * x[i];
        const int nb[6][3] = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
        for (int d = 0; d < 6; d++) {
          int a = xx + nb[d][0], b = yy + nb[d][1], c = z + nb[d][2];
          if (a < 0 || a >= NX || b < 0 || b >= NY || c < 0 || c >= NZ) continue;
          size_t j = idx(a, b, c);
          if (lab[j]) acc += D * (x[i] - x[j]);
        }
        y[i] = acc;
      }
}

static int open_faces(const uint8_t *lab, int x, int y, int z) {
  int n = 0;
  if (x + 1 < NX && lab[idx(x + 1, y, z)]) n++;
  if (x > 0 && lab[idx(x - 1, y, z)]) n++;
  if (y + 1 < NY && lab[idx(x, y + 1, z)]) n++;
  if (y > 0 && lab[idx(x, y - 1, z)]) n++;
  if (z + 1 < NZ && lab[idx(x, y, z + 1)]) n++;
  if (z > 0 && lab[idx(x, y, z - 1)]) n++;
  return n;
}

/* Jacobi-preconditioned conjugate gradients in double: A c = S to
 * ||S - A c||_2 <= 1e-12 ||S||_2. Returns the iterations, -1 on failure. */
static int solve_exact(const uint8_t *lab, double k, double D, const float *src, double *c) {
  double *r = calloc(NVOX, sizeof *r), *z = calloc(NVOX, sizeof *z), *p = calloc(NVOX, sizeof *p),
         *q = calloc(NVOX, sizeof *q), *dinv = calloc(NVOX, sizeof *dinv);
  int it = -1;
  if (!r || !z || !p || !q || !dinv) goto done;
  double bn = 0.0;
  for (int zz = 0; zz < NZ; zz++)
    for (int y = 0; y < NY; y++)
      for (int x = 0; x < NX; x++) {
        size_t i = idx(x, y, zz);
        c[i] = 0.0;
        r[i] = lab[i] ? (double)src[i] : 0.0;
        dinv[i] = lab[i] ? 1.0 / (k + D * open_faces(lab, x, y, zz)) : 0.0;
        bn += r[i] * r[i];
      }
  bn = sqrt(bn);
  double rz = 0.0;
  for (size_t i = 0; i < NVOX; i++) {
    z[i] = dinv[i] * r[i];
    p[i] = z[i];
    rz += r[i] * z[i];
  }
  for (int n = 0; n < 100000; n++) {
    double rn = 0.0;
    for (size_t i = 0; i < NVOX; i++) rn += r[i] * r[i];
    if (sqrt(rn) <= 1e-12 * bn) {
      it = n;
      break;
    }
    apply(lab, k, D, p, q);
    double pq = 0.0;
    for (size_t i = 0; i < NVOX; i++) pq += p[i] * q[i];
    double alpha = rz / pq, rz1 = 0.0;
    for (size_t i = 0; i < NVOX; i++) {
      c[i] += alpha * p[i];
      r[i] -= alpha * q[i];
      z[i] = dinv[i] * r[i];
      rz1 += r[i] * z[i];
    }
    double beta = rz1 / rz;
    rz = rz1;
    for (size_t i = 0; i < NVOX; i++) p[i] = z[i] + beta * p[i];
  }
  if (it >= 0) { /* the true residual, not the recurrence's */
    apply(lab, k, D, c, q);
    double tr = 0.0;
    for (size_t i = 0; i < NVOX; i++)
      if (lab[i]) tr += (src[i] - q[i]) * (src[i] - q[i]);
    if (sqrt(tr) > 1e-11 * bn) it = -1;
  }
done:
  free(r);
  free(z);
  free(p);
  free(q);
  free(dinv);
  return it;
}

/* Errors of a device field against the exact one over inside voxels:
 * ||c - c*||_2 / ||c*||_2, the largest |c - c*| / c* and the largest |c|
 * outside. */
typedef struct errs {
  double rel2, relmax, outside;
} errs;
static errs compare(const uint8_t *lab, const float *c, const double *cs) {
  double e2 = 0.0, s2 = 0.0;
  errs e = {0.0, 0.0, 0.0};
  for (size_t i = 0; i < NVOX; i++) {
    if (!lab[i]) {
      e.outside = fmax(e.outside, fabs(c[i]));
      continue;
    }
    double d = c[i] - cs[i];
    e2 += d * d;
    s2 += cs[i] * cs[i];
    e.relmax = fmax(e.relmax, fabs(d) / cs[i]);
  }
  e.rel2 = sqrt(e2 / s2);
  return e;
}

/* The true residual of a device field, in double: ||S - A c||_2 / (k ||c||_2)
 * over inside voxels (what the solver's float32 check estimates). */
static double true_residual(const uint8_t *lab, double k, double D, const float *src, float wsrc, const float *src2,
                            float wsrc2, const float *c) {
  double *cd = malloc(NVOX * sizeof *cd), *q = malloc(NVOX * sizeof *q), r2 = 0.0, c2 = 0.0;
  if (!cd || !q) {
    free(cd);
    free(q);
    return INFINITY;
  }
  for (size_t i = 0; i < NVOX; i++) cd[i] = c[i];
  apply(lab, k, D, cd, q);
  for (size_t i = 0; i < NVOX; i++)
    if (lab[i]) {
      double s = (double)wsrc * src[i] + (double)wsrc2 * src2[i], d = s - q[i];
      r2 += d * d;
      c2 += cd[i] * cd[i];
    }
  free(cd);
  free(q);
  return sqrt(r2 / c2) / k;
}

/* The documented bound on ||c - c*|| / ||c|| for a reach of lambda at
 * tolerance tol. */
static double guarantee(double lambda_um, double tol) {
  double dk = lambda_um * lambda_um / (H_UM * H_UM);
  return fmax(tol, 8.0 * EPS32 * (1.0 + 6.0 * dk));
}

static int make_params(tb_params *p) {
  tb_params_default(p);
  if (tb_params_set_assignment(p, "run.spinup_days=0") != TB_OK) return 1;
  if (tb_params_set_assignment(p, "signals.tolerance=1e-4") != TB_OK) return 1;
  return 0;
}

/* ------------------------------------------------------------------------ */

/* Both fields in one simulation. Initial solve (from zero) with source A,
 * then one step with source 0.5 A + B (warm-started from the first
 * solution). c* is linear in the source: c* = wa c*(A) + wb c*(B). */
static int multigrid_matches_exact_discrete_solution_on_a_masked_organ(void) {
  tb_device *dev = NULL;
  int r = open_device(&dev);
  if (r) return r;
  const tb_process_type *procs[3];
  tb_params p;
  tb_volume *v = NULL;
  tb_sim *s = NULL;
  uint8_t *lab = malloc(NVOX);
  float *pa = malloc(NVOX * sizeof *pa), *pb = malloc(NVOX * sizeof *pb), *c = malloc(NVOX * sizeof *c);
  double *ca[2] = {malloc(NVOX * sizeof(double)), malloc(NVOX * sizeof(double))};
  double *cb[2] = {malloc(NVOX * sizeof(double)), malloc(NVOX * sizeof(double))};
  double *cs = malloc(NVOX * sizeof(double));
  const double range[2] = {LONG_UM, SHORT_UM};
  int fail = 1;
  REQUIRE(lab && pa && pb && c && ca[0] && ca[1] && cb[0] && cb[1] && cs);
  REQUIRE(!make_params(&p));
  REQUIRE(!toy_table(procs));
  make_labels(lab);
  make_patterns(lab, pa, pb);
  {
    int inside = 0;
    for (size_t i = 0; i < NVOX; i++) inside += lab[i] != 0;
    printf("  %d x %d x %d voxels of %g um, %d inside the organ\n", NX, NY, NZ, H_UM, inside);
  }
  for (int f = 0; f < 2; f++) {
    double D = K_PER_DAY * range[f] * range[f] / (H_UM * H_UM);
    int ia = solve_exact(lab, K_PER_DAY, D, pa, ca[f]), ib = solve_exact(lab, K_PER_DAY, D, pb, cb[f]);
    printf("  exact %s (lambda %g um, D/k %g): CG %d + %d iterations\n", toy_names[f], range[f],
           range[f] * range[f] / (H_UM * H_UM), ia, ib);
    REQUIRE(ia >= 0 && ib >= 0);
  }
  REQUIRE(tb_volume_create(NX, NY, NZ, &v) == TB_OK);
  for (int a = 0; a < 3; a++) v->spacing_um[a] = H_UM;
  toy_cfg.nfields = 2;
  toy_cfg.range_um[0] = range[0];
  toy_cfg.range_um[1] = range[1];
  toy_cfg.pa = pa;
  toy_cfg.pb = pb;
  toy_cfg.wa = 1.0f;
  toy_cfg.wb = 0.0f;
  toy_cfg.tol = TOL;
  REQUIRE(tb_sim_create_with(dev, &p, v, lab, procs, &s) == TB_OK);
  for (int phase = 0; phase < 2; phase++) {
    if (phase == 1) {
      toy_cfg.wa = 0.5f;
      toy_cfg.wb = 1.0f;
      REQUIRE(tb_sim_step(s) == TB_OK);
    }
    tb_solver_stats ss;
    errs ef[2];
    double bf[2];
    REQUIRE(tb_sim_solver_stats(s, &ss) == TB_OK);
    printf("  %s: %d V-cycles, %d checks, residual %.3g of the goal\n",
           phase ? "step, source 0.5 A + B (warm start)" : "initial solve, source A (from zero)", (int)ss.cycles,
           (int)ss.checks, ss.max_rel_residual);
    for (int f = 0; f < 2; f++) {
      for (size_t i = 0; i < NVOX; i++) cs[i] = toy_cfg.wa * ca[f][i] + toy_cfg.wb * cb[f][i];
      REQUIRE(tb_sim_read(s, toy_names[f], c) == TB_OK);
      errs e = compare(lab, c, cs);
      double bound = guarantee(range[f], TOL);
      double D = K_PER_DAY * range[f] * range[f] / (H_UM * H_UM);
      double tr = true_residual(lab, K_PER_DAY, D, pa, toy_cfg.wa, pb, toy_cfg.wb, c);
      printf("    %s (%g um): ||c - c*|| / ||c*|| = %.3g (guarantee %.3g, tolerance %.3g), max |c - c*| / c* = "
             "%.3g, true ||r|| / (k ||c||) = %.3g, max |c| outside %.3g\n",
             toy_names[f], range[f], e.rel2, bound, TOL, e.relmax, tr, e.outside);
      ef[f] = e;
      bf[f] = bound;
    }
    for (int f = 0; f < 2; f++) {
      REQUIRE(ef[f].rel2 <= bf[f]);
      REQUIRE(ef[f].rel2 <= TOL);
      REQUIRE(ef[f].outside == 0.0);
    }
  }
  fail = 0;
done:
  tb_sim_destroy(&s);
  tb_volume_destroy(&v);
  tb_dev_destroy(&dev);
  free(lab);
  free(pa);
  free(pb);
  free(c);
  for (int f = 0; f < 2; f++) {
    free(ca[f]);
    free(cb[f]);
  }
  free(cs);
  return fail;
}

/* Red-black Gauss-Seidel sweeps in double from zero (what the multigrid's
 * smoother alone would do); returns ||c - c*|| / ||c*|| after `sweeps`. */
static double gauss_seidel_error(const uint8_t *lab, double k, double D, const float *src, const double *cs,
                                 int sweeps) {
  double *c = calloc(NVOX, sizeof *c);
  if (!c) return -1.0;
  for (int n = 0; n < sweeps; n++)
    for (int color = 0; color < 2; color++)
      for (int z = 0; z < NZ; z++)
        for (int y = 0; y < NY; y++)
          for (int x = (color + y + z) & 1; x < NX; x += 2) {
            size_t i = idx(x, y, z);
            if (!lab[i]) continue;
            double s = 0.0;
            int m = 0;
            if (x + 1 < NX && lab[i + 1]) s += c[i + 1], m++;
            if (x > 0 && lab[i - 1]) s += c[i - 1], m++;
            if (y + 1 < NY && lab[i + NX]) s += c[i + NX], m++;
            if (y > 0 && lab[i - NX]) s += c[i - NX], m++;
            if (z + 1 < NZ && lab[i + NX * NY]) s += c[i + NX * NY], m++;
            if (z > 0 && lab[i - NX * NY]) s += c[i - NX * NY], m++;
            c[i] = (src[i] + D * s) / (k + D * m);
          }
  double e2 = 0.0, s2 = 0.0;
  for (size_t i = 0; i < NVOX; i++)
    if (lab[i]) {
      e2 += (c[i] - cs[i]) * (c[i] - cs[i]);
      s2 += cs[i] * cs[i];
    }
  free(c);
  return sqrt(e2 / s2);
}

/* One field per simulation, source A, initial solve from zero: V-cycles for
 * the long and the short reach. Multigrid's coarse levels carry the
 * long-range part, so 40 voxels of reach (on a 20-voxel sample: nearly the
 * singular pure-Neumann problem, k/(6D) = 1e-4) should cost about what 2
 * voxels do. At signals.tolerance = 1e-4 the long reach's stopping test is
 * its float32 floor (4.6e-3, looser than the short reach's 1e-4), so the
 * comparison is made at TOL_COMMON = 5e-3, above both floors, where both
 * are held to the same goal: the long reach may need at most 2x + 2 the
 * short one's cycles (accuracy: the documented guarantee; the tolerance
 * itself is the first test's). For
 * contrast, host Gauss-Seidel from zero gets SWEEPS_GS sweeps, over 10x the
 * multigrid's fine-level smoothing (2 sweeps a cycle), and the long-reach
 * error must then still be over 100x the tolerance: its slowest mode decays
 * by about 1 - k/(k + 12 D) a sweep (Gauss-Seidel alone would need ~1e5
 * sweeps). */
#define SWEEPS_GS 200
static int long_reach_needs_about_as_many_cycles_as_a_short_one(void) {
  tb_device *dev = NULL;
  int r = open_device(&dev);
  if (r) return r;
  const tb_process_type *procs[3];
  tb_params p;
  tb_volume *v = NULL;
  tb_sim *s = NULL;
  uint8_t *lab = malloc(NVOX);
  float *pa = malloc(NVOX * sizeof *pa), *pb = malloc(NVOX * sizeof *pb), *c = malloc(NVOX * sizeof *c);
  double *cs = malloc(NVOX * sizeof(double));
  const double range[2] = {LONG_UM, SHORT_UM}, tols[2] = {TOL_COMMON, TOL};
  int cycles[2][2] = {{0, 0}, {0, 0}}; /* [tolerance][reach] */
  double gs[2] = {0.0, 0.0};
  int fail = 1;
  REQUIRE(lab && pa && pb && c && cs);
  REQUIRE(!make_params(&p));
  REQUIRE(!toy_table(procs));
  make_labels(lab);
  make_patterns(lab, pa, pb);
  REQUIRE(tb_volume_create(NX, NY, NZ, &v) == TB_OK);
  for (int a = 0; a < 3; a++) v->spacing_um[a] = H_UM;
  for (int f = 0; f < 2; f++) {
    double D = K_PER_DAY * range[f] * range[f] / (H_UM * H_UM);
    REQUIRE(solve_exact(lab, K_PER_DAY, D, pa, cs) >= 0);
    gs[f] = gauss_seidel_error(lab, K_PER_DAY, D, pa, cs, SWEEPS_GS);
    for (int t = 0; t < 2; t++) {
      toy_cfg.nfields = 1;
      toy_cfg.range_um[0] = range[f];
      toy_cfg.pa = pa;
      toy_cfg.pb = pb;
      toy_cfg.wa = 1.0f;
      toy_cfg.wb = 0.0f;
      toy_cfg.tol = tols[t];
      REQUIRE(tb_sim_create_with(dev, &p, v, lab, procs, &s) == TB_OK);
      tb_solver_stats ss;
      REQUIRE(tb_sim_solver_stats(s, &ss) == TB_OK);
      REQUIRE(tb_sim_read(s, toy_names[0], c) == TB_OK);
      errs e = compare(lab, c, cs);
      cycles[t][f] = ss.cycles;
      printf("  lambda %3g um, tolerance %.0e: %d V-cycles (%d checks), error %.3g (guarantee %.3g)\n", range[f],
             tols[t], (int)ss.cycles, (int)ss.checks, e.rel2, guarantee(range[f], tols[t]));
      REQUIRE(e.rel2 <= guarantee(range[f], tols[t]));
      tb_sim_destroy(&s);
    }
    printf("  lambda %3g um: host Gauss-Seidel after %d sweeps: error %.3g\n", range[f], SWEEPS_GS, gs[f]);
  }
  for (int t = 0; t < 2; t++) REQUIRE(cycles[t][1] >= 1);
  REQUIRE(cycles[0][0] <= 2 * cycles[0][1] + 2);
  REQUIRE(cycles[1][0] <= 2 * cycles[1][1] + 2);
  REQUIRE(SWEEPS_GS >= 10 * 2 * cycles[1][0]);
  REQUIRE(gs[0] > 100.0 * TOL);
  fail = 0;
done:
  tb_sim_destroy(&s);
  tb_volume_destroy(&v);
  tb_dev_destroy(&dev);
  free(lab);
  free(pa);
  free(pb);
  free(c);
  free(cs);
  return fail;
}

int main(void) {
  return TB_RUN(multigrid_matches_exact_discrete_solution_on_a_masked_organ,
                long_reach_needs_about_as_many_cycles_as_a_short_one);
}
