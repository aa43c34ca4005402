/* DICOM series: a folder (or pattern) of single-frame grayscale slices, read
 * through GDCM (dicom_gdcm.cpp) when the build has it (TRABECULA_DICOM).
 *
 * Slices are ordered by ImagePositionPatient (0020,0032) projected on the
 * slice normal (row x column direction of ImageOrientationPatient); the z
 * spacing is the distance between consecutive positions, which must be
 * positive and even (within 1 %). Without positions, slices keep the file
 * order and z comes from SpacingBetweenSlices (0018,0088), else
 * SliceThickness (0018,0050). x and y come from PixelSpacing (0028,0030:
 * rows then columns). Lengths are mm. Values are stored x RescaleSlope +
 * RescaleIntercept (CT: Hounsfield units). All slices must agree in Rows,
 * Columns, BitsAllocated, PixelRepresentation and orientation; the message
 * names the first that differs. The volume is axis-aligned: an oblique
 * orientation is read as if it were not (like the other readers). */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"
#include "trabecula/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef TB_HAVE_DICOM

tb_status tb_io_read_dicom(const char *what, char *const *paths, size_t n, double override_um, int need_spacing,
                           tb_volume **out) {
  tb_status st = TB_OK;
  *out = NULL;
  CHECK(0, TB_ERR_INPUT,
        "%s: a DICOM series, but this trabecula was built without DICOM support (GDCM); install libgdcm-dev "
        "and rebuild, or convert the series to NRRD or TIFF",
        what);
cleanup:
  return st;
}

#else

#include "io/dicom_gdcm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* GDCM as Debian builds it keeps its assertions, and a corrupt file can trip
 * one (an abort, which no C++ handler catches). So every GDCM call runs in a
 * child process with stderr closed; its answer comes back through a pipe,
 * and a child that dies is a bad file, not a dead program. */
typedef enum { CALL_INFO, CALL_PIXELS } call_kind;

static int write_all(int fd, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n > 0) {
    ssize_t w = write(fd, b, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return 1;
    b += w, n -= (size_t)w;
  }
  return 0;
}

static size_t read_all(int fd, void *p, size_t n) {
  uint8_t *b = p;
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, b + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  return got;
}

static tb_status isolated(const char *path, call_kind kind, uint64_t fsize, void *out, size_t n) {
  tb_status st = TB_OK;
  int fds[2] = {-1, -1}, status = 0;
  char err[400] = "";
  pid_t pid = -1;
  CHECK(pipe(fds) == 0, TB_ERR_IO, "%s: cannot create a pipe for the DICOM reader: %s", path, strerror(errno));
  fflush(NULL);
  pid = fork();
  CHECK(pid >= 0, TB_ERR_IO, "%s: cannot start the DICOM reader process: %s", path, strerror(errno));
  if (pid == 0) {
    close(fds[0]);
    tb_io_child_setup();
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 2);
    void *buf = calloc(1, n ? n : 1);
    int r = !buf ? (snprintf(err, sizeof err, "out of memory for %zu bytes", n), 1)
            : kind == CALL_INFO ? tb_dcm_read_info(path, fsize, buf, err, sizeof err)
                                : tb_dcm_read_pixels(path, buf, n, err, sizeof err);
    uint8_t code = (uint8_t)r;
    int bad = write_all(fds[1], &code, 1) || write_all(fds[1], err, sizeof err) || (r == 0 && write_all(fds[1], buf, n));
    _exit(bad ? 3 : 0);
  }
  close(fds[1]);
  fds[1] = -1;
  uint8_t code = 1;
  size_t got = read_all(fds[0], &code, 1);
  got += read_all(fds[0], err, sizeof err);
  err[sizeof err - 1] = '\0';
  if (got == 1 + sizeof err && code == 0) got += read_all(fds[0], out, n);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  pid = -1;
  CHECK(!WIFSIGNALED(status), TB_ERR_INPUT,
        "%s: GDCM crashed reading this file (signal %d); the file is corrupt or not a DICOM image", path,
        WTERMSIG(status));
  CHECK(got >= 1 + sizeof err, TB_ERR_INPUT, "%s: the DICOM reader process stopped early; the file is corrupt", path);
  CHECK(code == 0, TB_ERR_INPUT, "%s: %s", path, err);
  CHECK(got == 1 + sizeof err + n, TB_ERR_INPUT, "%s: the DICOM reader process returned %zu of %zu bytes", path,
        got - 1 - sizeof err, n);
cleanup:
  if (fds[0] >= 0) close(fds[0]);
  if (fds[1] >= 0) close(fds[1]);
  if (pid > 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  return st;
}

typedef struct {
  size_t file;
  double z; /* position along the slice normal, mm */
} order;

static int by_z(const void *a, const void *b) {
  const order *x = a, *y = b;
  if (x->z != y->z) return x->z < y->z ? -1 : 1;
  return x->file < y->file ? -1 : x->file > y->file;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

tb_status tb_io_read_dicom(const char *what, char *const *paths, size_t n, double override_um, int need_spacing,
                           tb_volume **out) {
  tb_status st = TB_OK;
  tb_dcm_info *info = NULL;
  order *ord = NULL;
  uint8_t *raw = NULL;
  double *gaps = NULL;
  tb_volume *v = NULL;
  *out = NULL;
  CHECK(n > 0, TB_ERR_INPUT, "%s: no DICOM files found", what);
  CHECK(n <= INT32_MAX, TB_ERR_INPUT, "%s: %zu files; expected at most %d slices", what, n, INT32_MAX);
  info = calloc(n, sizeof *info);
  ord = calloc(n, sizeof *ord);
  CHECK(info && ord, TB_ERR_NOMEM, "out of memory for %zu DICOM headers", n);

  const tb_dcm_info *a = &info[0];
  double normal[3] = {0, 0, 1};
  for (size_t i = 0; i < n; i++) {
    uint64_t fsize = 0;
    TRY(tb_io_file_size(paths[i], "DICOM file", &fsize));
    tb_dcm_info *d = &info[i];
    TRY(isolated(paths[i], CALL_INFO, fsize, d, sizeof *d));
    CHECK(d->samples == 1 && (strcmp(d->photometric, "MONOCHROME2") == 0 || strcmp(d->photometric, "MONOCHROME1") == 0),
          TB_ERR_INPUT, "%s: SamplesPerPixel = %d, PhotometricInterpretation = %s; expected grayscale (1, MONOCHROME2)",
          paths[i], d->samples, d->photometric[0] ? d->photometric : "(none)");
    CHECK(d->frames == 1, TB_ERR_INPUT, "%s: NumberOfFrames = %d; expected single-frame slices (one per file)",
          paths[i], d->frames);
    CHECK(d->bits_allocated == 8 || d->bits_allocated == 16 || d->bits_allocated == 32, TB_ERR_INPUT,
          "%s: BitsAllocated = %d; expected 8, 16 or 32", paths[i], d->bits_allocated);
    CHECK(d->pixel_rep == 0 || d->pixel_rep == 1, TB_ERR_INPUT,
          "%s: PixelRepresentation = %d; expected 0 (unsigned) or 1 (signed)", paths[i], d->pixel_rep);
    CHECK(isfinite(d->slope) && isfinite(d->intercept) && d->slope != 0.0, TB_ERR_INPUT,
          "%s: RescaleSlope = %g, RescaleIntercept = %g; expected finite numbers and a non-zero slope", paths[i],
          d->slope, d->intercept);
    size_t count = 0;
    TRY(tb_io_check_dims(paths[i], "Columns x Rows", d->cols, d->rows, 1, &count));
    /* Before anything is allocated: the file must be able to hold the slice
     * (byte for byte; compressed, at most 1024 decoded bytes per byte). */
    uint64_t need = (uint64_t)count * (uint64_t)(d->bits_allocated / 8);
    CHECK(d->encapsulated ? need / 1024 <= fsize : need <= fsize, TB_ERR_INPUT,
          "%s: Rows x Columns = %d x %d of %d bits need %llu bytes of pixel data; the file has %llu bytes. The file "
          "is truncated",
          paths[i], d->rows, d->cols, d->bits_allocated, (unsigned long long)need, (unsigned long long)fsize);
    CHECK(d->missing == 0, TB_ERR_INPUT, "%s: the file ends %llu bytes before the end of its pixel data; the file is truncated",
          paths[i], (unsigned long long)d->missing);
    if (i == 0) {
      if (a->has_iop) {
        const double *r = a->iop, *c = a->iop + 3;
        normal[0] = r[1] * c[2] - r[2] * c[1];
        normal[1] = r[2] * c[0] - r[0] * c[2];
        normal[2] = r[0] * c[1] - r[1] * c[0];
        double len = sqrt(normal[0] * normal[0] + normal[1] * normal[1] + normal[2] * normal[2]);
        CHECK(isfinite(len) && len > 0.5, TB_ERR_INPUT,
              "%s: ImageOrientationPatient gives parallel or zero row and column directions; expected two unit "
              "vectors at right angles",
              paths[i]);
        for (int k = 0; k < 3; k++) normal[k] /= len;
      }
    } else {
      CHECK(d->rows == a->rows && d->cols == a->cols && d->bits_allocated == a->bits_allocated &&
                d->pixel_rep == a->pixel_rep,
            TB_ERR_INPUT,
            "%s: %d x %d slice of %d bits (%s); expected %d x %d of %d bits (%s) like the first slice (%s)",
            paths[i], d->cols, d->rows, d->bits_allocated, d->pixel_rep ? "signed" : "unsigned", a->cols, a->rows,
            a->bits_allocated, a->pixel_rep ? "signed" : "unsigned", paths[0]);
      CHECK(d->has_ipp == a->has_ipp, TB_ERR_INPUT,
            "%s: ImagePositionPatient is %s; expected it %s like in the first slice (%s)", paths[i],
            d->has_ipp ? "present" : "absent", a->has_ipp ? "present" : "absent", paths[0]);
      if (a->has_iop) {
        double diff = 0.0;
        for (int k = 0; k < 6; k++) diff = fmax(diff, fabs(d->iop[k] - a->iop[k]));
        CHECK(d->has_iop && diff < 1e-4, TB_ERR_INPUT,
              "%s: ImageOrientationPatient differs from the first slice's (%s); expected one orientation for the "
              "series",
              paths[i], paths[0]);
      }
    }
    ord[i].file = i;
    ord[i].z = d->has_ipp ? d->ipp[0] * normal[0] + d->ipp[1] * normal[1] + d->ipp[2] * normal[2] : (double)i;
  }

  int have = a->has_spacing;
  double sp[3] = {1, 1, 1}, org[3] = {0, 0, 0};
  if (a->has_spacing) sp[0] = a->spacing[1], sp[1] = a->spacing[0];
  const char *field = "PixelSpacing";
  if (a->has_ipp) {
    qsort(ord, n, sizeof *ord, by_z);
    for (size_t i = 1; i < n; i++)
      CHECK(ord[i].z - ord[i - 1].z > 1e-6, TB_ERR_INPUT,
            "%s and %s: the same ImagePositionPatient along the slice normal (%g mm); expected one slice per "
            "position",
            paths[ord[i - 1].file], paths[ord[i].file], ord[i].z);
    if (n > 1) {
      /* The median step is the reference, so a missing slice is named as
       * the one large step rather than blamed on its neighbours. */
      gaps = malloc((n - 1) * sizeof *gaps);
      CHECK(gaps, TB_ERR_NOMEM, "out of memory for %zu slice positions", n);
      for (size_t i = 1; i < n; i++) gaps[i - 1] = ord[i].z - ord[i - 1].z;
      qsort(gaps, n - 1, sizeof *gaps, by_value);
      double ref = gaps[(n - 2) / 2];
      for (size_t i = 1; i < n; i++) {
        double g = ord[i].z - ord[i - 1].z;
        CHECK(fabs(g - ref) <= 0.01 * ref, TB_ERR_INPUT,
              "%s -> %s: slices %g mm apart; expected even spacing (%g mm between most slices): a slice is missing "
              "or the series mixes two scans",
              paths[ord[i - 1].file], paths[ord[i].file], g, ref);
      }
      sp[2] = (ord[n - 1].z - ord[0].z) / (double)(n - 1);
      field = "PixelSpacing and ImagePositionPatient";
    }
    for (int k = 0; k < 3; k++) org[k] = info[ord[0].file].ipp[k];
  }
  if (!a->has_ipp || n == 1) {
    if (a->has_between && a->between > 0) sp[2] = a->between, field = "PixelSpacing and SpacingBetweenSlices";
    else if (a->has_thickness && a->thickness > 0) sp[2] = a->thickness, field = "PixelSpacing and SliceThickness";
    else if (n == 1) sp[2] = sp[0];
    else have = 0;
    if (!a->has_ipp && n > 1)
      tb_log_warn("%s: no ImagePositionPatient; slices taken in file-name order", what);
  }

  size_t count = 0;
  TRY(tb_io_check_dims(what, "the DICOM series", a->cols, a->rows, (int64_t)n, &count));
  TRY(tb_volume_create(a->cols, a->rows, (int32_t)n, &v));
  TRY(tb_io_set_geometry(paths[0], field, have, sp, org, 1000.0, override_um, need_spacing, v));
  size_t per = (size_t)a->cols * (size_t)a->rows, bpp = (size_t)a->bits_allocated / 8;
  tb_io_raw t = bpp == 1 ? (a->pixel_rep ? TB_RAW_I8 : TB_RAW_U8)
                : bpp == 2 ? (a->pixel_rep ? TB_RAW_I16 : TB_RAW_U16)
                           : (a->pixel_rep ? TB_RAW_I32 : TB_RAW_U32);
  raw = malloc(per * bpp);
  CHECK(raw, TB_ERR_NOMEM, "out of memory for a %d x %d DICOM slice", a->cols, a->rows);
  int rescaled = 0;
  for (size_t z = 0; z < n; z++) {
    size_t i = ord[z].file;
    TRY(isolated(paths[i], CALL_PIXELS, 0, raw, per * bpp));
    float *dst = v->data + z * per;
    /* GDCM hands the pixels over in the host's byte order. */
    const uint16_t one = 1;
    tb_io_decode(raw, t, *(const uint8_t *)&one == 0, per, dst);
    const tb_dcm_info *d = &info[i];
    if (d->slope != 1.0 || d->intercept != 0.0) {
      rescaled = 1;
      for (size_t k = 0; k < per; k++) dst[k] = (float)((double)dst[k] * d->slope + d->intercept);
    }
  }
  tb_log_info("%s: DICOM series, %d x %d x %zu of %s%s", what, a->cols, a->rows, n, tb_io_raw_name(t),
              rescaled ? ", values x RescaleSlope + RescaleIntercept" : "");
  *out = v;
  v = NULL;
cleanup:
  free(info);
  free(ord);
  free(gaps);
  free(raw);
  tb_volume_destroy(&v);
  return st;
}

#endif
