/* MetaImage (ITK MetaIO) reading and writing: .mhd + .raw round trips,
 * hand-written .mha with LOCAL data, zlib-compressed data, big-endian data
 * (ElementByteOrderMSB), DistanceUnits and the unitless-spacing rule. */
#define _POSIX_C_SOURCE 200809L
#include "tb_test.h"
#include "trabecula/io.h"
#define IO_TEST_TAG "mhd"
#include "io_test_util.h"

#include <stdint.h>
#include <zlib.h>

static int mhd_and_raw_round_trip(void) {
  setup("rt");
  tb_volume *v = NULL, *r = NULL;
  EXPECT(tb_volume_create(6, 4, 3, &v) == TB_OK);
  for (size_t i = 0; i < tb_volume_count(v); i++) v->data[i] = (float)i * 1.5f - 7.0f;
  v->spacing_um[0] = 3.0, v->spacing_um[1] = 4.0, v->spacing_um[2] = 5.0;
  v->origin_um[0] = 100.0, v->origin_um[1] = -50.0, v->origin_um[2] = 0.5;
  EXPECT(tb_io_write_mhd(at("v.mhd"), v, TB_IO_F32) == TB_OK);
  FILE *raw = fopen(at("v.raw"), "rb");
  EXPECT(raw);
  fclose(raw);
  EXPECT(tb_io_read_volume(at("v.mhd"), 0.0, &r) == TB_OK);
  EXPECT(r->nx == 6 && r->ny == 4 && r->nz == 3);
  for (size_t i = 0; i < tb_volume_count(v); i++) EXPECT(r->data[i] == v->data[i]);
  for (int k = 0; k < 3; k++) {
    EXPECT_NEAR(r->spacing_um[k], v->spacing_um[k], 1e-9);
    EXPECT_NEAR(r->origin_um[k], v->origin_um[k], 1e-9);
  }
  tb_volume_destroy(&r);
  EXPECT(tb_io_write_mhd(at("v.mha"), v, TB_IO_U16) == TB_OK);
  EXPECT(tb_io_read_volume(at("v.mha"), 0.0, &r) == TB_OK);
  EXPECT(r->data[0] == 0.0f && r->data[10] == 8.0f);
  tb_volume_destroy(&r);
  tb_volume_destroy(&v);
  return 0;
}

static int mha_local_big_endian_reads(void) {
  setup("be");
  const char *h = "ObjectType = Image\nNDims = 3\nDimSize = 2 1 1\nElementType = MET_USHORT\n"
                  "ElementByteOrderMSB = True\nElementSpacing = 0.004 0.004 0.005\nOffset = 1 2 3\n"
                  "ElementDataFile = LOCAL\n";
  const uint8_t d[4] = {0x01, 0x02, 0xFF, 0x00};
  EXPECT(write_bytes(at("b.mha"), h, strlen(h), d, sizeof d) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("b.mha"), 0.0, &r) == TB_OK);
  EXPECT(r->data[0] == 258.0f && r->data[1] == 65280.0f);
  EXPECT_NEAR(r->spacing_um[0], 4.0, 1e-9); /* unitless, below 1: mm */
  EXPECT_NEAR(r->spacing_um[2], 5.0, 1e-9);
  EXPECT_NEAR(r->origin_um[2], 3000.0, 1e-9);
  tb_volume_destroy(&r);
  return 0;
}

static int compressed_mhd_with_distance_units_reads(void) {
  setup("z");
  int16_t vals[12];
  for (int i = 0; i < 12; i++) vals[i] = (int16_t)(i * 100 - 500);
  uLongf zn = compressBound(sizeof vals);
  uint8_t z[256];
  EXPECT(zn <= sizeof z && compress(z, &zn, (const Bytef *)vals, sizeof vals) == Z_OK);
  char h[512];
  snprintf(h, sizeof h, "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
           "CompressedData = True\nCompressedDataSize = %lu\nDimSize = 3 2 2\nElementType = MET_SHORT\n"
           "DistanceUnits = um\nElementSpacing = 6 6 6\nElementDataFile = z.zraw\n", (unsigned long)zn);
  EXPECT(write_bytes(at("z.mhd"), h, strlen(h), NULL, 0) == 0);
  EXPECT(write_bytes(at("z.zraw"), z, zn, NULL, 0) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("z.mhd"), 0.0, &r) == TB_OK);
  for (int i = 0; i < 12; i++) EXPECT(r->data[i] == (float)vals[i]);
  EXPECT_NEAR(r->spacing_um[1], 6.0, 1e-12);
  tb_volume_destroy(&r);
  /* Truncated compressed stream: an input error, not a crash. */
  EXPECT(write_bytes(at("z.zraw"), z, zn / 2, NULL, 0) == 0);
  EXPECT(tb_io_read_volume(at("z.mhd"), 0.0, &r) == TB_ERR_INPUT && r == NULL);
  return 0;
}

static int two_dimensional_mhd_has_one_slice(void) {
  setup("2d");
  const char *h = "NDims = 2\nDimSize = 2 2\nElementType = MET_UCHAR\nElementSpacing = 2 2\n"
                  "ElementDataFile = LOCAL\n";
  EXPECT(write_bytes(at("s.mha"), h, strlen(h), "\x01\x02\x03\x04", 4) == 0);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("s.mha"), 0.0, &r) == TB_OK);
  EXPECT(r->nx == 2 && r->ny == 2 && r->nz == 1 && r->data[3] == 4.0f);
  tb_volume_destroy(&r);
  return 0;
}

int main(void) {
  return TB_RUN(mhd_and_raw_round_trip, mha_local_big_endian_reads, compressed_mhd_with_distance_units_reads,
                two_dimensional_mhd_has_one_slice);
}
