/* Morphometry of shapes with known answers. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "tb_test.h"
#include "trabecula/morph.h"
#include "trabecula/volume.h"

#define PI 3.14159265358979323846
#define SPACING 10.0 /* µm */

static tb_volume *make(int nx, int ny, int nz) {
  tb_volume *v = NULL;
  if (tb_volume_create(nx, ny, nz, &v) != TB_OK) return NULL;
  for (int k = 0; k < 3; k++) v->spacing_um[k] = SPACING;
  return v;
}

static void set(tb_volume *v, int x, int y, int z, float val) { v->data[tb_volume_index(v, x, y, z)] = val; }

static int measure(const tb_volume *v, const uint8_t *labels, int compartment, tb_morph_result *r) {
  tb_morph_options o;
  tb_morph_options_default(&o);
  o.compartment = compartment;
  return tb_morph_compute(v, labels, &o, r, NULL) == TB_OK;
}

/* Plates normal to z, t voxels thick and s apart, with a marrow layer of
 * (s + 1) / 2 voxels at each end so the image edge (not a boundary) mirrors
 * a full gap. */
static tb_volume *plates(int t, int s, int count, int *nz_out) {
  int edge = (s + 1) / 2, nz = 2 * edge + count * t + (count - 1) * s;
  tb_volume *v = make(48, 40, nz);
  if (!v) return NULL;
  for (int p = 0; p < count; p++)
    for (int z = edge + p * (t + s); z < edge + p * (t + s) + t; z++)
      for (int y = 0; y < v->ny; y++)
        for (int x = 0; x < v->nx; x++) set(v, x, y, z, 1);
  *nz_out = nz;
  return v;
}

static int plates_give_thickness_and_spacing_within_one_voxel(void) {
  static const int cases[][2] = {{5, 15}, {4, 12}, {3, 9}};
  for (int c = 0; c < 6; c++) {
    int t = cases[c % 3][0], s = cases[c % 3][1], nz = 0, corrected = c >= 3;
    tb_volume *v = plates(t, s, 4, &nz);
    EXPECT(v);
    tb_morph_result r;
    tb_morph_options o;
    tb_morph_options_default(&o);
    if (corrected) o.diameter = TB_MORPH_DIAMETER_CORRECTED;
    int ok = tb_morph_compute(v, NULL, &o, &r, NULL) == TB_OK;
    tb_volume_destroy(&v);
    EXPECT(ok);
    EXPECT_NEAR(r.bv_tv, 4.0 * t / nz, 1e-12);
    EXPECT_NEAR(r.tb_th_um, t * SPACING, SPACING);
    EXPECT_NEAR(r.tb_sp_um, s * SPACING, SPACING);
    if (corrected && t % 2 == 1) { /* odd thickness and spacing are exact in the 2 EDT - 1 convention */
      EXPECT_NEAR(r.tb_th_um, t * SPACING, 1e-6);
      EXPECT_NEAR(r.tb_sp_um, s * SPACING, 1e-6);
      EXPECT_NEAR(r.tb_th_sd_um, 0, 1e-6);
      EXPECT_NEAR(r.tb_n_per_mm, 1000.0 / ((t + s) * SPACING), 1e-9);
    }
    if (!corrected) { /* BoneJ's 2 EDT: n + 1 voxels for n odd, n for n even (edge gaps mirror to s + 1) */
      EXPECT_NEAR(r.tb_th_um, (t + t % 2) * SPACING, 1e-6);
      EXPECT_NEAR(r.tb_sp_um, (s + s % 2) * SPACING, 1e-6);
      EXPECT_NEAR(r.tb_th_sd_um, 0, 1e-6);
    }
    /* Two faces per plate running to the image faces: BS/BV = 2 / t. */
    EXPECT_NEAR(r.bs_bv_per_mm, 2.0 / (t * SPACING * 1e-3), 1e-3 * 2.0 / (t * SPACING * 1e-3));
  }
  return 0;
}

static int plates_are_strongly_anisotropic(void) {
  int nz = 0;
  tb_volume *v = plates(3, 9, 5, &nz);
  EXPECT(v);
  tb_morph_result r;
  int ok = measure(v, NULL, 1, &r);
  tb_volume_destroy(&v);
  EXPECT(ok);
  EXPECT(r.da > 0.9);
  EXPECT(r.da_eigen_ratio > 10);
  /* The longest MIL lies in the plates' plane. */
  EXPECT(fabs(r.da_axis[2]) < 0.05);
  return 0;
}

/* Rods along z of radius R on a square grid of period p. */
static tb_volume *rods(int R, int p, int n) {
  tb_volume *v = make(n, n, n);
  if (!v) return NULL;
  for (int z = 0; z < n; z++)
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++) {
        int dx = (x % p) - p / 2, dy = (y % p) - p / 2;
        if (dx * dx + dy * dy <= R * R) set(v, x, y, z, 1);
      }
  return v;
}

static int rods_give_diameter_and_axis(void) {
  tb_volume *v = rods(4, 16, 64);
  EXPECT(v);
  tb_morph_result r;
  int ok = measure(v, NULL, 1, &r);
  tb_volume_destroy(&v);
  EXPECT(ok);
  /* A digital disc of radius 4 has the area of a disc of radius 3.95. */
  EXPECT_NEAR(r.tb_th_um, 8 * SPACING, SPACING);
  EXPECT(r.da > 0.9);
  EXPECT(fabs(r.da_axis[2]) > 0.99);
  /* Each rod is one loop-free strand crossing the box: chi 16, delta 0. */
  EXPECT_NEAR(r.euler, 16, 1e-12);
  EXPECT_NEAR(r.delta_chi, 0, 1e-12);
  return 0;
}

static tb_volume *ball(int n, double cx, double cy, double cz, double r_out, double r_in) {
  tb_volume *v = make(n, n, n);
  if (!v) return NULL;
  for (int z = 0; z < n; z++)
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++) {
        double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy) + (z - cz) * (z - cz);
        if (d2 <= r_out * r_out && (r_in < 0 || d2 > r_in * r_in)) set(v, x, y, z, 1);
      }
  return v;
}

static int sphere_has_euler_one_and_area_within_three_percent(void) {
  static const double radii[] = {10, 16, 24};
  for (int i = 0; i < 3; i++) {
    double R = radii[i];
    int n = (int)(2 * R) + 8;
    tb_volume *v = ball(n, n / 2.0 - 0.3, n / 2.0 + 0.2, n / 2.0 - 0.1, R, -1);
    EXPECT(v);
    tb_morph_result r;
    tb_morph_options o;
    tb_morph_options_default(&o);
    o.skip_da = 1;
    int ok = tb_morph_compute(v, NULL, &o, &r, NULL) == TB_OK;
    tb_volume_destroy(&v);
    EXPECT(ok);
    EXPECT_NEAR(r.euler, 1, 1e-12);
    double area = 4 * PI * R * R * SPACING * SPACING * 1e-6;
    EXPECT_NEAR(r.bs_mm2 / area, 1.0, 0.03);
    /* The largest sphere is the ball itself. Its centre is a voxel centre
     * up to 0.4 voxel off the ball's, and 2 EDT - 1 reads a curved surface
     * up to a voxel thin: within two voxels. */
    EXPECT_NEAR(r.tb_th_max_um, 2 * R * SPACING, 2 * SPACING);
  }
  return 0;
}

static int torus_has_euler_zero(void) {
  int n = 40;
  double Rm = 12, rt = 4.5, c = n / 2.0 - 0.5;
  tb_volume *v = make(n, n, n);
  EXPECT(v);
  for (int z = 0; z < n; z++)
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++) {
        double q = sqrt((x - c) * (x - c) + (y - c) * (y - c)) - Rm;
        if (q * q + (z - c) * (z - c) <= rt * rt) set(v, x, y, z, 1);
      }
  tb_morph_result r;
  int ok = measure(v, NULL, 1, &r);
  tb_volume_destroy(&v);
  EXPECT(ok);
  EXPECT_NEAR(r.euler, 0, 1e-12);
  EXPECT_NEAR(r.connectivity, 1, 1e-12); /* one loop */
  return 0;
}

static int hollow_sphere_has_euler_two(void) {
  tb_volume *v = ball(40, 19.5, 19.5, 19.5, 15, 9);
  EXPECT(v);
  tb_morph_result r;
  int ok = measure(v, NULL, 1, &r);
  tb_volume_destroy(&v);
  EXPECT(ok);
  EXPECT_NEAR(r.euler, 2, 1e-12);
  return 0;
}

/* A lattice of square rods along x, y and z, period p, k periods plus one
 * voxel per side: the tiling of the box repeats the lattice, so each box
 * holds k^3 nodes and 3 k^3 rods, delta_chi = -2 k^3 and
 * Conn.D = (1 + 2 k^3) / TV. */
static int cube_grid_gives_known_connectivity_density(void) {
  int p = 10, k = 4, w = 3, n = k * p + 1;
  tb_volume *v = make(n, n, n);
  EXPECT(v);
  for (int z = 0; z < n; z++)
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++) {
        int ix = (x + 1) % p < w, iy = (y + 1) % p < w, iz = (z + 1) % p < w;
        if (ix + iy + iz >= 2) set(v, x, y, z, 1);
      }
  tb_morph_result r;
  int ok = measure(v, NULL, 1, &r);
  tb_volume_destroy(&v);
  EXPECT(ok);
  EXPECT_NEAR(r.delta_chi, -2.0 * k * k * k, 1e-9);
  double tv = pow(n * SPACING * 1e-3, 3);
  EXPECT_NEAR(r.conn_d_per_mm3, (1 + 2.0 * k * k * k) / tv, 1e-9 * r.conn_d_per_mm3);
  return 0;
}

/* A deterministic irregular structure: a thresholded sum of sines with
 * incommensurate wave vectors (gyroid-like but without symmetry). */
static tb_volume *irregular(int nx, int ny, int nz) {
  tb_volume *v = make(nx, ny, nz);
  if (!v) return NULL;
  for (int z = 0; z < nz; z++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++) {
        double a = 0.31 * x + 0.05 * y, b = 0.27 * y - 0.04 * z, c = 0.23 * z + 0.07 * x;
        double g = sin(a) * cos(b) + sin(b) * cos(c) + sin(c) * cos(a) + 0.3 * sin(0.11 * x + 0.13 * y + 0.17 * z);
        if (g > 0.55) set(v, x, y, z, 1);
      }
  return v;
}

static int quarter_turn_leaves_indices_unchanged(void) {
  int nx = 44, ny = 36, nz = 30;
  tb_volume *v = irregular(nx, ny, nz), *w = make(ny, nx, nz);
  EXPECT(v && w);
  /* (x, y) -> (ny - 1 - y, x): a 90-degree turn about z. */
  for (int z = 0; z < nz; z++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++) set(w, ny - 1 - y, x, z, v->data[tb_volume_index(v, x, y, z)]);
  tb_morph_result a, b;
  int ok = measure(v, NULL, 1, &a) && measure(w, NULL, 1, &b);
  tb_volume_destroy(&v);
  tb_volume_destroy(&w);
  EXPECT(ok);
  EXPECT(a.bv_tv > 0.1 && a.bv_tv < 0.5);
  EXPECT_NEAR(a.bv_tv, b.bv_tv, 1e-15);
  EXPECT_NEAR(a.euler, b.euler, 1e-12);
  EXPECT_NEAR(a.delta_chi, b.delta_chi, 1e-12);
  EXPECT_NEAR(a.tb_th_um, b.tb_th_um, 1e-9 * a.tb_th_um);
  EXPECT_NEAR(a.tb_sp_um, b.tb_sp_um, 1e-9 * a.tb_sp_um);
  EXPECT_NEAR(a.tb_th_max_um, b.tb_th_max_um, 1e-9 * a.tb_th_max_um);
  EXPECT_NEAR(a.bs_mm2, b.bs_mm2, 1e-6 * a.bs_mm2);
  EXPECT_NEAR(a.da, b.da, 0.05);
  /* The main axis turns with the structure: (ax, ay) -> (-ay, ax). */
  EXPECT(fabs(fabs(a.da_axis[0]) - fabs(b.da_axis[1])) < 0.1);
  EXPECT(fabs(fabs(a.da_axis[2]) - fabs(b.da_axis[2])) < 0.1);
  return 0;
}

static int gyroid_is_nearly_isotropic(void) {
  int n = 64;
  tb_volume *v = make(n, n, n);
  EXPECT(v);
  double k = 2 * PI / 21.3;
  for (int z = 0; z < n; z++)
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++) {
        double g = sin(k * x) * cos(k * y) + sin(k * y) * cos(k * z) + sin(k * z) * cos(k * x);
        if (g > 0.6) set(v, x, y, z, 1);
      }
  tb_morph_result r;
  int ok = measure(v, NULL, 1, &r);
  tb_volume_destroy(&v);
  EXPECT(ok);
  EXPECT(r.da < 0.15);
  EXPECT(r.da_eigen_ratio < 1.2);
  return 0;
}

static int stretching_along_z_raises_da_and_turns_axis_to_z(void) {
  int n = 64;
  double last = -1;
  for (int k = 0; k < 3; k++) {
    double stretch = 1.0 + 0.5 * k, w = 2 * PI / 16.0;
    tb_volume *v = make(n, n, n);
    EXPECT(v);
    for (int z = 0; z < n; z++)
      for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
          double zz = z / stretch;
          double g = sin(w * x) * cos(w * y) + sin(w * y) * cos(w * zz) + sin(w * zz) * cos(w * x);
          if (g > 0.9) set(v, x, y, z, 1);
        }
    tb_morph_result r;
    tb_morph_options o;
    tb_morph_options_default(&o);
    o.skip_thickness = 1;
    int ok = tb_morph_compute(v, NULL, &o, &r, NULL) == TB_OK;
    tb_volume_destroy(&v);
    EXPECT(ok);
    EXPECT(isnan(r.tb_th_um));
    EXPECT(r.da > last + 0.05 || k == 0);
    EXPECT_NEAR(r.da, 1 - 1 / r.da_eigen_ratio, 1e-12);
    if (k > 0) EXPECT(fabs(r.da_axis[2]) > 0.95);
    last = r.da;
  }
  return 0;
}

/* A square tube (cortex, label 2) 6 voxels thick around a trabecular
 * compartment (label 1) with plates; the cortex holds a row of pores. */
static int cortex_gives_thickness_and_porosity(void) {
  int n = 48, wall = 7;
  tb_volume *v = make(n, n, n);
  uint8_t *labels = calloc((size_t)n * n * n, 1);
  EXPECT(v && labels);
  int64_t cort = 0, pores = 0;
  for (int z = 0; z < n; z++)
    for (int y = 2; y < n - 2; y++)
      for (int x = 2; x < n - 2; x++) {
        size_t i = tb_volume_index(v, x, y, z);
        int in_wall = x < 2 + wall || y < 2 + wall || x >= n - 2 - wall || y >= n - 2 - wall;
        if (in_wall) {
          labels[i] = 2;
          cort++;
          /* pores: 3x3 channels along z through the middle of the wall */
          int pore = (x >= 4 && x < 7 && y % 8 == 0) || (x >= 4 && x < 7 && y % 8 == 1) ||
                     (x >= 4 && x < 7 && y % 8 == 2);
          if (pore && y > 10 && y < n - 10) pores++;
          else v->data[i] = 1;
        } else {
          labels[i] = 1;
          if (z % 12 < 3) v->data[i] = 1; /* trabecular plates */
        }
      }
  tb_morph_result r;
  int ok = measure(v, labels, 1, &r);
  tb_morph_result rc;
  ok = ok && measure(v, labels, 2, &rc);
  tb_volume_destroy(&v);
  free(labels);
  EXPECT(ok);
  EXPECT(r.has_cortex);
  EXPECT_NEAR(r.ct_po, (double)pores / cort, 1e-12);
  EXPECT_NEAR(rc.ct_po, r.ct_po, 1e-12);
  EXPECT(r.ct_th_um > (wall - 2) * SPACING && r.ct_th_um < (wall + 1) * SPACING);
  EXPECT_NEAR(rc.tb_th_um, r.ct_th_um, 1e-9);
  /* The plates, not the cortex: three 3-voxel plates read 4 voxels (BoneJ's
   * 2 EDT), the one at z = 0..2 runs on past the image edge (edge continue)
   * and reads 6. */
  EXPECT_NEAR(r.tb_th_um, (3 * 4 + 6) / 4.0 * SPACING, 1e-6);
  EXPECT_NEAR(r.bv_tv, 3.0 / 12.0, 1e-12);
  return 0;
}

/* 5-voxel plates: 6 voxels in BoneJ's convention (2 EDT, the default). */
static int thickness_map_is_in_micrometres_and_zero_in_marrow(void) {
  int nz = 0;
  tb_volume *v = plates(5, 7, 3, &nz), *map = NULL;
  EXPECT(v);
  tb_morph_result r;
  tb_morph_options o;
  tb_morph_options_default(&o);
  int ok = tb_morph_compute(v, NULL, &o, &r, &map) == TB_OK;
  EXPECT(ok && map);
  EXPECT(map->nx == v->nx && map->ny == v->ny && map->nz == v->nz);
  EXPECT(map->spacing_um[0] == SPACING);
  size_t n = tb_volume_count(v);
  int good = 1;
  for (size_t i = 0; i < n; i++) {
    if (v->data[i] > 0.5f) good &= fabsf(map->data[i] - 6 * (float)SPACING) < 1e-3f;
    else good &= map->data[i] == 0.0f;
  }
  tb_volume_destroy(&v);
  tb_volume_destroy(&map);
  EXPECT(good);
  return 0;
}

static int bad_input_is_refused_with_input_error(void) {
  tb_volume *v = make(8, 8, 8), *map = NULL;
  EXPECT(v);
  tb_morph_result r;
  v->spacing_um[2] = 12;
  tb_status s1 = tb_morph_compute(v, NULL, NULL, &r, &map);
  v->spacing_um[2] = SPACING;
  uint8_t *labels = calloc(512, 1);
  tb_morph_options o;
  tb_morph_options_default(&o);
  tb_status s2 = tb_morph_compute(v, labels, &o, &r, NULL); /* no trabecular voxel */
  o.compartment = 5;
  tb_status s3 = tb_morph_compute(v, NULL, &o, &r, NULL);
  tb_volume_destroy(&v);
  free(labels);
  EXPECT(s1 == TB_ERR_INPUT && map == NULL);
  EXPECT(s2 == TB_ERR_INPUT);
  EXPECT(s3 == TB_ERR_INPUT);
  return 0;
}

/* The distance ridge and chord painting give exactly the brute-force
 * maximum over all spheres. */
static int local_thickness_equals_brute_force(void) {
  int nx = 18, ny = 15, nz = 13;
  tb_volume *v = irregular(nx, ny, nz);
  EXPECT(v);
  size_t n = tb_volume_count(v);
  uint8_t *m = malloc(n);
  float *s = malloc(sizeof *s * n), *t = malloc(sizeof *t * n);
  EXPECT(m && s && t);
  for (size_t i = 0; i < n; i++) m[i] = v->data[i] > 0.5f;
  const int32_t dims[3] = {nx, ny, nz};
  int ok = tb_morph_edt_sq(m, dims, s) == TB_OK && tb_morph_local_thickness(m, dims, t) == TB_OK;
  int bad = 0;
  for (int z = 0; z < nz && ok; z++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++) {
        size_t i = tb_volume_index(v, x, y, z);
        if (!m[i]) {
          bad += t[i] != 0;
          continue;
        }
        /* brute-force EDT and local thickness */
        double best = INFINITY;
        for (int zz = 0; zz < nz; zz++)
          for (int yy = 0; yy < ny; yy++)
            for (int xx = 0; xx < nx; xx++)
              if (!m[tb_volume_index(v, xx, yy, zz)]) {
                double d = (double)(x - xx) * (x - xx) + (y - yy) * (y - yy) + (z - zz) * (z - zz);
                if (d < best) best = d;
              }
        bad += s[i] != (float)best;
        double th = 0;
        for (int zz = 0; zz < nz; zz++)
          for (int yy = 0; yy < ny; yy++)
            for (int xx = 0; xx < nx; xx++) {
              size_t j = tb_volume_index(v, xx, yy, zz);
              double d = (double)(x - xx) * (x - xx) + (y - yy) * (y - yy) + (z - zz) * (z - zz);
              if (m[j] && d < s[j] && 2 * sqrt(s[j]) - 1 > th) th = 2 * sqrt(s[j]) - 1;
            }
        bad += fabs(t[i] - th) > 1e-5;
      }
  tb_volume_destroy(&v);
  free(m);
  free(s);
  free(t);
  EXPECT(ok);
  EXPECT(bad == 0);
  return 0;
}

int main(void) {
  return TB_RUN(plates_give_thickness_and_spacing_within_one_voxel, plates_are_strongly_anisotropic,
                rods_give_diameter_and_axis, sphere_has_euler_one_and_area_within_three_percent,
                torus_has_euler_zero, hollow_sphere_has_euler_two, cube_grid_gives_known_connectivity_density,
                quarter_turn_leaves_indices_unchanged, gyroid_is_nearly_isotropic,
                stretching_along_z_raises_da_and_turns_axis_to_z,
                cortex_gives_thickness_and_porosity, thickness_map_is_in_micrometres_and_zero_in_marrow,
                bad_input_is_refused_with_input_error, local_thickness_equals_brute_force);
}
