/* BoneJ's morphometry conventions (see trabecula/morph.h, "BoneJ's
 * conventions"): the local-thickness diameter (bonej 2 EDT, corrected
 * 2 EDT - 1), the image edge (continue, background) and the edge-corrected
 * connectivity, on shapes whose answers are known in closed form. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "tb_test.h"
#include "trabecula/morph.h"
#include "trabecula/volume.h"

#define SPACING 10.0 /* µm */

static tb_volume *make(int nx, int ny, int nz) {
  tb_volume *v = NULL;
  if (tb_volume_create(nx, ny, nz, &v) != TB_OK) return NULL;
  for (int k = 0; k < 3; k++) v->spacing_um[k] = SPACING;
  return v;
}

static void set(tb_volume *v, int x, int y, int z) { v->data[tb_volume_index(v, x, y, z)] = 1; }

static int measure(const tb_volume *v, int edge, int diameter, tb_morph_result *r) {
  tb_morph_options o;
  tb_morph_options_default(&o);
  o.edge = edge;
  o.diameter = diameter;
  o.skip_da = 1;
  return tb_morph_compute(v, NULL, &o, r, NULL) == TB_OK;
}

static int defaults_are_bonej_conventions(void) {
  tb_morph_options o;
  tb_morph_options_default(&o);
  EXPECT(o.edge == TB_MORPH_EDGE_CONTINUE);
  EXPECT(o.diameter == TB_MORPH_DIAMETER_BONEJ);
  return 0;
}

/* A slab n voxels thick in the middle of the image: EDT at its centre is
 * (n + 1) / 2 (n odd) or n / 2 on its two middle layers (n even). BoneJ's
 * closed spheres of diameter 2 EDT read n + 1 or n; the corrected 2 EDT - 1
 * reads n or n - 1. The edge continues (BoneJ), so the 5-voxel marrow
 * layers on the image floor and top read as 10-voxel gaps. */
static int slab_of_n_voxels_reads_n_plus_one_odd_n_even_in_bonej(void) {
  for (int n = 1; n <= 8; n++) {
    int nz = n + 10;
    tb_volume *v = make(12, 10, nz);
    EXPECT(v);
    for (int z = 5; z < 5 + n; z++)
      for (int y = 0; y < 10; y++)
        for (int x = 0; x < 12; x++) set(v, x, y, z);
    tb_morph_result b, c;
    int ok = measure(v, TB_MORPH_EDGE_CONTINUE, TB_MORPH_DIAMETER_BONEJ, &b) &&
             measure(v, TB_MORPH_EDGE_CONTINUE, TB_MORPH_DIAMETER_CORRECTED, &c);
    tb_volume_destroy(&v);
    EXPECT(ok);
    EXPECT_NEAR(b.tb_th_um, (n + n % 2) * SPACING, 1e-6);
    EXPECT_NEAR(c.tb_th_um, (n - 1 + n % 2) * SPACING, 1e-6);
    EXPECT_NEAR(b.tb_th_sd_um, 0, 1e-6);
    EXPECT_NEAR(b.tb_th_max_um, (n + n % 2) * SPACING, 1e-6);
    EXPECT_NEAR(b.tb_sp_um, 10 * SPACING, 1e-6);
    EXPECT_NEAR(c.tb_sp_um, 9 * SPACING, 1e-6);
  }
  return 0;
}

/* A plate t voxels thick on the image floor (z = 0 .. t-1) under a marrow
 * layer g voxels deep up to the image top. Edge continue: outside the
 * image is not background, so the plate is bounded on one side only and
 * reads as a 2t plate, the marrow as a 2g layer; edge background: t and g
 * (checked on the middle column: with a background edge the image's side
 * faces bound the spheres too, which thins the plate's rim). */
static int plate_on_the_image_edge_doubles_with_continue_edge(void) {
  static const int cases[][2] = {{3, 7}, {4, 6}, {5, 10}};
  enum { NX = 30, NY = 28 };
  for (int k = 0; k < 3; k++) {
    int t = cases[k][0], g = cases[k][1], nz = t + g;
    const int32_t dims[3] = {NX, NY, nz};
    size_t n = (size_t)NX * NY * nz;
    uint8_t *bone = malloc(n), *marrow = malloc(n);
    float *map = malloc(sizeof *map * n);
    EXPECT(bone && marrow && map);
    for (size_t i = 0; i < n; i++) {
      bone[i] = (int)(i / ((size_t)NX * NY)) < t;
      marrow[i] = !bone[i];
    }
    int bad = 0, ok = 1;
    for (int e = 0; e < 2 && ok; e++)
      for (int d = 0; d < 2 && ok; d++)
        for (int phase = 0; phase < 2 && ok; phase++) {
          int w = phase ? g : t, reach = e == TB_MORPH_EDGE_CONTINUE ? 2 * w : w;
          double want = d == TB_MORPH_DIAMETER_BONEJ ? reach + reach % 2 : reach - 1 + reach % 2;
          ok = tb_morph_local_thickness_conv(phase ? marrow : bone, dims, e, d, map) == TB_OK;
          for (int z = phase ? t : 0; z < (phase ? nz : t); z++)
            bad += fabs(map[NX / 2 + NX * (NY / 2 + (size_t)NY * z)] - want) > 1e-5;
        }
    free(bone);
    free(marrow);
    free(map);
    EXPECT(ok);
    EXPECT(bad == 0);
  }
  return 0;
}

/* A 3-voxel slab at z = 6..8 of a 16 x 16 x 20 image, the marrow a 6- and
 * an 11-voxel layer on the image floor and top: with the edge continuing
 * they read as 12- and 22-voxel gaps. Fiji's LocalThicknessWrapper (the
 * classes BoneJ's Thickness runs, compiled with ImageJ 1.52i) gives on this
 * image Tb.Th 4 voxels and Tb.Sp mean 18.470588235, SD 4.779395255, max 22
 * voxels: the SD is ImageJ's sample SD (n - 1). */
static int slab_gaps_give_bonej_mean_and_sample_sd(void) {
  tb_volume *v = make(16, 16, 20);
  EXPECT(v);
  for (int z = 6; z < 9; z++)
    for (int y = 0; y < 16; y++)
      for (int x = 0; x < 16; x++) set(v, x, y, z);
  tb_morph_result r;
  int ok = measure(v, TB_MORPH_EDGE_CONTINUE, TB_MORPH_DIAMETER_BONEJ, &r);
  tb_volume_destroy(&v);
  EXPECT(ok);
  double n = 17 * 256, mean = (6 * 12 + 11 * 22) / 17.0;
  double var = (6 * 256 * (12 - mean) * (12 - mean) + 11 * 256 * (22 - mean) * (22 - mean)) / (n - 1);
  EXPECT_NEAR(r.tb_th_um, 4 * SPACING, 1e-6);
  EXPECT_NEAR(r.tb_sp_um, mean * SPACING, 1e-6);
  EXPECT_NEAR(r.tb_sp_sd_um, sqrt(var) * SPACING, 1e-6);
  EXPECT_NEAR(r.tb_sp_um, 18.470588235 * SPACING, 1e-6);
  EXPECT_NEAR(r.tb_sp_sd_um, 4.779395255 * SPACING, 1e-6);
  EXPECT_NEAR(r.tb_sp_max_um, 22 * SPACING, 1e-6);
  return 0;
}

/* A ball of radius 8 voxels centred on a voxel of the image floor (a
 * hemisphere in the image). Edge continue: the centre's nearest background
 * voxel is the nearest grid point beyond the ball, |q - c|^2 = 65, so
 * Tb.Th max = 2 sqrt(65) (bonej) or 2 sqrt(65) - 1 (corrected). Edge
 * background: the floor bounds every sphere; the largest fits the
 * hemisphere, about R across. */
static int hemisphere_on_the_edge_reads_the_whole_ball_with_continue_edge(void) {
  int n = 24, R = 8;
  tb_volume *v = make(n, n, n);
  EXPECT(v);
  for (int z = 0; z < n; z++)
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++) {
        int dx = x - 12, dy = y - 12, dz = z;
        if (dx * dx + dy * dy + dz * dz <= R * R) set(v, x, y, z);
      }
  tb_morph_result cb, cc, bb;
  int ok = measure(v, TB_MORPH_EDGE_CONTINUE, TB_MORPH_DIAMETER_BONEJ, &cb) &&
           measure(v, TB_MORPH_EDGE_CONTINUE, TB_MORPH_DIAMETER_CORRECTED, &cc) &&
           measure(v, TB_MORPH_EDGE_BACKGROUND, TB_MORPH_DIAMETER_BONEJ, &bb);
  tb_volume_destroy(&v);
  EXPECT(ok);
  EXPECT_NEAR(cb.tb_th_max_um, 2 * sqrt(65.0) * SPACING, 1e-3);
  EXPECT_NEAR(cc.tb_th_max_um, (2 * sqrt(65.0) - 1) * SPACING, 1e-3);
  EXPECT(bb.tb_th_max_um > 0.8 * R * SPACING && bb.tb_th_max_um < (R + 2) * SPACING);
  return 0;
}

/* A bone-filled image: no background voxel, so with the edge continuing no
 * sphere is bounded (NaN, where BoneJ caps the distance at sqrt(3) (n+1));
 * with a background edge it is a cube n voxels across. */
static int full_image_is_unbounded_unless_the_edge_is_background(void) {
  int n = 9;
  tb_volume *v = make(n, n, n);
  EXPECT(v);
  for (size_t i = 0; i < tb_volume_count(v); i++) v->data[i] = 1;
  tb_morph_result c, b;
  int ok = measure(v, TB_MORPH_EDGE_CONTINUE, TB_MORPH_DIAMETER_BONEJ, &c) &&
           measure(v, TB_MORPH_EDGE_BACKGROUND, TB_MORPH_DIAMETER_BONEJ, &b);
  tb_volume_destroy(&v);
  EXPECT(ok);
  EXPECT(isnan(c.tb_th_um));
  EXPECT_NEAR(b.tb_th_max_um, (n + 1) * SPACING, 1e-6); /* EDT 5 at the centre: 2 EDT = 10 */
  /* The filled box is its own periodic tiling: one cell, no loop. */
  EXPECT_NEAR(c.euler, 1, 1e-12);
  EXPECT_NEAR(c.delta_chi, 0, 1e-12);
  EXPECT_NEAR(c.connectivity, 1, 1e-12);
  return 0;
}

static void torus(tb_volume *v, double cx, double cy, double cz, double Rm, double rt) {
  for (int z = 0; z < v->nz; z++)
    for (int y = 0; y < v->ny; y++)
      for (int x = 0; x < v->nx; x++) {
        double q = sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)) - Rm;
        if (q * q + (z - cz) * (z - cz) <= rt * rt) set(v, x, y, z);
      }
}

/* BoneJ's Connectivity: connectivity = 1 - delta_chi, Conn.D over the
 * image volume. One torus: chi 0, connectivity 1. Two tori: chi 0 again,
 * so connectivity 1, not 2 (BoneJ assumes one particle: "Purify" first). A
 * cube touching one image face: chi 1, the face's 2-D Euler number 1,
 * delta_chi = 1 - 1/2. */
static int connectivity_of_tori_and_cubes_as_bonej(void) {
  tb_volume *v = make(40, 40, 20);
  EXPECT(v);
  torus(v, 19.5, 19.5, 9.5, 12, 4.5);
  tb_morph_result r;
  int ok = measure(v, TB_MORPH_EDGE_CONTINUE, TB_MORPH_DIAMETER_BONEJ, &r);
  tb_volume_destroy(&v);
  EXPECT(ok);
  EXPECT_NEAR(r.euler, 0, 1e-12);
  EXPECT_NEAR(r.connectivity, 1, 1e-12);
  EXPECT_NEAR(r.conn_d_per_mm3, 1 / (40 * 40 * 20 * pow(SPACING * 1e-3, 3)), 1e-9);

  v = make(64, 30, 16);
  EXPECT(v);
  torus(v, 15.5, 14.5, 7.5, 9, 3.5);
  torus(v, 47.5, 14.5, 7.5, 9, 3.5);
  ok = measure(v, TB_MORPH_EDGE_CONTINUE, TB_MORPH_DIAMETER_BONEJ, &r);
  tb_volume_destroy(&v);
  EXPECT(ok);
  EXPECT_NEAR(r.euler, 0, 1e-12);
  EXPECT_NEAR(r.connectivity, 1, 1e-12);

  v = make(20, 20, 20);
  EXPECT(v);
  for (int z = 0; z < 8; z++)
    for (int y = 5; y < 15; y++)
      for (int x = 5; x < 15; x++) set(v, x, y, z);
  ok = measure(v, TB_MORPH_EDGE_CONTINUE, TB_MORPH_DIAMETER_BONEJ, &r);
  tb_volume_destroy(&v);
  EXPECT(ok);
  EXPECT_NEAR(r.euler, 1, 1e-12);
  EXPECT_NEAR(r.delta_chi, 0.5, 1e-12);
  EXPECT_NEAR(r.connectivity, 0.5, 1e-12);
  return 0;
}

static int unknown_conventions_are_refused(void) {
  tb_volume *v = make(8, 8, 8);
  EXPECT(v);
  set(v, 3, 3, 3);
  tb_morph_result r;
  tb_morph_options o;
  tb_morph_options_default(&o);
  o.edge = 7;
  tb_status s1 = tb_morph_compute(v, NULL, &o, &r, NULL);
  tb_morph_options_default(&o);
  o.diameter = -1;
  tb_status s2 = tb_morph_compute(v, NULL, &o, &r, NULL);
  tb_volume_destroy(&v);
  EXPECT(s1 == TB_ERR_INPUT);
  EXPECT(s2 == TB_ERR_INPUT);
  return 0;
}

int main(void) {
  return TB_RUN(defaults_are_bonej_conventions, slab_of_n_voxels_reads_n_plus_one_odd_n_even_in_bonej,
                plate_on_the_image_edge_doubles_with_continue_edge, slab_gaps_give_bonej_mean_and_sample_sd,
                hemisphere_on_the_edge_reads_the_whole_ball_with_continue_edge,
                full_image_is_unbounded_unless_the_edge_is_background, connectivity_of_tori_and_cubes_as_bonej,
                unknown_conventions_are_refused);
}
