/* HDF5 volume readers: the project's own layout (/volume + spacing_um), a
 * trabecula run's output (last /snapshots/NNNNNN/bone_fraction), and VTKHDF
 * 1.0 ImageData (https://docs.vtk.org/en/latest/vtk_file_formats/
 * vtkhdf_file_format/: group /VTKHDF with attributes Version, Type,
 * WholeExtent, Origin, Spacing; arrays under CellData or PointData stored
 * with the extent's dimensions reversed, [nz][ny][nx]). HDF5's automatic
 * error printing is switched off while we work: failures become one message
 * for the user instead of an HDF5 stack dump. */
#define _POSIX_C_SOURCE 200809L

#include "io/h5_quiet.h"
#include "io/io_internal.h"
#include "trabecula/log.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>


/* Does every component of an absolute path like "/a/b" exist? */
static int h5_has(hid_t f, const char *path) {
  char buf[512];
  size_t n = strlen(path);
  if (n >= sizeof buf) return 0;
  memcpy(buf, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (buf[i] == '/' || buf[i] == '\0') {
      char c = buf[i];
      buf[i] = '\0';
      if (H5Lexists(f, buf, H5P_DEFAULT) <= 0) return 0;
      buf[i] = c;
    }
  }
  return 1;
}

/* Reads n numbers from attribute name of loc. *found = 0 when absent. */
static tb_status attr_doubles(const char *path, hid_t loc, const char *where, const char *name, int n, double *out,
                              int *found) {
  tb_status st = TB_OK;
  hid_t a = H5I_INVALID_HID, sp = H5I_INVALID_HID, t = H5I_INVALID_HID;
  *found = 0;
  if (H5Aexists(loc, name) <= 0) return TB_OK;
  a = H5Aopen(loc, name, H5P_DEFAULT);
  CHECK(a >= 0, TB_ERR_INPUT, "%s: cannot open attribute %s of %s", path, name, where);
  t = H5Aget_type(a);
  H5T_class_t c = H5Tget_class(t);
  CHECK(c == H5T_INTEGER || c == H5T_FLOAT, TB_ERR_INPUT, "%s: attribute %s of %s is not numeric; expected %d numbers",
        path, name, where, n);
  size_t tsz = H5Tget_size(t);
  CHECK(tsz >= 1 && tsz <= 8, TB_ERR_INPUT, "%s: attribute %s of %s has %zu-byte numbers; expected 1 to 8 bytes",
        path, name, where, tsz);
  sp = H5Aget_space(a);
  int arank = H5Sget_simple_extent_ndims(sp);
  CHECK(arank == 0 || arank == 1, TB_ERR_INPUT, "%s: attribute %s of %s has rank %d; expected a list of %d numbers",
        path, name, where, arank, n);
  hssize_t np = H5Sget_simple_extent_npoints(sp);
  CHECK(np == n, TB_ERR_INPUT, "%s: attribute %s of %s holds %lld values; expected %d", path, name, where,
        (long long)np, n);
  CHECK(H5Aread(a, H5T_NATIVE_DOUBLE, out) >= 0, TB_ERR_INPUT, "%s: cannot read attribute %s of %s", path, name,
        where);
  *found = 1;
cleanup:
  if (sp >= 0) H5Sclose(sp);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return st;
}

/* Reads a string attribute (fixed or variable length) into buf. */
static tb_status attr_string(const char *path, hid_t loc, const char *where, const char *name, char *buf, size_t n,
                             int *found) {
  tb_status st = TB_OK;
  hid_t a = H5I_INVALID_HID, t = H5I_INVALID_HID, mt = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  char *vs = NULL, *fixed = NULL;
  *found = 0;
  buf[0] = '\0';
  if (H5Aexists(loc, name) <= 0) return TB_OK;
  a = H5Aopen(loc, name, H5P_DEFAULT);
  CHECK(a >= 0, TB_ERR_INPUT, "%s: cannot open attribute %s of %s", path, name, where);
  t = H5Aget_type(a);
  CHECK(H5Tget_class(t) == H5T_STRING, TB_ERR_INPUT, "%s: attribute %s of %s is not a string", path, name, where);
  sp = H5Aget_space(a);
  CHECK(H5Sget_simple_extent_ndims(sp) <= 1 && H5Sget_simple_extent_npoints(sp) == 1, TB_ERR_INPUT, "%s: attribute %s of %s holds several strings; "
        "expected one", path, name, where);
  mt = H5Tcopy(H5T_C_S1);
  if (H5Tis_variable_str(t) > 0) {
    H5Tset_size(mt, H5T_VARIABLE);
    CHECK(H5Aread(a, mt, &vs) >= 0, TB_ERR_INPUT, "%s: cannot read attribute %s of %s", path, name, where);
    snprintf(buf, n, "%s", vs ? vs : "");
  } else {
    size_t sz = H5Tget_size(t);
    CHECK(sz > 0 && sz < (1u << 20), TB_ERR_INPUT, "%s: attribute %s of %s has an odd size", path, name, where);
    H5Tset_size(mt, sz + 1);
    H5Tset_strpad(mt, H5T_STR_NULLTERM);
    fixed = calloc(1, sz + 1);
    CHECK(fixed, TB_ERR_NOMEM, "out of memory");
    CHECK(H5Aread(a, mt, fixed) >= 0, TB_ERR_INPUT, "%s: cannot read attribute %s of %s", path, name, where);
    snprintf(buf, n, "%s", fixed);
  }
  *found = 1;
cleanup:
  if (vs) H5free_memory(vs);
  free(fixed);
  if (mt >= 0) H5Tclose(mt);
  if (sp >= 0) H5Sclose(sp);
  if (t >= 0) H5Tclose(t);
  if (a >= 0) H5Aclose(a);
  return st;
}

/* Checks a dataset's storage against the file before HDF5 reads it: a
 * damaged header can claim chunks larger than the dataset (HDF5 1.10 then
 * reads past its own buffers), a contiguous block past the end of the file,
 * a filter we cannot decode or more bytes than the file holds. */
static tb_status check_storage(const char *path, hid_t f, hid_t d, const char *name, int rank, const hsize_t *dims,
                               size_t need) {
  tb_status st = TB_OK;
  hid_t dcpl = H5I_INVALID_HID;
  hsize_t fsize = 0;
  CHECK(H5Fget_filesize(f, &fsize) >= 0, TB_ERR_INPUT, "%s: cannot tell the file's size", path);
  hsize_t stored = H5Dget_storage_size(d);
  CHECK(stored <= fsize, TB_ERR_INPUT, "%s: dataset %s claims %llu stored bytes in a file of %llu; the file is damaged",
        path, name, (unsigned long long)stored, (unsigned long long)fsize);
  dcpl = H5Dget_create_plist(d);
  CHECK(dcpl >= 0, TB_ERR_INPUT, "%s: cannot read the storage layout of dataset %s", path, name);
  H5D_layout_t layout = H5Pget_layout(dcpl);
  if (layout == H5D_CONTIGUOUS) {
    haddr_t at = H5Dget_offset(d);
    CHECK(stored == need && at != HADDR_UNDEF && at <= fsize && stored <= fsize - at, TB_ERR_INPUT,
          "%s: dataset %s stores %llu bytes at offset %llu of a %llu-byte file; its size needs %zu: the file is "
          "truncated or damaged",
          path, name, (unsigned long long)stored, (unsigned long long)at, (unsigned long long)fsize, need);
  } else if (layout == H5D_CHUNKED) {
    hsize_t chunk[H5S_MAX_RANK];
    int crank = H5Pget_chunk(dcpl, H5S_MAX_RANK, chunk);
    CHECK(crank == rank, TB_ERR_INPUT, "%s: dataset %s has chunks of rank %d for data of rank %d; the file is damaged",
          path, name, crank, rank);
    for (int i = 0; i < rank; i++)
      CHECK(chunk[i] >= 1 && chunk[i] <= dims[i], TB_ERR_INPUT,
            "%s: dataset %s has chunks of %llu along axis %d, which holds %llu values; the file is damaged", path,
            name, (unsigned long long)chunk[i], i, (unsigned long long)dims[i]);
    int nf = H5Pget_nfilters(dcpl);
    CHECK(nf >= 0 && nf <= 8, TB_ERR_INPUT, "%s: dataset %s lists %d filters; the file is damaged", path, name, nf);
    for (int i = 0; i < nf; i++) {
      unsigned flags = 0, cd[8];
      size_t ncd = 8;
      char fname[64] = "";
      H5Z_filter_t id = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof fname, fname, NULL);
      CHECK(id == H5Z_FILTER_DEFLATE || id == H5Z_FILTER_SHUFFLE || id == H5Z_FILTER_FLETCHER32, TB_ERR_INPUT,
            "%s: dataset %s uses HDF5 filter %d (%s); expected none, deflate (gzip), shuffle or fletcher32", path,
            name, (int)id, fname[0] ? fname : "unknown");
    }
    /* deflate compresses at most ~1032:1 */
    CHECK(need <= ((size_t)64 << 20) || stored >= need / 1100, TB_ERR_INPUT,
          "%s: dataset %s claims %zu bytes but stores only %llu; the file is damaged", path, name, need,
          (unsigned long long)stored);
  } else {
    CHECK(layout == H5D_COMPACT && need <= 65536, TB_ERR_INPUT,
          "%s: dataset %s has an unknown storage layout (%d) or a compact one over 64 KiB; the file is damaged", path,
          name, (int)layout);
  }
cleanup:
  if (dcpl >= 0) H5Pclose(dcpl);
  return st;
}

/* Reads a numeric dataset shaped [nz][ny][nx] (or [ny][nx]) as float. With
 * want (non-NULL) the shape must match it or be a flat array of that count. */
static tb_status read_dataset(const char *path, hid_t f, const char *name, const int64_t *want, tb_volume **out) {
  tb_status st = TB_OK;
  hid_t d = H5I_INVALID_HID, sp = H5I_INVALID_HID, t = H5I_INVALID_HID;
  tb_volume *v = NULL;
  *out = NULL;
  d = H5Dopen2(f, name, H5P_DEFAULT);
  CHECK(d >= 0, TB_ERR_INPUT, "%s: cannot open dataset %s", path, name);
  t = H5Dget_type(d);
  H5T_class_t c = H5Tget_class(t);
  CHECK(c == H5T_INTEGER || c == H5T_FLOAT, TB_ERR_INPUT,
        "%s: dataset %s has an unsupported type; expected integers or floating point numbers", path, name);
  sp = H5Dget_space(d);
  int rank = H5Sget_simple_extent_ndims(sp);
  hsize_t dims[H5S_MAX_RANK];
  CHECK(rank >= 1 && rank <= H5S_MAX_RANK, TB_ERR_INPUT, "%s: dataset %s has rank %d; expected 3 ([nz][ny][nx])",
        path, name, rank);
  H5Sget_simple_extent_dims(sp, dims, NULL);
  int64_t nx, ny, nz;
  if (want) {
    long double np = 1;
    for (int i = 0; i < rank; i++) np *= dims[i];
    int ok = (rank == 1 && np == (long double)want[0] * want[1] * want[2]) ||
             (rank >= 3 && (int64_t)dims[0] == want[2] && (int64_t)dims[1] == want[1] && (int64_t)dims[2] == want[0] &&
              (rank == 3 || (rank == 4 && dims[3] == 1)));
    CHECK(ok, TB_ERR_INPUT, "%s: dataset %s holds %.0Lf values of rank %d; expected [%lld][%lld][%lld] ([nz][ny][nx])",
          path, name, np, rank, (long long)want[2], (long long)want[1], (long long)want[0]);
    nx = want[0], ny = want[1], nz = want[2];
  } else {
    CHECK(rank == 3 || rank == 2, TB_ERR_INPUT, "%s: dataset %s has rank %d; expected 3 ([nz][ny][nx])", path, name,
          rank);
    nz = rank == 3 ? (int64_t)dims[0] : 1;
    ny = (int64_t)dims[rank - 2];
    nx = (int64_t)dims[rank - 1];
  }
  size_t count;
  char field[300];
  snprintf(field, sizeof field, "dataset %s", name);
  TRY(tb_io_check_dims(path, field, nx, ny, nz, &count));
  size_t tsz = H5Tget_size(t);
  CHECK(tsz >= 1 && tsz <= 8, TB_ERR_INPUT, "%s: dataset %s has %zu-byte values; expected 1 to 8 bytes", path, name,
        tsz);
  TRY(check_storage(path, f, d, name, rank, dims, count * tsz));
  TRY(tb_volume_create((int32_t)nx, (int32_t)ny, (int32_t)nz, &v));
  CHECK(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v->data) >= 0, TB_ERR_INPUT,
        "%s: cannot read dataset %s; the file is truncated or damaged", path, name);
  *out = v;
  v = NULL;
cleanup:
  tb_volume_destroy(&v);
  if (sp >= 0) H5Sclose(sp);
  if (t >= 0) H5Tclose(t);
  if (d >= 0) H5Dclose(d);
  return st;
}

static tb_status read_own(const char *path, hid_t f, double override_um, int need_spacing, tb_volume **out) {
  tb_status st = TB_OK;
  hid_t d = H5I_INVALID_HID;
  tb_volume *v = NULL;
  double sp[3] = {1, 1, 1}, org[3] = {0, 0, 0};
  int have_sp = 0, have_org = 0;
  TRY(read_dataset(path, f, "/volume", NULL, &v));
  d = H5Dopen2(f, "/volume", H5P_DEFAULT);
  CHECK(d >= 0, TB_ERR_INPUT, "%s: cannot open dataset /volume", path);
  TRY(attr_doubles(path, d, "/volume", "spacing_um", 3, sp, &have_sp));
  if (!have_sp) TRY(attr_doubles(path, f, "/", "spacing_um", 3, sp, &have_sp));
  TRY(attr_doubles(path, d, "/volume", "origin_um", 3, org, &have_org));
  if (!have_org) TRY(attr_doubles(path, f, "/", "origin_um", 3, org, &have_org));
  TRY(tb_io_set_geometry(path, "attribute spacing_um", have_sp, sp, org, 1.0, override_um, need_spacing, v));
  *out = v;
  v = NULL;
cleanup:
  if (d >= 0) H5Dclose(d);
  tb_volume_destroy(&v);
  return st;
}

static tb_status read_snapshots(const char *path, hid_t f, double override_um, int need_spacing, tb_volume **out) {
  tb_status st = TB_OK;
  hid_t g = H5I_INVALID_HID;
  tb_volume *v = NULL;
  double sp[3] = {1, 1, 1}, org[3] = {0, 0, 0};
  int have_sp = 0, have_org = 0;
  char best[256] = "", name[256], ds[600];
  long best_n = -1;
  H5G_info_t info;
  g = H5Gopen2(f, "/snapshots", H5P_DEFAULT);
  CHECK(g >= 0 && H5Gget_info(g, &info) >= 0, TB_ERR_INPUT, "%s: cannot open group /snapshots", path);
  for (hsize_t i = 0; i < info.nlinks; i++) {
    ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
    if (len <= 0 || (size_t)len >= sizeof name) continue;
    char *end;
    long k = strtol(name, &end, 10);
    if (*end || end == name) continue;
    if (k > best_n) {
      best_n = k;
      strcpy(best, name);
    }
  }
  CHECK(best_n >= 0, TB_ERR_INPUT, "%s: group /snapshots holds no snapshot (expected groups named 000000, ...)",
        path);
  snprintf(ds, sizeof ds, "/snapshots/%s/bone_fraction", best);
  CHECK(h5_has(f, ds), TB_ERR_INPUT, "%s: the last snapshot has no dataset %s", path, ds);
  TRY(read_dataset(path, f, ds, NULL, &v));
  TRY(attr_doubles(path, f, "/", "voxel_size_um", 3, sp, &have_sp));
  TRY(attr_doubles(path, f, "/", "origin_um", 3, org, &have_org));
  tb_log_info("%s: reading snapshot %s", path, best);
  TRY(tb_io_set_geometry(path, "attribute voxel_size_um", have_sp, sp, org, 1.0, override_um, need_spacing, v));
  *out = v;
  v = NULL;
cleanup:
  if (g >= 0) H5Gclose(g);
  tb_volume_destroy(&v);
  return st;
}

static tb_status read_vtkhdf(const char *path, hid_t f, double override_um, int need_spacing, tb_volume **out) {
  tb_status st = TB_OK;
  hid_t g = H5I_INVALID_HID, ag = H5I_INVALID_HID;
  tb_volume *v = NULL;
  char type[64], units[64], name[256], ds[600];
  double ver[2] = {0, 0}, ext[6], org[3] = {0, 0, 0}, sp[3] = {1, 1, 1};
  int found, have_sp = 0, have_org = 0, cells = 1;
  g = H5Gopen2(f, "/VTKHDF", H5P_DEFAULT);
  CHECK(g >= 0, TB_ERR_INPUT, "%s: cannot open group /VTKHDF", path);
  TRY(attr_string(path, g, "/VTKHDF", "Type", type, sizeof type, &found));
  CHECK(found, TB_ERR_INPUT, "%s: group /VTKHDF has no attribute Type; expected Type = \"ImageData\"", path);
  CHECK(strcmp(type, "ImageData") == 0, TB_ERR_INPUT,
        "%s: VTKHDF attribute Type is \"%s\"; only \"ImageData\" holds a voxel volume", path, type);
  TRY(attr_doubles(path, g, "/VTKHDF", "Version", 2, ver, &found));
  if (found && ver[0] > 2) tb_log_warn("%s: VTKHDF version %g.%g is newer than 1.x/2.x; reading it as 1.0", path,
                                       ver[0], ver[1]);
  TRY(attr_doubles(path, g, "/VTKHDF", "WholeExtent", 6, ext, &found));
  CHECK(found, TB_ERR_INPUT, "%s: group /VTKHDF has no attribute WholeExtent; expected 6 integers", path);
  for (int k = 0; k < 6; k++)
    CHECK(ext[k] == floor(ext[k]) && fabs(ext[k]) < 2147483647.0, TB_ERR_INPUT,
          "%s: VTKHDF WholeExtent holds %g; expected integers", path, ext[k]);
  TRY(attr_doubles(path, g, "/VTKHDF", "Origin", 3, org, &have_org));
  TRY(attr_doubles(path, g, "/VTKHDF", "Spacing", 3, sp, &have_sp));
  double to_um = 0.0;
  TRY(attr_string(path, g, "/VTKHDF", "Units", units, sizeof units, &found));
  if (!found) TRY(attr_string(path, g, "/VTKHDF", "SpacingUnits", units, sizeof units, &found));
  if (found) {
    to_um = tb_io_unit_to_um(units);
    CHECK(to_um > 0, TB_ERR_INPUT, "%s: VTKHDF attribute Units is \"%s\"; expected mm, um or nm", path, units);
  }
  const char *grp = "/VTKHDF/CellData";
  name[0] = '\0';
  for (int pass = 0; pass < 2 && !name[0]; pass++) {
    grp = pass == 0 ? "/VTKHDF/CellData" : "/VTKHDF/PointData";
    cells = pass == 0;
    if (!h5_has(f, grp)) continue;
    H5G_info_t info;
    ag = H5Gopen2(f, grp, H5P_DEFAULT);
    if (ag >= 0 && H5Gget_info(ag, &info) >= 0 && info.nlinks > 0) {
      ssize_t len = H5Lget_name_by_idx(ag, ".", H5_INDEX_NAME, H5_ITER_INC, 0, name, sizeof name, H5P_DEFAULT);
      if (len <= 0 || (size_t)len >= sizeof name) name[0] = '\0';
    }
    if (ag >= 0) H5Gclose(ag);
    ag = H5I_INVALID_HID;
  }
  CHECK(name[0], TB_ERR_INPUT, "%s: VTKHDF ImageData has no array in /VTKHDF/CellData or /VTKHDF/PointData", path);
  int64_t want[3];
  for (int k = 0; k < 3; k++) {
    int64_t span = (int64_t)(ext[2 * k + 1] - ext[2 * k]);
    CHECK(span >= 0, TB_ERR_INPUT, "%s: VTKHDF WholeExtent %g..%g along %c is empty; expected max >= min", path,
          ext[2 * k], ext[2 * k + 1], "xyz"[k]);
    want[k] = cells ? (span > 0 ? span : 1) : span + 1;
  }
  size_t count;
  TRY(tb_io_check_dims(path, "VTKHDF WholeExtent", want[0], want[1], want[2], &count));
  snprintf(ds, sizeof ds, "%s/%s", grp, name);
  TRY(read_dataset(path, f, ds, want, &v));
  for (int k = 0; k < 3; k++) org[k] += sp[k] * (ext[2 * k] + (cells ? 0.5 : 0.0));
  TRY(tb_io_set_geometry(path, "VTKHDF attribute Spacing", have_sp, sp, org, to_um, override_um, need_spacing, v));
  *out = v;
  v = NULL;
cleanup:
  if (ag >= 0) H5Gclose(ag);
  if (g >= 0) H5Gclose(g);
  tb_volume_destroy(&v);
  return st;
}

static tb_status open_h5(const char *path, hid_t *f) {
  tb_status st = TB_OK;
  htri_t is = H5Fis_hdf5(path);
  CHECK(is > 0, TB_ERR_INPUT, "%s: not an HDF5 file (no HDF5 signature found)", path);
  *f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  CHECK(*f >= 0, TB_ERR_INPUT, "%s: cannot open the HDF5 file; it is damaged or truncated", path);
cleanup:
  return st;
}

static tb_status read_h5_here(const char *path, double override_um, int need_spacing, tb_volume **out) {
  tb_status st = TB_OK;
  hid_t f = H5I_INVALID_HID;
  quiet_h5 q;
  *out = NULL;
  h5_quiet(&q);
  TRY(open_h5(path, &f));
  if (h5_has(f, "/volume")) TRY(read_own(path, f, override_um, need_spacing, out));
  else if (h5_has(f, "/snapshots")) TRY(read_snapshots(path, f, override_um, need_spacing, out));
  else if (h5_has(f, "/VTKHDF")) TRY(read_vtkhdf(path, f, override_um, need_spacing, out));
  else
    CHECK(0, TB_ERR_INPUT,
          "%s: HDF5 file holds none of /volume (trabecula volume), /snapshots (trabecula output) or /VTKHDF "
          "(VTKHDF ImageData)",
          path);
cleanup:
  if (f >= 0) H5Fclose(f);
  h5_loud(&q);
  return st;
}

static tb_status read_labels_here(const char *path, int32_t nx, int32_t ny, int32_t nz, uint8_t **out, int *found) {
  tb_status st = TB_OK;
  hid_t f = H5I_INVALID_HID, d = H5I_INVALID_HID, sp = H5I_INVALID_HID, t = H5I_INVALID_HID;
  uint8_t *lab = NULL;
  quiet_h5 q;
  *out = NULL;
  *found = 0;
  h5_quiet(&q);
  TRY(open_h5(path, &f));
  if (!h5_has(f, "/compartment")) goto cleanup;
  d = H5Dopen2(f, "/compartment", H5P_DEFAULT);
  CHECK(d >= 0, TB_ERR_INPUT, "%s: cannot open dataset /compartment", path);
  t = H5Dget_type(d);
  CHECK(H5Tget_class(t) == H5T_INTEGER, TB_ERR_INPUT, "%s: dataset /compartment is not integer; expected uint8 labels",
        path);
  sp = H5Dget_space(d);
  hsize_t dims[3] = {0, 0, 0};
  int rank = H5Sget_simple_extent_ndims(sp);
  CHECK(rank == 3, TB_ERR_INPUT, "%s: dataset /compartment has rank %d; expected 3 ([nz][ny][nx])", path, rank);
  H5Sget_simple_extent_dims(sp, dims, NULL);
  CHECK(H5Tget_size(t) >= 1 && H5Tget_size(t) <= 8, TB_ERR_INPUT,
        "%s: dataset /compartment has %zu-byte values; expected 1 to 8 bytes", path, H5Tget_size(t));
  CHECK((int64_t)dims[0] == nz && (int64_t)dims[1] == ny && (int64_t)dims[2] == nx, TB_ERR_INPUT,
        "%s: label map /compartment is %llu x %llu x %llu voxels; expected %d x %d x %d like the volume", path,
        (unsigned long long)dims[2], (unsigned long long)dims[1], (unsigned long long)dims[0], nx, ny, nz);
  size_t n = (size_t)nx * ny * nz;
  TRY(check_storage(path, f, d, "/compartment", rank, dims, n * H5Tget_size(t)));
  lab = malloc(n ? n : 1);
  CHECK(lab, TB_ERR_NOMEM, "out of memory for a %d x %d x %d label map", nx, ny, nz);
  CHECK(H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, lab) >= 0, TB_ERR_INPUT,
        "%s: cannot read dataset /compartment as 0..255; the file is damaged or holds other values", path);
  for (size_t i = 0; i < n; i++)
    CHECK(lab[i] <= 2, TB_ERR_INPUT,
          "%s: /compartment value %u at voxel (%zu, %zu, %zu); expected 0 (outside), 1 (trabecular) or 2 (cortical)",
          path, lab[i], i % (size_t)nx, i / (size_t)nx % (size_t)ny, i / ((size_t)nx * (size_t)ny));
  *out = lab;
  lab = NULL;
  *found = 1;
cleanup:
  free(lab);
  if (sp >= 0) H5Sclose(sp);
  if (t >= 0) H5Tclose(t);
  if (d >= 0) H5Dclose(d);
  if (f >= 0) H5Fclose(f);
  h5_loud(&q);
  return st;
}

/* ---- the readers as the rest of the program sees them -------------------
 * HDF5 1.10 is not robust against hostile files (one changed byte can make
 * it crash or overrun its own buffers), so the file is parsed in a child
 * process (tb_io_in_child): a crash there is an error naming the file. */

static tb_status volume_job(const char *path, const void *arg, tb_io_payload *out) {
  tb_status st = TB_OK;
  const double *a = arg; /* override_um, need_spacing */
  tb_volume *v = NULL;
  TRY(read_h5_here(path, a[0], (int)a[1], &v));
  out->nx = v->nx, out->ny = v->ny, out->nz = v->nz;
  for (int k = 0; k < 3; k++) out->spacing_um[k] = v->spacing_um[k], out->origin_um[k] = v->origin_um[k];
  out->found = 1;
  out->data = v->data;
  v->data = NULL;
cleanup:
  tb_volume_destroy(&v);
  return st;
}

tb_status tb_io_read_h5(const char *path, double override_um, int need_spacing, tb_volume **out) {
  tb_status st = TB_OK;
  tb_io_payload pl = {0};
  tb_volume *v = NULL;
  const double arg[2] = {override_um, need_spacing};
  *out = NULL;
  TRY(tb_io_in_child(path, "HDF5 file", volume_job, arg, sizeof(float), &pl));
  v = calloc(1, sizeof *v);
  CHECK(v, TB_ERR_NOMEM, "out of memory");
  v->nx = pl.nx, v->ny = pl.ny, v->nz = pl.nz;
  for (int k = 0; k < 3; k++) v->spacing_um[k] = pl.spacing_um[k], v->origin_um[k] = pl.origin_um[k];
  v->data = pl.data;
  pl.data = NULL;
  *out = v;
  v = NULL;
cleanup:
  free(pl.data);
  tb_volume_destroy(&v);
  return st;
}

static tb_status labels_job(const char *path, const void *arg, tb_io_payload *out) {
  tb_status st = TB_OK;
  const int32_t *n = arg;
  uint8_t *lab = NULL;
  int found = 0;
  TRY(read_labels_here(path, n[0], n[1], n[2], &lab, &found));
  out->nx = n[0], out->ny = n[1], out->nz = n[2];
  out->found = found;
  out->data = lab;
cleanup:
  return st;
}

tb_status tb_io_read_h5_labels(const char *path, int32_t nx, int32_t ny, int32_t nz, uint8_t **out, int *found) {
  tb_status st = TB_OK;
  tb_io_payload pl = {0};
  const int32_t n[3] = {nx, ny, nz};
  *out = NULL;
  *found = 0;
  TRY(tb_io_in_child(path, "HDF5 label file", labels_job, n, 1, &pl));
  CHECK(!pl.found || (pl.nx == nx && pl.ny == ny && pl.nz == nz), TB_ERR_INPUT,
        "%s: label map is %d x %d x %d voxels; expected %d x %d x %d like the volume", path, pl.nx, pl.ny, pl.nz, nx,
        ny, nz);
  *found = pl.found;
  *out = pl.data;
  pl.data = NULL;
cleanup:
  free(pl.data);
  return st;
}
