/* DICOM series through GDCM: slices written byte by byte here (explicit VR
 * little endian, CT Image Storage), read from a folder and from a pattern:
 * order by ImagePositionPatient whatever the file names, PixelSpacing for x
 * and y, the position step for z, RescaleSlope/Intercept, the SliceThickness
 * fallback, and bad series (uneven or duplicate positions, mixed sizes,
 * truncated pixel data, absurd sizes). Skipped (77) when the build has no
 * DICOM support. */
#define _POSIX_C_SOURCE 200809L
#include "tb_test.h"
#include "trabecula/io.h"
#define IO_TEST_TAG "dicom"
#include "io_test_util.h"
#include "io_capture.h"

#include <stdint.h>

typedef struct {
  uint8_t b[8192];
  size_t n;
} buf;

static void raw(buf *B, const void *p, size_t n) {
  memcpy(B->b + B->n, p, n);
  B->n += n;
}
static void u16(buf *B, uint16_t v) { uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; raw(B, p, 2); }
static void u32(buf *B, uint32_t v) { u16(B, (uint16_t)v); u16(B, (uint16_t)(v >> 16)); }

/* One data element; strings are padded to even length (UI with NUL). */
static void el(buf *B, uint16_t g, uint16_t e, const char *vr, const void *val, uint32_t len) {
  int pad = len % 2;
  u16(B, g), u16(B, e);
  raw(B, vr, 2);
  if (!strcmp(vr, "OB") || !strcmp(vr, "OW")) {
    u16(B, 0);
    u32(B, len + (uint32_t)pad);
  } else {
    u16(B, (uint16_t)(len + (uint32_t)pad));
  }
  raw(B, val, len);
  if (pad) raw(B, strcmp(vr, "UI") ? " " : "", 1);
}
static void str(buf *B, uint16_t g, uint16_t e, const char *vr, const char *s) { el(B, g, e, vr, s, (uint32_t)strlen(s)); }
static void us(buf *B, uint16_t g, uint16_t e, uint16_t v) { uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; el(B, g, e, "US", p, 2); }

typedef struct {
  uint16_t rows, cols;
  const char *ipp;       /* NULL: none */
  const char *spacing;   /* PixelSpacing "row\col" */
  const char *thickness; /* NULL: none */
  const char *slope, *intercept;
  int k;                 /* slice index: values f(x, y, k) */
  size_t cut;            /* bytes of pixel data left out */
} slice;

static int16_t value(int x, int y, int k) { return (int16_t)(100 * k + 10 * y + x - 20); }

static int write_dicom(const char *path, const slice *S) {
  static buf B;
  buf meta = {{0}, 0};
  const char *sop = "1.2.840.10008.5.1.4.1.1.2", *ts = "1.2.840.10008.1.2.1";
  char uid[64];
  snprintf(uid, sizeof uid, "1.2.826.0.1.3680043.2.1125.%d", S->k + 1);
  uint8_t ver[2] = {0, 1};
  el(&meta, 0x0002, 0x0001, "OB", ver, 2);
  str(&meta, 0x0002, 0x0002, "UI", sop);
  str(&meta, 0x0002, 0x0003, "UI", uid);
  str(&meta, 0x0002, 0x0010, "UI", ts);
  B.n = 0;
  memset(B.b, 0, 128);
  B.n = 128;
  raw(&B, "DICM", 4);
  uint8_t gl[4] = {(uint8_t)meta.n, (uint8_t)(meta.n >> 8), 0, 0};
  el(&B, 0x0002, 0x0000, "UL", gl, 4);
  raw(&B, meta.b, meta.n);
  str(&B, 0x0008, 0x0016, "UI", sop);
  str(&B, 0x0008, 0x0018, "UI", uid);
  str(&B, 0x0008, 0x0060, "CS", "CT");
  if (S->thickness) str(&B, 0x0018, 0x0050, "DS", S->thickness);
  if (S->ipp) str(&B, 0x0020, 0x0032, "DS", S->ipp);
  if (S->ipp) str(&B, 0x0020, 0x0037, "DS", "1\\0\\0\\0\\1\\0");
  us(&B, 0x0028, 0x0002, 1);
  str(&B, 0x0028, 0x0004, "CS", "MONOCHROME2");
  us(&B, 0x0028, 0x0010, S->rows);
  us(&B, 0x0028, 0x0011, S->cols);
  str(&B, 0x0028, 0x0030, "DS", S->spacing);
  us(&B, 0x0028, 0x0100, 16);
  us(&B, 0x0028, 0x0101, 16);
  us(&B, 0x0028, 0x0102, 15);
  us(&B, 0x0028, 0x0103, 1);
  if (S->intercept) str(&B, 0x0028, 0x1052, "DS", S->intercept);
  if (S->slope) str(&B, 0x0028, 0x1053, "DS", S->slope);
  int16_t px[512];
  size_t npx = (size_t)S->rows * S->cols;
  if (npx > 512) npx = 4; /* an absurd header over a few bytes */
  for (size_t i = 0; i < npx; i++) px[i] = value((int)(i % S->cols), (int)(i / S->cols), S->k);
  size_t bytes = (size_t)S->rows * S->cols * 2;
  if (bytes > sizeof px) bytes = sizeof px;
  el(&B, 0x7fe0, 0x0010, "OW", px, (uint32_t)bytes);
  return write_bytes(path, B.b, B.n - S->cut, NULL, 0);
}

static int mkdir_in(const char *name) {
  char cmd[2600];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s'", dir, name);
  return system(cmd);
}

static int series_is_ordered_by_position_and_rescaled(void) {
#ifndef TB_HAVE_DICOM
  return TB_SKIP;
#endif
  setup("ok");
  EXPECT(mkdir_in("ct") == 0);
  /* File names in reverse order of position: z order must win. */
  static const char *ipp[4] = {"-1.5\\2.0\\10.15", "-1.5\\2.0\\10.10", "-1.5\\2.0\\10.05", "-1.5\\2.0\\10.00"};
  for (int i = 0; i < 4; i++) {
    slice S = {3, 5, ipp[i], "0.02\\0.01", "0.05", "2", "-1000", 3 - i, 0};
    char name[64];
    snprintf(name, sizeof name, "ct/IM%d.dcm", i + 1);
    EXPECT(write_dicom(at(name), &S) == 0);
  }
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("ct"), 0.0, &r) == TB_OK);
  EXPECT(r->nx == 5 && r->ny == 3 && r->nz == 4);
  for (int k = 0; k < 4; k++)
    for (int y = 0; y < 3; y++)
      for (int x = 0; x < 5; x++) EXPECT(r->data[tb_volume_index(r, x, y, k)] == 2.0f * value(x, y, k) - 1000.0f);
  EXPECT_NEAR(r->spacing_um[0], 10.0, 1e-9);
  EXPECT_NEAR(r->spacing_um[1], 20.0, 1e-9);
  EXPECT_NEAR(r->spacing_um[2], 50.0, 1e-6);
  EXPECT_NEAR(r->origin_um[0], -1500.0, 1e-6);
  EXPECT_NEAR(r->origin_um[2], 10000.0, 1e-6);
  tb_volume_destroy(&r);
  char pat[1200];
  snprintf(pat, sizeof pat, "%s/ct/IM*.dcm", dir);
  EXPECT(tb_io_read_volume(pat, 0.0, &r) == TB_OK);
  EXPECT(r->nz == 4 && r->data[0] == 2.0f * value(0, 0, 0) - 1000.0f);
  tb_volume_destroy(&r);
  /* One file alone is a one-slice volume. */
  EXPECT(tb_io_read_volume(at("ct/IM1.dcm"), 0.0, &r) == TB_OK);
  EXPECT(r->nz == 1 && r->data[0] == 2.0f * value(0, 0, 3) - 1000.0f);
  EXPECT_NEAR(r->spacing_um[2], 50.0, 1e-9); /* SliceThickness */
  tb_volume_destroy(&r);
  /* Without positions: file-name order, z from SliceThickness, no rescale. */
  EXPECT(mkdir_in("nopos") == 0);
  for (int i = 0; i < 3; i++) {
    slice S = {2, 2, NULL, "0.1\\0.1", "0.25", NULL, NULL, i, 0};
    char name[64];
    snprintf(name, sizeof name, "nopos/s%d", i == 0 ? 9 : i == 1 ? 10 : 11);
    EXPECT(write_dicom(at(name), &S) == 0);
  }
  EXPECT(tb_io_read_volume(at("nopos"), 0.0, &r) == TB_OK);
  for (int k = 0; k < 3; k++) EXPECT(r->data[tb_volume_index(r, 1, 1, k)] == value(1, 1, k));
  EXPECT_NEAR(r->spacing_um[2], 250.0, 1e-9);
  EXPECT_NEAR(r->spacing_um[0], 100.0, 1e-9);
  tb_volume_destroy(&r);
  return 0;
}

static int bad_series_are_refused_naming_the_file(void) {
#ifndef TB_HAVE_DICOM
  return TB_SKIP;
#endif
  setup("bad");
  /* A missing slice: positions 0, 0.05, 0.15. */
  EXPECT(mkdir_in("gap") == 0);
  static const char *gap[3] = {"0\\0\\0", "0\\0\\0.05", "0\\0\\0.15"};
  for (int i = 0; i < 3; i++) {
    slice S = {2, 2, gap[i], "0.01\\0.01", NULL, NULL, NULL, i, 0};
    char name[64];
    snprintf(name, sizeof name, "gap/g%d.dcm", i);
    EXPECT(write_dicom(at(name), &S) == 0);
  }
  if (refused_naming(at("gap"), 0.0, "g2.dcm")) return 1;
  /* The same position twice. */
  slice D = {2, 2, "0\\0\\0.05", "0.01\\0.01", NULL, NULL, NULL, 5, 0};
  EXPECT(write_dicom(at("gap/g2.dcm"), &D) == 0);
  if (refused_naming(at("gap"), 0.0, "the same ImagePositionPatient")) return 1;
  /* A slice of another size. */
  slice W = {2, 3, "0\\0\\0.10", "0.01\\0.01", NULL, NULL, NULL, 2, 0};
  EXPECT(write_dicom(at("gap/g2.dcm"), &W) == 0);
  if (refused_naming(at("gap"), 0.0, "g2.dcm")) return 1;
  /* Truncated pixel data. */
  slice T = {2, 2, "0\\0\\0.10", "0.01\\0.01", NULL, NULL, NULL, 2, 3};
  EXPECT(write_dicom(at("gap/g2.dcm"), &T) == 0);
  if (refused_naming(at("gap"), 0.0, "g2.dcm")) return 1;
  /* 60000 x 60000 over a few bytes. */
  slice H = {60000, 60000, "0\\0\\0", "0.01\\0.01", NULL, NULL, NULL, 0, 0};
  EXPECT(write_dicom(at("huge.dcm"), &H) == 0);
  if (refused_naming(at("huge.dcm"), 0.0, "huge.dcm")) return 1;
  /* Cut inside the file meta information: GDCM aborts on this one (an
   * assertion), which must still be one message, not a dead program. */
  slice C = {2, 2, "0\\0\\0", "0.01\\0.01", NULL, NULL, NULL, 0, 0};
  EXPECT(write_dicom(at("whole.dcm"), &C) == 0);
  uint8_t head[140];
  FILE *f = fopen(at("whole.dcm"), "rb");
  EXPECT(f && fread(head, 1, sizeof head, f) == sizeof head);
  fclose(f);
  EXPECT(write_bytes(at("cut.dcm"), head, sizeof head, NULL, 0) == 0);
  if (refused_naming(at("cut.dcm"), 0.0, "cut.dcm")) return 1;
  /* Not DICOM at all, in a folder without TIFFs. */
  EXPECT(mkdir_in("junk") == 0);
  EXPECT(write_bytes(at("junk/readme"), "hello", 5, NULL, 0) == 0);
  if (refused_naming(at("junk"), 0.0, "readme")) return 1;
  return 0;
}

int main(void) {
  return TB_RUN(series_is_ordered_by_position_and_rescaled, bad_series_are_refused_naming_the_file);
}
