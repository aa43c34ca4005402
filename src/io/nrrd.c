/* NRRD reader and writer, after teem's format definition
 * (https://teem.sourceforge.net/nrrd/format.html, NRRD0001..NRRD0005).
 *
 * Reads attached (.nrrd) and detached (.nhdr, `data file:`) data in raw,
 * gzip and ascii encodings, either byte order, every scalar type name the
 * spec lists, 2-D (nz = 1) and 3-D images (plus a leading size-1 axis, as
 * some writers emit for scalar data). Voxel size comes from `space
 * directions` (norm of each vector) or `spacings`; units from `space units`
 * or per-axis `units`. Writes NRRD0004 in little endian with geometry in mm,
 * which is what 3D Slicer, ITK and Fiji expect. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"
#include "trabecula/log.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

enum { MAXD = 16 };
enum { ENC_RAW, ENC_GZIP, ENC_ASCII };

typedef struct {
  int dim;
  int64_t sizes[MAXD];
  int have_sizes, have_type, have_enc, endian; /* endian: -1 unset, 0 little, 1 big */
  tb_io_raw type;
  int enc;
  int have_spacings;
  double spacings[MAXD];
  int have_dirs;
  int dir_none[MAXD];
  double dirs[MAXD][3];
  int space_dim;
  char space_units[3][32];
  int have_space_units;
  char axis_units[MAXD][32];
  int have_axis_units;
  int have_origin;
  double origin[3];
  char data_file[4096];
  long long byte_skip, line_skip;
} nrrd_header;

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
  return s;
}

static int parse_type(const char *s, tb_io_raw *t) {
  static const struct { const char *name; tb_io_raw t; } types[] = {
      {"signed char", TB_RAW_I8}, {"int8", TB_RAW_I8}, {"int8_t", TB_RAW_I8},
      {"uchar", TB_RAW_U8}, {"unsigned char", TB_RAW_U8}, {"uint8", TB_RAW_U8}, {"uint8_t", TB_RAW_U8},
      {"short", TB_RAW_I16}, {"short int", TB_RAW_I16}, {"signed short", TB_RAW_I16},
      {"signed short int", TB_RAW_I16}, {"int16", TB_RAW_I16}, {"int16_t", TB_RAW_I16},
      {"ushort", TB_RAW_U16}, {"unsigned short", TB_RAW_U16}, {"unsigned short int", TB_RAW_U16},
      {"uint16", TB_RAW_U16}, {"uint16_t", TB_RAW_U16},
      {"int", TB_RAW_I32}, {"signed int", TB_RAW_I32}, {"int32", TB_RAW_I32}, {"int32_t", TB_RAW_I32},
      {"uint", TB_RAW_U32}, {"unsigned int", TB_RAW_U32}, {"uint32", TB_RAW_U32}, {"uint32_t", TB_RAW_U32},
      {"longlong", TB_RAW_I64}, {"long long", TB_RAW_I64}, {"long long int", TB_RAW_I64},
      {"signed long long", TB_RAW_I64}, {"signed long long int", TB_RAW_I64}, {"int64", TB_RAW_I64},
      {"int64_t", TB_RAW_I64}, {"ulonglong", TB_RAW_U64}, {"unsigned long long", TB_RAW_U64},
      {"unsigned long long int", TB_RAW_U64}, {"uint64", TB_RAW_U64}, {"uint64_t", TB_RAW_U64},
      {"float", TB_RAW_F32}, {"double", TB_RAW_F64}};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (strcasecmp(s, types[i].name) == 0) {
      *t = types[i].t;
      return 1;
    }
  return 0;
}

/* "(a,b,c) none (d,e,f)" -> vectors; returns the number of entries or -1. */
static int parse_vectors(const char *s, double v[][3], int *none, int max, int *comps) {
  int n = 0;
  *comps = 0;
  while (*s) {
    while (isspace((unsigned char)*s)) s++;
    if (!*s) break;
    if (n >= max) return -1;
    if (strncasecmp(s, "none", 4) == 0) {
      none[n++] = 1;
      s += 4;
      continue;
    }
    if (*s != '(') return -1;
    s++;
    int c = 0;
    for (;;) {
      char *end;
      double x = strtod(s, &end);
      if (end == s || c >= 3) return -1;
      v[n][c++] = x;
      s = end;
      while (isspace((unsigned char)*s)) s++;
      if (*s == ',') { s++; continue; }
      if (*s == ')') { s++; break; }
      return -1;
    }
    if (*comps && *comps != c) return -1;
    *comps = c;
    none[n++] = 0;
  }
  return n;
}

/* Quoted strings ("mm" "mm") or bare words; returns the count. */
static int parse_strings(const char *s, char out[][32], int max) {
  int n = 0;
  while (*s) {
    while (isspace((unsigned char)*s)) s++;
    if (!*s || n >= max) break;
    char q = *s == '"' ? '"' : 0;
    if (q) s++;
    size_t k = 0;
    while (*s && (q ? *s != q : !isspace((unsigned char)*s))) {
      if (k < 31) out[n][k++] = *s;
      s++;
    }
    if (q && *s == q) s++;
    out[n++][k] = '\0';
  }
  return n;
}

static tb_status parse_field(const char *path, nrrd_header *h, const char *key, char *val) {
  tb_status st = TB_OK;
  if (strcasecmp(key, "dimension") == 0) {
    h->dim = atoi(val);
    CHECK(h->dim >= 1 && h->dim <= MAXD, TB_ERR_INPUT, "%s: field 'dimension: %s': expected 2 or 3", path, val);
  } else if (strcasecmp(key, "sizes") == 0) {
    double s[MAXD + 1];
    int n = tb_io_parse_numbers(val, s, MAXD);
    CHECK(h->dim > 0, TB_ERR_INPUT, "%s: field 'sizes' comes before 'dimension'; expected dimension first",
          path);
    CHECK(n == h->dim, TB_ERR_INPUT, "%s: field 'sizes: %s': expected %d sizes (the dimension)", path, val,
          h->dim);
    for (int i = 0; i < n; i++) {
      CHECK(s[i] >= 1 && s[i] <= 2147483647.0 && s[i] == floor(s[i]), TB_ERR_INPUT,
            "%s: field 'sizes: %s': every size must be a whole number of at least 1", path, val);
      h->sizes[i] = (int64_t)s[i];
    }
    h->have_sizes = 1;
  } else if (strcasecmp(key, "type") == 0) {
    CHECK(parse_type(val, &h->type), TB_ERR_INPUT,
          "%s: field 'type: %s' is not supported; expected a scalar type (int8, uint8, int16, uint16, int32, "
          "uint32, int64, uint64, float, double or an alias)",
          path, val);
    h->have_type = 1;
  } else if (strcasecmp(key, "encoding") == 0) {
    if (strcasecmp(val, "raw") == 0) h->enc = ENC_RAW;
    else if (strcasecmp(val, "gzip") == 0 || strcasecmp(val, "gz") == 0) h->enc = ENC_GZIP;
    else if (strcasecmp(val, "ascii") == 0 || strcasecmp(val, "text") == 0 || strcasecmp(val, "txt") == 0)
      h->enc = ENC_ASCII;
    else CHECK(0, TB_ERR_INPUT, "%s: field 'encoding: %s' is not supported; expected raw, gzip or ascii", path, val);
    h->have_enc = 1;
  } else if (strcasecmp(key, "endian") == 0) {
    if (strcasecmp(val, "little") == 0) h->endian = 0;
    else if (strcasecmp(val, "big") == 0) h->endian = 1;
    else CHECK(0, TB_ERR_INPUT, "%s: field 'endian: %s': expected little or big", path, val);
  } else if (strcasecmp(key, "spacings") == 0) {
    CHECK(h->dim > 0, TB_ERR_INPUT, "%s: field 'spacings' comes before 'dimension'", path);
    int n = tb_io_parse_numbers(val, h->spacings, MAXD);
    CHECK(n == h->dim, TB_ERR_INPUT, "%s: field 'spacings: %s': expected %d numbers", path, val, h->dim);
    h->have_spacings = 1;
  } else if (strcasecmp(key, "space directions") == 0) {
    int comps = 0;
    CHECK(h->dim > 0, TB_ERR_INPUT, "%s: field 'space directions' comes before 'dimension'", path);
    int n = parse_vectors(val, h->dirs, h->dir_none, MAXD, &comps);
    CHECK(n == h->dim && comps >= 1, TB_ERR_INPUT,
          "%s: field 'space directions: %s': expected %d entries, each a vector like (0.01,0,0) or none", path,
          val, h->dim);
    CHECK(!h->space_dim || comps == h->space_dim, TB_ERR_INPUT,
          "%s: field 'space directions': vectors have %d components, the space dimension is %d", path, comps,
          h->space_dim);
    h->space_dim = comps;
    h->have_dirs = 1;
  } else if (strcasecmp(key, "space dimension") == 0) {
    h->space_dim = atoi(val);
    CHECK(h->space_dim >= 1 && h->space_dim <= 3, TB_ERR_INPUT,
          "%s: field 'space dimension: %s': expected 2 or 3", path, val);
  } else if (strcasecmp(key, "space") == 0) {
    if (!h->space_dim) h->space_dim = 3; /* every named NRRD space is 3-D */
  } else if (strcasecmp(key, "space units") == 0) {
    int n = parse_strings(val, h->space_units, 3);
    h->have_space_units = n;
  } else if (strcasecmp(key, "units") == 0) {
    int n = parse_strings(val, h->axis_units, MAXD);
    h->have_axis_units = n;
  } else if (strcasecmp(key, "space origin") == 0) {
    double v[1][3];
    int none[1], comps = 0;
    int n = parse_vectors(val, v, none, 1, &comps);
    CHECK(n == 1 && !none[0], TB_ERR_INPUT, "%s: field 'space origin: %s': expected a vector like (0,0,0)",
          path, val);
    for (int k = 0; k < 3; k++) h->origin[k] = k < comps ? v[0][k] : 0.0;
    h->have_origin = 1;
  } else if (strcasecmp(key, "data file") == 0 || strcasecmp(key, "datafile") == 0) {
    CHECK(strlen(val) < sizeof h->data_file, TB_ERR_INPUT, "%s: field 'data file' is too long", path);
    CHECK(strncasecmp(val, "LIST", 4) != 0 && !strchr(val, '%'), TB_ERR_INPUT,
          "%s: field 'data file: %s': data split over several files is not supported; expected one file name",
          path, val);
    strcpy(h->data_file, val);
  } else if (strcasecmp(key, "byte skip") == 0 || strcasecmp(key, "byteskip") == 0) {
    h->byte_skip = atoll(val);
    CHECK(h->byte_skip >= -1 && h->byte_skip <= (1LL << 50), TB_ERR_INPUT,
          "%s: field 'byte skip: %s': expected -1 or a count from 0 to 2^50", path, val);
  } else if (strcasecmp(key, "line skip") == 0 || strcasecmp(key, "lineskip") == 0) {
    h->line_skip = atoll(val);
    CHECK(h->line_skip >= 0 && h->line_skip <= (1LL << 40), TB_ERR_INPUT,
          "%s: field 'line skip: %s': expected a count from 0 to 2^40", path, val);
  }
  /* Other fields (content, kinds, centers, min, max, ...) carry nothing we use. */
cleanup:
  return st;
}

/* Directory of path plus name, unless name is absolute. */
static tb_status sibling_path(const char *path, const char *name, char *buf, size_t n) {
  tb_status st = TB_OK;
  const char *slash = strrchr(path, '/');
  int len;
  if (name[0] == '/' || !slash) len = snprintf(buf, n, "%s", name);
  else len = snprintf(buf, n, "%.*s/%s", (int)(slash - path), path, name);
  CHECK(len > 0 && (size_t)len < n, TB_ERR_INPUT, "%s: data file path '%s' is too long", path, name);
cleanup:
  return st;
}

tb_status tb_io_read_nrrd(const char *path, double override_um, int need_spacing, tb_volume **out) {
  tb_status st = TB_OK;
  uint8_t *file = NULL, *dfile = NULL, *inflated = NULL;
  char *line = NULL;
  tb_volume *v = NULL;
  nrrd_header *h = NULL;
  size_t flen = 0, dlen = 0;
  *out = NULL;

  h = calloc(1, sizeof *h);
  CHECK(h, TB_ERR_NOMEM, "out of memory");
  h->endian = -1;
  TRY(tb_io_slurp(path, "NRRD file", SIZE_MAX, &file, &flen));
  CHECK(flen >= 8 && memcmp(file, "NRRD000", 7) == 0 && file[7] >= '1' && file[7] <= '9', TB_ERR_INPUT,
        "%s: not a NRRD file; expected it to start with NRRD0001..NRRD0005", path);

  /* Header: lines up to the first empty line (or the end of a .nhdr). */
  size_t pos = 0, data_at = flen;
  int first = 1;
  while (pos < flen) {
    size_t e = pos;
    while (e < flen && file[e] != '\n') e++;
    size_t ll = e - pos;
    if (ll > 0 && file[pos + ll - 1] == '\r') ll--;
    size_t next = e < flen ? e + 1 : e;
    if (ll == 0) {
      data_at = next;
      break;
    }
    free(line);
    line = malloc(ll + 1);
    CHECK(line, TB_ERR_NOMEM, "out of memory");
    memcpy(line, file + pos, ll);
    line[ll] = '\0';
    pos = next;
    if (first) {
      first = 0;
      continue; /* magic */
    }
    if (line[0] == '#') continue;
    char *colon = strchr(line, ':');
    CHECK(colon, TB_ERR_INPUT, "%s: header line '%.60s' is not 'field: value'", path, line);
    if (colon[1] == '=') continue; /* key/value pair */
    *colon = '\0';
    TRY(parse_field(path, h, trim(line), trim(colon + 1)));
    data_at = pos;
  }

  CHECK(h->dim > 0, TB_ERR_INPUT, "%s: header has no 'dimension' field", path);
  CHECK(h->have_sizes, TB_ERR_INPUT, "%s: header has no 'sizes' field", path);
  CHECK(h->have_type, TB_ERR_INPUT, "%s: header has no 'type' field", path);
  CHECK(h->have_enc, TB_ERR_INPUT, "%s: header has no 'encoding' field", path);
  size_t esz = tb_io_raw_size(h->type);
  CHECK(esz == 1 || h->enc == ENC_ASCII || h->endian >= 0, TB_ERR_INPUT,
        "%s: header has no 'endian' field; %s data needs 'endian: little' or 'endian: big'", path,
        tb_io_raw_name(h->type));

  /* Spatial axes: those with a direction vector, else all. Others must be size 1. */
  int axes[MAXD], nsp = 0;
  for (int i = 0; i < h->dim; i++) {
    int spatial = h->have_dirs ? !h->dir_none[i] : !(h->dim == 4 && i == 0 && h->sizes[0] == 1);
    if (spatial) axes[nsp++] = i;
    else
      CHECK(h->sizes[i] == 1, TB_ERR_INPUT,
            "%s: axis %d has %lld non-spatial samples (e.g. vector components); expected a scalar image", path,
            i, (long long)h->sizes[i]);
  }
  CHECK(nsp == 2 || nsp == 3, TB_ERR_INPUT, "%s: header describes %d spatial axes; expected 2 or 3", path, nsp);
  int64_t dims[3] = {h->sizes[axes[0]], h->sizes[axes[1]], nsp == 3 ? h->sizes[axes[2]] : 1};
  size_t count = 0;
  TRY(tb_io_check_dims(path, "field 'sizes'", dims[0], dims[1], dims[2], &count));
  size_t need = count * esz;
  int32_t nx = (int32_t)dims[0], ny = (int32_t)dims[1], nz = (int32_t)dims[2];

  /* Geometry. */
  double sp[3] = {1, 1, 1}, org[3] = {0, 0, 0}, to_um = 0.0;
  int have_sp = 0;
  const char *field = "field 'spacings'";
  if (h->have_dirs) {
    field = "field 'space directions'";
    have_sp = 1;
    for (int k = 0; k < nsp; k++) {
      const double *d = h->dirs[axes[k]];
      double n2 = 0.0, mx = 0.0;
      for (int c = 0; c < h->space_dim; c++) {
        n2 += d[c] * d[c];
        mx = fmax(mx, fabs(d[c]));
      }
      sp[k] = sqrt(n2);
      if (isfinite(sp[k]) && sp[k] > 0 && mx < sp[k] * (1.0 - 1e-6))
        tb_log_warn("%s: space direction of axis %d is oblique; only its length is used", path, axes[k]);
    }
    if (nsp == 2) sp[2] = fmax(sp[0], sp[1]);
    if (h->have_space_units) {
      CHECK(h->have_space_units >= nsp, TB_ERR_INPUT, "%s: field 'space units' names %d units; expected %d",
            path, h->have_space_units, h->space_dim);
      double f0 = tb_io_unit_to_um(h->space_units[0]);
      for (int k = 0; k < h->have_space_units; k++) {
        double f = tb_io_unit_to_um(h->space_units[k]);
        CHECK(f > 0, TB_ERR_INPUT, "%s: field 'space units' names unit \"%s\"; expected mm, um or nm", path,
              h->space_units[k]);
        CHECK(f == f0, TB_ERR_INPUT, "%s: field 'space units' mixes \"%s\" and \"%s\"; expected one unit", path,
              h->space_units[0], h->space_units[k]);
      }
      to_um = f0;
    }
  } else if (h->have_spacings) {
    have_sp = 1;
    for (int k = 0; k < nsp; k++) sp[k] = h->spacings[axes[k]];
    if (nsp == 2) sp[2] = fmax(sp[0], sp[1]);
    if (h->have_axis_units && h->have_axis_units == h->dim) {
      double f0 = tb_io_unit_to_um(h->axis_units[axes[0]]);
      for (int k = 0; k < nsp; k++) {
        double f = tb_io_unit_to_um(h->axis_units[axes[k]]);
        CHECK(f > 0 && f == f0, TB_ERR_INPUT, "%s: field 'units' names \"%s\"; expected one of mm, um, nm", path,
              h->axis_units[axes[k]]);
      }
      to_um = f0;
    }
  }
  if (h->have_origin) {
    for (int k = 0; k < 3; k++) org[k] = h->origin[k];
    if (!have_sp && h->have_space_units) to_um = tb_io_unit_to_um(h->space_units[0]);
  }

  /* Data bytes. */
  const uint8_t *data = NULL;
  size_t dsize = 0;
  if (h->data_file[0]) {
    char dpath[4096];
    TRY(sibling_path(path, h->data_file, dpath, sizeof dpath));
    /* Raw data need not be read past what the header's sizes promise. */
    size_t max = h->enc == ENC_RAW && h->byte_skip >= 0 && h->line_skip == 0 ? need + (size_t)h->byte_skip : SIZE_MAX;
    TRY(tb_io_slurp(dpath, "NRRD data file (named by the header's 'data file' field)", max, &dfile, &dlen));
    data = dfile;
    dsize = dlen;
  } else {
    data = file + data_at;
    dsize = flen - data_at;
  }
  for (long long l = 0; l < h->line_skip; l++) {
    const uint8_t *nl = memchr(data, '\n', dsize);
    CHECK(nl, TB_ERR_INPUT, "%s: field 'line skip: %lld' skips past the end of the data", path, h->line_skip);
    dsize -= (size_t)(nl + 1 - data);
    data = nl + 1;
  }

  /* Every branch checks the data against the header's sizes before the
   * volume is allocated: a header may claim 2^34 voxels over 1 kB. */
  if (h->enc == ENC_RAW) {
    if (h->byte_skip == -1) {
      TRY(tb_io_check_bytes(path, dsize, need, 1, nx, ny, nz, h->type));
      data += dsize - need;
      dsize = need;
    } else {
      CHECK((unsigned long long)h->byte_skip <= dsize, TB_ERR_INPUT,
            "%s: field 'byte skip: %lld' skips past the end of the %zu data bytes", path, h->byte_skip, dsize);
      data += h->byte_skip;
      dsize -= (size_t)h->byte_skip;
    }
    TRY(tb_io_check_bytes(path, dsize, need, 0, nx, ny, nz, h->type));
    TRY(tb_volume_create(nx, ny, nz, &v));
    tb_io_decode(data, h->type, h->endian == 1, count, v->data);
  } else if (h->enc == ENC_GZIP) {
    CHECK(h->byte_skip >= 0, TB_ERR_INPUT, "%s: field 'byte skip: -1' is only allowed with raw encoding", path);
    size_t got = 0, want = need + (size_t)h->byte_skip;
    TRY(tb_io_inflate(path, data, dsize, want, &inflated, &got));
    CHECK(got <= want, TB_ERR_INPUT,
          "%s: decompressed data holds more than the %zu bytes that the header's sizes %d x %d x %d of %s need; "
          "the header contradicts the data",
          path, want, nx, ny, nz, tb_io_raw_name(h->type));
    TRY(tb_io_check_bytes(path, got - (got < (size_t)h->byte_skip ? got : (size_t)h->byte_skip), need, 0, nx, ny,
                          nz, h->type));
    TRY(tb_volume_create(nx, ny, nz, &v));
    tb_io_decode(inflated + h->byte_skip, h->type, h->endian == 1, count, v->data);
  } else {
    /* ascii: whitespace- or comma-separated numbers, each at least one
     * character and a separator. */
    CHECK(count <= dsize / 2 + 1, TB_ERR_INPUT,
          "%s: ascii data of %zu bytes cannot hold the %zu values that the header's sizes %d x %d x %d need", path,
          dsize, count, nx, ny, nz);
    TRY(tb_volume_create(nx, ny, nz, &v));
    size_t i = 0, p = 0;
    char num[64];
    while (p < dsize) {
      while (p < dsize && (isspace(data[p]) || data[p] == ',')) p++;
      if (p >= dsize) break;
      size_t k = 0;
      while (p < dsize && !isspace(data[p]) && data[p] != ',' && k < sizeof num - 1) num[k++] = (char)data[p++];
      num[k] = '\0';
      char *end;
      double x = strtod(num, &end);
      CHECK(end != num && *end == '\0', TB_ERR_INPUT, "%s: ascii data value %zu ('%s') is not a number", path, i,
            num);
      CHECK(i < count, TB_ERR_INPUT,
            "%s: ascii data holds more than the %zu values that the header's sizes %d x %d x %d need", path,
            count, nx, ny, nz);
      v->data[i++] = (float)x;
    }
    CHECK(i == count, TB_ERR_INPUT, "%s: ascii data holds %zu values, the header's sizes %d x %d x %d need %zu",
          path, i, nx, ny, nz, count);
  }
  TRY(tb_io_set_geometry(path, field, have_sp, sp, org, to_um, override_um, need_spacing, v));
  *out = v;
  v = NULL;
cleanup:
  free(line);
  free(file);
  free(dfile);
  free(inflated);
  free(h);
  tb_volume_destroy(&v);
  return st;
}

/* ---- writer ------------------------------------------------------------ */

static tb_status write_gzip(FILE *f, const uint8_t *buf, size_t n, const char *path) {
  tb_status st = TB_OK;
  z_stream z;
  int inited = 0;
  uint8_t chunk[1 << 16];
  memset(&z, 0, sizeof z);
  CHECK(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK, TB_ERR_INTERNAL,
        "zlib initialisation failed");
  inited = 1;
  size_t left = n;
  z.next_in = (Bytef *)buf;
  int flush;
  do {
    if (z.avail_in == 0) {
      z.avail_in = left > (1u << 30) ? (1u << 30) : (uInt)left;
      left -= z.avail_in;
    }
    flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
    int rc;
    do {
      z.next_out = chunk;
      z.avail_out = sizeof chunk;
      rc = deflate(&z, flush);
      CHECK(rc != Z_STREAM_ERROR, TB_ERR_INTERNAL, "zlib deflate failed");
      TRY(tb_io_fwrite(f, chunk, sizeof chunk - z.avail_out, path));
    } while (z.avail_out == 0);
  } while (flush != Z_FINISH);
cleanup:
  if (inited) deflateEnd(&z);
  return st;
}

tb_status tb_io_write_nrrd(const char *path, const tb_volume *v, tb_io_type type, int gzip) {
  tb_status st = TB_OK;
  FILE *f = NULL;
  char tmp[4200];
  uint8_t *buf = NULL;
  size_t bytes = 0;
  CHECK(v && v->data && v->nx > 0 && v->ny > 0 && v->nz > 0, TB_ERR_INTERNAL, "%s: no volume to write", path);
  TRY(tb_io_encode(v, type, &buf, &bytes));
  TRY(tb_io_atomic_open(path, tmp, sizeof tmp, &f));
  const double *s = v->spacing_um, *o = v->origin_um;
  int r = fprintf(f,
                  "NRRD0004\n# Written by trabecula %s\ntype: %s\ndimension: 3\nspace dimension: 3\n"
                  "sizes: %d %d %d\nspace directions: (%.17g,0,0) (0,%.17g,0) (0,0,%.17g)\n"
                  "space units: \"mm\" \"mm\" \"mm\"\nspace origin: (%.17g,%.17g,%.17g)\n"
                  "kinds: domain domain domain\nendian: little\nencoding: %s\n\n",
                  TB_VERSION, type == TB_IO_U8 ? "uint8" : type == TB_IO_U16 ? "uint16" : "float", v->nx, v->ny,
                  v->nz, s[0] / 1000.0, s[1] / 1000.0, s[2] / 1000.0, o[0] / 1000.0, o[1] / 1000.0,
                  o[2] / 1000.0, gzip ? "gzip" : "raw");
  CHECK(r > 0, TB_ERR_IO, "%s: writing the header failed: %s", path, strerror(errno));
  if (gzip) TRY(write_gzip(f, buf, bytes, path));
  else TRY(tb_io_fwrite(f, buf, bytes, path));
  TRY(tb_io_atomic_close(&f, tmp, path, 1));
cleanup:
  if (f) tb_io_atomic_close(&f, tmp, path, 0);
  free(buf);
  return st;
}
