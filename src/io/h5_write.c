/* HDF5 writers: the own volume layout (/volume + /compartment) and the
 * simulation output file, written one snapshot at a time (layout in io.h).
 * Both are created under a temporary name and renamed into place only when
 * complete, so a crashed or aborted run never leaves a file that looks
 * finished. Datasets are [nz][ny][nx] (C order, x fastest, matching
 * tb_volume), gzip-compressed and chunked by z-slab so that a slice can be
 * read without inflating the whole volume. */
#define _POSIX_C_SOURCE 200809L

#include "io/h5_quiet.h"
#include "io/io_internal.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tb_h5_out {
  hid_t file;
  int32_t nx, ny, nz;
  char final_path[4096];
  char tmp[4200];
};


static tb_status attr_write(const char *path, hid_t loc, const char *name, hid_t ftype, hid_t mtype, int n,
                            const void *vals) {
  tb_status st = TB_OK;
  hid_t sp = H5I_INVALID_HID, a = H5I_INVALID_HID;
  hsize_t dim = (hsize_t)n;
  if (H5Aexists(loc, name) > 0) H5Adelete(loc, name);
  sp = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
  a = H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(sp >= 0 && a >= 0 && H5Awrite(a, mtype, vals) >= 0, TB_ERR_IO, "%s: cannot write attribute %s", path,
        name);
cleanup:
  if (a >= 0) H5Aclose(a);
  if (sp >= 0) H5Sclose(sp);
  return st;
}

static tb_status attr_string(const char *path, hid_t loc, const char *name, const char *value) {
  tb_status st = TB_OK;
  hid_t t = H5Tcopy(H5T_C_S1);
  CHECK(t >= 0, TB_ERR_IO, "%s: cannot make a string type", path);
  H5Tset_size(t, strlen(value) + 1);
  H5Tset_strpad(t, H5T_STR_NULLTERM);
  TRY(attr_write(path, loc, name, t, t, 1, value));
cleanup:
  if (t >= 0) H5Tclose(t);
  return st;
}

/* Opens group (absolute path, "/" for the root), creating it and its parents. */
static tb_status group_open(const char *path, hid_t f, const char *group, hid_t *g) {
  tb_status st = TB_OK;
  hid_t lcpl = H5I_INVALID_HID;
  CHECK(group && group[0] == '/', TB_ERR_INTERNAL, "%s: group name '%s' must start with /", path,
        group ? group : "(null)");
  if (strcmp(group, "/") == 0 || H5Lexists(f, group, H5P_DEFAULT) > 0) {
    *g = H5Gopen2(f, group, H5P_DEFAULT);
  } else {
    lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    *g = H5Gcreate2(f, group, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  }
  CHECK(*g >= 0, TB_ERR_IO, "%s: cannot open or create group %s", path, group);
cleanup:
  if (lcpl >= 0) H5Pclose(lcpl);
  return st;
}

static tb_status dataset_write(const char *path, hid_t loc, const char *name, hid_t ftype, hid_t mtype, int32_t nx,
                               int32_t ny, int32_t nz, const void *data, int level) {
  tb_status st = TB_OK;
  hid_t sp = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, d = H5I_INVALID_HID;
  hsize_t dims[3] = {(hsize_t)nz, (hsize_t)ny, (hsize_t)nx};
  /* One z-slab per chunk, kept under HDF5's 4 GiB chunk limit. */
  hsize_t cx = (hsize_t)nx < ((hsize_t)1 << 20) ? (hsize_t)nx : ((hsize_t)1 << 20);
  hsize_t cy = (hsize_t)ny;
  if (cy * cx > ((hsize_t)1 << 26)) cy = ((hsize_t)1 << 26) / cx ? ((hsize_t)1 << 26) / cx : 1;
  hsize_t chunk[3] = {1, cy, cx};
  sp = H5Screate_simple(3, dims, NULL);
  dcpl = H5Pcreate(H5P_DATASET_CREATE);
  CHECK(sp >= 0 && dcpl >= 0, TB_ERR_IO, "%s: cannot prepare dataset %s", path, name);
  H5Pset_chunk(dcpl, 3, chunk);
  H5Pset_deflate(dcpl, (unsigned)level);
  d = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  CHECK(d >= 0, TB_ERR_IO, "%s: cannot create dataset %s (does it exist already?)", path, name);
  CHECK(H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0, TB_ERR_IO,
        "%s: writing dataset %s failed (disk full?)", path, name);
cleanup:
  if (d >= 0) H5Dclose(d);
  if (dcpl >= 0) H5Pclose(dcpl);
  if (sp >= 0) H5Sclose(sp);
  return st;
}

static tb_status check_geometry(const char *path, int32_t nx, int32_t ny, int32_t nz, const double sp[3],
                                const double org[3]) {
  tb_status st = TB_OK;
  CHECK(nx > 0 && ny > 0 && nz > 0, TB_ERR_INTERNAL, "%s: dimensions %d x %d x %d; expected at least 1 each", path,
        nx, ny, nz);
  for (int k = 0; k < 3; k++) {
    CHECK(isfinite(sp[k]) && sp[k] > 0, TB_ERR_INTERNAL, "%s: voxel size %g; expected positive", path, sp[k]);
    CHECK(isfinite(org[k]), TB_ERR_INTERNAL, "%s: origin is not finite", path);
  }
cleanup:
  return st;
}

tb_status tb_io_write_volume_h5(const char *path, const tb_volume *v, const uint8_t *labels_or_null) {
  tb_status st = TB_OK;
  hid_t f = H5I_INVALID_HID, d = H5I_INVALID_HID;
  char tmp[4200];
  int created = 0;
  quiet_h5 q;
  h5_quiet(&q);
  CHECK(v && v->data, TB_ERR_INTERNAL, "%s: no volume to write", path);
  TRY(check_geometry(path, v->nx, v->ny, v->nz, v->spacing_um, v->origin_um));
  TRY(tb_io_temp_path(path, tmp, sizeof tmp));
  f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(f >= 0, TB_ERR_IO, "%s: cannot create the output file (%s)", path, tmp);
  created = 1;
  TRY(dataset_write(path, f, "volume", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, v->nx, v->ny, v->nz, v->data, 4));
  d = H5Dopen2(f, "volume", H5P_DEFAULT);
  CHECK(d >= 0, TB_ERR_IO, "%s: cannot reopen dataset /volume", path);
  TRY(attr_write(path, d, "spacing_um", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, v->spacing_um));
  TRY(attr_write(path, d, "origin_um", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, v->origin_um));
  if (labels_or_null)
    TRY(dataset_write(path, f, "compartment", H5T_STD_U8LE, H5T_NATIVE_UINT8, v->nx, v->ny, v->nz, labels_or_null,
                      4));
  H5Dclose(d);
  d = H5I_INVALID_HID;
  herr_t closed = H5Fclose(f);
  f = H5I_INVALID_HID; /* never closed twice: HDF5 1.10 crashes on that after a failed close */
  CHECK(closed >= 0, TB_ERR_IO, "%s: closing the file failed (disk full?)", path);
  created = 0;
  TRY(tb_io_commit(tmp, path));
cleanup:
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  if (created) remove(tmp);
  h5_loud(&q);
  return st;
}

/* ---- simulation output ------------------------------------------------- */

tb_status tb_h5_out_create(const char *final_path, int32_t nx, int32_t ny, int32_t nz, const double spacing_um[3],
                           const double origin_um[3], tb_h5_out **out) {
  tb_status st = TB_OK;
  tb_h5_out *h = NULL;
  quiet_h5 q;
  h5_quiet(&q);
  *out = NULL;
  TRY(check_geometry(final_path, nx, ny, nz, spacing_um, origin_um));
  h = calloc(1, sizeof *h);
  CHECK(h, TB_ERR_NOMEM, "out of memory");
  h->file = H5I_INVALID_HID;
  CHECK(strlen(final_path) < sizeof h->final_path, TB_ERR_INPUT, "%s: output path is too long", final_path);
  strcpy(h->final_path, final_path);
  TRY(tb_io_temp_path(final_path, h->tmp, sizeof h->tmp));
  h->nx = nx, h->ny = ny, h->nz = nz;
  h->file = H5Fcreate(h->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  CHECK(h->file >= 0, TB_ERR_IO, "%s: cannot create the output file (%s); is the folder writable?", final_path,
        h->tmp);
  int dims[3] = {nx, ny, nz};
  TRY(attr_string(final_path, h->file, "format", "trabecula-1"));
  TRY(attr_write(final_path, h->file, "voxel_size_um", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, spacing_um));
  TRY(attr_write(final_path, h->file, "origin_um", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, origin_um));
  TRY(attr_write(final_path, h->file, "dimensions", H5T_STD_I32LE, H5T_NATIVE_INT, 3, dims));
  *out = h;
  h = NULL;
cleanup:
  h5_loud(&q);
  if (h) tb_h5_out_close(&h, 0);
  return st;
}

tb_status tb_h5_out_attr_double(tb_h5_out *h, const char *group, const char *name, double value,
                                const char *unit_or_null) {
  tb_status st = TB_OK;
  hid_t g = H5I_INVALID_HID;
  char uname[512];
  quiet_h5 q;
  h5_quiet(&q);
  CHECK(h && name && name[0], TB_ERR_INTERNAL, "tb_h5_out_attr_double: no file or attribute name");
  TRY(group_open(h->final_path, h->file, group, &g));
  TRY(attr_write(h->final_path, g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &value));
  if (unit_or_null) {
    int n = snprintf(uname, sizeof uname, "%s_unit", name);
    CHECK(n > 0 && (size_t)n < sizeof uname, TB_ERR_INTERNAL, "attribute name %s is too long", name);
    TRY(attr_string(h->final_path, g, uname, unit_or_null));
  }
cleanup:
  if (g >= 0) H5Gclose(g);
  h5_loud(&q);
  return st;
}

tb_status tb_h5_out_attr_string(tb_h5_out *h, const char *group, const char *name, const char *value) {
  tb_status st = TB_OK;
  hid_t g = H5I_INVALID_HID;
  quiet_h5 q;
  h5_quiet(&q);
  CHECK(h && name && name[0] && value, TB_ERR_INTERNAL, "tb_h5_out_attr_string: no file, name or value");
  TRY(group_open(h->final_path, h->file, group, &g));
  TRY(attr_string(h->final_path, g, name, value));
cleanup:
  if (g >= 0) H5Gclose(g);
  h5_loud(&q);
  return st;
}

tb_status tb_h5_out_write_labels(tb_h5_out *h, const uint8_t *labels) {
  tb_status st = TB_OK;
  quiet_h5 q;
  h5_quiet(&q);
  CHECK(h && labels, TB_ERR_INTERNAL, "tb_h5_out_write_labels: no file or labels");
  TRY(dataset_write(h->final_path, h->file, "/compartment", H5T_STD_U8LE, H5T_NATIVE_UINT8, h->nx, h->ny, h->nz,
                    labels, 1));
cleanup:
  h5_loud(&q);
  return st;
}

tb_status tb_h5_out_write_snapshot(tb_h5_out *h, int32_t index, double time_days, int32_t nfields,
                                   const char *const *names, const float *const *fields) {
  tb_status st = TB_OK;
  hid_t g = H5I_INVALID_HID;
  char group[64];
  quiet_h5 q;
  h5_quiet(&q);
  CHECK(h && index >= 0 && index <= 999999 && nfields >= 0 && (nfields == 0 || (names && fields)), TB_ERR_INTERNAL,
        "tb_h5_out_write_snapshot: bad arguments (index %d, %d fields)", index, nfields);
  snprintf(group, sizeof group, "/snapshots/%06d", index);
  CHECK(H5Lexists(h->file, "/snapshots", H5P_DEFAULT) <= 0 || H5Lexists(h->file, group, H5P_DEFAULT) <= 0,
        TB_ERR_INTERNAL, "%s: snapshot %s written twice", h->final_path, group);
  TRY(group_open(h->final_path, h->file, group, &g));
  TRY(attr_write(h->final_path, g, "time_days", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &time_days));
  for (int32_t i = 0; i < nfields; i++) {
    CHECK(names[i] && names[i][0] && !strchr(names[i], '/') && fields[i], TB_ERR_INTERNAL,
          "%s: field %d of snapshot %d has no name or data", h->final_path, i, index);
    TRY(dataset_write(h->final_path, g, names[i], H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, h->nx, h->ny, h->nz, fields[i],
                      1));
  }
cleanup:
  if (g >= 0) H5Gclose(g);
  h5_loud(&q);
  return st;
}

tb_status tb_h5_out_close(tb_h5_out **hp, int commit) {
  tb_status st = TB_OK;
  tb_h5_out *h = hp ? *hp : NULL;
  quiet_h5 q;
  if (!h) return TB_OK;
  *hp = NULL;
  h5_quiet(&q);
  if (h->file >= 0) {
    int ok = !commit || H5Fflush(h->file, H5F_SCOPE_GLOBAL) >= 0;
    ok = H5Fclose(h->file) >= 0 && ok;
    h->file = H5I_INVALID_HID;
    if (!ok && commit) {
      remove(h->tmp);
      CHECK(0, TB_ERR_IO, "%s: finishing the output file failed (disk full?)", h->final_path);
    }
    if (commit) TRY(tb_io_commit(h->tmp, h->final_path));
    else remove(h->tmp);
  }
cleanup:
  h5_loud(&q);
  free(h);
  return st;
}
