/* Shared pieces of the readers and writers: sample types and their decoding
 * (any byte order), whole-file reads, zlib/gzip inflation that allocates only
 * as much as the stream really holds (so a lying header cannot make us
 * allocate gigabytes), the data-size check with its standard message, length
 * units, and the encoding of float volumes to the output sample types. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"
#include "trabecula/log.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

size_t tb_io_raw_size(tb_io_raw t) {
  switch (t) {
  case TB_RAW_I8: case TB_RAW_U8: return 1;
  case TB_RAW_I16: case TB_RAW_U16: return 2;
  case TB_RAW_I32: case TB_RAW_U32: case TB_RAW_F32: return 4;
  case TB_RAW_I64: case TB_RAW_U64: case TB_RAW_F64: return 8;
  }
  return 1;
}

const char *tb_io_raw_name(tb_io_raw t) {
  static const char *names[] = {"int8", "uint8", "int16", "uint16", "int32",
                                "uint32", "int64", "uint64", "float", "double"};
  return names[t];
}

tb_status tb_io_check_dims(const char *path, const char *field, int64_t nx, int64_t ny, int64_t nz,
                           size_t *count) {
  tb_status st = TB_OK;
  CHECK(nx >= 1 && ny >= 1 && nz >= 1, TB_ERR_INPUT,
        "%s: %s gives %lld x %lld x %lld voxels; every size must be at least 1", path, field,
        (long long)nx, (long long)ny, (long long)nz);
  CHECK(nx <= INT32_MAX && ny <= INT32_MAX && nz <= INT32_MAX &&
            (double)nx * (double)ny * (double)nz <= (double)TB_IO_MAX_VOXELS,
        TB_ERR_INPUT, "%s: %s gives %lld x %lld x %lld voxels, more than the %zu this program accepts",
        path, field, (long long)nx, (long long)ny, (long long)nz, TB_IO_MAX_VOXELS);
  *count = (size_t)nx * (size_t)ny * (size_t)nz;
cleanup:
  return st;
}

tb_status tb_io_open_regular(const char *path, const char *what, FILE **out, size_t *size) {
  tb_status st = TB_OK;
  struct stat sb;
  int fd = -1;
  *out = NULL;
  *size = 0;
  CHECK(path && path[0], TB_ERR_INPUT, "no path given for the %s", what);
  /* O_NONBLOCK: opening a named pipe must not wait for a writer. */
  fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  CHECK(fd >= 0, TB_ERR_INPUT, "%s: cannot open the %s: %s", path, what, strerror(errno));
  CHECK(fstat(fd, &sb) == 0, TB_ERR_INPUT, "%s: cannot inspect the %s: %s", path, what, strerror(errno));
  CHECK(S_ISREG(sb.st_mode), TB_ERR_INPUT, "%s: the %s is %s, not a regular file; expected a file on disk", path, what,
        S_ISDIR(sb.st_mode) ? "a directory" : S_ISFIFO(sb.st_mode) ? "a named pipe" : S_ISCHR(sb.st_mode) ?
        "a character device" : S_ISBLK(sb.st_mode) ? "a block device" : S_ISSOCK(sb.st_mode) ? "a socket" :
        "a special file");
  int fl = fcntl(fd, F_GETFL);
  CHECK(fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0, TB_ERR_INPUT, "%s: cannot read the %s: %s", path, what,
        strerror(errno));
  *out = fdopen(fd, "rb");
  CHECK(*out, TB_ERR_INPUT, "%s: cannot open the %s: %s", path, what, strerror(errno));
  fd = -1;
  *size = (size_t)sb.st_size;
cleanup:
  if (fd >= 0) close(fd);
  return st;
}

tb_status tb_io_slurp(const char *path, const char *what, size_t max, uint8_t **buf, size_t *n) {
  tb_status st = TB_OK;
  FILE *f = NULL;
  uint8_t *b = NULL;
  size_t size = 0, len = 0;
  *buf = NULL;
  *n = 0;
  TRY(tb_io_open_regular(path, what, &f, &size));
  /* Read what the file held when opened (capped at max), plus one byte to
   * see whether it has grown or holds more than max. */
  size_t cap = (size < max ? size : max) + 1;
  b = malloc(cap);
  CHECK(b, TB_ERR_NOMEM, "%s: out of memory reading the %s (%zu bytes)", path, what, cap);
  len = fread(b, 1, cap, f);
  CHECK(!ferror(f), TB_ERR_INPUT, "%s: reading the %s failed: %s", path, what, strerror(errno));
  CHECK(len < cap || cap > max, TB_ERR_INPUT, "%s: the %s grew while it was read; expected a finished file", path, what);
  *buf = b;
  *n = len;
  b = NULL;
cleanup:
  if (f) fclose(f);
  free(b);
  return st;
}

tb_status tb_io_inflate(const char *path, const uint8_t *src, size_t n, size_t need, uint8_t **out,
                        size_t *got) {
  tb_status st = TB_OK;
  z_stream z;
  int inited = 0, rc = Z_OK;
  uint8_t *b = NULL;
  size_t cap = 0;
  *out = NULL;
  *got = 0;
  memset(&z, 0, sizeof z);
  CHECK(inflateInit2(&z, 15 + 32) == Z_OK, TB_ERR_INTERNAL, "zlib initialisation failed");
  inited = 1;
  z.next_in = (Bytef *)src;
  size_t in_left = n;
  size_t len = 0;
  /* Grow the output with the data; allow one byte past need to detect excess. */
  size_t limit = need + 1;
  for (;;) {
    if (len == cap) {
      if (cap >= limit) break;
      size_t ncap = cap ? cap * 2 : (size_t)1 << 16;
      if (ncap > limit) ncap = limit;
      uint8_t *nb = realloc(b, ncap ? ncap : 1);
      CHECK(nb, TB_ERR_NOMEM, "%s: out of memory decompressing (%zu bytes)", path, ncap);
      b = nb;
      cap = ncap;
    }
    if (z.avail_in == 0) {
      z.avail_in = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
      in_left -= z.avail_in;
    }
    size_t room = cap - len;
    z.next_out = b + len;
    z.avail_out = room > (1u << 30) ? (1u << 30) : (uInt)room;
    uInt before = z.avail_out;
    rc = inflate(&z, Z_NO_FLUSH);
    len += before - z.avail_out;
    if (rc == Z_STREAM_END) {
      /* Concatenated gzip members (what `cat a.gz b.gz` makes) continue. */
      if (z.avail_in == 0 && in_left == 0) break;
      CHECK(inflateReset(&z) == Z_OK, TB_ERR_INTERNAL, "zlib reset failed");
      continue;
    }
    CHECK(rc == Z_OK || rc == Z_BUF_ERROR, TB_ERR_INPUT,
          "%s: compressed data is corrupt (zlib: %s); expected a gzip or zlib stream", path,
          z.msg ? z.msg : "error");
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && in_left == 0) {
      CHECK(0, TB_ERR_INPUT, "%s: compressed data ends early after %zu of %zu decompressed bytes", path,
            len, need);
    }
  }
  *out = b;
  *got = len;
  b = NULL;
cleanup:
  if (inited) inflateEnd(&z);
  free(b);
  return st;
}

tb_status tb_io_check_bytes(const char *path, size_t have, size_t need, int allow_more, int32_t nx,
                            int32_t ny, int32_t nz, tb_io_raw t) {
  tb_status st = TB_OK;
  CHECK(have >= need, TB_ERR_INPUT, "%s: data holds %zu bytes, the header's sizes %d x %d x %d of %s need %zu",
        path, have, nx, ny, nz, tb_io_raw_name(t), need);
  CHECK(allow_more || have == need, TB_ERR_INPUT,
        "%s: data holds more than the %zu bytes that the header's sizes %d x %d x %d of %s need; "
        "the header contradicts the data",
        path, need, nx, ny, nz, tb_io_raw_name(t));
cleanup:
  return st;
}

static int host_is_big(void) {
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 0;
}

void tb_io_decode(const uint8_t *src, tb_io_raw t, int big_endian, size_t count, float *dst) {
  size_t sz = tb_io_raw_size(t);
  int swap = sz > 1 && (big_endian != host_is_big());
  uint8_t tmp[8];
  for (size_t i = 0; i < count; i++) {
    const uint8_t *p = src + i * sz;
    if (swap) {
      for (size_t k = 0; k < sz; k++) tmp[k] = p[sz - 1 - k];
      p = tmp;
    }
    switch (t) {
    case TB_RAW_I8: { int8_t x; memcpy(&x, p, 1); dst[i] = (float)x; break; }
    case TB_RAW_U8: dst[i] = (float)p[0]; break;
    case TB_RAW_I16: { int16_t x; memcpy(&x, p, 2); dst[i] = (float)x; break; }
    case TB_RAW_U16: { uint16_t x; memcpy(&x, p, 2); dst[i] = (float)x; break; }
    case TB_RAW_I32: { int32_t x; memcpy(&x, p, 4); dst[i] = (float)x; break; }
    case TB_RAW_U32: { uint32_t x; memcpy(&x, p, 4); dst[i] = (float)x; break; }
    case TB_RAW_I64: { int64_t x; memcpy(&x, p, 8); dst[i] = (float)x; break; }
    case TB_RAW_U64: { uint64_t x; memcpy(&x, p, 8); dst[i] = (float)x; break; }
    case TB_RAW_F32: { float x; memcpy(&x, p, 4); dst[i] = x; break; }
    case TB_RAW_F64: { double x; memcpy(&x, p, 8); dst[i] = (float)x; break; }
    }
  }
}

double tb_io_unit_to_um(const char *unit) {
  static const struct { const char *name; double um; } units[] = {
      {"m", 1e6}, {"meter", 1e6}, {"metre", 1e6}, {"cm", 1e4}, {"mm", 1e3},
      {"millimeter", 1e3}, {"millimetre", 1e3}, {"um", 1.0}, {"\xc2\xb5m", 1.0},
      {"\xce\xbcm", 1.0}, {"micron", 1.0}, {"microns", 1.0}, {"micrometer", 1.0},
      {"micrometre", 1.0}, {"nm", 1e-3}, {"nanometer", 1e-3}, {"nanometre", 1e-3}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (strcasecmp(unit, units[i].name) == 0) return units[i].um;
  return 0.0;
}

tb_status tb_io_set_geometry(const char *path, const char *field, int have_spacing, const double sp[3],
                             const double org[3], double to_um, double override_um, int need_spacing,
                             tb_volume *v) {
  tb_status st = TB_OK;
  for (int k = 0; k < 3; k++)
    CHECK(isfinite(org[k]), TB_ERR_INPUT, "%s: the origin's %c component is not a finite number", path,
          "xyz"[k]);
  if (have_spacing && override_um <= 0.0)
    for (int k = 0; k < 3; k++)
      CHECK(isfinite(sp[k]) && sp[k] > 0.0, TB_ERR_INPUT,
            "%s: %s gives voxel size %g along %c; expected a positive finite number", path, field, sp[k],
            "xyz"[k]);
  double f = to_um;
  if (have_spacing && f == 0.0) {
    double mx = fmax(sp[0], fmax(sp[1], sp[2]));
    if (override_um <= 0.0 && need_spacing) {
      f = mx < 1.0 ? 1000.0 : 1.0;
      tb_log_warn("%s: %s names no length unit; %g x %g x %g taken as %s (voxel size %g x %g x %g um); "
                  "pass --spacing UM if that is wrong",
                  path, field, sp[0], sp[1], sp[2], f == 1000.0 ? "millimetres" : "micrometres",
                  sp[0] * f, sp[1] * f, sp[2] * f);
    } else {
      f = mx < 1.0 ? 1000.0 : 1.0;
    }
  }
  if (f == 0.0) f = 1.0;
  for (int k = 0; k < 3; k++) v->origin_um[k] = org[k] * f;
  if (override_um > 0.0) {
    CHECK(isfinite(override_um) && override_um >= TB_IO_SPACING_MIN_UM && override_um <= TB_IO_SPACING_MAX_UM,
          TB_ERR_INPUT, "--spacing %g: expected a voxel size from %g to %g um", override_um, TB_IO_SPACING_MIN_UM,
          TB_IO_SPACING_MAX_UM);
    if (have_spacing)
      tb_log_info("%s: voxel size %g x %g x %g um from the header replaced by --spacing %g um", path,
                  sp[0] * f, sp[1] * f, sp[2] * f, override_um);
    else
      tb_log_info("%s: voxel size %g um from --spacing", path, override_um);
    for (int k = 0; k < 3; k++) v->spacing_um[k] = override_um;
  } else if (have_spacing) {
    for (int k = 0; k < 3; k++) {
      v->spacing_um[k] = sp[k] * f;
      CHECK(v->spacing_um[k] >= TB_IO_SPACING_MIN_UM && v->spacing_um[k] <= TB_IO_SPACING_MAX_UM, TB_ERR_INPUT,
            "%s: %s gives voxel size %g um along %c; expected %g to %g um (pass --spacing UM if the header is wrong)",
            path, field, v->spacing_um[k], "xyz"[k], TB_IO_SPACING_MIN_UM, TB_IO_SPACING_MAX_UM);
    }
  } else {
    CHECK(!need_spacing, TB_ERR_INPUT, "%s: no voxel size in the header; pass --spacing UM", path);
  }
cleanup:
  return st;
}

tb_status tb_io_encode(const tb_volume *v, tb_io_type t, uint8_t **buf, size_t *bytes) {
  tb_status st = TB_OK;
  size_t n = tb_volume_count(v);
  size_t sz = t == TB_IO_U8 ? 1 : t == TB_IO_U16 ? 2 : 4;
  uint8_t *b = malloc(n > 0 ? n * sz : 1);
  int swap = host_is_big();
  CHECK(b, TB_ERR_NOMEM, "out of memory encoding a %d x %d x %d volume", v->nx, v->ny, v->nz);
  for (size_t i = 0; i < n; i++) {
    float x = v->data[i];
    if (t == TB_IO_U8) {
      double r = isnan(x) ? 0.0 : nearbyint(fmin(fmax((double)x, 0.0), 255.0));
      b[i] = (uint8_t)r;
    } else if (t == TB_IO_U16) {
      double r = isnan(x) ? 0.0 : nearbyint(fmin(fmax((double)x, 0.0), 65535.0));
      uint16_t u = (uint16_t)r;
      if (swap) u = (uint16_t)((u >> 8) | (u << 8));
      memcpy(b + 2 * i, &u, 2);
    } else {
      uint8_t *p = b + 4 * i;
      memcpy(p, &x, 4);
      if (swap) {
        uint8_t a = p[0]; p[0] = p[3]; p[3] = a;
        a = p[1]; p[1] = p[2]; p[2] = a;
      }
    }
  }
  *buf = b;
  *bytes = n * sz;
  b = NULL;
cleanup:
  free(b);
  return st;
}

int tb_io_has_ext(const char *path, const char *ext) {
  size_t a = strlen(path), b = strlen(ext);
  return a >= b && strcasecmp(path + a - b, ext) == 0;
}

int tb_io_parse_numbers(const char *s, double *out, int max) {
  int n = 0;
  while (*s) {
    while (isspace((unsigned char)*s) || *s == ',') s++;
    if (!*s) break;
    char *end;
    double x = strtod(s, &end);
    if (end == s || n >= max) return -1;
    out[n++] = x;
    s = end;
  }
  return n;
}
