/* XDMF 3 index for the HDF5 output, so ParaView (5.11: "XDMF Reader" and
 * "Xdmf3ReaderS") opens every snapshot as one time series
 * (https://www.xdmf.org/index.php/XDMF_Model_and_Format). Heavy data stays
 * in the .h5 file; this light XML only names the datasets. XDMF lists
 * structured dimensions slowest first (Z Y X), and 3DCoRectMesh counts
 * points, so cell data of nx x ny x nz voxels needs "nz+1 ny+1 nx+1" points
 * whose origin is the corner of voxel 0, half a voxel before its centre. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Writes s with XML's five special characters escaped. */
static void xml_text(FILE *f, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&apos;", f); break;
    default: fputc(*s, f);
    }
  }
}

tb_status tb_io_write_xdmf(const char *path, const char *h5_file_name, int32_t nx, int32_t ny, int32_t nz,
                           const double spacing_um[3], const double origin_um[3], int32_t nsnap,
                           const int32_t *snap_index, const double *time_days, int32_t nfields,
                           const char *const *names, int has_labels) {
  tb_status st = TB_OK;
  FILE *f = NULL;
  char tmp[4200];
  CHECK(h5_file_name && h5_file_name[0] && nx > 0 && ny > 0 && nz > 0 && nsnap >= 0 && nfields >= 0 &&
            (nsnap == 0 || (snap_index && time_days)) && (nfields == 0 || names),
        TB_ERR_INTERNAL, "%s: bad arguments for the XDMF index (%d x %d x %d, %d snapshots, %d fields)", path, nx, ny,
        nz, nsnap, nfields);
  for (int k = 0; k < 3; k++)
    CHECK(isfinite(spacing_um[k]) && spacing_um[k] > 0 && isfinite(origin_um[k]), TB_ERR_INTERNAL,
          "%s: voxel size and origin must be finite and the voxel size positive", path);
  TRY(tb_io_atomic_open(path, tmp, sizeof tmp, &f));
  double corner[3];
  for (int k = 0; k < 3; k++) corner[k] = origin_um[k] - 0.5 * spacing_um[k];
  fprintf(f, "<?xml version=\"1.0\" ?>\n<!DOCTYPE Xdmf SYSTEM \"Xdmf.dtd\" []>\n"
             "<!-- Written by trabecula %s. Lengths in um, times in days. -->\n"
             "<Xdmf xmlns:xi=\"http://www.w3.org/2001/XInclude\" Version=\"3.0\">\n  <Domain>\n"
             "    <Grid Name=\"trabecula\" GridType=\"Collection\" CollectionType=\"Temporal\">\n",
          TB_VERSION);
  for (int32_t s = 0; s < nsnap; s++) {
    char snap[32];
    snprintf(snap, sizeof snap, "%06d", snap_index[s]);
    fprintf(f,
            "      <Grid Name=\"snapshot_%s\" GridType=\"Uniform\">\n"
            "        <Time Value=\"%.17g\"/>\n"
            "        <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"%d %d %d\"/>\n"
            "        <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
            "          <DataItem Name=\"Origin\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" "
            "Format=\"XML\">%.17g %.17g %.17g</DataItem>\n"
            "          <DataItem Name=\"Spacing\" Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" "
            "Format=\"XML\">%.17g %.17g %.17g</DataItem>\n"
            "        </Geometry>\n",
            snap, time_days[s], nz + 1, ny + 1, nx + 1, corner[2], corner[1], corner[0], spacing_um[2],
            spacing_um[1], spacing_um[0]);
    for (int32_t i = 0; i < nfields; i++) {
      CHECK(names[i] && names[i][0], TB_ERR_INTERNAL, "%s: field %d has no name", path, i);
      fputs("        <Attribute Name=\"", f);
      xml_text(f, names[i]);
      fprintf(f, "\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
                 "          <DataItem Dimensions=\"%d %d %d\" NumberType=\"Float\" Precision=\"4\" Format=\"HDF\">",
              nz, ny, nx);
      xml_text(f, h5_file_name);
      fprintf(f, ":/snapshots/%s/", snap);
      xml_text(f, names[i]);
      fputs("</DataItem>\n        </Attribute>\n", f);
    }
    if (has_labels) {
      fprintf(f, "        <Attribute Name=\"compartment\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
                 "          <DataItem Dimensions=\"%d %d %d\" NumberType=\"UChar\" Precision=\"1\" Format=\"HDF\">",
              nz, ny, nx);
      xml_text(f, h5_file_name);
      fputs(":/compartment</DataItem>\n        </Attribute>\n", f);
    }
    fputs("      </Grid>\n", f);
  }
  fputs("    </Grid>\n  </Domain>\n</Xdmf>\n", f);
  CHECK(!ferror(f), TB_ERR_IO, "%s: writing failed: %s", path, strerror(errno));
  TRY(tb_io_atomic_close(&f, tmp, path, 1));
cleanup:
  if (f) tb_io_atomic_close(&f, tmp, path, 0);
  return st;
}
