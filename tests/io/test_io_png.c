/* PNG output and snapshot previews, read back with libpng: sizes, the
 * integer upscaling, the legend strip, and the colour key (a resorbed voxel
 * is reddish, a formed one greenish, bone light, marrow dark). */
#define _POSIX_C_SOURCE 200809L
#include "tb_test.h"
#include "trabecula/io.h"
#define IO_TEST_TAG "png"
#include "io_test_util.h"

#include <png.h>
#include <stdint.h>
#include <unistd.h>

/* Reads an 8-bit RGB PNG; *rgb is malloc'd. */
static int read_png(const char *path, int *w, int *h, uint8_t **rgb) {
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, path)) return 1;
  img.format = PNG_FORMAT_RGB;
  *w = (int)img.width, *h = (int)img.height;
  *rgb = malloc(PNG_IMAGE_SIZE(img));
  if (!*rgb || !png_image_finish_read(&img, NULL, *rgb, 0, NULL)) {
    png_image_free(&img);
    free(*rgb);
    return 1;
  }
  return 0;
}

static int rgb_png_round_trips(void) {
  setup("rgb");
  uint8_t px[3 * 4 * 2];
  for (int i = 0; i < 24; i++) px[i] = (uint8_t)(i * 10);
  EXPECT(tb_io_write_png_rgb(at("a.png"), 4, 2, px) == TB_OK);
  int w, h;
  uint8_t *back = NULL;
  EXPECT(read_png(at("a.png"), &w, &h, &back) == 0);
  EXPECT(w == 4 && h == 2 && memcmp(back, px, 24) == 0);
  free(back);
  return 0;
}

static int previews_show_resorbed_voxels_in_red(void) {
  setup("preview");
  enum { NX = 32, NY = 16, NZ = 8, N = NX * NY * NZ };
  static float bone[N], res[N], form[N];
  for (int i = 0; i < N; i++) bone[i] = (i % NX) < NX / 2 ? 1.0f : 0.0f;
  size_t mid = (size_t)NX * NY * (NZ / 2);
  res[mid + 3 + NX * 2] = 0.5f;  /* voxel (3, 2, nz/2): resorbed */
  form[mid + 20 + NX * 2] = 0.5f; /* voxel (20, 2, nz/2): formed */
  EXPECT(tb_io_write_previews(dir, 7, NX, NY, NZ, bone, res, form) == TB_OK);
  int w, h;
  uint8_t *px = NULL;
  EXPECT(read_png(at("snap_000007_xy.png"), &w, &h, &px) == 0);
  int k = 256 / NY; /* short side 16 -> factor 16 */
  EXPECT(w == NX * k && h > NY * k && h < NY * k + 40);
  const uint8_t *r = px + 3 * ((size_t)(2 * k + k / 2) * w + 3 * k + k / 2);
  EXPECT(r[0] > 180 && r[0] > r[1] + 60 && r[0] > r[2] + 60);
  const uint8_t *g = px + 3 * ((size_t)(2 * k + k / 2) * w + 20 * k + k / 2);
  EXPECT(g[1] > g[0] + 60);
  const uint8_t *bonepx = px + 3 * ((size_t)(8 * k) * w + 1 * k);
  const uint8_t *marrow = px + 3 * ((size_t)(8 * k) * w + 30 * k);
  EXPECT(bonepx[0] > 150 && bonepx[0] == bonepx[1] && marrow[0] < 30);
  /* The legend strip holds text: light pixels on a dark background. */
  int light = 0;
  for (int y = NY * k; y < h; y++)
    for (int x = 0; x < w; x++) light += px[3 * ((size_t)y * w + x)] > 200 && px[3 * ((size_t)y * w + x) + 2] > 200;
  EXPECT(light > 50);
  free(px);
  px = NULL;
  EXPECT(read_png(at("snap_000007_xz.png"), &w, &h, &px) == 0);
  EXPECT(w == NX * 32 && h > NZ * 32); /* short side 8 -> factor 32 */
  free(px);
  px = NULL;
  EXPECT(read_png(at("snap_000007_yz.png"), &w, &h, &px) == 0);
  EXPECT(w == NY * 32 && h > NZ * 32);
  free(px);
  return 0;
}

int main(void) { return TB_RUN(rgb_png_round_trips, previews_show_resorbed_voxels_in_red); }
