/* A 3-D scalar volume on the host: float32 values, x fastest.
 * Index of (x, y, z) is x + nx * (y + ny * z). Lengths are in µm. */
#ifndef TRABECULA_VOLUME_H
#define TRABECULA_VOLUME_H

#include <stddef.h>
#include <stdint.h>

#include "trabecula/status.h"

typedef struct tb_volume {
  int32_t nx, ny, nz;
  double spacing_um[3]; /* voxel size along x, y, z in µm */
  double origin_um[3];  /* position of the centre of voxel (0,0,0) in µm */
  float *data;          /* nx*ny*nz values */
} tb_volume;

/* Allocates a zero-filled volume; spacing defaults to 1 µm, origin to 0. */
tb_status tb_volume_create(int32_t nx, int32_t ny, int32_t nz, tb_volume **out);
/* Accepts NULL and *v == NULL; sets *v to NULL. */
void tb_volume_destroy(tb_volume **v);
size_t tb_volume_count(const tb_volume *v);
static inline size_t tb_volume_index(const tb_volume *v, int32_t x, int32_t y, int32_t z) {
  return (size_t)x + (size_t)v->nx * ((size_t)y + (size_t)v->ny * (size_t)z);
}

/* Threshold selection for grayscale data: Otsu's method on a 256-bin
 * histogram between the minimum and maximum value. */
tb_status tb_volume_otsu(const tb_volume *v, float *threshold);

/* Turns a grayscale or binary volume into bone fraction in [0,1]:
 * value > threshold -> 1, else 0. With threshold NaN the threshold is chosen
 * automatically (the midpoint for data with two distinct values, Otsu
 * otherwise) and *used (if not NULL) receives it. A volume whose values
 * already all lie in [0,1] and threshold NaN is taken as bone fraction
 * unchanged (*used = NaN). The result has the same geometry. */
tb_status tb_volume_to_fraction(const tb_volume *in, float threshold, tb_volume **out, float *used);

#endif
