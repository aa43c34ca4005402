/* TIFF stacks: multi-page files and folders/patterns of single slices,
 * 8/16-bit unsigned and signed and 32-bit float samples, strips and tiles,
 * compression, the voxel-size rules (ImageJ description in micron and mm,
 * resolution tags per cm, software-default dpi ignored, --spacing), and bad
 * input (truncated, inconsistent slices, absurd sizes, colour, 1-bit). */
#define _POSIX_C_SOURCE 200809L
#include "tb_test.h"
#include "trabecula/io.h"
#define IO_TEST_TAG "tiff"
#include "io_test_util.h"
#include "io_capture.h"

#include <stdint.h>
#include <tiffio.h>

typedef struct {
  uint32_t w, h;
  uint16_t bps, fmt, spp, photo, comp;
  uint32_t tile; /* 0: strips of 2 rows; else tile edge (multiple of 16) */
  const char *desc;
  float xres, yres;
  uint16_t resunit;
} layout;

/* Page z holds f(x, y, z) = 10 z + 3 y + x - 7 (clamped to the type). */
static double value(uint32_t x, uint32_t y, uint32_t z) { return 10.0 * z + 3.0 * y + x - 7.0; }

static void put(uint8_t *p, const layout *L, double v) {
  if (L->fmt == SAMPLEFORMAT_IEEEFP) { float f = (float)v; memcpy(p, &f, 4); }
  else if (L->bps == 8 && L->fmt == SAMPLEFORMAT_INT) { int8_t s = (int8_t)v; memcpy(p, &s, 1); }
  else if (L->bps == 8) { uint8_t u = (uint8_t)(v < 0 ? 0 : v); memcpy(p, &u, 1); }
  else if (L->fmt == SAMPLEFORMAT_INT) { int16_t s = (int16_t)v; memcpy(p, &s, 2); }
  else { uint16_t u = (uint16_t)(v < 0 ? 0 : v); memcpy(p, &u, 2); }
}

static double expected(const layout *L, double v) {
  if (L->fmt == SAMPLEFORMAT_UINT && v < 0) v = 0;
  if (L->photo == PHOTOMETRIC_MINISWHITE) v = (L->bps == 8 ? 255.0 : 65535.0) - v;
  return v;
}

/* Writes pages z0 .. z0+n-1 of L to path; 0 on success. */
static int write_tiff(const char *path, const layout *L, uint32_t z0, uint32_t n) {
  TIFF *t = TIFFOpen(path, "w");
  if (!t) return 1;
  size_t sz = (L->bps >= 8 ? L->bps / 8u : 1u) * (L->spp ? L->spp : 1u);
  uint8_t *buf = calloc((size_t)(L->tile ? L->tile * L->tile : L->w * L->h), sz);
  for (uint32_t z = z0; z < z0 + n; z++) {
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, L->w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, L->h);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, L->bps);
    TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, L->fmt);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, L->spp ? L->spp : 1);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, L->photo);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_COMPRESSION, L->comp ? L->comp : COMPRESSION_NONE);
    if (L->desc) TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, L->desc);
    if (L->photo == PHOTOMETRIC_PALETTE) {
      static uint16_t map[256];
      TIFFSetField(t, TIFFTAG_COLORMAP, map, map, map);
    }
    if (L->xres > 0) {
      TIFFSetField(t, TIFFTAG_XRESOLUTION, L->xres);
      TIFFSetField(t, TIFFTAG_YRESOLUTION, L->yres);
      TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, L->resunit);
    }
    if (L->spp > 1 || L->bps == 1) {
      /* colour or bilevel pages: content does not matter */
      TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, L->h);
      TIFFWriteEncodedStrip(t, 0, buf, (tmsize_t)((size_t)L->w * L->h * sz / (L->bps == 1 ? 8 : 1)));
    } else if (!L->tile) {
      TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 2);
      for (uint32_t y0 = 0; y0 < L->h; y0 += 2) {
        uint32_t rows = L->h - y0 < 2 ? L->h - y0 : 2;
        for (uint32_t y = 0; y < rows; y++)
          for (uint32_t x = 0; x < L->w; x++) put(buf + ((size_t)y * L->w + x) * sz, L, value(x, y0 + y, z));
        TIFFWriteEncodedStrip(t, y0 / 2, buf, (tmsize_t)((size_t)rows * L->w * sz));
      }
    } else {
      TIFFSetField(t, TIFFTAG_TILEWIDTH, L->tile);
      TIFFSetField(t, TIFFTAG_TILELENGTH, L->tile);
      for (uint32_t ty = 0; ty < L->h; ty += L->tile)
        for (uint32_t tx = 0; tx < L->w; tx += L->tile) {
          memset(buf, 0, (size_t)L->tile * L->tile * sz);
          for (uint32_t y = 0; y < L->tile && ty + y < L->h; y++)
            for (uint32_t x = 0; x < L->tile && tx + x < L->w; x++)
              put(buf + ((size_t)y * L->tile + x) * sz, L, value(tx + x, ty + y, z));
          TIFFWriteTile(t, buf, tx, ty, 0, 0);
        }
    }
    TIFFWriteDirectory(t);
  }
  free(buf);
  TIFFClose(t);
  return 0;
}

static int check_values(const tb_volume *r, const layout *L, uint32_t nz) {
  EXPECT(r->nx == (int32_t)L->w && r->ny == (int32_t)L->h && r->nz == (int32_t)nz);
  for (uint32_t z = 0; z < nz; z++)
    for (uint32_t y = 0; y < L->h; y++)
      for (uint32_t x = 0; x < L->w; x++)
        EXPECT_NEAR(r->data[tb_volume_index(r, (int32_t)x, (int32_t)y, (int32_t)z)], expected(L, value(x, y, z)), 0);
  return 0;
}

#define GRAY(bps_, fmt_) (uint16_t)(bps_), (uint16_t)(fmt_), 1, PHOTOMETRIC_MINISBLACK

static int multipage_u16_with_imagej_micron_calibration_reads(void) {
  setup("ij");
  layout L = {6, 5, GRAY(16, SAMPLEFORMAT_UINT), 0, 0,
              "ImageJ=1.54f\nimages=3\nslices=3\nunit=micron\nspacing=7.5\nloop=false\n", 0.25f, 0.2f, RESUNIT_NONE};
  EXPECT(write_tiff(at("s.tif"), &L, 0, 3) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("s.tif"), 0.0, &r) == TB_OK);
  if (check_values(r, &L, 3)) return 1;
  EXPECT_NEAR(r->spacing_um[0], 4.0, 1e-6);
  EXPECT_NEAR(r->spacing_um[1], 5.0, 1e-6);
  EXPECT_NEAR(r->spacing_um[2], 7.5, 1e-9);
  tb_volume_destroy(&r);
  /* ImageJ's escaped µ, and mm: 50 px/mm = 20 um, spacing 0.03 mm = 30 um. */
  layout M = {4, 3, GRAY(8, SAMPLEFORMAT_INT), 0, 0, "ImageJ=1.54f\nimages=2\nunit=mm\nspacing=0.03\n", 50.0f, 50.0f,
              RESUNIT_NONE};
  EXPECT(write_tiff(at("mm.tif"), &M, 0, 2) == 0);
  EXPECT(tb_io_read_volume(at("mm.tif"), 0.0, &r) == TB_OK);
  if (check_values(r, &M, 2)) return 1;
  EXPECT_NEAR(r->spacing_um[0], 20.0, 1e-4);
  EXPECT_NEAR(r->spacing_um[2], 30.0, 1e-9);
  tb_volume_destroy(&r);
  layout U = {3, 2, GRAY(8, SAMPLEFORMAT_UINT), 0, 0, "ImageJ=1.54f\nimages=2\nunit=\\u00B5m\n", 0.5f, 0.5f,
              RESUNIT_NONE};
  EXPECT(write_tiff(at("mu.tif"), &U, 0, 2) == 0);
  EXPECT(tb_io_read_volume(at("mu.tif"), 0.0, &r) == TB_OK);
  EXPECT_NEAR(r->spacing_um[0], 2.0, 1e-9);
  EXPECT_NEAR(r->spacing_um[2], 1.0, 1e-9); /* no spacing=: ImageJ's 1 unit */
  tb_volume_destroy(&r);
  return 0;
}

static int folder_and_pattern_read_slices_in_natural_order(void) {
  setup("dir");
  layout L = {5, 4, GRAY(32, SAMPLEFORMAT_IEEEFP), 0, 0, NULL, 1000.0f, 1000.0f, RESUNIT_CENTIMETER};
  /* slice_2 before slice_10: written out of order, named for their z. */
  static const char *names[] = {"slice_10.tif", "slice_1.tif", "slice_2.tif", "slice_3.tif", "slice_9.tif"};
  static const uint32_t z_of[] = {4, 0, 1, 2, 3};
  char sub[1300];
  snprintf(sub, sizeof sub, "%s/slices", dir);
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
  EXPECT(system(cmd) == 0);
  for (int i = 0; i < 5; i++) EXPECT(write_tiff(at(names[i]), &L, z_of[i], 1) == 0);
  snprintf(cmd, sizeof cmd, "mv '%s'/slice_*.tif '%s'/ && echo not a slice > '%s/notes.txt'", dir, sub, sub);
  EXPECT(system(cmd) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(sub, 0.0, &r) == TB_OK);
  if (check_values(r, &L, 5)) return 1;
  EXPECT_NEAR(r->spacing_um[0], 10.0, 1e-6); /* 1000 px/cm */
  EXPECT_NEAR(r->spacing_um[2], 10.0, 1e-6); /* z = x, with a warning */
  tb_volume_destroy(&r);
  char pat[2048];
  snprintf(pat, sizeof pat, "%s/slice_*.tif", sub);
  EXPECT(tb_io_read_volume(pat, 0.0, &r) == TB_OK);
  if (check_values(r, &L, 5)) return 1;
  tb_volume_destroy(&r);
  snprintf(pat, sizeof pat, "%s/nothing_*.tif", sub);
  if (refused_naming(pat, 0.0, "no file matches")) return 1;
  return 0;
}

static int tiles_compression_and_min_is_white_read(void) {
  setup("tile");
  layout L = {37, 21, GRAY(16, SAMPLEFORMAT_INT), COMPRESSION_ADOBE_DEFLATE, 16, NULL, 0, 0, 0};
  EXPECT(write_tiff(at("t.tif"), &L, 0, 2) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("t.tif"), 3.0, &r) == TB_OK);
  if (check_values(r, &L, 2)) return 1;
  EXPECT_NEAR(r->spacing_um[2], 3.0, 0);
  tb_volume_destroy(&r);
  layout W = {9, 7, 8, SAMPLEFORMAT_UINT, 1, PHOTOMETRIC_MINISWHITE, COMPRESSION_LZW, 0, NULL, 0, 0, 0};
  EXPECT(write_tiff(at("w.tif"), &W, 0, 3) == 0);
  EXPECT(tb_io_read_volume(at("w.tif"), 3.0, &r) == TB_OK);
  if (check_values(r, &W, 3)) return 1;
  tb_volume_destroy(&r);
  return 0;
}

static int voxel_size_rules_for_plain_tiffs(void) {
  setup("dpi");
  /* 72 dpi is a software default: no voxel size, so --spacing is needed. */
  layout L = {4, 4, GRAY(8, SAMPLEFORMAT_UINT), 0, 0, NULL, 72.0f, 72.0f, RESUNIT_INCH};
  EXPECT(write_tiff(at("d.tif"), &L, 0, 2) == 0);
  if (refused_naming(at("d.tif"), 0.0, "--spacing")) return 1;
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("d.tif"), 12.5, &r) == TB_OK);
  EXPECT(r->spacing_um[0] == 12.5 && r->spacing_um[2] == 12.5);
  tb_volume_destroy(&r);
  /* 2540 dpi: 10 um. */
  layout I = {4, 4, GRAY(8, SAMPLEFORMAT_UINT), 0, 0, NULL, 2540.0f, 1270.0f, RESUNIT_INCH};
  EXPECT(write_tiff(at("i.tif"), &I, 0, 2) == 0);
  EXPECT(tb_io_read_volume(at("i.tif"), 0.0, &r) == TB_OK);
  EXPECT_NEAR(r->spacing_um[0], 10.0, 1e-6);
  EXPECT_NEAR(r->spacing_um[1], 20.0, 1e-6);
  tb_volume_destroy(&r);
  return 0;
}

static int bad_tiffs_are_refused_naming_the_file(void) {
  setup("bad");
  layout L = {8, 6, GRAY(16, SAMPLEFORMAT_UINT), 0, 0, NULL, 0, 0, 0};
  EXPECT(write_tiff(at("ok.tif"), &L, 0, 4) == 0);
  /* Truncated: the strips of the later pages lie beyond the end. */
  FILE *f = fopen(at("ok.tif"), "rb");
  EXPECT(f);
  uint8_t buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  EXPECT(write_bytes(at("trunc.tif"), buf, n / 2, NULL, 0) == 0);
  if (refused_naming(at("trunc.tif"), 1.0, "trunc.tif")) return 1;
  /* Inconsistent slices in a folder: the message names the one that differs. */
  char sub[1300], cmd[8192];
  snprintf(sub, sizeof sub, "%s/mixed", dir);
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", sub);
  EXPECT(system(cmd) == 0);
  layout B = L;
  B.w = 9;
  EXPECT(write_tiff(at("mixed/a1.tif"), &L, 0, 1) == 0);
  EXPECT(write_tiff(at("mixed/a2.tif"), &L, 1, 1) == 0);
  EXPECT(write_tiff(at("mixed/a3.tif"), &B, 2, 1) == 0);
  if (refused_naming(sub, 1.0, "a3.tif")) return 1;
  layout T = L;
  T.bps = 8;
  EXPECT(write_tiff(at("mixed/a3.tif"), &T, 2, 1) == 0);
  if (refused_naming(sub, 1.0, "a3.tif: page 0 is 8 x 6 of uint8; expected 8 x 6 of uint16")) return 1;
  /* Colour, palette and 1-bit pages. */
  layout C = {4, 4, 8, SAMPLEFORMAT_UINT, 3, PHOTOMETRIC_RGB, 0, 0, NULL, 0, 0, 0};
  EXPECT(write_tiff(at("rgb.tif"), &C, 0, 1) == 0);
  if (refused_naming(at("rgb.tif"), 1.0, "SamplesPerPixel = 3")) return 1;
  layout P = {4, 4, 8, SAMPLEFORMAT_UINT, 1, PHOTOMETRIC_PALETTE, 0, 0, NULL, 0, 0, 0};
  EXPECT(write_tiff(at("pal.tif"), &P, 0, 1) == 0);
  if (refused_naming(at("pal.tif"), 1.0, "palette")) return 1;
  layout K = {16, 4, 1, SAMPLEFORMAT_UINT, 1, PHOTOMETRIC_MINISBLACK, 0, 0, NULL, 0, 0, 0};
  EXPECT(write_tiff(at("bit.tif"), &K, 0, 1) == 0);
  if (refused_naming(at("bit.tif"), 1.0, "BitsPerSample = 1")) return 1;
  /* Absurd sizes over a tiny file: a hand-made little-endian TIFF of
   * 100000 x 100000 uint16 with one 16-byte strip. */
  uint8_t h[8 + 2 + 9 * 12 + 4 + 16] = {'I', 'I', 42, 0, 8, 0, 0, 0, 9, 0};
  struct { uint16_t tag, type; uint32_t count, value; } e[9] = {
      {256, 4, 1, 100000}, {257, 4, 1, 100000}, {258, 3, 1, 16}, {259, 3, 1, 1}, {262, 3, 1, 1},
      {273, 4, 1, 8 + 2 + 9 * 12 + 4}, {277, 3, 1, 1}, {278, 4, 1, 100000}, {279, 4, 1, 16}};
  for (int i = 0; i < 9; i++) memcpy(h + 10 + 12 * i, &e[i], 12);
  EXPECT(write_bytes(at("huge.tif"), h, sizeof h, NULL, 0) == 0);
  if (refused_naming(at("huge.tif"), 1.0, "huge.tif")) return 1;
  /* Not a TIFF behind a TIFF name, and an empty folder. */
  EXPECT(write_bytes(at("junk.tif"), "II*\0garbage", 11, NULL, 0) == 0);
  if (refused_naming(at("junk.tif"), 1.0, "junk.tif")) return 1;
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/empty'", dir);
  EXPECT(system(cmd) == 0);
  if (refused_naming(at("empty"), 1.0, "empty")) return 1;
  return 0;
}

int main(void) {
  return TB_RUN(multipage_u16_with_imagej_micron_calibration_reads, folder_and_pattern_read_slices_in_natural_order,
                tiles_compression_and_min_is_white_read, voxel_size_rules_for_plain_tiffs,
                bad_tiffs_are_refused_naming_the_file);
}
