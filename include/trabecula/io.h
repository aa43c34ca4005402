/* Volumes in and out: NRRD, MetaImage, HDF5 (own layout, trabecula output,
 * VTKHDF ImageData), TIFF stacks, Scanco AIM and DICOM series in; XDMF for
 * ParaView, PNG previews out. No OpenCL here.
 *
 * Formats, as read and written here:
 *   NRRD      teem's NRRD0001..0005 (https://teem.sourceforge.net/nrrd/format.html):
 *             attached (.nrrd) or detached (.nhdr + `data file:`), encodings
 *             raw, gzip/gz and ascii/text/txt; every NRRD scalar type name.
 *   MetaImage ITK MetaIO (.mhd + ElementDataFile, or .mha with LOCAL data),
 *             optionally zlib-compressed (CompressedData = True).
 *   HDF5      (a) own layout: /volume [nz][ny][nx] (any integer or float type)
 *                 with attributes spacing_um[3] (x,y,z) and optional
 *                 origin_um[3]; optional /compartment uint8 [nz][ny][nx];
 *             (b) a trabecula run's output (root attribute format
 *                 "trabecula-1", group /snapshots): the last snapshot's
 *                 bone_fraction, spacing from root attribute voxel_size_um;
 *             (c) VTKHDF 1.0 ImageData (https://docs.vtk.org/en/latest/
 *                 vtk_file_formats/vtkhdf_file_format/): the first array of
 *                 /VTKHDF/CellData (cells = extent span) or else PointData
 *                 (points = span + 1), stored [nz][ny][nx].
 *   TIFF      through libtiff: a multi-page file, or a folder / glob pattern
 *             ("slices/slice_*.tif") of files read in natural name order (s2
 *             before s10), every full-resolution page a z slice; one sample
 *             per pixel, 8/16/32/64-bit integers or 32/64-bit float. Voxel
 *             size from ImageJ's ImageDescription (unit=, spacing=, with
 *             XResolution/YResolution as pixels per unit), else the
 *             resolution tags per inch or cm (z = x; 72/96/150/300/600 dpi
 *             are software defaults and ignored), else --spacing (src/io/tiff.c).
 *   AIM       Scanco AIM v020 and v030 (src/io/aim.c, after ITKIOScanco):
 *             char/short/int/float; element size in mm; position as origin.
 *             When the processing log holds Mu_Scaling, Density: slope and
 *             Density: intercept, integer data are converted to density
 *             (value / Mu_Scaling x slope + intercept, mg HA/cm³).
 *   DICOM     a folder or pattern of single-frame grayscale slices through
 *             GDCM (when built with TRABECULA_DICOM), ordered by
 *             ImagePositionPatient along the slice normal; x, y from
 *             PixelSpacing, z from the position step (even within 1 %),
 *             else SpacingBetweenSlices / SliceThickness; values x
 *             RescaleSlope + RescaleIntercept (src/io/dicom.c).
 *   XDMF      Xdmf 3 (https://www.xdmf.org/index.php/XDMF_Model_and_Format),
 *             a temporal collection pointing into the HDF5 output.
 *
 * Geometry: origin_um is the centre of voxel (0,0,0), as NRRD's
 * `space origin`, MetaImage's Offset and an own-layout origin_um are.
 * Volumes are axis-aligned: of an oblique NRRD space direction only its
 * length is used (with a warning); MetaImage TransformMatrix and VTKHDF
 * Direction are ignored.
 *
 * Length units when reading. A header that names its unit is honoured:
 * NRRD `space units:` (for space directions / space origin) or per-axis
 * `units:` (for spacings), MetaImage `DistanceUnits`, VTKHDF attribute
 * `Units` or `SpacingUnits` on /VTKHDF; accepted units are m, mm, um, µm,
 * micron, nm. A header without a unit is read with one rule for all formats,
 * and a warning says what was assumed: if the largest voxel edge is below 1
 * the numbers are taken as millimetres (a sub-micrometre voxel is not a
 * micro-CT voxel; NRRD from Slicer/ITK and MetaImage from ITK are in mm),
 * otherwise as micrometres. Pass spacing_override_um > 0 (the CLI's
 * --spacing UM) to replace the header's voxel size; that is logged too.
 *
 * Errors: every bad input returns TB_ERR_INPUT with one message that names
 * the file, the field and what was expected; output parameters stay NULL.
 * OS-level write failures return TB_ERR_IO.
 *
 * Writing is atomic: every output is written to "<path>.tmp-<pid>" and
 * renamed into place only when complete; on failure the temporary file is
 * removed, so a half-written output never appears at <path>.
 */
#ifndef TRABECULA_IO_H
#define TRABECULA_IO_H

#include <stddef.h>
#include <stdint.h>

#include "trabecula/status.h"
#include "trabecula/volume.h"

/* ---- reading ----------------------------------------------------------- */

/* Voxel sizes accepted from a header or --spacing, in um: from 10 nm
 * (nano-CT) to 10 mm (clinical CT is ~0.5 mm); outside this, volumes and
 * rates overflow or underflow. */
#define TB_IO_SPACING_MIN_UM 0.01
#define TB_IO_SPACING_MAX_UM 10000.0

/* Reads a volume from .nrrd/.nhdr, .mhd/.mha, .h5/.hdf5/.vtkhdf, .tif/.tiff,
 * .aim or .dcm (the format is chosen by the file's magic bytes, then by its
 * extension), or from a folder or glob pattern of TIFF or DICOM slices (TIFF
 * when it holds .tif/.tiff files, DICOM otherwise). Values are
 * converted to float. spacing_override_um > 0 replaces the header's voxel
 * size (isotropic); <= 0 uses the header's and fails when it has none. */
tb_status tb_io_read_volume(const char *path, double spacing_override_um, tb_volume **out);

/* Reads a compartment label map (0 outside, 1 trabecular, 2 cortical): the
 * /compartment dataset of an own-layout or trabecula HDF5 file, or else the
 * volume of any readable file. Its dimensions must equal like's and every
 * value must be 0, 1 or 2. A label file without a voxel size takes like's.
 * *labels_out is nx*ny*nz bytes, x fastest; free() it. */
tb_status tb_io_read_labels(const char *path, double spacing_override_um, const tb_volume *like,
                            uint8_t **labels_out);

/* ---- atomic output ----------------------------------------------------- */

/* buf <- "<final_path>.tmp-<pid>". */
tb_status tb_io_temp_path(const char *final_path, char *buf, size_t n);
/* Renames tmp onto final_path; on failure removes tmp and returns TB_ERR_IO. */
tb_status tb_io_commit(const char *tmp, const char *final_path);

/* ---- volume writers ---------------------------------------------------- */

typedef enum tb_io_type {
  TB_IO_U8,  /* values rounded and clamped to 0..255 */
  TB_IO_U16, /* values rounded and clamped to 0..65535 */
  TB_IO_F32,
} tb_io_type;

/* NRRD0004, little endian, raw or gzip (gzip wrapper, as teem writes).
 * Geometry: `space dimension: 3`, axis-aligned `space directions` in mm,
 * `space units: "mm" "mm" "mm"` and `space origin` in mm (what Slicer, ITK
 * and Fiji expect). */
tb_status tb_io_write_nrrd(const char *path, const tb_volume *v, tb_io_type type, int gzip);
/* MetaImage header at path (.mhd) and the data beside it, named as path with
 * the extension replaced by .raw. ElementSpacing and Offset in mm, with
 * `DistanceUnits = mm`. */
tb_status tb_io_write_mhd(const char *path, const tb_volume *v, tb_io_type type);
/* Own HDF5 layout (see above): /volume float32, /compartment uint8 when
 * labels_or_null is given; gzip-compressed datasets chunked by z-slab. */
tb_status tb_io_write_volume_h5(const char *path, const tb_volume *v, const uint8_t *labels_or_null);

/* ---- simulation output ------------------------------------------------- */

/* The simulation's HDF5 output, written one snapshot at a time. Layout:
 *   /                 attributes format "trabecula-1", voxel_size_um[3],
 *                     origin_um[3] (double, x,y,z), dimensions[3] (int, x,y,z)
 *   /compartment      uint8 [nz][ny][nx] (optional)
 *   /snapshots/NNNNNN attribute time_days; one float32 [nz][ny][nx] dataset
 *                     per field, gzip level 1, chunked by z-slab
 *   any other group   attributes written with tb_h5_out_attr_* */
typedef struct tb_h5_out tb_h5_out;
/* Creates <final_path> under a temporary name; nothing appears at final_path
 * until tb_h5_out_close(...,1). */
tb_status tb_h5_out_create(const char *final_path, int32_t nx, int32_t ny, int32_t nz,
                           const double spacing_um[3], const double origin_um[3], tb_h5_out **out);
/* group is "/" or e.g. "/parameters" (created if missing). The unit, when
 * given, is stored as the string attribute "<name>_unit". Rewriting an
 * attribute replaces it. */
tb_status tb_h5_out_attr_double(tb_h5_out *h, const char *group, const char *name, double value,
                                const char *unit_or_null);
tb_status tb_h5_out_attr_string(tb_h5_out *h, const char *group, const char *name, const char *value);
/* Dataset /compartment, uint8 [nz][ny][nx]. */
tb_status tb_h5_out_write_labels(tb_h5_out *h, const uint8_t *labels);
/* Group /snapshots/<index as %06d> with attribute time_days and one float32
 * dataset per field (each nx*ny*nz values, x fastest). */
tb_status tb_h5_out_write_snapshot(tb_h5_out *h, int32_t index, double time_days, int32_t nfields,
                                   const char *const *names, const float *const *fields);
/* commit != 0: flush, close and rename into place; 0: close and remove the
 * temporary file. Always frees the handle and sets *h to NULL; accepts NULL. */
tb_status tb_h5_out_close(tb_h5_out **h, int commit);

/* XDMF 3 for ParaView (5.11: XDMF Reader / Xdmf3ReaderS) describing the
 * snapshots of an output file: a temporal collection with one Uniform grid
 * per snapshot (Time Value in days), Topology 3DCoRectMesh of point
 * Dimensions "nz+1 ny+1 nx+1", Geometry ORIGIN_DXDYDZ with Origin (the
 * corner of voxel 0: origin_um - spacing_um/2) and Spacing listed Z Y X, in
 * µm; cell-centred attributes "<h5_file_name>:/snapshots/NNNNNN/<field>",
 * plus "compartment" (UChar) in every grid when has_labels. h5_file_name is
 * relative to the XDMF file's folder. */
tb_status tb_io_write_xdmf(const char *path, const char *h5_file_name, int32_t nx, int32_t ny, int32_t nz,
                           const double spacing_um[3], const double origin_um[3], int32_t nsnap,
                           const int32_t *snap_index, const double *time_days, int32_t nfields,
                           const char *const *names, int has_labels);

/* ---- PNG --------------------------------------------------------------- */

/* 8-bit RGB, rows top to bottom, 3*w bytes per row. */
tb_status tb_io_write_png_rgb(const char *path, int32_t w, int32_t h, const uint8_t *rgb);

/* Three mid-plane slices of a snapshot: dir/snap_NNNNNN_xy.png (z = nz/2,
 * y down), _xz.png (y = ny/2) and _yz.png (x = nx/2) (z up in both).
 * Colour key (drawn as a legend strip at the bottom of each image):
 *   bone fraction f      gray, f = 0 black (marrow) to f = 1 light gray;
 *   resorbed > 0.01      tinted red/orange  (bone fraction lost since the
 *                        last snapshot);
 *   formed > 0.01        tinted green/cyan  (bone fraction gained);
 *   both                 tinted yellow.
 * resorbed and formed may be NULL (no tint). Images whose short side is
 * below 256 px are enlarged by an integer factor (nearest neighbour). */
tb_status tb_io_write_previews(const char *dir, int32_t snap_index, int32_t nx, int32_t ny, int32_t nz,
                               const float *bone, const float *resorbed, const float *formed);

#endif
