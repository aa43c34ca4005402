/* Helpers of the tests that build simulations: the default device (or a
 * skip), the bone half-space several physics tests start from, and a
 * scalar's index. */
#ifndef TB_TEST_SIM_H
#define TB_TEST_SIM_H

#include "tb_test.h"
#include "trabecula/device.h"
#include "trabecula/sim.h"
#include "trabecula/volume.h"

/* The default device, or TB_SKIP when none can be opened. */
static inline int open_device(tb_device **dev) {
  if (tb_dev_create(NULL, dev) != TB_OK) {
    fprintf(stderr, "no OpenCL device: skipped\n");
    return TB_SKIP;
  }
  return 0;
}

/* A bone half-space: f = 1 for z < zb, marrow above, voxel size h. */
static inline tb_volume *half_space(int nx, int ny, int nz, int zb, double h) {
  tb_volume *v = NULL;
  if (tb_volume_create(nx, ny, nz, &v) != TB_OK) return NULL;
  for (int a = 0; a < 3; a++) v->spacing_um[a] = h;
  for (int z = 0; z < zb; z++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++) v->data[tb_volume_index(v, x, y, z)] = 1.0f;
  return v;
}

/* Index of a process scalar (a morphometry.csv column) among the
 * simulation's, or -1. */
static inline int scalar_index(const tb_sim *s, const char *name) {
  for (int32_t k = 0; k < tb_sim_scalar_count(s); k++)
    if (!strcmp(tb_sim_scalar_name(s, k), name)) return k;
  return -1;
}

#endif
