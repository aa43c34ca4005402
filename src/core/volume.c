#include "trabecula/volume.h"

#include <math.h>
#include <stdlib.h>

tb_status tb_volume_create(int32_t nx, int32_t ny, int32_t nz, tb_volume **out) {
  tb_status st = TB_OK;
  tb_volume *v = NULL;
  *out = NULL;
  CHECK(nx > 0 && ny > 0 && nz > 0, TB_ERR_INPUT,
        "volume dimensions %d x %d x %d: every dimension must be at least 1", nx, ny, nz);
  v = calloc(1, sizeof *v);
  CHECK(v, TB_ERR_NOMEM, "out of memory allocating a volume header");
  v->nx = nx;
  v->ny = ny;
  v->nz = nz;
  for (int i = 0; i < 3; i++) v->spacing_um[i] = 1.0;
  v->data = calloc((size_t)nx * ny * nz, sizeof(float));
  CHECK(v->data, TB_ERR_NOMEM, "out of memory allocating a %d x %d x %d volume", nx, ny, nz);
  *out = v;
  v = NULL;
cleanup:
  tb_volume_destroy(&v);
  return st;
}

void tb_volume_destroy(tb_volume **v) {
  if (!v || !*v) return;
  free((*v)->data);
  free(*v);
  *v = NULL;
}

size_t tb_volume_count(const tb_volume *v) { return (size_t)v->nx * v->ny * v->nz; }

tb_status tb_volume_otsu(const tb_volume *v, float *threshold) {
  tb_status st = TB_OK;
  size_t n = tb_volume_count(v);
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    double x = v->data[i];
    CHECK(isfinite(x), TB_ERR_INPUT, "volume holds a non-finite value at voxel %zu", i);
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (hi <= lo) {
    *threshold = (float)lo;
    return TB_OK;
  }
  enum { BINS = 256 };
  double hist[BINS] = {0};
  double w = (hi - lo) / BINS;
  for (size_t i = 0; i < n; i++) {
    int b = (int)((v->data[i] - lo) / w);
    if (b >= BINS) b = BINS - 1;
    hist[b] += 1.0;
  }
  double total = (double)n, sum_all = 0.0;
  for (int b = 0; b < BINS; b++) sum_all += b * hist[b];
  double w0 = 0.0, sum0 = 0.0, best = -1.0;
  int best_b = 0;
  for (int b = 0; b < BINS - 1; b++) {
    w0 += hist[b];
    sum0 += b * hist[b];
    double w1 = total - w0;
    if (w0 <= 0.0 || w1 <= 0.0) continue;
    double m0 = sum0 / w0, m1 = (sum_all - sum0) / w1;
    double between = w0 * w1 * (m0 - m1) * (m0 - m1);
    if (between > best) {
      best = between;
      best_b = b;
    }
  }
  /* Threshold at the upper edge of the last background bin. */
  *threshold = (float)(lo + (best_b + 1) * w);
cleanup:
  return st;
}

tb_status tb_volume_to_fraction(const tb_volume *in, float threshold, tb_volume **out, float *used) {
  tb_status st = TB_OK;
  tb_volume *f = NULL;
  size_t n = tb_volume_count(in);
  *out = NULL;
  if (isnan(threshold)) {
    int in_unit = 1, two_values = 1;
    float a = in->data[0], b = in->data[0];
    for (size_t i = 0; i < n; i++) {
      float x = in->data[i];
      CHECK(isfinite(x), TB_ERR_INPUT, "volume holds a non-finite value at voxel %zu", i);
      if (x < 0.0f || x > 1.0f) in_unit = 0;
      if (x != a) {
        if (b == a) b = x;
        else if (x != b) two_values = 0;
      }
    }
    if (in_unit && !(two_values && b != a && (a != 0.0f && a != 1.0f))) {
      TRY(tb_volume_create(in->nx, in->ny, in->nz, &f));
      for (size_t i = 0; i < n; i++) f->data[i] = in->data[i];
      threshold = NAN;
      goto geometry;
    }
    if (two_values) threshold = 0.5f * (a + b);
    else TRY(tb_volume_otsu(in, &threshold));
  }
  TRY(tb_volume_create(in->nx, in->ny, in->nz, &f));
  for (size_t i = 0; i < n; i++) f->data[i] = in->data[i] > threshold ? 1.0f : 0.0f;
geometry:
  for (int k = 0; k < 3; k++) {
    f->spacing_um[k] = in->spacing_um[k];
    f->origin_um[k] = in->origin_um[k];
  }
  if (used) *used = threshold;
  *out = f;
  f = NULL;
cleanup:
  tb_volume_destroy(&f);
  return st;
}
