/* Full morphometry of a 256^3 trabecular sample in under 30 s (issue #3).
 * Timed only in an optimised build without sanitizers; skipped otherwise.
 * Prints the times for 128^3 and 256^3 of the built-in phantom (rod-plate
 * network, BV/TV 0.2, Tb.Th 150 µm at 20 µm voxels) and of a gyroid. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tb_test.h"
#include "trabecula/morph.h"
#include "trabecula/phantom.h"
#include "trabecula/volume.h"

#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
#define TIMING_MEANINGFUL 0
#else
#define TIMING_MEANINGFUL 1
#endif

static double cpu_s(void) { return (double)clock() / CLOCKS_PER_SEC; }

static int time_one(const char *what, tb_volume *v, const uint8_t *labels, double limit_s) {
  tb_morph_result r;
  double c0 = cpu_s();
  int ok = tb_morph_compute(v, labels, NULL, &r, NULL) == TB_OK;
  double c1 = cpu_s();
  EXPECT(ok);
  printf("%-8s %4d^3: %6.2f s wall, %6.2f s CPU on %d threads | BV/TV %.3f Tb.Th %.0f um Tb.Sp %.0f um "
         "Conn.D %.2f /mm3 DA %.3f\n",
         what, v->nx, r.seconds, c1 - c0, tb_morph_thread_count(), r.bv_tv, r.tb_th_um, r.tb_sp_um,
         r.conn_d_per_mm3, r.da);
  fflush(stdout);
  EXPECT(r.seconds < limit_s);
  return 0;
}

static int phantom_of_256_cubed_takes_under_30_seconds(void) {
  if (!TIMING_MEANINGFUL) return TB_SKIP;
  static const int sizes[] = {128, 256};
  for (int k = 0; k < 2; k++) {
    tb_phantom_params p;
    tb_phantom_params_default(&p);
    p.size = sizes[k];
    p.spacing_um = 20;
    tb_volume *v = NULL;
    uint8_t *labels = NULL;
    EXPECT(tb_phantom_generate(&p, &v, &labels) == TB_OK);
    int rc = time_one("phantom", v, labels, 30);
    tb_volume_destroy(&v);
    free(labels);
    if (rc) return rc;
  }
  return 0;
}

static int gyroid_of_256_cubed_takes_under_30_seconds(void) {
  if (!TIMING_MEANINGFUL) return TB_SKIP;
  static const int sizes[] = {128, 256};
  for (int k = 0; k < 2; k++) {
    int n = sizes[k];
    tb_volume *v = NULL;
    EXPECT(tb_volume_create(n, n, n, &v) == TB_OK);
    for (int i = 0; i < 3; i++) v->spacing_um[i] = 20;
    double w = 2 * 3.14159265358979 / 42.0; /* period 42 voxels: 840 µm */
    for (int z = 0; z < n; z++)
      for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
          double g = sin(w * x) * cos(w * y) + sin(w * y) * cos(w * z) + sin(w * z) * cos(w * x);
          v->data[tb_volume_index(v, x, y, z)] = g > 0.9f;
        }
    int rc = time_one("gyroid", v, NULL, 30);
    tb_volume_destroy(&v);
    if (rc) return rc;
  }
  return 0;
}

int main(void) {
  return TB_RUN(phantom_of_256_cubed_takes_under_30_seconds, gyroid_of_256_cubed_takes_under_30_seconds);
}
