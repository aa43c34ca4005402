/* NRRD reading and writing (teem NRRD0004): round trips in raw and gzip,
 * hand-written big-endian files, every geometry form (spacings, space
 * directions, units), type aliases, detached headers, and the real sample. */
#define _POSIX_C_SOURCE 200809L
#include "tb_test.h"
#include "trabecula/io.h"
#define IO_TEST_TAG "nrrd"
#include "io_test_util.h"

#include <stdint.h>

static tb_volume *pattern(int32_t nx, int32_t ny, int32_t nz) {
  tb_volume *v = NULL;
  if (tb_volume_create(nx, ny, nz, &v) != TB_OK) return NULL;
  for (size_t i = 0; i < tb_volume_count(v); i++) v->data[i] = (float)((i * 37) % 251) * 0.25f;
  v->spacing_um[0] = 4.1, v->spacing_um[1] = 5.5, v->spacing_um[2] = 7.25;
  v->origin_um[0] = -10.0, v->origin_um[1] = 20.5, v->origin_um[2] = 3.0;
  return v;
}

static int same_geometry(const tb_volume *a, const tb_volume *b) {
  EXPECT(a->nx == b->nx && a->ny == b->ny && a->nz == b->nz);
  for (int k = 0; k < 3; k++) {
    EXPECT_NEAR(a->spacing_um[k], b->spacing_um[k], 1e-9 * b->spacing_um[k]);
    EXPECT_NEAR(a->origin_um[k], b->origin_um[k], 1e-9);
  }
  return 0;
}

static int float_nrrd_round_trips_raw_and_gzip(void) {
  setup("nrrd_rt");
  tb_volume *v = pattern(7, 5, 3), *r = NULL;
  EXPECT(v);
  for (int gz = 0; gz < 2; gz++) {
    const char *p = at(gz ? "f.nrrd" : "g.nrrd");
    EXPECT(tb_io_write_nrrd(p, v, TB_IO_F32, gz) == TB_OK);
    EXPECT(tb_io_read_volume(p, 0.0, &r) == TB_OK);
    if (same_geometry(r, v)) return 1;
    for (size_t i = 0; i < tb_volume_count(v); i++) EXPECT(r->data[i] == v->data[i]);
    tb_volume_destroy(&r);
  }
  tb_volume_destroy(&v);
  return 0;
}

static int integer_nrrd_rounds_and_clamps(void) {
  setup("nrrd_int");
  tb_volume *v = pattern(4, 3, 2), *r = NULL;
  EXPECT(v);
  v->data[0] = -5.0f, v->data[1] = 2.6f, v->data[2] = 300.0f, v->data[3] = 70000.0f;
  EXPECT(tb_io_write_nrrd(at("u8.nrrd"), v, TB_IO_U8, 0) == TB_OK);
  EXPECT(tb_io_read_volume(at("u8.nrrd"), 0.0, &r) == TB_OK);
  EXPECT(r->data[0] == 0.0f && r->data[1] == 3.0f && r->data[2] == 255.0f && r->data[3] == 255.0f);
  tb_volume_destroy(&r);
  EXPECT(tb_io_write_nrrd(at("u16.nrrd"), v, TB_IO_U16, 1) == TB_OK);
  EXPECT(tb_io_read_volume(at("u16.nrrd"), 0.0, &r) == TB_OK);
  EXPECT(r->data[0] == 0.0f && r->data[1] == 3.0f && r->data[2] == 300.0f && r->data[3] == 65535.0f);
  tb_volume_destroy(&r);
  tb_volume_destroy(&v);
  return 0;
}

static int big_endian_int16_and_float_read(void) {
  setup("nrrd_be");
  const char *h16 = "NRRD0004\ntype: short\ndimension: 3\nsizes: 2 2 1\nendian: big\nencoding: raw\n"
                    "spacings: 3 3 3\nunits: \"um\" \"um\" \"um\"\n\n";
  const uint8_t d16[8] = {0xFE, 0xD4, 0x00, 0x01, 0x01, 0x00, 0x7F, 0xFF}; /* -300, 1, 256, 32767 */
  EXPECT(write_bytes(at("s.nrrd"), h16, strlen(h16), d16, sizeof d16) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("s.nrrd"), 0.0, &r) == TB_OK);
  EXPECT(r->nx == 2 && r->ny == 2 && r->nz == 1);
  EXPECT(r->data[0] == -300.0f && r->data[1] == 1.0f && r->data[2] == 256.0f && r->data[3] == 32767.0f);
  EXPECT_NEAR(r->spacing_um[0], 3.0, 1e-12);
  tb_volume_destroy(&r);
  const char *hf = "NRRD0005\ntype: float\ndimension: 3\nsizes: 1 1 2\nendian: big\nencoding: raw\n"
                   "space dimension: 3\nspace directions: (0.002,0,0) (0,0.002,0) (0,0,0.003)\n"
                   "space units: \"mm\" \"mm\" \"mm\"\nspace origin: (1,2,3)\n\n";
  const uint8_t df[8] = {0x3F, 0xC0, 0x00, 0x00, 0xC0, 0x20, 0x00, 0x00}; /* 1.5, -2.5 */
  EXPECT(write_bytes(at("f.nrrd"), hf, strlen(hf), df, sizeof df) == 0);
  EXPECT(tb_io_read_volume(at("f.nrrd"), 0.0, &r) == TB_OK);
  EXPECT(r->data[0] == 1.5f && r->data[1] == -2.5f);
  EXPECT_NEAR(r->spacing_um[0], 2.0, 1e-9);
  EXPECT_NEAR(r->spacing_um[2], 3.0, 1e-9);
  EXPECT_NEAR(r->origin_um[1], 2000.0, 1e-9);
  tb_volume_destroy(&r);
  return 0;
}

static int every_type_alias_reads(void) {
  setup("nrrd_alias");
  static const struct { const char *name; size_t size; } types[] = {
      {"signed char", 1}, {"int8_t", 1}, {"uchar", 1}, {"unsigned char", 1}, {"uint8", 1},
      {"short", 2}, {"short int", 2}, {"signed short int", 2}, {"int16", 2}, {"ushort", 2},
      {"unsigned short", 2}, {"unsigned short int", 2}, {"uint16_t", 2}, {"int", 4}, {"signed int", 4},
      {"int32", 4}, {"uint", 4}, {"unsigned int", 4}, {"uint32", 4}, {"longlong", 8}, {"long long int", 8},
      {"int64", 8}, {"ulonglong", 8}, {"unsigned long long", 8}, {"uint64", 8}, {"float", 4}, {"double", 8}};
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    char hdr[256];
    snprintf(hdr, sizeof hdr, "NRRD0004\ntype: %s\ndimension: 3\nsizes: 1 1 1\nendian: little\nencoding: raw\n"
             "spacings: 0.01 0.01 0.01\nunits: \"mm\" \"mm\" \"mm\"\n\n", types[t].name);
    uint8_t data[8] = {0};
    if (strstr(types[t].name, "float")) { float x = 7.0f; memcpy(data, &x, 4); }
    else if (strstr(types[t].name, "double")) { double x = 7.0; memcpy(data, &x, 8); }
    else data[0] = 7;
    EXPECT(write_bytes(at("a.nrrd"), hdr, strlen(hdr), data, types[t].size) == 0);
    tb_volume *r = NULL;
    if (tb_io_read_volume(at("a.nrrd"), 0.0, &r) != TB_OK) {
      fprintf(stderr, "type '%s' failed\n", types[t].name);
      return 1;
    }
    EXPECT(r->data[0] == 7.0f);
    EXPECT_NEAR(r->spacing_um[0], 10.0, 1e-9); 
    tb_volume_destroy(&r);
  }
  return 0;
}

static int unitless_spacings_of_one_or_more_are_micrometres(void) {
  setup("nrrd_unitless");
  const char *h = "NRRD0004\ntype: uint8\ndimension: 3\nsizes: 1 1 1\nencoding: raw\nspacings: 4.1 4.1 4.1\n\n";
  EXPECT(write_bytes(at("u.nrrd"), h, strlen(h), "\x01", 1) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("u.nrrd"), 0.0, &r) == TB_OK);
  EXPECT_NEAR(r->spacing_um[0], 4.1, 1e-12);
  tb_volume_destroy(&r);
  EXPECT(tb_io_read_volume(at("u.nrrd"), 2.5, &r) == TB_OK);
  EXPECT_NEAR(r->spacing_um[0], 2.5, 0);
  EXPECT_NEAR(r->spacing_um[2], 2.5, 0);
  tb_volume_destroy(&r);
  return 0;
}

static int detached_header_reads_its_data_file(void) {
  setup("nrrd_nhdr");
  const char *h = "NRRD0004\n# detached\ntype: uint16\ndimension: 3\nsizes: 2 1 1\nendian: little\n"
                  "encoding: raw\nbyte skip: 2\nspace directions: (0.005,0,0) (0,0.005,0) (0,0,0.005)\n"
                  "space units: \"mm\" \"mm\" \"mm\"\ndata file: d.raw\n";
  const uint8_t d[6] = {0xAA, 0xBB, 0x10, 0x00, 0x20, 0x01};
  EXPECT(write_bytes(at("h.nhdr"), h, strlen(h), NULL, 0) == 0);
  EXPECT(write_bytes(at("d.raw"), d, sizeof d, NULL, 0) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("h.nhdr"), 0.0, &r) == TB_OK);
  EXPECT(r->nx == 2 && r->data[0] == 16.0f && r->data[1] == 288.0f);
  EXPECT_NEAR(r->spacing_um[1], 5.0, 1e-9);
  tb_volume_destroy(&r);
  return 0;
}

static int ascii_and_two_dimensional_nrrd_read(void) {
  setup("nrrd_ascii");
  const char *h = "NRRD0001\ntype: double\ndimension: 2\nsizes: 3 2\nencoding: ascii\nspacings: 2 2\n\n"
                  "1 2 3\n4.5 5 6\n";
  EXPECT(write_bytes(at("a.nrrd"), h, strlen(h), NULL, 0) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("a.nrrd"), 0.0, &r) == TB_OK);
  EXPECT(r->nx == 3 && r->ny == 2 && r->nz == 1);
  EXPECT(r->data[3] == 4.5f && r->data[5] == 6.0f);
  tb_volume_destroy(&r);
  return 0;
}

static int shrew_sample_reads_with_its_header_geometry(void) {
  const char *p = tb_test_shared_sample();
  if (!p) return TB_SKIP;
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(p, 0.0, &r) == TB_OK);
  EXPECT(r->nx == 114 && r->ny == 114 && r->nz == 115);
  for (int k = 0; k < 3; k++) EXPECT_NEAR(r->spacing_um[k], 4.1, 1e-6);
  float lo = 1e9f, hi = -1e9f;
  for (size_t i = 0; i < tb_volume_count(r); i++) {
    lo = fminf(lo, r->data[i]);
    hi = fmaxf(hi, r->data[i]);
  }
  EXPECT(lo >= 0.0f && hi <= 255.0f && hi > lo);
  tb_volume_destroy(&r);
  return 0;
}

static int label_map_nrrd_reads_and_checks_values(void) {
  setup("nrrd_labels");
  tb_volume *v = pattern(4, 4, 2), *lab = pattern(4, 4, 2);
  uint8_t *l = NULL;
  for (size_t i = 0; i < tb_volume_count(lab); i++) lab->data[i] = (float)(i % 3);
  EXPECT(tb_io_write_nrrd(at("l.nrrd"), lab, TB_IO_U8, 1) == TB_OK);
  EXPECT(tb_io_read_labels(at("l.nrrd"), 0.0, v, &l) == TB_OK);
  for (size_t i = 0; i < tb_volume_count(lab); i++) EXPECT(l[i] == i % 3);
  free(l);
  l = NULL;
  lab->data[5] = 3.0f;
  EXPECT(tb_io_write_nrrd(at("bad.nrrd"), lab, TB_IO_U8, 0) == TB_OK);
  EXPECT(tb_io_read_labels(at("bad.nrrd"), 0.0, v, &l) == TB_ERR_INPUT && l == NULL);
  tb_volume *small = pattern(3, 4, 2);
  EXPECT(tb_io_write_nrrd(at("small.nrrd"), small, TB_IO_U8, 0) == TB_OK);
  EXPECT(tb_io_read_labels(at("small.nrrd"), 0.0, v, &l) == TB_ERR_INPUT && l == NULL);
  tb_volume_destroy(&small);
  tb_volume_destroy(&lab);
  tb_volume_destroy(&v);
  return 0;
}

int main(void) {
  return TB_RUN(float_nrrd_round_trips_raw_and_gzip, integer_nrrd_rounds_and_clamps, big_endian_int16_and_float_read,
                every_type_alias_reads, unitless_spacings_of_one_or_more_are_micrometres,
                detached_header_reads_its_data_file, ascii_and_two_dimensional_nrrd_read,
                shrew_sample_reads_with_its_header_geometry, label_map_nrrd_reads_and_checks_values);
}
