/* Every kind of bad input file is refused with TB_ERR_INPUT, a NULL result
 * and no file left behind; writers that fail leave no output or temporary. */
#define _POSIX_C_SOURCE 200809L
#include "tb_test.h"
#include "trabecula/io.h"
#define IO_TEST_TAG "bad"
#include "io_test_util.h"

#include <dirent.h>
#include <stdint.h>

static int files_in_dir(void) {
  DIR *d = opendir(dir);
  int n = 0;
  if (!d) return -1;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

/* Writes header + n data bytes as bad.<ext> and expects TB_ERR_INPUT. */
static int refused(const char *name, const char *header, size_t nbytes, double override) {
  static uint8_t zeros[4096];
  tb_volume *r = (tb_volume *)&r; /* must be reset to NULL */
  EXPECT(write_bytes(at(name), header, strlen(header), zeros, nbytes) == 0);
  int before = files_in_dir();
  tb_status st = tb_io_read_volume(at(name), override, &r);
  if (st != TB_ERR_INPUT || r != NULL) {
    fprintf(stderr, "%s was not refused as bad input (status %d)\n", name, (int)st);
    return 1;
  }
  EXPECT(files_in_dir() == before);
  return 0;
}

#define NRRD_HEAD "NRRD0004\ndimension: 3\nendian: little\n"
static int bad_nrrd_headers_are_refused(void) {
  setup("nrrd");
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("missing.nrrd"), 0.0, &r) == TB_ERR_INPUT && r == NULL);
  /* truncated: 2x2x2 uint8 needs 8 bytes */
  if (refused("trunc.nrrd", NRRD_HEAD "type: uint8\nsizes: 2 2 2\nencoding: raw\nspacings: 1 1 1\n\n", 7, 0)) return 1;
  if (refused("long.nrrd", NRRD_HEAD "type: uint8\nsizes: 2 2 2\nencoding: raw\nspacings: 1 1 1\n\n", 9, 0)) return 1;
  if (refused("type.nrrd", NRRD_HEAD "type: block\nsizes: 2 2 2\nencoding: raw\nspacings: 1 1 1\n\n", 8, 0)) return 1;
  if (refused("zero.nrrd", NRRD_HEAD "type: uint8\nsizes: 2 0 2\nencoding: raw\nspacings: 1 1 1\n\n", 0, 0)) return 1;
  if (refused("neg.nrrd", NRRD_HEAD "type: uint8\nsizes: 2 -2 2\nencoding: raw\nspacings: 1 1 1\n\n", 8, 0)) return 1;
  if (refused("enc.nrrd", NRRD_HEAD "type: uint8\nsizes: 2 2 2\nencoding: bzip2\nspacings: 1 1 1\n\n", 8, 0)) return 1;
  if (refused("nan.nrrd", NRRD_HEAD "type: uint8\nsizes: 2 2 2\nencoding: raw\nspacings: nan 1 1\n\n", 8, 0)) return 1;
  if (refused("nosp.nrrd", NRRD_HEAD "type: uint8\nsizes: 2 2 2\nencoding: raw\n\n", 8, 0)) return 1;
  if (refused("gz.nrrd", NRRD_HEAD "type: uint8\nsizes: 2 2 2\nencoding: gzip\nspacings: 1 1 1\n\n", 20, 0)) return 1;
  if (refused("units.nrrd", NRRD_HEAD "type: uint8\nsizes: 2 2 2\nencoding: raw\nspace directions: (1,0,0) "
              "(0,1,0) (0,0,1)\nspace units: \"furlong\" \"mm\" \"mm\"\n\n", 8, 0)) return 1;
  if (refused("huge.nrrd", NRRD_HEAD "type: uint8\nsizes: 2000000000 2000000000 2000000000\nencoding: raw\n"
              "spacings: 1 1 1\n\n", 8, 0)) return 1;
  if (refused("endian.nrrd", "NRRD0004\ndimension: 3\ntype: uint16\nsizes: 2 2 2\nencoding: raw\n"
              "spacings: 1 1 1\n\n", 16, 0)) return 1;
  if (refused("nrrdfile.nrrd", "NRRX0004\n", 0, 0)) return 1;
  if (refused("unknown.xyz", "hello world\n", 0, 0)) return 1;
  if (refused("nodata.nhdr", NRRD_HEAD "type: uint8\nsizes: 2 2 2\nencoding: raw\nspacings: 1 1 1\n"
              "data file: nowhere.raw\n", 0, 0)) return 1;
  return 0;
}

static int missing_voxel_size_is_refused_unless_overridden(void) {
  setup("spacing");
  const char *h = NRRD_HEAD "type: uint8\nsizes: 2 2 2\nencoding: raw\n\n";
  if (refused("nosp.nrrd", h, 8, 0)) return 1;
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("nosp.nrrd"), 3.0, &r) == TB_OK);
  EXPECT(r->spacing_um[0] == 3.0 && r->spacing_um[2] == 3.0);
  tb_volume_destroy(&r);
  return 0;
}

static int bad_metaimage_headers_are_refused(void) {
  setup("mhd");
  if (refused("t.mha", "NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nElementSpacing = 1 1 1\n"
              "ElementDataFile = LOCAL\n", 5, 0)) return 1;
  if (refused("l.mha", "NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nElementSpacing = 1 1 1\n"
              "ElementDataFile = LOCAL\n", 12, 0)) return 1;
  if (refused("ty.mha", "NDims = 3\nDimSize = 2 2 2\nElementType = MET_STRING\nElementSpacing = 1 1 1\n"
              "ElementDataFile = LOCAL\n", 8, 0)) return 1;
  if (refused("z.mha", "NDims = 3\nDimSize = 2 0 2\nElementType = MET_UCHAR\nElementSpacing = 1 1 1\n"
              "ElementDataFile = LOCAL\n", 0, 0)) return 1;
  if (refused("n.mha", "NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nElementSpacing = 1 nan 1\n"
              "ElementDataFile = LOCAL\n", 8, 0)) return 1;
  if (refused("ns.mha", "NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nElementDataFile = LOCAL\n", 8, 0))
    return 1;
  if (refused("c.mha", "NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nElementNumberOfChannels = 3\n"
              "ElementSpacing = 1 1 1\nElementDataFile = LOCAL\n", 24, 0)) return 1;
  if (refused("f.mhd", "NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nElementSpacing = 1 1 1\n"
              "ElementDataFile = absent.raw\n", 0, 0)) return 1;
  if (refused("nd.mhd", "NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nElementSpacing = 1 1 1\n", 0, 0))
    return 1;
  return 0;
}

static int non_hdf5_and_empty_hdf5_are_refused(void) {
  setup("h5");
  if (refused("x.h5", "not hdf5 at all", 0, 0)) return 1;
  /* A real HDF5 file without any known layout. */
  tb_volume *v = NULL;
  EXPECT(tb_volume_create(2, 2, 2, &v) == TB_OK);
  tb_h5_out *h = NULL;
  EXPECT(tb_h5_out_create(at("empty.h5"), 2, 2, 2, v->spacing_um, v->origin_um, &h) == TB_OK);
  EXPECT(tb_h5_out_close(&h, 1) == TB_OK && h == NULL);
  tb_volume *r = NULL;
  EXPECT(tb_io_read_volume(at("empty.h5"), 0.0, &r) == TB_ERR_INPUT && r == NULL);
  tb_volume_destroy(&v);
  return 0;
}

static int failed_writes_leave_no_file(void) {
  setup("write");
  tb_volume *v = NULL;
  EXPECT(tb_volume_create(3, 3, 3, &v) == TB_OK);
  char p[1300];
  snprintf(p, sizeof p, "%s/no/such/folder/out.nrrd", dir);
  EXPECT(tb_io_write_nrrd(p, v, TB_IO_F32, 0) == TB_ERR_IO);
  snprintf(p, sizeof p, "%s/no/such/folder/out.mhd", dir);
  EXPECT(tb_io_write_mhd(p, v, TB_IO_U8) == TB_ERR_IO);
  snprintf(p, sizeof p, "%s/no/such/folder/out.h5", dir);
  EXPECT(tb_io_write_volume_h5(p, v, NULL) == TB_ERR_IO);
  tb_h5_out *h = NULL;
  EXPECT(tb_h5_out_create(p, 3, 3, 3, v->spacing_um, v->origin_um, &h) == TB_ERR_IO && h == NULL);
  EXPECT(files_in_dir() == 0);
  tb_volume_destroy(&v);
  return 0;
}

int main(void) {
  return TB_RUN(bad_nrrd_headers_are_refused, missing_voxel_size_is_refused_unless_overridden,
                bad_metaimage_headers_are_refused, non_hdf5_and_empty_hdf5_are_refused, failed_writes_leave_no_file);
}
