/* PNG output (libpng, http://www.libpng.org/pub/png/spec/) and the snapshot
 * preview composer: three mid-plane slices of bone fraction with the bone
 * resorbed and formed since the last snapshot tinted, enlarged to be
 * readable, and a legend drawn with a tiny built-in 5x7 bitmap font so the
 * images explain themselves without any font library. Colour key in io.h. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* Returns 0 on success; libpng reports its own error text on stderr. */
static int png_encode(FILE *f, int32_t w, int32_t h, const uint8_t *rgb) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    png_destroy_write_struct(&png, &info);
    return 1;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return 1;
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int32_t y = 0; y < h; y++) png_write_row(png, (png_const_bytep)(rgb + (size_t)3 * w * y));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  return 0;
}

tb_status tb_io_write_png_rgb(const char *path, int32_t w, int32_t h, const uint8_t *rgb) {
  tb_status st = TB_OK;
  FILE *f = NULL;
  char tmp[4200];
  CHECK(w > 0 && h > 0 && w <= 1000000 && h <= 1000000 && rgb, TB_ERR_INTERNAL,
        "%s: image size %d x %d; expected 1..1000000 pixels each way", path, w, h);
  TRY(tb_io_atomic_open(path, tmp, sizeof tmp, &f));
  CHECK(png_encode(f, w, h, rgb) == 0, TB_ERR_IO, "%s: encoding the PNG failed", path);
  TRY(tb_io_atomic_close(&f, tmp, path, 1));
cleanup:
  if (f) tb_io_atomic_close(&f, tmp, path, 0);
  return st;
}

/* ---- previews ---------------------------------------------------------- */

/* 5x7 glyphs, one byte per row, bit 4 = leftmost column. */
static const struct { char c; uint8_t rows[7]; } glyphs[] = {
    {'b', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E}}, {'d', {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F}},
    {'e', {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E}}, {'f', {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08}},
    {'h', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}}, {'m', {0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11}},
    {'n', {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}}, {'o', {0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E}},
    {'r', {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}}, {'s', {0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E}},
    {'t', {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}},
};

typedef struct {
  uint8_t *px;
  int32_t w, h;
} canvas;

static void put(canvas *c, int32_t x, int32_t y, const uint8_t rgb[3]) {
  if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
  memcpy(c->px + 3 * ((size_t)y * c->w + x), rgb, 3);
}

static void box(canvas *c, int32_t x0, int32_t y0, int32_t bw, int32_t bh, const uint8_t rgb[3]) {
  for (int32_t y = y0; y < y0 + bh; y++)
    for (int32_t x = x0; x < x0 + bw; x++) put(c, x, y, rgb);
}

/* Draws text at (x, y) with pixel size s; returns the x after it. */
static int32_t text(canvas *c, int32_t x, int32_t y, int32_t s, const char *t, const uint8_t rgb[3]) {
  for (; *t; t++, x += 6 * s) {
    for (size_t g = 0; g < sizeof glyphs / sizeof glyphs[0]; g++) {
      if (glyphs[g].c != *t) continue;
      for (int r = 0; r < 7; r++)
        for (int col = 0; col < 5; col++)
          if (glyphs[g].rows[r] & (0x10 >> col)) box(c, x + col * s, y + r * s, s, s, rgb);
    }
  }
  return x;
}

static const uint8_t RED[3] = {235, 80, 20}, GREEN[3] = {30, 210, 190}, YELLOW[3] = {245, 225, 40};

static void shade(float bone, float res, float form, uint8_t out[3]) {
  double f = isfinite(bone) ? fmin(fmax(bone, 0.0), 1.0) : 0.0;
  double g = 210.0 * f;
  int r = res > 0.01f, fo = form > 0.01f;
  const uint8_t *tint = r && fo ? YELLOW : r ? RED : fo ? GREEN : NULL;
  for (int k = 0; k < 3; k++) {
    double x = tint ? 0.25 * g + 0.75 * tint[k] : g;
    out[k] = (uint8_t)lrint(fmin(fmax(x, 0.0), 255.0));
  }
}

/* plane 0: xy at z = nz/2 (y down); 1: xz at y = ny/2; 2: yz at x = nx/2 (z up). */
static tb_status preview(const char *path, int plane, int32_t nx, int32_t ny, int32_t nz, const float *bone,
                         const float *res, const float *form) {
  tb_status st = TB_OK;
  canvas c = {NULL, 0, 0};
  int32_t w = plane == 2 ? ny : nx, h = plane == 0 ? ny : nz;
  int32_t shortest = w < h ? w : h, longest = w > h ? w : h;
  int32_t k = shortest < 256 ? (256 + shortest - 1) / shortest : 1;
  if ((int64_t)k * longest > 4096) k = longest >= 4096 ? 1 : 4096 / longest;
  int32_t iw = w * k, ih = h * k;
  int32_t fs = iw >= 560 ? 2 : 1, strip = 7 * fs + 10;
  c.w = iw;
  c.h = ih + strip;
  c.px = calloc((size_t)c.w * c.h, 3);
  CHECK(c.px, TB_ERR_NOMEM, "%s: out of memory for a %d x %d preview", path, c.w, c.h);
  for (int32_t j = 0; j < h; j++) {
    for (int32_t i = 0; i < w; i++) {
      int32_t x, y, z;
      if (plane == 0) x = i, y = j, z = nz / 2;
      else if (plane == 1) x = i, y = ny / 2, z = nz - 1 - j;
      else x = nx / 2, y = i, z = nz - 1 - j;
      size_t v = (size_t)x + (size_t)nx * ((size_t)y + (size_t)ny * z);
      uint8_t rgb[3];
      shade(bone[v], res ? res[v] : 0.0f, form ? form[v] : 0.0f, rgb);
      box(&c, i * k, j * k, k, k, rgb);
    }
  }
  static const uint8_t BG[3] = {24, 24, 24}, FG[3] = {230, 230, 230}, BONE[3] = {210, 210, 210};
  box(&c, 0, ih, c.w, strip, BG);
  int32_t ty = ih + 5, x = 4 * fs;
  const struct { const char *label; const uint8_t *rgb; } items[] = {
      {"bone", BONE}, {"resorbed", RED}, {"formed", GREEN}, {"both", YELLOW}};
  for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
    box(&c, x, ty, 7 * fs, 7 * fs, items[i].rgb);
    x = text(&c, x + 10 * fs, ty, fs, items[i].label, FG) + 6 * fs;
  }
  TRY(tb_io_write_png_rgb(path, c.w, c.h, c.px));
cleanup:
  free(c.px);
  return st;
}

tb_status tb_io_write_previews(const char *dir, int32_t snap_index, int32_t nx, int32_t ny, int32_t nz,
                               const float *bone, const float *resorbed, const float *formed) {
  tb_status st = TB_OK;
  static const char *suffix[3] = {"xy", "xz", "yz"};
  char path[4096];
  CHECK(dir && bone && nx > 0 && ny > 0 && nz > 0 && snap_index >= 0, TB_ERR_INTERNAL,
        "tb_io_write_previews: bad arguments (%d x %d x %d, snapshot %d)", nx, ny, nz, snap_index);
  for (int p = 0; p < 3; p++) {
    int n = snprintf(path, sizeof path, "%s/snap_%06d_%s.png", dir, snap_index, suffix[p]);
    CHECK(n > 0 && (size_t)n < sizeof path, TB_ERR_INPUT, "%s: preview folder path is too long", dir);
    TRY(preview(path, p, nx, ny, nz, bone, resorbed, formed));
  }
cleanup:
  return st;
}
