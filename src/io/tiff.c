/* TIFF stacks through libtiff (https://libtiff.gitlab.io/libtiff/): one
 * multi-page file (what Fiji's File > Save As > Tiff writes for a stack) or
 * a series of single-slice files (a folder or a glob pattern, natural name
 * order), every page a z slice. One sample per pixel: 8/16/32/64-bit
 * unsigned or signed integers and 32/64-bit float, stripped or tiled, any
 * compression libtiff decodes; min-is-white integer pages are inverted to
 * min-is-black. RGB and palette images are refused with a message.
 *
 * Voxel size, first rule that applies, from the first page:
 *  1. ImageJ's ImageDescription ("ImageJ=..." lines key=value): `unit=`
 *     (micron, um, \u00B5m, mm, cm, m, nm, inch) with XResolution and
 *     YResolution as pixels per unit for x and y, and `spacing=` for z;
 *     ImageJ omits spacing= when the slice spacing is 1 unit (its default).
 *  2. XResolution/YResolution with ResolutionUnit inch or cm: x and y; z is
 *     taken equal to x (a warning says so). 72, 96, 150, 300 and 600 per inch
 *     are screen and print defaults of imaging software, not voxel sizes, and
 *     are ignored.
 *  3. none: --spacing (the need_spacing / override rule of io.h).
 *
 * libtiff's own messages are captured per handle (TIFFOpenExt's handlers)
 * and its global stderr handlers are switched off, so a bad file gives one
 * message of ours that quotes libtiff's first error. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"
#include "trabecula/log.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <tiffio.h>

typedef struct {
  char msg[400];
} tiff_err;

static int on_error(TIFF *t, void *ud, const char *module, const char *fmt, va_list ap) {
  tiff_err *e = ud;
  if (e && !e->msg[0]) vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  return 1; /* handled: libtiff does not call its global handler */
}

static int on_warning(TIFF *t, void *ud, const char *module, const char *fmt, va_list ap) { return 1; }

static TIFF *open_tiff(const char *path, tiff_err *e) {
  static int quiet;
  if (!quiet) {
    /* Messages raised without a handle still go to the global handlers. */
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
    quiet = 1;
  }
  TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
  if (!o) return NULL;
  TIFFOpenOptionsSetErrorHandlerExtR(o, on_error, e);
  TIFFOpenOptionsSetWarningHandlerExtR(o, on_warning, e);
  /* No single libtiff allocation above 1 GiB (a strip, a tile, a tag). */
  TIFFOpenOptionsSetMaxSingleMemAlloc(o, (tmsize_t)1 << 30);
  TIFF *t = TIFFOpenExt(path, "r", o);
  TIFFOpenOptionsFree(o);
  return t;
}

/* What one page holds. */
typedef struct {
  uint32_t w, h;
  tb_io_raw raw;
  int invert; /* min-is-white */
  int tiled;
  uint64_t stored; /* bytes of its strips or tiles in the file */
  int compressed;
} page;

static const char *why(const tiff_err *e) { return e->msg[0] ? e->msg : "no detail"; }

static tb_status read_page(const char *path, TIFF *t, int index, uint64_t file_size, page *p) {
  tb_status st = TB_OK;
  uint16_t spp = 1, bps = 1, fmt = SAMPLEFORMAT_UINT, photo = PHOTOMETRIC_MINISBLACK, comp = COMPRESSION_NONE;
  uint32_t w = 0, h = 0;
  memset(p, 0, sizeof *p);
  CHECK(TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w) == 1 && TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h) == 1,
        TB_ERR_INPUT, "%s: page %d has no ImageWidth/ImageLength; expected a TIFF image", path, index);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
  TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLEFORMAT, &fmt);
  TIFFGetFieldDefaulted(t, TIFFTAG_COMPRESSION, &comp);
  if (TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photo) != 1) photo = PHOTOMETRIC_MINISBLACK;
  CHECK(spp == 1, TB_ERR_INPUT,
        "%s: page %d has SamplesPerPixel = %u; expected one sample per pixel (grayscale). Convert colour "
        "images to 8- or 16-bit grayscale first (Fiji: Image > Type)",
        path, index, spp);
  CHECK(photo == PHOTOMETRIC_MINISBLACK || photo == PHOTOMETRIC_MINISWHITE, TB_ERR_INPUT,
        "%s: page %d has PhotometricInterpretation = %u (%s); expected grayscale (min-is-black or min-is-white)",
        path, index, photo, photo == PHOTOMETRIC_PALETTE ? "palette colour" : photo == PHOTOMETRIC_RGB ? "RGB" : "not grayscale");
  int ok = 0;
  if (fmt == SAMPLEFORMAT_UINT || fmt == SAMPLEFORMAT_VOID) {
    ok = bps == 8 || bps == 16 || bps == 32 || bps == 64;
    p->raw = bps == 8 ? TB_RAW_U8 : bps == 16 ? TB_RAW_U16 : bps == 32 ? TB_RAW_U32 : TB_RAW_U64;
  } else if (fmt == SAMPLEFORMAT_INT) {
    ok = bps == 8 || bps == 16 || bps == 32 || bps == 64;
    p->raw = bps == 8 ? TB_RAW_I8 : bps == 16 ? TB_RAW_I16 : bps == 32 ? TB_RAW_I32 : TB_RAW_I64;
  } else if (fmt == SAMPLEFORMAT_IEEEFP) {
    ok = bps == 32 || bps == 64;
    p->raw = bps == 32 ? TB_RAW_F32 : TB_RAW_F64;
  }
  CHECK(ok, TB_ERR_INPUT,
        "%s: page %d has BitsPerSample = %u with SampleFormat = %u; expected 8, 16, 32 or 64-bit unsigned (1) "
        "or signed (2) integers, or 32/64-bit float (3)",
        path, index, bps, fmt);
  CHECK(photo == PHOTOMETRIC_MINISBLACK || fmt == SAMPLEFORMAT_UINT || fmt == SAMPLEFORMAT_VOID, TB_ERR_INPUT,
        "%s: page %d is min-is-white with signed or float samples; expected min-is-black", path, index);
  p->invert = photo == PHOTOMETRIC_MINISWHITE;
  p->w = w;
  p->h = h;
  p->tiled = TIFFIsTiled(t);
  p->compressed = comp != COMPRESSION_NONE;
  size_t count = 0;
  TRY(tb_io_check_dims(path, "ImageWidth x ImageLength", w, h, 1, &count));
  uint32_t nstrile = TIFFNumberOfStrips(t);
  if (p->tiled) nstrile = TIFFNumberOfTiles(t);
  CHECK(nstrile > 0, TB_ERR_INPUT, "%s: page %d has no %s; expected image data", path, index,
        p->tiled ? "tiles" : "strips");
  for (uint32_t i = 0; i < nstrile; i++) {
    int err = 0;
    uint64_t off = TIFFGetStrileOffsetWithErr(t, i, &err);
    uint64_t bc = err ? 0 : TIFFGetStrileByteCount(t, i);
    CHECK(!err && off <= file_size && bc <= file_size - off, TB_ERR_INPUT,
          "%s: page %d: %s %u lies beyond the end of the file (%llu bytes); the file is truncated", path, index,
          p->tiled ? "tile" : "strip", i, (unsigned long long)file_size);
    p->stored += bc;
  }
  /* Before anything is allocated: the file must be able to hold the page.
   * Uncompressed, byte for byte; compressed, at most 4096 decoded bytes per
   * stored byte (LZW, the most expansive TIFF codec, reaches about 2730). */
  uint64_t need = (uint64_t)count * tb_io_raw_size(p->raw);
  if (!p->compressed)
    CHECK(p->stored >= need, TB_ERR_INPUT,
          "%s: page %d stores %llu bytes of image data; %u x %u of %s need %llu. The file is truncated", path,
          index, (unsigned long long)p->stored, w, h, tb_io_raw_name(p->raw), (unsigned long long)need);
  else
    CHECK(need / 4096 <= p->stored, TB_ERR_INPUT,
          "%s: page %d claims %u x %u of %s from only %llu compressed bytes; expected a plausible image size",
          path, index, w, h, tb_io_raw_name(p->raw), (unsigned long long)p->stored);
cleanup:
  return st;
}

/* Reads the current page of t (described by p) into raw (w*h samples). */
static tb_status read_pixels(const char *path, TIFF *t, int index, const page *p, tiff_err *e, uint8_t *raw) {
  tb_status st = TB_OK;
  uint8_t *tile = NULL;
  size_t sz = tb_io_raw_size(p->raw);
  size_t row = (size_t)p->w * sz;
  if (!p->tiled) {
    uint32_t rps = p->h;
    TIFFGetFieldDefaulted(t, TIFFTAG_ROWSPERSTRIP, &rps);
    if (rps == 0 || rps > p->h) rps = p->h;
    uint32_t nstrip = TIFFNumberOfStrips(t);
    for (uint32_t s = 0; s < nstrip && (uint64_t)s * rps < p->h; s++) {
      uint32_t y0 = s * rps, rows = p->h - y0 < rps ? p->h - y0 : rps;
      tmsize_t want = (tmsize_t)((size_t)rows * row);
      tmsize_t got = TIFFReadEncodedStrip(t, s, raw + (size_t)y0 * row, want);
      CHECK(got == want, TB_ERR_INPUT, "%s: page %d: strip %u cannot be read (libtiff: %s); the file is corrupt or truncated",
            path, index, s, why(e));
    }
    CHECK((uint64_t)nstrip * rps >= p->h, TB_ERR_INPUT,
          "%s: page %d has %u strips of %u rows for %u rows; expected the strips to cover the image", path, index,
          nstrip, rps, p->h);
  } else {
    uint32_t tw = 0, th = 0;
    CHECK(TIFFGetField(t, TIFFTAG_TILEWIDTH, &tw) == 1 && TIFFGetField(t, TIFFTAG_TILELENGTH, &th) == 1 && tw > 0 &&
              th > 0,
          TB_ERR_INPUT, "%s: page %d is tiled without TileWidth/TileLength; expected both", path, index);
    tmsize_t tsize = TIFFTileSize(t);
    CHECK(tsize > 0 && (uint64_t)tsize >= (uint64_t)tw * th * sz, TB_ERR_INPUT,
          "%s: page %d: tiles of %u x %u cannot be read (libtiff: %s)", path, index, tw, th, why(e));
    tile = malloc((size_t)tsize);
    CHECK(tile, TB_ERR_NOMEM, "%s: out of memory for a %u x %u tile", path, tw, th);
    for (uint32_t y = 0; y < p->h; y += th)
      for (uint32_t x = 0; x < p->w; x += tw) {
        CHECK(TIFFReadTile(t, tile, x, y, 0, 0) >= 0, TB_ERR_INPUT,
              "%s: page %d: the tile at (%u, %u) cannot be read (libtiff: %s); the file is corrupt or truncated",
              path, index, x, y, why(e));
        uint32_t cols = p->w - x < tw ? p->w - x : tw, rows = p->h - y < th ? p->h - y : th;
        for (uint32_t r = 0; r < rows; r++)
          memcpy(raw + (size_t)(y + r) * row + (size_t)x * sz, tile + (size_t)r * tw * sz, (size_t)cols * sz);
        if (y > UINT32_MAX - th || x > UINT32_MAX - tw) break;
      }
  }
cleanup:
  free(tile);
  return st;
}

static int host_is_big(void) {
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 0;
}

/* unit_um / r in um for a resolution r (pixels per unit) that libtiff hands
 * over as a 32-bit float, rounded to 6 significant digits (about what a
 * float holds), so that 20 um stored as 0.05 per micron reads 20 and not
 * 19.9999996. */
static double pixel_um(float r, double unit_um) {
  double x = unit_um / (double)r;
  char buf[32];
  snprintf(buf, sizeof buf, "%.6g", x);
  return strtod(buf, NULL);
}

/* Voxel size from the first page (rules 1 and 2 above). */
static void geometry(const char *path, TIFF *t, int *have, double sp[3], double *to_um, const char **field) {
  *have = 0;
  *to_um = 0.0;
  float xr = 0.0f, yr = 0.0f;
  uint16_t ru = RESUNIT_INCH;
  int has_x = TIFFGetField(t, TIFFTAG_XRESOLUTION, &xr) == 1 && isfinite(xr) && xr > 0.0f;
  if (TIFFGetField(t, TIFFTAG_YRESOLUTION, &yr) != 1 || !isfinite(yr) || yr <= 0.0f) yr = xr;
  TIFFGetFieldDefaulted(t, TIFFTAG_RESOLUTIONUNIT, &ru);
  const char *desc = NULL;
  if (TIFFGetField(t, TIFFTAG_IMAGEDESCRIPTION, &desc) == 1 && desc && strncmp(desc, "ImageJ=", 7) == 0) {
    char unit[64] = "";
    double z = 1.0;
    for (const char *l = desc; l && *l;) {
      const char *e = strchr(l, '\n');
      size_t n = e ? (size_t)(e - l) : strlen(l);
      if (n > 5 && strncmp(l, "unit=", 5) == 0 && n - 5 < sizeof unit) {
        memcpy(unit, l + 5, n - 5);
        unit[n - 5] = '\0';
      } else if (n > 8 && strncmp(l, "spacing=", 8) == 0) {
        char num[64];
        size_t k = n - 8 < sizeof num - 1 ? n - 8 : sizeof num - 1;
        memcpy(num, l + 8, k);
        num[k] = '\0';
        z = strtod(num, NULL);
      }
      l = e ? e + 1 : NULL;
    }
    double f = 0.0;
    if (strcmp(unit, "\\u00B5m") == 0 || strcmp(unit, "\\u00b5m") == 0) f = 1.0;
    else if (strcasecmp(unit, "inch") == 0) f = 25400.0;
    else if (unit[0]) f = tb_io_unit_to_um(unit);
    if (f > 0.0 && has_x) {
      sp[0] = pixel_um(xr, f), sp[1] = pixel_um(yr, f), sp[2] = z * f;
      *to_um = 1.0;
      *have = 1;
      *field = "ImageJ calibration (unit=, XResolution, YResolution, spacing=)";
      return;
    }
    if (unit[0] && strcasecmp(unit, "pixel") != 0 && f == 0.0)
      tb_log_warn("%s: ImageJ unit=%s is not a length unit this program knows (micron, mm, nm, ...); ignored",
                  path, unit);
  }
  if (has_x && (ru == RESUNIT_INCH || ru == RESUNIT_CENTIMETER)) {
    double dpi = ru == RESUNIT_INCH ? xr : 0.0;
    if (dpi == 72.0 || dpi == 96.0 || dpi == 150.0 || dpi == 300.0 || dpi == 600.0) {
      tb_log_info("%s: XResolution %g per inch is a software default, not a voxel size; ignored", path, dpi);
      return;
    }
    double unit = ru == RESUNIT_INCH ? 25400.0 : 10000.0;
    *to_um = 1.0;
    sp[0] = pixel_um(xr, unit), sp[1] = pixel_um(yr, unit), sp[2] = sp[0];
    *have = 1;
    *field = "XResolution/YResolution";
    tb_log_warn("%s: no slice spacing in the file; z taken equal to x (%g um); pass --spacing UM if that is wrong",
                path, sp[0]);
  }
}

typedef struct {
  size_t file;
  int dir;
} slot;

tb_status tb_io_read_tiff(const char *what, char *const *paths, size_t n, double override_um, int need_spacing,
                          tb_volume **out) {
  tb_status st = TB_OK;
  TIFF *t = NULL;
  tiff_err e = {{0}};
  slot *slots = NULL;
  uint8_t *raw = NULL;
  tb_volume *v = NULL;
  size_t nslot = 0, cap = 0;
  page first = {0};
  int have = 0;
  double sp[3] = {1, 1, 1}, org[3] = {0, 0, 0}, to_um = 0.0;
  const char *field = "";
  *out = NULL;
  CHECK(n > 0, TB_ERR_INPUT, "%s: no TIFF files found", what);

  /* Pass 1: every page's header, checked against the first before anything
   * large is allocated. */
  for (size_t f = 0; f < n; f++) {
    uint64_t fsize = 0;
    TRY(tb_io_file_size(paths[f], "TIFF file", &fsize));
    e.msg[0] = '\0';
    t = open_tiff(paths[f], &e);
    CHECK(t, TB_ERR_INPUT, "%s: not a readable TIFF file (libtiff: %s)", paths[f], why(&e));
    int dir = 0;
    do {
      uint32_t sub = 0;
      if (TIFFGetField(t, TIFFTAG_SUBFILETYPE, &sub) == 1 && (sub & FILETYPE_REDUCEDIMAGE)) continue;
      page p;
      TRY(read_page(paths[f], t, dir, fsize, &p));
      if (nslot == 0) {
        first = p;
        geometry(paths[f], t, &have, sp, &to_um, &field);
      } else {
        CHECK(p.w == first.w && p.h == first.h && p.raw == first.raw, TB_ERR_INPUT,
              "%s: page %d is %u x %u of %s; expected %u x %u of %s like the first slice (%s)", paths[f], dir, p.w,
              p.h, tb_io_raw_name(p.raw), first.w, first.h, tb_io_raw_name(first.raw), paths[slots[0].file]);
      }
      if (nslot == cap) {
        size_t nc = cap ? cap * 2 : 64;
        slot *ns = realloc(slots, nc * sizeof *ns);
        CHECK(ns, TB_ERR_NOMEM, "out of memory listing %zu TIFF pages", nslot);
        slots = ns;
        cap = nc;
      }
      slots[nslot].file = f;
      slots[nslot].dir = dir;
      nslot++;
      CHECK(nslot <= INT32_MAX, TB_ERR_INPUT, "%s: more than %d pages", what, INT32_MAX);
    } while (++dir > 0 && TIFFReadDirectory(t));
    CHECK(!e.msg[0], TB_ERR_INPUT, "%s: the page after page %d cannot be read (libtiff: %s); the file is corrupt",
          paths[f], dir - 1, why(&e));
    TIFFClose(t);
    t = NULL;
  }
  CHECK(nslot > 0, TB_ERR_INPUT, "%s: no full-resolution image page; expected at least one", what);

  size_t count = 0;
  TRY(tb_io_check_dims(what, "the TIFF pages", first.w, first.h, (int64_t)nslot, &count));
  TRY(tb_volume_create((int32_t)first.w, (int32_t)first.h, (int32_t)nslot, &v));
  TRY(tb_io_set_geometry(paths[0], field, have, sp, org, to_um, override_um, need_spacing, v));
  size_t per = (size_t)first.w * first.h, sz = tb_io_raw_size(first.raw);
  raw = malloc(per * sz);
  CHECK(raw, TB_ERR_NOMEM, "out of memory for a %u x %u TIFF page", first.w, first.h);

  /* Pass 2: the pixels. */
  size_t open_file = (size_t)-1;
  for (size_t z = 0; z < nslot; z++) {
    const char *pth = paths[slots[z].file];
    if (slots[z].file != open_file) {
      if (t) TIFFClose(t);
      e.msg[0] = '\0';
      t = open_tiff(pth, &e);
      CHECK(t, TB_ERR_INPUT, "%s: not a readable TIFF file (libtiff: %s)", pth, why(&e));
      open_file = slots[z].file;
    }
    CHECK(TIFFSetDirectory(t, (tdir_t)slots[z].dir) == 1, TB_ERR_INPUT, "%s: page %d cannot be read (libtiff: %s)",
          pth, slots[z].dir, why(&e));
    TRY(read_pixels(pth, t, slots[z].dir, &first, &e, raw));
    float *dst = v->data + z * per;
    tb_io_decode(raw, first.raw, host_is_big(), per, dst);
    if (first.invert) {
      double mx = first.raw == TB_RAW_U8 ? 255.0 : first.raw == TB_RAW_U16 ? 65535.0
                  : first.raw == TB_RAW_U32 ? 4294967295.0 : 18446744073709551615.0;
      for (size_t i = 0; i < per; i++) dst[i] = (float)(mx - dst[i]);
    }
  }
  tb_log_info("%s: TIFF, %u x %u x %zu of %s%s", what, first.w, first.h, nslot, tb_io_raw_name(first.raw),
              first.invert ? " (min-is-white, inverted)" : "");
  *out = v;
  v = NULL;
cleanup:
  if (t) TIFFClose(t);
  free(slots);
  free(raw);
  tb_volume_destroy(&v);
  return st;
}
