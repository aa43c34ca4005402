/* XDMF index for ParaView: text in Z Y X order with the voxel-corner origin,
 * and (when /usr/bin/pvpython exists) ParaView's own XDMF reader opening it
 * with the right grid, bounds and number of time steps. */
#define _POSIX_C_SOURCE 200809L
#include "tb_test.h"
#include "trabecula/io.h"
#define IO_TEST_TAG "xdmf"
#include "io_test_util.h"

#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

enum { NX = 6, NY = 5, NZ = 4, N = NX * NY * NZ };
static const double SP[3] = {2.0, 3.0, 4.0}, ORG[3] = {1.0, 1.5, 2.0};

/* trabecula.h5 with three snapshots and labels, plus its XDMF index. */
static int write_run(void) {
  float bone[N], res[N];
  uint8_t lab[N];
  for (int i = 0; i < N; i++) bone[i] = (float)(i % 4) / 3.0f, res[i] = 0.0f, lab[i] = (uint8_t)(i % 3);
  const char *names[2] = {"bone_fraction", "resorbed"};
  const float *fields[2] = {bone, res};
  const int32_t idx[3] = {0, 1, 3};
  const double days[3] = {0.0, 5.0, 12.5};
  tb_h5_out *h = NULL;
  EXPECT(tb_h5_out_create(at("trabecula.h5"), NX, NY, NZ, SP, ORG, &h) == TB_OK);
  EXPECT(tb_h5_out_write_labels(h, lab) == TB_OK);
  for (int s = 0; s < 3; s++) EXPECT(tb_h5_out_write_snapshot(h, idx[s], days[s], 2, names, fields) == TB_OK);
  EXPECT(tb_h5_out_close(&h, 1) == TB_OK);
  EXPECT(tb_io_write_xdmf(at("trabecula.xdmf"), "trabecula.h5", NX, NY, NZ, SP, ORG, 3, idx, days, 2, names, 1) ==
         TB_OK);
  return 0;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[65536];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static int xdmf_lists_dimensions_origin_and_spacing_z_y_x(void) {
  setup("text");
  if (write_run()) return 1;
  const char *x = slurp(at("trabecula.xdmf"));
  EXPECT(x);
  EXPECT(strstr(x, "CollectionType=\"Temporal\""));
  EXPECT(strstr(x, "TopologyType=\"3DCoRectMesh\" Dimensions=\"5 6 7\""));
  EXPECT(strstr(x, ">0 0 0</DataItem>")); /* corner = origin - spacing / 2, Z Y X */
  EXPECT(strstr(x, ">4 3 2</DataItem>"));
  EXPECT(strstr(x, "<Time Value=\"12.5\"/>"));
  EXPECT(strstr(x, "Dimensions=\"4 5 6\" NumberType=\"Float\" Precision=\"4\" Format=\"HDF\">"
                   "trabecula.h5:/snapshots/000003/bone_fraction</DataItem>"));
  EXPECT(strstr(x, "NumberType=\"UChar\" Precision=\"1\" Format=\"HDF\">trabecula.h5:/compartment<"));
  int grids = 0;
  for (const char *p = x; (p = strstr(p, "GridType=\"Uniform\"")); p++) grids++;
  EXPECT(grids == 3);
  char tmp[1300];
  snprintf(tmp, sizeof tmp, "%s.tmp-%ld", at("trabecula.xdmf"), (long)getpid());
  EXPECT(access(tmp, F_OK) != 0);
  return 0;
}

static int paraview_reads_the_xdmf_time_series(void) {
  const char *pv = "/usr/bin/pvpython";
  if (access(pv, X_OK) != 0) return TB_SKIP;
  setup("pv");
  if (write_run()) return 1;
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "cd '%s' && %s --force-offscreen-rendering '%s/tests/io/pv_check_xdmf.py' '%s' %d %d %d %g %g %g %g %g %g 3",
           dir, pv, TB_SOURCE_DIR, at("trabecula.xdmf"), NX, NY, NZ, SP[0], SP[1], SP[2], ORG[0] - SP[0] / 2,
           ORG[1] - SP[1] / 2, ORG[2] - SP[2] / 2);
  int rc = system(cmd);
  EXPECT(rc != -1 && WIFEXITED(rc));
  if (WEXITSTATUS(rc) == 77) return TB_SKIP;
  EXPECT(WEXITSTATUS(rc) == 0);
  return 0;
}

int main(void) { return TB_RUN(xdmf_lists_dimensions_origin_and_spacing_z_y_x, paraview_reads_the_xdmf_time_series); }
