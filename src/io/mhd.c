/* MetaImage reader and writer, after ITK's MetaIO
 * (https://itk.org/Wiki/ITK/MetaIO/Documentation): "Key = Value" header
 * lines ending with ElementDataFile, which is LOCAL (data follows the
 * header, the .mha form) or a file name relative to the header's folder
 * (the .mhd + .raw form). Optional zlib compression (CompressedData = True).
 * ElementSpacing and Offset carry no unit in MetaIO; ITK means mm, ImageJ
 * writes its calibration unit. We honour `DistanceUnits` when present and
 * otherwise apply io.h's rule for unitless headers. The writer writes mm and
 * says so with DistanceUnits = mm. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"
#include "trabecula/log.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
  return s;
}

static int parse_bool(const char *s) {
  return strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcasecmp(s, "yes") == 0;
}


static int parse_type(const char *s, tb_io_raw *t) {
  static const struct { const char *name; tb_io_raw t; } types[] = {
      {"MET_CHAR", TB_RAW_I8}, {"MET_UCHAR", TB_RAW_U8}, {"MET_SHORT", TB_RAW_I16},
      {"MET_USHORT", TB_RAW_U16}, {"MET_INT", TB_RAW_I32}, {"MET_UINT", TB_RAW_U32},
      {"MET_LONG", TB_RAW_I32}, {"MET_ULONG", TB_RAW_U32}, {"MET_LONG_LONG", TB_RAW_I64},
      {"MET_ULONG_LONG", TB_RAW_U64}, {"MET_FLOAT", TB_RAW_F32}, {"MET_DOUBLE", TB_RAW_F64}};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (strcasecmp(s, types[i].name) == 0) {
      *t = types[i].t;
      return 1;
    }
  return 0;
}

tb_status tb_io_read_mhd(const char *path, double override_um, int need_spacing, tb_volume **out) {
  tb_status st = TB_OK;
  uint8_t *file = NULL, *dfile = NULL, *inflated = NULL;
  char *line = NULL;
  tb_volume *v = NULL;
  size_t flen = 0, dlen = 0;
  *out = NULL;

  int ndims = 0, have_dims = 0, have_type = 0, have_sp = 0, msb = 0, compressed = 0, channels = 1;
  double dims[3] = {0, 0, 0}, sp[3] = {1, 1, 1}, org[3] = {0, 0, 0}, to_um = 0.0;
  long long header_size = 0;
  tb_io_raw type = TB_RAW_U8;
  char data_file[4096] = "";
  const char *sp_field = "ElementSpacing";

  TRY(tb_io_slurp(path, "MetaImage header", SIZE_MAX, &file, &flen));
  size_t pos = 0, data_at = flen;
  while (pos < flen) {
    size_t e = pos;
    while (e < flen && file[e] != '\n') e++;
    size_t ll = e - pos;
    free(line);
    line = malloc(ll + 1);
    CHECK(line, TB_ERR_NOMEM, "out of memory");
    memcpy(line, file + pos, ll);
    line[ll] = '\0';
    pos = e < flen ? e + 1 : e;
    char *l = trim(line);
    if (!*l || l[0] == '#') continue;
    char *eq = strchr(l, '=');
    CHECK(eq, TB_ERR_INPUT, "%s: header line '%.60s' is not 'Key = Value'", path, l);
    *eq = '\0';
    char *key = trim(l), *val = trim(eq + 1);
    if (strcasecmp(key, "ObjectType") == 0) {
      CHECK(strcasecmp(val, "Image") == 0, TB_ERR_INPUT, "%s: ObjectType = %s; expected Image", path, val);
    } else if (strcasecmp(key, "NDims") == 0) {
      ndims = atoi(val);
      CHECK(ndims == 2 || ndims == 3, TB_ERR_INPUT, "%s: NDims = %s; expected 2 or 3", path, val);
    } else if (strcasecmp(key, "DimSize") == 0) {
      CHECK(ndims, TB_ERR_INPUT, "%s: DimSize comes before NDims; expected NDims first", path);
      CHECK(tb_io_parse_numbers(val, dims, 3) == ndims, TB_ERR_INPUT,
            "%s: DimSize = %s; expected %d whole numbers", path, val, ndims);
      for (int k = 0; k < ndims; k++)
        CHECK(dims[k] == floor(dims[k]) && dims[k] >= 1 && dims[k] <= 2147483647.0, TB_ERR_INPUT,
              "%s: DimSize = %s; every size must be a whole number of at least 1", path, val);
      have_dims = 1;
    } else if (strcasecmp(key, "ElementSpacing") == 0 || (strcasecmp(key, "ElementSize") == 0 && !have_sp)) {
      CHECK(ndims, TB_ERR_INPUT, "%s: %s comes before NDims; expected NDims first", path, key);
      CHECK(tb_io_parse_numbers(val, sp, 3) == ndims, TB_ERR_INPUT, "%s: %s = %s; expected %d numbers", path,
            key, val, ndims);
      sp_field = strcasecmp(key, "ElementSpacing") == 0 ? "ElementSpacing" : "ElementSize";
      have_sp = 1;
    } else if (strcasecmp(key, "Offset") == 0 || strcasecmp(key, "Position") == 0 ||
               strcasecmp(key, "Origin") == 0) {
      CHECK(ndims, TB_ERR_INPUT, "%s: %s comes before NDims; expected NDims first", path, key);
      CHECK(tb_io_parse_numbers(val, org, 3) == ndims, TB_ERR_INPUT, "%s: %s = %s; expected %d numbers", path,
            key, val, ndims);
    } else if (strcasecmp(key, "ElementType") == 0) {
      CHECK(parse_type(val, &type), TB_ERR_INPUT,
            "%s: ElementType = %s is not supported; expected MET_CHAR, MET_UCHAR, MET_SHORT, MET_USHORT, "
            "MET_INT, MET_UINT, MET_LONG_LONG, MET_ULONG_LONG, MET_FLOAT or MET_DOUBLE",
            path, val);
      have_type = 1;
    } else if (strcasecmp(key, "ElementNumberOfChannels") == 0) {
      channels = atoi(val);
      CHECK(channels == 1, TB_ERR_INPUT, "%s: ElementNumberOfChannels = %s; expected a scalar image (1)", path, val);
    } else if (strcasecmp(key, "BinaryData") == 0) {
      CHECK(parse_bool(val), TB_ERR_INPUT, "%s: BinaryData = %s; text data is not supported, expected True", path,
            val);
    } else if (strcasecmp(key, "BinaryDataByteOrderMSB") == 0 || strcasecmp(key, "ElementByteOrderMSB") == 0) {
      msb = parse_bool(val);
    } else if (strcasecmp(key, "CompressedData") == 0) {
      compressed = parse_bool(val);
    } else if (strcasecmp(key, "HeaderSize") == 0) {
      header_size = atoll(val);
      CHECK(header_size >= -1 && header_size <= (1LL << 50), TB_ERR_INPUT,
            "%s: HeaderSize = %s; expected -1 or a count from 0 to 2^50", path, val);
    } else if (strcasecmp(key, "DistanceUnits") == 0) {
      if (strcmp(val, "?") != 0 && val[0]) {
        to_um = tb_io_unit_to_um(val);
        CHECK(to_um > 0, TB_ERR_INPUT, "%s: DistanceUnits = %s; expected mm, um or nm", path, val);
      }
    } else if (strcasecmp(key, "ElementDataFile") == 0) {
      CHECK(strlen(val) < sizeof data_file, TB_ERR_INPUT, "%s: ElementDataFile is too long", path);
      CHECK(strncasecmp(val, "LIST", 4) != 0 && !strchr(val, '%') && val[0], TB_ERR_INPUT,
            "%s: ElementDataFile = %s: data split over several files is not supported; expected LOCAL or one "
            "file name",
            path, val);
      strcpy(data_file, val);
      data_at = pos;
      break; /* ElementDataFile is always the last field */
    }
  }
  CHECK(data_file[0], TB_ERR_INPUT, "%s: header has no ElementDataFile field; expected LOCAL or a file name", path);
  CHECK(ndims, TB_ERR_INPUT, "%s: header has no NDims field", path);
  CHECK(have_dims, TB_ERR_INPUT, "%s: header has no DimSize field", path);
  CHECK(have_type, TB_ERR_INPUT, "%s: header has no ElementType field", path);
  if (ndims == 2) {
    dims[2] = 1;
    sp[2] = fmax(sp[0], sp[1]);
  }
  size_t count = 0;
  TRY(tb_io_check_dims(path, "DimSize", (int64_t)dims[0], (int64_t)dims[1], (int64_t)dims[2], &count));
  int32_t nx = (int32_t)dims[0], ny = (int32_t)dims[1], nz = (int32_t)dims[2];
  size_t need = count * tb_io_raw_size(type);

  const uint8_t *data;
  size_t dsize;
  if (strcasecmp(data_file, "LOCAL") == 0) {
    data = file + data_at;
    dsize = flen - data_at;
  } else {
    char dpath[8192];
    const char *slash = strrchr(path, '/');
    int len = data_file[0] == '/' || !slash ? snprintf(dpath, sizeof dpath, "%s", data_file)
                                            : snprintf(dpath, sizeof dpath, "%.*s/%s", (int)(slash - path), path,
                                                       data_file);
    CHECK(len > 0 && (size_t)len < sizeof dpath, TB_ERR_INPUT, "%s: ElementDataFile path is too long", path);
    /* Raw data need not be read past what the header's sizes promise. */
    size_t max = !compressed && header_size >= 0 ? need + (size_t)header_size : SIZE_MAX;
    TRY(tb_io_slurp(dpath, "MetaImage data file (named by ElementDataFile)", max, &dfile, &dlen));
    data = dfile;
    dsize = dlen;
  }
  /* Both branches check the data against DimSize before the volume is
   * allocated: a header may claim 2^34 voxels over 1 kB. */
  if (compressed) {
    CHECK(header_size >= 0 && (unsigned long long)header_size <= dsize, TB_ERR_INPUT,
          "%s: HeaderSize = %lld does not fit the %zu data bytes", path, header_size, dsize);
    size_t got = 0;
    TRY(tb_io_inflate(path, data + header_size, dsize - (size_t)header_size, need, &inflated, &got));
    CHECK(got <= need, TB_ERR_INPUT,
          "%s: decompressed data holds more than the %zu bytes that DimSize %d x %d x %d of %s needs; the header "
          "contradicts the data",
          path, need, nx, ny, nz, tb_io_raw_name(type));
    TRY(tb_io_check_bytes(path, got, need, 0, nx, ny, nz, type));
    TRY(tb_volume_create(nx, ny, nz, &v));
    tb_io_decode(inflated, type, msb, count, v->data);
  } else {
    if (header_size == -1) {
      TRY(tb_io_check_bytes(path, dsize, need, 1, nx, ny, nz, type));
      data += dsize - need;
      dsize = need;
    } else {
      CHECK((unsigned long long)header_size <= dsize, TB_ERR_INPUT,
            "%s: HeaderSize = %lld skips past the end of the %zu data bytes", path, header_size, dsize);
      data += header_size;
      dsize -= (size_t)header_size;
    }
    TRY(tb_io_check_bytes(path, dsize, need, 0, nx, ny, nz, type));
    TRY(tb_volume_create(nx, ny, nz, &v));
    tb_io_decode(data, type, msb, count, v->data);
  }
  TRY(tb_io_set_geometry(path, sp_field, have_sp, sp, org, to_um, override_um, need_spacing, v));
  *out = v;
  v = NULL;
cleanup:
  free(line);
  free(file);
  free(dfile);
  free(inflated);
  tb_volume_destroy(&v);
  return st;
}

/* ---- writer ------------------------------------------------------------ */

tb_status tb_io_write_mhd(const char *path, const tb_volume *v, tb_io_type type) {
  tb_status st = TB_OK;
  FILE *hf = NULL, *df = NULL;
  char htmp[4200], dtmp[4200], rawpath[4200], rawname[4200];
  uint8_t *buf = NULL;
  size_t bytes = 0;
  int raw_committed = 0;
  int local = tb_io_has_ext(path, ".mha");
  CHECK(v && v->data && v->nx > 0 && v->ny > 0 && v->nz > 0, TB_ERR_INTERNAL, "%s: no volume to write", path);
  TRY(tb_io_encode(v, type, &buf, &bytes));
  if (!local) {
    size_t n = strlen(path);
    size_t stem = tb_io_has_ext(path, ".mhd") ? n - 4 : n;
    CHECK(stem + 5 < sizeof rawpath, TB_ERR_INPUT, "%s: output path is too long", path);
    memcpy(rawpath, path, stem);
    strcpy(rawpath + stem, ".raw");
    const char *slash = strrchr(rawpath, '/');
    strcpy(rawname, slash ? slash + 1 : rawpath);
    TRY(tb_io_atomic_open(rawpath, dtmp, sizeof dtmp, &df));
    TRY(tb_io_fwrite(df, buf, bytes, rawpath));
  }
  TRY(tb_io_atomic_open(path, htmp, sizeof htmp, &hf));
  const double *s = v->spacing_um, *o = v->origin_um;
  int r = fprintf(hf,
                  "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
                  "CompressedData = False\nTransformMatrix = 1 0 0 0 1 0 0 0 1\n"
                  "Offset = %.17g %.17g %.17g\nCenterOfRotation = 0 0 0\nAnatomicalOrientation = RAI\n"
                  "DistanceUnits = mm\nElementSpacing = %.17g %.17g %.17g\nDimSize = %d %d %d\n"
                  "ElementType = %s\nElementDataFile = %s\n",
                  o[0] / 1000.0, o[1] / 1000.0, o[2] / 1000.0, s[0] / 1000.0, s[1] / 1000.0, s[2] / 1000.0, v->nx,
                  v->ny, v->nz, type == TB_IO_U8 ? "MET_UCHAR" : type == TB_IO_U16 ? "MET_USHORT" : "MET_FLOAT",
                  local ? "LOCAL" : rawname);
  CHECK(r > 0, TB_ERR_IO, "%s: writing the header failed: %s", path, strerror(errno));
  if (local) TRY(tb_io_fwrite(hf, buf, bytes, path));
  else {
    TRY(tb_io_atomic_close(&df, dtmp, rawpath, 1));
    raw_committed = 1;
  }
  TRY(tb_io_atomic_close(&hf, htmp, path, 1));
cleanup:
  if (df) tb_io_atomic_close(&df, dtmp, rawpath, 0);
  if (hf) tb_io_atomic_close(&hf, htmp, path, 0);
  if (st != TB_OK && raw_committed) remove(rawpath);
  free(buf);
  return st;
}
