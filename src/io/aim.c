/* Scanco AIM files (µCT and XtremeCT / HR-pQCT), versions 020 and 030.
 *
 * Layout as implemented by KitwareMedical/ITKIOScanco (src/itkAIMHeaderIO.cxx,
 * structs AIMPreHeaderV020/V030 and AIMV020/V030StructHeader, and
 * src/itkScancoImageIO.cxx for the data types and the processing-log keys;
 * itself after David Gobbi's vtk-dicom vtkScancoCTReader). All integers are
 * little endian.
 *
 *   v020: no magic. Pre-header of five int32 at 0: pre-header length (20),
 *         image-structure length (140), processing-log length, image-data
 *         length, associated-data length. Image structure at 20: version,
 *         proc-log, data, id, reference (int32 each), type at +20, then int32
 *         triples position +24, dimension +36, offset +48, sup-dimension,
 *         sup-position, sub-dimension, test-offset, and element size (mm) as
 *         three VAX F-floats at +108.
 *   v030: "AIMDATA_V030   \0" (16 bytes), then the same five lengths as int64
 *         (pre-header length 40). Image structure: version, id, reference,
 *         type (int32 each; type at +12), then int64 triples position +16,
 *         dimension +40, offset +64, sup-dimension, sup-position,
 *         sub-dimension, test-offset, and element size at +184 as int64 in
 *         units of 1e-6 mm.
 *   Then the processing log (text, "Key   value" with at least two spaces,
 *   '!' comment lines), then the image data, x fastest.
 *
 * Data types: char 0x00010001 (int8), uchar 0x00160001 / 0x000d0001, short
 * 0x00020002, ushort 0x00170002, int 0x00030004, float 0x001a0004. The
 * compressed binary types (packed bits 0x00060001, run-length bits
 * 0x00150001, run-length char 0x00080002) are refused with a message: their
 * bit order is not published well enough to decode them without a reference
 * file to check against.
 *
 * Calibration. When the log holds Mu_Scaling (> 0), "Density: slope" and
 * "Density: intercept", integer data are converted to density,
 *     density = value / Mu_Scaling x slope + intercept
 * in the log's "Density: unit" (mg HA/ccm on Scanco scanners, = mg HA/cm³),
 * so a --threshold is then in mg HA/cm³. Float data are kept as stored. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"
#include "trabecula/log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AIM030_MAGIC "AIMDATA_V030   "

static int64_t le32(const uint8_t *p) {
  return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static int64_t le64(const uint8_t *p) {
  uint64_t u = 0;
  for (int k = 7; k >= 0; k--) u = u << 8 | p[k];
  return (int64_t)u;
}

/* VAX F-float as stored by OpenVMS: 16-bit words swapped and an exponent
 * bias 2 above IEEE's (hence the factor 1/4). Rounded to 6 significant
 * digits, about what its 24-bit mantissa holds, so that 0.082 mm reads
 * 0.082 and not 0.0820000023. */
static double vax_float(const uint8_t *p) {
  uint32_t i = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 24 | (uint32_t)p[2] | (uint32_t)p[3] << 8;
  float f;
  memcpy(&f, &i, 4);
  char buf[32];
  snprintf(buf, sizeof buf, "%.6g", 0.25 * (double)f);
  return strtod(buf, NULL);
}

int tb_io_is_aim(const uint8_t *head, size_t n) {
  if (n >= 16 && memcmp(head, AIM030_MAGIC, 16) == 0) return 1;
  return n >= 8 && le32(head) == 20 && le32(head + 4) == 140;
}

/* The values of the processing log this reader uses. */
typedef struct {
  double mu_scaling, slope, intercept, mu_water;
  int has_mu, has_slope, has_intercept;
  char unit[40];
} aim_log;

static void copy_value(char *dst, size_t cap, const char *v, size_t n) {
  if (n >= cap) n = cap - 1;
  memcpy(dst, v, n);
  dst[n] = '\0';
}

static int parse_number(const char *v, size_t n, double *x) {
  char buf[64];
  if (n == 0 || n >= sizeof buf) return 0;
  memcpy(buf, v, n);
  buf[n] = '\0';
  char *end;
  *x = strtod(buf, &end);
  while (*end == ' ' || *end == '\t') end++;
  return end != buf && *end == '\0' && isfinite(*x);
}

static void parse_log(const char *path, const uint8_t *log, size_t n, aim_log *L) {
  /* Lines worth repeating in our log: what was scanned, and how. */
  static const char *const shown[] = {"Scanner type", "Site", "Energy [V]", "Intensity [uA]",
                                      "Orig-ISQ-Dim-um", "Calibration Data", "Density: unit"};
  memset(L, 0, sizeof *L);
  size_t pos = 0;
  while (pos < n && log[pos] != '\0') {
    size_t e = pos;
    while (e < n && log[e] != '\n' && log[e] != '\0') e++;
    const char *line = (const char *)log + pos;
    size_t len = e - pos;
    pos = e < n && log[e] == '\n' ? e + 1 : e;
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\r')) len--;
    if (len == 0 || line[0] == '!') continue;
    size_t k = 0;
    while (k + 1 < len && !(line[k] == ' ' && line[k + 1] == ' ')) k++;
    if (k + 1 >= len) continue; /* no value */
    size_t v = k;
    while (v < len && line[v] == ' ') v++;
    const char *val = line + v;
    size_t vlen = len - v;
    char key[64];
    if (k >= sizeof key) continue;
    memcpy(key, line, k);
    key[k] = '\0';
    if (strcmp(key, "Mu_Scaling") == 0) L->has_mu = parse_number(val, vlen, &L->mu_scaling);
    else if (strcmp(key, "Density: slope") == 0) L->has_slope = parse_number(val, vlen, &L->slope);
    else if (strcmp(key, "Density: intercept") == 0) L->has_intercept = parse_number(val, vlen, &L->intercept);
    else if (strcmp(key, "HU: mu water") == 0) parse_number(val, vlen, &L->mu_water);
    else if (strcmp(key, "Density: unit") == 0) copy_value(L->unit, sizeof L->unit, val, vlen);
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
      if (strcmp(key, shown[i]) == 0) tb_log_info("%s: log: %s = %.*s", path, key, (int)(vlen > 80 ? 80 : vlen), val);
  }
}

tb_status tb_io_read_aim(const char *path, double override_um, int need_spacing, tb_volume **out) {
  tb_status st = TB_OK;
  FILE *f = NULL;
  uint8_t *head = NULL, *data = NULL;
  tb_volume *v = NULL;
  *out = NULL;
  uint64_t fsize = 0;
  TRY(tb_io_file_size(path, "AIM file", &fsize));
  f = fopen(path, "rb");
  CHECK(f, TB_ERR_INPUT, "%s: cannot open the AIM file", path);
  uint8_t pre[56] = {0};
  size_t got = fread(pre, 1, sizeof pre, f);
  int v030 = got >= 16 && memcmp(pre, AIM030_MAGIC, 16) == 0;
  size_t isz = v030 ? 8 : 4, at = v030 ? 16 : 0;
  CHECK(got >= at + 5 * isz, TB_ERR_INPUT, "%s: %zu bytes; an AIM pre-header needs %zu", path, got, at + 5 * isz);
  int64_t len[5];
  for (int k = 0; k < 5; k++) len[k] = v030 ? le64(pre + at + 8 * k) : le32(pre + at + 4 * k);
  const char *ver = v030 ? "AIM v030" : "AIM v020";
  CHECK(len[0] == (int64_t)(5 * isz), TB_ERR_INPUT, "%s: %s pre-header length %lld; expected %zu", path, ver,
        (long long)len[0], 5 * isz);
  int64_t need_struct = v030 ? 208 : 120;
  static const char *const names[5] = {"pre-header", "image-structure", "processing-log", "image-data",
                                       "associated-data"};
  for (int k = 1; k < 5; k++)
    CHECK(len[k] >= 0 && (uint64_t)len[k] <= fsize, TB_ERR_INPUT,
          "%s: %s pre-header: %s length %lld bytes, in a file of %llu; expected a length within the file "
          "(the file is truncated or not an AIM)",
          path, ver, names[k], (long long)len[k], (unsigned long long)fsize);
  CHECK(len[1] >= need_struct, TB_ERR_INPUT, "%s: %s image-structure length %lld; expected at least %lld", path, ver,
        (long long)len[1], (long long)need_struct);
  uint64_t struct_at = at + (uint64_t)len[0], log_at = struct_at + (uint64_t)len[1];
  uint64_t data_at = log_at + (uint64_t)len[2];
  CHECK(data_at <= fsize, TB_ERR_INPUT,
        "%s: %s header and processing log end at byte %llu, past the end of the file (%llu bytes); the file is "
        "truncated",
        path, ver, (unsigned long long)data_at, (unsigned long long)fsize);
  head = malloc((size_t)data_at);
  CHECK(head, TB_ERR_NOMEM, "%s: out of memory for the AIM header", path);
  CHECK(fseek(f, 0, SEEK_SET) == 0 && fread(head, 1, (size_t)data_at, f) == (size_t)data_at, TB_ERR_INPUT,
        "%s: cannot read the AIM header", path);

  const uint8_t *s = head + struct_at;
  int64_t type = v030 ? le32(s + 12) : le32(s + 20);
  int64_t pos[3], dim[3];
  double el_mm[3];
  for (int k = 0; k < 3; k++) {
    pos[k] = v030 ? le64(s + 16 + 8 * k) : le32(s + 24 + 4 * k);
    dim[k] = v030 ? le64(s + 40 + 8 * k) : le32(s + 36 + 4 * k);
    el_mm[k] = v030 ? 1e-6 * (double)le64(s + 184 + 8 * k) : vax_float(s + 108 + 4 * k);
  }
  tb_io_raw raw;
  int integer = 1;
  switch ((uint32_t)type) {
  case 0x00010001u: raw = TB_RAW_I8; break;
  case 0x00160001u: case 0x000d0001u: raw = TB_RAW_U8; break;
  case 0x00020002u: raw = TB_RAW_I16; break;
  case 0x00170002u: raw = TB_RAW_U16; break;
  case 0x00030004u: raw = TB_RAW_I32; break;
  case 0x001a0004u: raw = TB_RAW_F32; integer = 0; break;
  case 0x00060001u: case 0x00150001u: case 0x00080002u:
    CHECK(0, TB_ERR_INPUT,
          "%s: %s data type 0x%08x is a compressed binary image (packed or run-length bits), which this "
          "program does not decode; expected char, short, int or float data (export it from IPL as char or "
          "short)",
          path, ver, (unsigned)type);
    break;
  default:
    CHECK(0, TB_ERR_INPUT,
          "%s: %s data type 0x%08x is unknown; expected char (0x00010001, 0x00160001), short (0x00020002, "
          "0x00170002), int (0x00030004) or float (0x001a0004)",
          path, ver, (unsigned)type);
  }
  size_t count = 0;
  TRY(tb_io_check_dims(path, "the AIM image structure's dimension", dim[0], dim[1], dim[2], &count));
  size_t bytes = count * tb_io_raw_size(raw);
  /* The image-data length must match the dimensions, and the file must hold it. */
  CHECK((uint64_t)len[3] >= bytes, TB_ERR_INPUT,
        "%s: %s image-data length %lld bytes; %lld x %lld x %lld of %s need %zu", path, ver, (long long)len[3],
        (long long)dim[0], (long long)dim[1], (long long)dim[2], tb_io_raw_name(raw), bytes);
  TRY(tb_io_check_bytes(path, (size_t)(fsize - data_at), bytes, 1, (int32_t)dim[0], (int32_t)dim[1],
                        (int32_t)dim[2], raw));

  aim_log L;
  parse_log(path, head + log_at, (size_t)len[2], &L);

  data = malloc(bytes);
  CHECK(data, TB_ERR_NOMEM, "%s: out of memory for %zu bytes of AIM data", path, bytes);
  CHECK(fseek(f, (long)data_at, SEEK_SET) == 0 && fread(data, 1, bytes, f) == bytes, TB_ERR_INPUT,
        "%s: the AIM image data cannot be read (%zu bytes from byte %llu)", path, bytes, (unsigned long long)data_at);
  TRY(tb_volume_create((int32_t)dim[0], (int32_t)dim[1], (int32_t)dim[2], &v));
  tb_io_decode(data, raw, 0, count, v->data);

  double sp[3], org[3];
  for (int k = 0; k < 3; k++) {
    sp[k] = el_mm[k];
    org[k] = (double)pos[k] * el_mm[k];
  }
  TRY(tb_io_set_geometry(path, "the AIM element size", 1, sp, org, 1000.0, override_um, need_spacing, v));

  int calibrated = integer && L.has_mu && L.mu_scaling > 0 && L.has_slope && L.has_intercept && L.slope != 0.0;
  if (calibrated) {
    double a = L.slope / L.mu_scaling, b = L.intercept;
    for (size_t i = 0; i < count; i++) v->data[i] = (float)((double)v->data[i] * a + b);
    tb_log_info("%s: values converted to density (%s) = value / %g x %g %+g (Mu_Scaling, Density: slope and "
                "intercept of the processing log); --threshold is in the same unit",
                path, L.unit[0] ? L.unit : "mg HA/ccm", L.mu_scaling, L.slope, L.intercept);
  } else if (integer) {
    tb_log_info("%s: no density calibration in the processing log (Mu_Scaling, Density: slope, Density: "
                "intercept); values kept as stored",
                path);
  }
  tb_log_info("%s: %s, %lld x %lld x %lld of %s, element size %g x %g x %g mm", path, ver, (long long)dim[0],
              (long long)dim[1], (long long)dim[2], tb_io_raw_name(raw), el_mm[0], el_mm[1], el_mm[2]);
  *out = v;
  v = NULL;
cleanup:
  if (f) fclose(f);
  free(head);
  free(data);
  tb_volume_destroy(&v);
  return st;
}
