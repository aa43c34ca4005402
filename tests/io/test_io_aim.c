/* Scanco AIM v020 and v030, built byte by byte from the layout in
 * src/io/aim.c (ITKIOScanco's): dimensions, element size (VAX float in
 * v020, 1e-6 mm integers in v030), position as origin, the data types, the
 * density calibration from the processing log, and bad input. */
#define _POSIX_C_SOURCE 200809L
#include "tb_test.h"
#include "trabecula/io.h"
#define IO_TEST_TAG "aim"
#include "io_test_util.h"
#include "io_capture.h"

#include <stdint.h>

static void le32(uint8_t *p, int64_t v) {
  for (int k = 0; k < 4; k++) p[k] = (uint8_t)((uint64_t)v >> (8 * k));
}
static void le64(uint8_t *p, int64_t v) {
  for (int k = 0; k < 8; k++) p[k] = (uint8_t)((uint64_t)v >> (8 * k));
}
/* VAX F-float: IEEE bits of 4x, 16-bit words swapped. */
static void vax(uint8_t *p, float x) {
  float y = 4.0f * x;
  uint32_t i;
  memcpy(&i, &y, 4);
  p[0] = (uint8_t)(i >> 16), p[1] = (uint8_t)(i >> 24), p[2] = (uint8_t)i, p[3] = (uint8_t)(i >> 8);
}

typedef struct {
  int v030;
  uint32_t type;
  int64_t dim[3], pos[3];
  double el_mm[3];
  const char *log;
  int64_t data_len; /* -1: the true length */
} aim;

/* Writes header, log and nbytes of data to path; 0 on success. */
static int write_aim(const char *path, const aim *A, const void *data, size_t nbytes) {
  uint8_t h[16 + 40 + 224];
  memset(h, 0, sizeof h);
  size_t loglen = strlen(A->log), n;
  int64_t dl = A->data_len >= 0 ? A->data_len : (int64_t)nbytes;
  if (A->v030) {
    memcpy(h, "AIMDATA_V030   ", 16);
    int64_t pre[5] = {40, 224, (int64_t)loglen, dl, 0};
    for (int k = 0; k < 5; k++) le64(h + 16 + 8 * k, pre[k]);
    uint8_t *s = h + 56;
    le32(s + 12, A->type);
    for (int k = 0; k < 3; k++) {
      le64(s + 16 + 8 * k, A->pos[k]);
      le64(s + 40 + 8 * k, A->dim[k]);
      le64(s + 184 + 8 * k, (int64_t)(A->el_mm[k] * 1e6 + 0.5));
    }
    n = 16 + 40 + 224;
  } else {
    int64_t pre[5] = {20, 140, (int64_t)loglen, dl, 0};
    for (int k = 0; k < 5; k++) le32(h + 4 * k, pre[k]);
    uint8_t *s = h + 20;
    vax(s, 1.6f);
    le32(s + 20, A->type);
    for (int k = 0; k < 3; k++) {
      le32(s + 24 + 4 * k, A->pos[k]);
      le32(s + 36 + 4 * k, A->dim[k]);
      vax(s + 108 + 4 * k, (float)A->el_mm[k]);
    }
    n = 20 + 140;
  }
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  fwrite(h, 1, n, f);
  fwrite(A->log, 1, loglen, f);
  if (nbytes) fwrite(data, 1, nbytes, f);
  return fclose(f) != 0;
}

/* A processing log as IPL writes it (keys, then values after 2+ spaces). */
#define LOG_HEAD                                                                                 \
  "! \n! Processing Log \n!\n!-------------------------------------------------------------\n" \
  "Created by                    ISQ_TO_AIM (IPL)\n"                                           \
  "Orig-ISQ-Dim-um                       12300     12300      9430\n"                          \
  "Patient Name                  Test Phantom\n"                                               \
  "Site                                                    4\n"                                \
  "Scanner type                                           10\n"                                \
  "Energy [V]                                        68000\n"
#define LOG_CAL                                                          \
  "Mu_Scaling                                         8192\n"            \
  "Calibration Data              68 kVp, BH: 200 mg HA/ccm, 0.2 CU\n"    \
  "Density: unit                 mg HA/ccm\n"                            \
  "Density: slope                                 1.60300e+03\n"         \
  "Density: intercept                            -3.91209e+02\n"         \
  "HU: mu water                                       0.24090\n"

static int short_data_with_calibration_read_as_density(void) {
  setup("cal");
  int16_t d[4 * 3 * 2];
  for (int i = 0; i < 24; i++) d[i] = (int16_t)(i * 700 - 3000);
  for (int ver = 0; ver < 2; ver++) {
    aim A = {ver, 0x00020002u, {4, 3, 2}, {10, 20, 30}, {0.082, 0.082, 0.0607}, LOG_HEAD LOG_CAL "!\n", -1};
    const char *name = ver ? "cal30.aim" : "cal20.aim";
    EXPECT(write_aim(at(name), &A, d, sizeof d) == 0);
    tb_volume *r = NULL;
    EXPECT(tb_io_read_volume(at(name), 0.0, &r) == TB_OK);
    EXPECT(r->nx == 4 && r->ny == 3 && r->nz == 2);
    for (int i = 0; i < 24; i++) EXPECT_NEAR(r->data[i], d[i] / 8192.0 * 1603.0 - 391.209, 1e-3);
    EXPECT_NEAR(r->spacing_um[0], 82.0, 1e-3);
    EXPECT_NEAR(r->spacing_um[2], 60.7, 1e-3);
    EXPECT_NEAR(r->origin_um[1], 20 * 82.0, 1e-2);
    EXPECT_NEAR(r->origin_um[2], 30 * 60.7, 1e-2);
    tb_volume_destroy(&r);
  }
  return 0;
}

static int data_without_calibration_keep_their_values(void) {
  setup("raw");
  int8_t c[5 * 2 * 3];
  for (int i = 0; i < 30; i++) c[i] = (int8_t)(i * 9 - 127);
  aim A = {0, 0x00010001u, {5, 2, 3}, {0, 0, 0}, {0.0105, 0.0105, 0.0105}, LOG_HEAD, -1};
  EXPECT(write_aim(at("c20.aim"), &A, c, sizeof c) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("c20.aim"), 0.0, &r) == TB_OK);
  for (int i = 0; i < 30; i++) EXPECT(r->data[i] == (float)c[i]);
  EXPECT_NEAR(r->spacing_um[1], 10.5, 1e-3);
  tb_volume_destroy(&r);
  /* v030 float: kept as stored even with a calibration in the log. */
  float fl[2 * 2 * 2] = {0.5f, -1.25f, 3.0f, 1e3f, 7.0f, 8.0f, 9.5f, -0.0f};
  aim B = {1, 0x001a0004u, {2, 2, 2}, {0, 0, 0}, {0.0245, 0.0245, 0.0245}, LOG_HEAD LOG_CAL, -1};
  EXPECT(write_aim(at("f30.aim"), &B, fl, sizeof fl) == 0);
  EXPECT(tb_io_read_volume(at("f30.aim"), 0.0, &r) == TB_OK);
  for (int i = 0; i < 8; i++) EXPECT(r->data[i] == fl[i]);
  EXPECT_NEAR(r->spacing_um[0], 24.5, 1e-6);
  tb_volume_destroy(&r);
  /* --spacing replaces the element size; unsigned char, and a file without
   * the .aim name is still recognised by its pre-header. */
  uint8_t u[8] = {0, 1, 2, 3, 250, 251, 252, 255};
  aim C = {0, 0x00160001u, {2, 2, 2}, {0, 0, 0}, {0.01, 0.01, 0.01}, "", -1};
  EXPECT(write_aim(at("u20.dat"), &C, u, sizeof u) == 0);
  EXPECT(tb_io_read_volume(at("u20.dat"), 5.0, &r) == TB_OK);
  for (int i = 0; i < 8; i++) EXPECT(r->data[i] == (float)u[i]);
  EXPECT(r->spacing_um[2] == 5.0);
  tb_volume_destroy(&r);
  return 0;
}

static int bad_aim_files_are_refused_naming_the_file(void) {
  setup("bad");
  int16_t d[24] = {0};
  aim A = {0, 0x00020002u, {4, 3, 2}, {0, 0, 0}, {0.082, 0.082, 0.082}, LOG_HEAD, -1};
  /* truncated data (v020 and v030): the header's length is right, the file short */
  A.data_len = sizeof d;
  EXPECT(write_aim(at("trunc20.aim"), &A, d, sizeof d - 2) == 0);
  if (refused_naming(at("trunc20.aim"), 0.0, "trunc20.aim")) return 1;
  A.v030 = 1;
  EXPECT(write_aim(at("trunc30.aim"), &A, d, sizeof d - 2) == 0);
  if (refused_naming(at("trunc30.aim"), 0.0, "trunc30.aim")) return 1;
  /* absurd dimensions over a tiny file */
  A.data_len = -1;
  aim H = A;
  H.dim[0] = H.dim[1] = H.dim[2] = 2000000;
  EXPECT(write_aim(at("huge.aim"), &H, d, sizeof d) == 0);
  if (refused_naming(at("huge.aim"), 0.0, "huge.aim")) return 1;
  H.dim[0] = 0;
  EXPECT(write_aim(at("zero.aim"), &H, d, sizeof d) == 0);
  if (refused_naming(at("zero.aim"), 0.0, "zero.aim")) return 1;
  /* image-data length that contradicts the dimensions */
  aim L = A;
  L.data_len = 10;
  EXPECT(write_aim(at("len.aim"), &L, d, sizeof d) == 0);
  if (refused_naming(at("len.aim"), 0.0, "image-data length")) return 1;
  /* unsupported and unknown types */
  aim P = A;
  P.type = 0x00060001u;
  EXPECT(write_aim(at("bits.aim"), &P, d, sizeof d) == 0);
  if (refused_naming(at("bits.aim"), 0.0, "compressed binary")) return 1;
  P.type = 0x12345678u;
  EXPECT(write_aim(at("type.aim"), &P, d, sizeof d) == 0);
  if (refused_naming(at("type.aim"), 0.0, "0x12345678")) return 1;
  /* a header cut inside the processing log, a pre-header that lies */
  uint8_t cut[16 + 40 + 100];
  FILE *f = fopen(at("trunc30.aim"), "rb");
  EXPECT(f && fread(cut, 1, sizeof cut, f) == sizeof cut);
  fclose(f);
  EXPECT(write_bytes(at("cut.aim"), cut, sizeof cut, NULL, 0) == 0);
  if (refused_naming(at("cut.aim"), 0.0, "cut.aim")) return 1;
  uint8_t lie[64] = {0};
  memcpy(lie, "AIMDATA_V030   ", 16);
  le64(lie + 16, 40), le64(lie + 24, 224), le64(lie + 32, INT64_MAX);
  EXPECT(write_bytes(at("lie.aim"), lie, sizeof lie, NULL, 0) == 0);
  if (refused_naming(at("lie.aim"), 0.0, "lie.aim")) return 1;
  EXPECT(write_bytes(at("short.aim"), "AIMDATA_V030   ", 16, NULL, 0) == 0);
  if (refused_naming(at("short.aim"), 0.0, "short.aim")) return 1;
  return 0;
}

int main(void) {
  return TB_RUN(short_data_with_calibration_read_as_density, data_without_calibration_keep_their_values,
                bad_aim_files_are_refused_naming_the_file);
}
