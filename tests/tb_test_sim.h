/* Helpers of the tests that build simulations: the default device (or a
 * skip), and the bone half-space several physics tests start from. */
#ifndef TB_TEST_SIM_H
#define TB_TEST_SIM_H

#include "tb_test.h"
#include "trabecula/device.h"
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

#endif
