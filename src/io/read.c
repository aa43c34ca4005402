/* Entry points for reading: picks the format from the file's magic bytes
 * (NRRD000x, the HDF5 signature, TIFF's II*\0 / MM\0*, the AIM pre-header,
 * DICOM's DICM at byte 128), then from its extension; a folder or a glob
 * pattern is a TIFF series when it holds .tif/.tiff files and a DICOM series
 * otherwise. Also reads compartment label maps with their dimension and
 * value checks. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum { FMT_UNKNOWN, FMT_NRRD, FMT_MHD, FMT_H5, FMT_TIFF, FMT_AIM, FMT_DICOM, FMT_SERIES } fmt;

static int is_tiff(const unsigned char *m, size_t n) {
  return n >= 4 && (memcmp(m, "II*\0", 4) == 0 || memcmp(m, "MM\0*", 4) == 0 || /* classic */
                    memcmp(m, "II+\0", 4) == 0 || memcmp(m, "MM\0+", 4) == 0);  /* BigTIFF */
}

static int is_dicom(const unsigned char *m, size_t n) { return n >= 132 && memcmp(m + 128, "DICM", 4) == 0; }

static tb_status detect(const char *path, fmt *f) {
  tb_status st = TB_OK;
  FILE *fp = NULL;
  unsigned char magic[132] = {0};
  static const unsigned char h5sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  *f = FMT_UNKNOWN;
  size_t size = 0;
  CHECK(path && path[0], TB_ERR_INPUT, "no input volume path given");
  if (tb_io_is_dir(path) || tb_io_is_glob(path)) {
    *f = FMT_SERIES;
    goto cleanup;
  }
  TRY(tb_io_open_regular(path, "input volume", &fp, &size));
  size_t n = fread(magic, 1, sizeof magic, fp);
  if (n >= 7 && memcmp(magic, "NRRD000", 7) == 0) *f = FMT_NRRD;
  else if (n >= 8 && memcmp(magic, h5sig, 8) == 0) *f = FMT_H5;
  else if (is_tiff(magic, n)) *f = FMT_TIFF;
  else if (tb_io_is_aim(magic, n)) *f = FMT_AIM;
  else if (is_dicom(magic, n)) *f = FMT_DICOM;
  else if (tb_io_has_ext(path, ".tif") || tb_io_has_ext(path, ".tiff")) *f = FMT_TIFF;
  else if (tb_io_has_ext(path, ".aim")) *f = FMT_AIM;
  else if (tb_io_has_ext(path, ".dcm")) *f = FMT_DICOM;
  else if (tb_io_has_ext(path, ".nrrd") || tb_io_has_ext(path, ".nhdr")) *f = FMT_NRRD;
  else if (tb_io_has_ext(path, ".mhd") || tb_io_has_ext(path, ".mha")) *f = FMT_MHD;
  else if (tb_io_has_ext(path, ".h5") || tb_io_has_ext(path, ".hdf5") || tb_io_has_ext(path, ".hdf") ||
           tb_io_has_ext(path, ".vtkhdf"))
    *f = FMT_H5; /* the superblock may sit at 512, 1024, ... */
  else if ((n >= 10 && memcmp(magic, "ObjectType", 10) == 0) || (n >= 5 && memcmp(magic, "NDims", 5) == 0))
    *f = FMT_MHD;
  CHECK(*f != FMT_UNKNOWN, TB_ERR_INPUT,
        "%s: unknown volume format; expected NRRD (.nrrd, .nhdr), MetaImage (.mhd, .mha), HDF5 (.h5, .hdf5, "
        ".vtkhdf), TIFF (.tif, .tiff), Scanco AIM (.aim), DICOM (.dcm), or a folder or pattern of TIFF or DICOM "
        "slices",
        path);
cleanup:
  if (fp) fclose(fp);
  return st;
}

/* A folder or pattern: its .tif/.tiff files, else every file as DICOM. */
static tb_status read_series(const char *path, double override_um, int need_spacing, tb_volume **out) {
  tb_status st = TB_OK;
  static const char *const tif[] = {".tif", ".tiff", NULL};
  char **files = NULL;
  size_t n = 0;
  if (tb_io_is_dir(path)) {
    TRY(tb_io_list_dir(path, tif, &files, &n));
    if (n == 0) {
      TRY(tb_io_list_dir(path, NULL, &files, &n));
      /* A DICOMDIR index is not a slice. */
      size_t k = 0;
      for (size_t i = 0; i < n; i++) {
        const char *b = strrchr(files[i], '/');
        if (strcmp(b ? b + 1 : files[i], "DICOMDIR") == 0) free(files[i]);
        else files[k++] = files[i];
      }
      n = k;
      CHECK(n > 0, TB_ERR_INPUT, "%s: an empty folder; expected TIFF (.tif, .tiff) or DICOM slices", path);
      /* DICOM slices often have no extension: the first must carry the
       * DICOM preamble ("DICM" at byte 128) or end in .dcm. */
      FILE *fp = fopen(files[0], "rb");
      unsigned char m[132] = {0};
      size_t got = fp ? fread(m, 1, sizeof m, fp) : 0;
      if (fp) fclose(fp);
      CHECK(is_dicom(m, got) || tb_io_has_ext(files[0], ".dcm"), TB_ERR_INPUT,
            "%s is a directory holding neither TIFF slices (.tif, .tiff) nor DICOM slices (its first file, %s, is "
            "not DICOM); give a volume file, a folder of slices or a pattern such as 'slices/*.tif'",
            path, files[0]);
      TRY(tb_io_read_dicom(path, files, n, override_um, need_spacing, out));
      goto cleanup;
    }
  } else {
    TRY(tb_io_glob(path, &files, &n));
    FILE *fp = fopen(files[0], "rb");
    unsigned char m[132] = {0};
    size_t got = fp ? fread(m, 1, sizeof m, fp) : 0;
    if (fp) fclose(fp);
    if (!is_tiff(m, got)) {
      CHECK(is_dicom(m, got), TB_ERR_INPUT, "%s: the first match %s is neither TIFF nor DICOM; expected slices of one of them",
            path, files[0]);
      TRY(tb_io_read_dicom(path, files, n, override_um, need_spacing, out));
      goto cleanup;
    }
  }
  TRY(tb_io_read_tiff(path, files, n, override_um, need_spacing, out));
cleanup:
  tb_io_free_list(&files, n);
  return st;
}

static tb_status read_any(const char *path, double override_um, int need_spacing, tb_volume **out) {
  tb_status st = TB_OK;
  fmt f;
  *out = NULL;
  TRY(detect(path, &f));
  char *one[1] = {(char *)path};
  if (f == FMT_NRRD) TRY(tb_io_read_nrrd(path, override_um, need_spacing, out));
  else if (f == FMT_MHD) TRY(tb_io_read_mhd(path, override_um, need_spacing, out));
  else if (f == FMT_TIFF) TRY(tb_io_read_tiff(path, one, 1, override_um, need_spacing, out));
  else if (f == FMT_AIM) TRY(tb_io_read_aim(path, override_um, need_spacing, out));
  else if (f == FMT_DICOM) TRY(tb_io_read_dicom(path, one, 1, override_um, need_spacing, out));
  else if (f == FMT_SERIES) TRY(read_series(path, override_um, need_spacing, out));
  else TRY(tb_io_read_h5(path, override_um, need_spacing, out));
  size_t n = tb_volume_count(*out);
  for (size_t i = 0; i < n; i++) {
    float x = (*out)->data[i];
    CHECK(isfinite(x), TB_ERR_INPUT, "%s: voxel (%zu, %zu, %zu) holds %s; expected finite values", path,
          i % (size_t)(*out)->nx, i / (size_t)(*out)->nx % (size_t)(*out)->ny,
          i / ((size_t)(*out)->nx * (size_t)(*out)->ny), isnan(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf");
  }
cleanup:
  if (st != TB_OK) tb_volume_destroy(out);
  return st;
}

tb_status tb_io_read_volume(const char *path, double spacing_override_um, tb_volume **out) {
  return read_any(path, spacing_override_um, 1, out);
}

tb_status tb_io_read_labels(const char *path, double spacing_override_um, const tb_volume *like,
                            uint8_t **labels_out) {
  tb_status st = TB_OK;
  tb_volume *v = NULL;
  uint8_t *lab = NULL;
  int found = 0;
  fmt f;
  *labels_out = NULL;
  CHECK(like, TB_ERR_INTERNAL, "tb_io_read_labels: no reference volume");
  TRY(detect(path, &f));
  if (f == FMT_H5) TRY(tb_io_read_h5_labels(path, like->nx, like->ny, like->nz, &lab, &found));
  if (!found) {
    TRY(read_any(path, spacing_override_um, 0, &v));
    CHECK(v->nx == like->nx && v->ny == like->ny && v->nz == like->nz, TB_ERR_INPUT,
          "%s: label map is %d x %d x %d voxels; expected %d x %d x %d like the volume", path, v->nx, v->ny, v->nz,
          like->nx, like->ny, like->nz);
    size_t n = tb_volume_count(v);
    lab = malloc(n);
    CHECK(lab, TB_ERR_NOMEM, "out of memory for a %d x %d x %d label map", v->nx, v->ny, v->nz);
    for (size_t i = 0; i < n; i++) {
      float x = v->data[i];
      CHECK(x == 0.0f || x == 1.0f || x == 2.0f, TB_ERR_INPUT,
            "%s: label value %g at voxel (%zu, %zu, %zu); expected 0 (outside), 1 (trabecular) or 2 (cortical)",
            path, x, i % (size_t)v->nx, i / (size_t)v->nx % (size_t)v->ny, i / ((size_t)v->nx * (size_t)v->ny));
      lab[i] = (uint8_t)x;
    }
  }
  *labels_out = lab;
  lab = NULL;
cleanup:
  free(lab);
  tb_volume_destroy(&v);
  return st;
}
