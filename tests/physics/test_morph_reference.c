/* Morphometry against outside references: scipy's distance transform,
 * skimage's Euler number and marching cubes, an independent brute-force
 * local thickness in each convention (Fiji's pipeline for bonej), BoneJ's
 * edge correction re-counted as its Connectivity counts, and the real
 * sample. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tb_test.h"
#include "trabecula/io.h"
#include "trabecula/morph.h"
#include "trabecula/volume.h"

static int write_file(const char *dir, const char *name, const void *p, size_t bytes) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  size_t w = fwrite(p, 1, bytes, f);
  return fclose(f) == 0 && w == bytes;
}

static int euler_distance_and_area_match_scipy_and_skimage(void) {
  if (access("/usr/bin/python3", X_OK) != 0) return TB_SKIP;
  const char *dir = tb_test_tmpdir("morph_reference");
  EXPECT(dir);
  enum { NX = 40, NY = 34, NZ = 30, NB = 32 };
  size_t n = (size_t)NX * NY * NZ;
  uint8_t *shape = malloc(n), *ball = malloc((size_t)NB * NB * NB);
  float *edt = malloc(sizeof *edt * n);
  EXPECT(shape && ball && edt);
  /* Irregular: a thresholded sum of sines, with isolated specks and cavities. */
  for (int z = 0; z < NZ; z++)
    for (int y = 0; y < NY; y++)
      for (int x = 0; x < NX; x++) {
        double g = sin(0.37 * x + 0.05 * y) * cos(0.29 * y - 0.04 * z) + sin(0.29 * y) * cos(0.33 * z + 0.1 * x) +
                   sin(0.33 * z) * cos(0.37 * x) + 0.4 * sin(1.7 * x + 2.3 * y + 1.1 * z);
        shape[x + NX * (y + NY * z)] = g > 0.5;
      }
  for (int z = 0; z < NB; z++)
    for (int y = 0; y < NB; y++)
      for (int x = 0; x < NB; x++) {
        double dx = x - 15.7, dy = y - 15.4, dz = z - 16.2;
        ball[x + NB * (y + NB * z)] = dx * dx + dy * dy + dz * dz <= 12.0 * 12.0;
      }
  const int32_t dims[3] = {NX, NY, NZ}, bdims[3] = {NB, NB, NB};
  double euler = 0, delta = 0, area = 0;
  int ok = tb_morph_edt_sq(shape, dims, edt) == TB_OK && tb_morph_euler(shape, dims, &euler, &delta) == TB_OK &&
           tb_morph_surface_area(ball, NULL, bdims, &area) == TB_OK;
  char meta[256];
  snprintf(meta, sizeof meta, "%d %d %d %.1f %d %.6f %.6f\n", NX, NY, NZ, euler, NB, area, delta);
  ok = ok && write_file(dir, "shape.u8", shape, n) && write_file(dir, "edt.f32", edt, sizeof *edt * n) &&
       write_file(dir, "ball.u8", ball, (size_t)NB * NB * NB) && write_file(dir, "meta.txt", meta, strlen(meta));
  /* Local thickness of the shape and of its complement, in the four
   * conventions: lt_<phase>_<edge>_<diameter>.f32 (phase 1 = complement). */
  for (int phase = 0; phase < 2 && ok; phase++) {
    if (phase)
      for (size_t i = 0; i < n; i++) shape[i] = !shape[i];
    for (int e = 0; e < 2 && ok; e++)
      for (int d = 0; d < 2 && ok; d++) {
        char name[64];
        snprintf(name, sizeof name, "lt_%d_%d_%d.f32", phase, e, d);
        ok = tb_morph_local_thickness_conv(shape, dims, e, d, edt) == TB_OK &&
             write_file(dir, name, edt, sizeof *edt * n);
      }
  }
  free(shape);
  free(ball);
  free(edt);
  EXPECT(ok);
  char cmd[2600];
  snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/physics/morph_compare.py' '%s'", TB_SOURCE_DIR, dir);
  int rc = system(cmd);
  EXPECT(rc != -1 && WIFEXITED(rc));
  if (WEXITSTATUS(rc) == TB_SKIP) return TB_SKIP;
  EXPECT(WEXITSTATUS(rc) == 0);
  return 0;
}

/* The shrew sample (4.1 µm, binary 0/255). Ranges are those of small-mammal
 * trabecular bone measured with BoneJ (Doube et al. 2011, Proc R Soc B
 * 278:3067: Tb.Th some 20 to 80 µm, Tb.Sp 70 to 300 µm, BV/TV 0.1 to 0.5,
 * Conn.D tens to about 1000 per mm³ in the smallest animals). */
static int shrew_sample_gives_values_in_published_range(void) {
  const char *path = tb_test_shared_sample();
  if (!path) return TB_SKIP;
  tb_volume *raw = NULL, *bone = NULL, *map = NULL;
  tb_morph_result r;
  float used = 0;
  int ok = tb_io_read_volume(path, 0, &raw) == TB_OK && tb_volume_to_fraction(raw, NAN, &bone, &used) == TB_OK &&
           tb_morph_compute(bone, NULL, NULL, &r, &map) == TB_OK;
  tb_volume_destroy(&raw);
  EXPECT(ok);
  size_t n = tb_volume_count(bone), nb = 0;
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    if (bone->data[i] > 0.5f) {
      nb++;
      sum += map->data[i];
    }
  tb_volume_destroy(&bone);
  tb_volume_destroy(&map);
  printf("shrew: BV/TV %.3f Tb.Th %.1f um Tb.Sp %.1f um Tb.N %.2f /mm BS/BV %.1f /mm Conn.D %.0f /mm3 DA %.3f\n",
         r.bv_tv, r.tb_th_um, r.tb_sp_um, r.tb_n_per_mm, r.bs_bv_per_mm, r.conn_d_per_mm3, r.da);
  EXPECT_NEAR(r.spacing_um, 4.1, 1e-6);
  EXPECT(r.bv_tv > 0.2 && r.bv_tv < 0.4);
  EXPECT(r.tb_th_um > 20 && r.tb_th_um < 80);
  EXPECT(r.tb_sp_um > 70 && r.tb_sp_um < 300);
  EXPECT(r.tb_n_per_mm > 2 && r.tb_n_per_mm < 15);
  EXPECT(r.conn_d_per_mm3 > 20 && r.conn_d_per_mm3 < 1000);
  EXPECT(r.da > 0.02 && r.da < 0.6);
  /* For plates, BS/BV = 2/Tb.Th; rods give 4/Tb.Th: real bone lies between. */
  EXPECT(r.bs_bv_per_mm > 1.5e3 / r.tb_th_um && r.bs_bv_per_mm < 4.5e3 / r.tb_th_um);
  /* The map's mean over bone is Tb.Th. */
  EXPECT_NEAR(sum / nb, r.tb_th_um, 1e-3 * r.tb_th_um);
  return 0;
}

int main(void) {
  return TB_RUN(euler_distance_and_area_match_scipy_and_skimage, shrew_sample_gives_values_in_published_range);
}
