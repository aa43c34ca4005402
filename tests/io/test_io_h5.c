/* HDF5 in and out: the own volume layout, the simulation output writer's
 * layout (checked with the HDF5 C API), atomic commit and abort, reading the
 * last snapshot of a run's output, and VTKHDF 1.0 ImageData written here
 * with the HDF5 C API (CellData and PointData). */
#define _POSIX_C_SOURCE 200809L
#include "tb_test.h"
#include "trabecula/io.h"
#define IO_TEST_TAG "h5"
#include "io_test_util.h"

#include <hdf5.h>
#include <stdint.h>
#include <unistd.h>

static int exists(const char *p) { return access(p, F_OK) == 0; }

static int own_layout_round_trips_with_labels(void) {
  setup("own");
  tb_volume *v = NULL, *r = NULL;
  EXPECT(tb_volume_create(5, 4, 3, &v) == TB_OK);
  uint8_t lab[60];
  for (int i = 0; i < 60; i++) v->data[i] = (float)i / 7.0f, lab[i] = (uint8_t)(i % 3);
  v->spacing_um[0] = 2.0, v->spacing_um[1] = 3.0, v->spacing_um[2] = 4.0, v->origin_um[2] = -8.0;
  EXPECT(tb_io_write_volume_h5(at("v.h5"), v, lab) == TB_OK);
  EXPECT(tb_io_read_volume(at("v.h5"), 0.0, &r) == TB_OK);
  EXPECT(r->nx == 5 && r->ny == 4 && r->nz == 3);
  for (int i = 0; i < 60; i++) EXPECT(r->data[i] == v->data[i]);
  EXPECT(r->spacing_um[0] == 2.0 && r->spacing_um[2] == 4.0 && r->origin_um[2] == -8.0);
  uint8_t *l = NULL;
  EXPECT(tb_io_read_labels(at("v.h5"), 0.0, v, &l) == TB_OK);
  EXPECT(memcmp(l, lab, 60) == 0);
  free(l);
  l = NULL;
  tb_volume *other = NULL;
  EXPECT(tb_volume_create(5, 4, 4, &other) == TB_OK);
  EXPECT(tb_io_read_labels(at("v.h5"), 0.0, other, &l) == TB_ERR_INPUT && l == NULL);
  tb_volume_destroy(&other);
  tb_volume_destroy(&r);
  tb_volume_destroy(&v);
  return 0;
}

static double attr_d(hid_t loc, const char *name, int i) {
  double v[3] = {NAN, NAN, NAN};
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0) return NAN;
  H5Aread(a, H5T_NATIVE_DOUBLE, v);
  H5Aclose(a);
  return v[i];
}

static void attr_s(hid_t loc, const char *name, char *buf, size_t n) {
  buf[0] = '\0';
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  if (a < 0) return;
  hid_t t = H5Aget_type(a), mt = H5Tcopy(H5T_C_S1);
  size_t sz = H5Tget_size(t);
  if (sz < n) {
    H5Tset_size(mt, sz);
    H5Aread(a, mt, buf);
    buf[sz] = '\0';
  }
  H5Tclose(mt);
  H5Tclose(t);
  H5Aclose(a);
}

static int output_writer_makes_the_documented_layout(void) {
  setup("out");
  const double sp[3] = {4.0, 5.0, 6.0}, org[3] = {1.0, 2.0, 3.0};
  enum { NX = 6, NY = 5, NZ = 4, N = NX * NY * NZ };
  float bone[N], res[N];
  uint8_t lab[N];
  for (int i = 0; i < N; i++) bone[i] = (float)(i % 10) / 10.0f, res[i] = 0.5f, lab[i] = (uint8_t)(i % 3);
  const char *names[2] = {"bone_fraction", "resorbed"};
  const float *fields[2] = {bone, res};
  tb_h5_out *h = NULL;
  EXPECT(tb_h5_out_create(at("trabecula.h5"), NX, NY, NZ, sp, org, &h) == TB_OK);
  EXPECT(!exists(at("trabecula.h5")));
  EXPECT(tb_h5_out_attr_double(h, "/parameters", "mar_um_per_day", 0.8, "um/day") == TB_OK);
  EXPECT(tb_h5_out_attr_double(h, "/parameters", "mar_um_per_day", 0.9, "um/day") == TB_OK);
  EXPECT(tb_h5_out_attr_string(h, "/", "scenario", "mouse_ovx") == TB_OK);
  EXPECT(tb_h5_out_write_labels(h, lab) == TB_OK);
  EXPECT(tb_h5_out_write_snapshot(h, 0, 0.0, 2, names, fields) == TB_OK);
  bone[0] = 0.75f;
  EXPECT(tb_h5_out_write_snapshot(h, 3, 12.5, 2, names, fields) == TB_OK);
  EXPECT(tb_h5_out_close(&h, 1) == TB_OK && h == NULL);
  EXPECT(exists(at("trabecula.h5")));

  hid_t f = H5Fopen(at("trabecula.h5"), H5F_ACC_RDONLY, H5P_DEFAULT);
  EXPECT(f >= 0);
  char s[64];
  attr_s(f, "format", s, sizeof s);
  EXPECT(strcmp(s, "trabecula-1") == 0);
  attr_s(f, "scenario", s, sizeof s);
  EXPECT(strcmp(s, "mouse_ovx") == 0);
  EXPECT(attr_d(f, "voxel_size_um", 0) == 4.0 && attr_d(f, "voxel_size_um", 2) == 6.0);
  EXPECT(attr_d(f, "origin_um", 1) == 2.0);
  EXPECT(attr_d(f, "dimensions", 0) == NX && attr_d(f, "dimensions", 2) == NZ);
  hid_t g = H5Gopen2(f, "/parameters", H5P_DEFAULT);
  EXPECT(g >= 0 && attr_d(g, "mar_um_per_day", 0) == 0.9);
  attr_s(g, "mar_um_per_day_unit", s, sizeof s);
  EXPECT(strcmp(s, "um/day") == 0);
  H5Gclose(g);
  g = H5Gopen2(f, "/snapshots/000003", H5P_DEFAULT);
  EXPECT(g >= 0 && attr_d(g, "time_days", 0) == 12.5);
  H5Gclose(g);
  hid_t d = H5Dopen2(f, "/snapshots/000003/bone_fraction", H5P_DEFAULT);
  EXPECT(d >= 0);
  hid_t space = H5Dget_space(d), type = H5Dget_type(d), dcpl = H5Dget_create_plist(d);
  hsize_t dims[3], chunk[3];
  EXPECT(H5Sget_simple_extent_ndims(space) == 3);
  H5Sget_simple_extent_dims(space, dims, NULL);
  EXPECT(dims[0] == NZ && dims[1] == NY && dims[2] == NX);
  EXPECT(H5Tget_class(type) == H5T_FLOAT && H5Tget_size(type) == 4);
  EXPECT(H5Pget_layout(dcpl) == H5D_CHUNKED && H5Pget_chunk(dcpl, 3, chunk) == 3);
  EXPECT(chunk[0] == 1 && chunk[1] == NY && chunk[2] == NX);
  unsigned flags = 0, cd[4];
  size_t ncd = 4;
  EXPECT(H5Pget_filter2(dcpl, 0, &flags, &ncd, cd, 0, NULL, NULL) == H5Z_FILTER_DEFLATE && cd[0] == 1);
  float back[N];
  EXPECT(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0);
  EXPECT(back[0] == 0.75f && back[7] == bone[7]);
  H5Pclose(dcpl);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(d);
  d = H5Dopen2(f, "/compartment", H5P_DEFAULT);
  type = H5Dget_type(d);
  EXPECT(d >= 0 && H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == 1);
  H5Tclose(type);
  H5Dclose(d);
  H5Fclose(f);

  /* Reading the output takes the last snapshot's bone fraction. */
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("trabecula.h5"), 0.0, &r) == TB_OK);
  EXPECT(r->nx == NX && r->ny == NY && r->nz == NZ && r->data[0] == 0.75f);
  EXPECT(r->spacing_um[1] == 5.0 && r->origin_um[2] == 3.0);
  uint8_t *l = NULL;
  EXPECT(tb_io_read_labels(at("trabecula.h5"), 0.0, r, &l) == TB_OK && memcmp(l, lab, N) == 0);
  free(l);
  tb_volume_destroy(&r);
  return 0;
}

static int aborted_writer_leaves_nothing(void) {
  setup("abort");
  const double sp[3] = {1, 1, 1}, org[3] = {0, 0, 0};
  float x[8] = {0};
  const char *names[1] = {"bone_fraction"};
  const float *fields[1] = {x};
  tb_h5_out *h = NULL;
  EXPECT(tb_h5_out_create(at("run.h5"), 2, 2, 2, sp, org, &h) == TB_OK);
  EXPECT(tb_h5_out_write_snapshot(h, 0, 0.0, 1, names, fields) == TB_OK);
  EXPECT(tb_h5_out_close(&h, 0) == TB_OK && h == NULL);
  EXPECT(tb_h5_out_close(&h, 1) == TB_OK); /* NULL is fine */
  char cmd[1300];
  snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", dir);
  EXPECT(system(cmd) == 0);
  return 0;
}

/* A VTKHDF 1.0 ImageData file like VTK's vtkHDFWriter makes. */
static int write_vtkhdf(const char *path, int cells, const int64_t ext[6], const float *data) {
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hid_t g = H5Gcreate2(f, "VTKHDF", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t two = 2, three = 3, six = 6;
  int ver[2] = {1, 0};
  double origin[3] = {10.0, 20.0, 30.0}, spacing[3] = {2.0, 3.0, 4.0};
  hid_t s = H5Screate_simple(1, &two, NULL);
  hid_t a = H5Acreate2(g, "Version", H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_INT, ver);
  H5Aclose(a), H5Sclose(s);
  s = H5Screate_simple(1, &six, NULL);
  a = H5Acreate2(g, "WholeExtent", H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_INT64, ext);
  H5Aclose(a), H5Sclose(s);
  s = H5Screate_simple(1, &three, NULL);
  a = H5Acreate2(g, "Origin", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_DOUBLE, origin);
  H5Aclose(a);
  a = H5Acreate2(g, "Spacing", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, H5T_NATIVE_DOUBLE, spacing);
  H5Aclose(a), H5Sclose(s);
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, 9);
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  s = H5Screate(H5S_SCALAR);
  a = H5Acreate2(g, "Type", t, s, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(a, t, "ImageData");
  H5Aclose(a), H5Sclose(s), H5Tclose(t);
  hid_t dg = H5Gcreate2(g, cells ? "CellData" : "PointData", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int k = cells ? 0 : 1;
  hsize_t dims[3] = {(hsize_t)(ext[5] - ext[4] + k), (hsize_t)(ext[3] - ext[2] + k), (hsize_t)(ext[1] - ext[0] + k)};
  s = H5Screate_simple(3, dims, NULL);
  hid_t d = H5Dcreate2(dg, "density", H5T_IEEE_F32LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  herr_t e = H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(d), H5Sclose(s), H5Gclose(dg), H5Gclose(g);
  return H5Fclose(f) < 0 || e < 0;
}

static int vtkhdf_image_data_reads_cells_and_points(void) {
  setup("vtkhdf");
  float data[60];
  for (int i = 0; i < 60; i++) data[i] = (float)i;
  const int64_t ext_cells[6] = {0, 5, 0, 4, 1, 4}; /* 5 x 4 x 3 cells */
  EXPECT(write_vtkhdf(at("c.vtkhdf"), 1, ext_cells, data) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("c.vtkhdf"), 0.0, &r) == TB_OK);
  EXPECT(r->nx == 5 && r->ny == 4 && r->nz == 3 && r->data[59] == 59.0f && r->data[6] == 6.0f);
  EXPECT_NEAR(r->spacing_um[2], 4.0, 1e-12);
  EXPECT_NEAR(r->origin_um[0], 11.0, 1e-12); /* cell centre: 10 + 0.5 * 2 */
  EXPECT_NEAR(r->origin_um[2], 36.0, 1e-12); /* 30 + (1 + 0.5) * 4 */
  tb_volume_destroy(&r);
  const int64_t ext_points[6] = {0, 4, 0, 3, 0, 2}; /* 5 x 4 x 3 points */
  EXPECT(write_vtkhdf(at("p.hdf"), 0, ext_points, data) == 0);
  EXPECT(tb_io_read_volume(at("p.hdf"), 0.0, &r) == TB_OK);
  EXPECT(r->nx == 5 && r->ny == 4 && r->nz == 3 && r->data[59] == 59.0f);
  EXPECT_NEAR(r->origin_um[0], 10.0, 1e-12);
  tb_volume_destroy(&r);
  return 0;
}

int main(void) {
  return TB_RUN(own_layout_round_trips_with_labels, output_writer_makes_the_documented_layout,
                aborted_writer_leaves_nothing, vtkhdf_image_data_reads_cells_and_points);
}
