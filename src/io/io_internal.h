/* Helpers shared by the io module's readers and writers; not public API.
 * Raw sample types, whole-file reads with size checks, zlib/gzip inflation
 * bounded by the header's size, unit handling and atomic FILE output. */
#ifndef TRABECULA_IO_INTERNAL_H
#define TRABECULA_IO_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "trabecula/io.h"

/* Scalar sample types found in input headers. */
typedef enum tb_io_raw {
  TB_RAW_I8, TB_RAW_U8, TB_RAW_I16, TB_RAW_U16, TB_RAW_I32, TB_RAW_U32,
  TB_RAW_I64, TB_RAW_U64, TB_RAW_F32, TB_RAW_F64,
} tb_io_raw;

size_t tb_io_raw_size(tb_io_raw t);
const char *tb_io_raw_name(tb_io_raw t);

/* Largest voxel count accepted from a header (2^34: 64 GiB of float). */
#define TB_IO_MAX_VOXELS ((size_t)1 << 34)

/* Checks header sizes: each >= 1, product <= TB_IO_MAX_VOXELS.
 * field names the header field for the message. */
tb_status tb_io_check_dims(const char *path, const char *field, int64_t nx, int64_t ny, int64_t nz,
                           size_t *count);

/* Opens a regular file for reading; a directory, named pipe or device (also
 * through a symlink) is an input error, found without blocking. *size is
 * its size when opened. what names it ("data file" ...) for messages. */
tb_status tb_io_open_regular(const char *path, const char *what, FILE **f, size_t *size);
/* Reads a regular file (tb_io_open_regular), at most max bytes plus one
 * so that a caller can tell "more than max" (*n == max + 1); SIZE_MAX for
 * all of it. */
tb_status tb_io_slurp(const char *path, const char *what, size_t max, uint8_t **buf, size_t *n);

/* Inflates a zlib or gzip stream into a new buffer; the output grows with the
 * data actually decoded, and more than need bytes is an error. */
tb_status tb_io_inflate(const char *path, const uint8_t *src, size_t n, size_t need, uint8_t **out,
                        size_t *got);

/* Fails with the standard message unless have == need (or have >= need when
 * allow_more). dims/type describe the header's sizes. */
tb_status tb_io_check_bytes(const char *path, size_t have, size_t need, int allow_more, int32_t nx,
                            int32_t ny, int32_t nz, tb_io_raw t);

/* Converts count samples to float. */
void tb_io_decode(const uint8_t *src, tb_io_raw t, int big_endian, size_t count, float *dst);

/* Factor from a unit name to µm (m, mm, um, µm, micron, nm, ...); 0 if unknown. */
double tb_io_unit_to_um(const char *unit);

/* Sets v's spacing and origin. sp/org are in the header's unit: to_um > 0
 * converts them; to_um == 0 means the header named no unit (the rule in
 * io.h, with a warning). have_spacing == 0 needs override_um > 0 when
 * need_spacing. */
tb_status tb_io_set_geometry(const char *path, const char *field, int have_spacing, const double sp[3],
                             const double org[3], double to_um, double override_um, int need_spacing,
                             tb_volume *v);

/* Opens "<final>.tmp-<pid>" for writing; tmp receives its name. */
tb_status tb_io_atomic_open(const char *final_path, char *tmp, size_t n, FILE **f);
/* Flushes, syncs and closes *f; renames tmp to final when commit, else (or on
 * any failure) removes tmp. Sets *f NULL. */
tb_status tb_io_atomic_close(FILE **f, const char *tmp, const char *final_path, int commit);
/* fwrite that reports TB_ERR_IO naming the file. */
tb_status tb_io_fwrite(FILE *f, const void *p, size_t n, const char *path);

/* Encodes v's values as little-endian samples of type t (rounded and
 * clamped for integers). *buf is malloc'd. */
tb_status tb_io_encode(const tb_volume *v, tb_io_type t, uint8_t **buf, size_t *bytes);

/* Case-insensitive suffix test. */
int tb_io_has_ext(const char *path, const char *ext);
/* Reads up to max numbers separated by spaces or commas ("nan" accepted);
 * returns how many, or -1 on text that is not a number or too many. */
int tb_io_parse_numbers(const char *s, double *out, int max);

/* What a reader run in a child process sends back: a volume's geometry and
 * nx*ny*nz values of elem bytes (data malloc'd; NULL when !found). */
typedef struct tb_io_payload {
  int32_t nx, ny, nz, found;
  double spacing_um[3], origin_um[3];
  void *data;
} tb_io_payload;
typedef tb_status (*tb_io_child_fn)(const char *path, const void *arg, tb_io_payload *out);
/* In a freshly forked reader child: crash signals back to their default
 * action, so the parent sees the signal (isolate.c). */
void tb_io_child_setup(void);

/* Runs fn in a child process (isolate.c); a crash or signal there becomes
 * TB_ERR_INPUT naming path and what ("HDF5 file"). */
tb_status tb_io_in_child(const char *path, const char *what, tb_io_child_fn fn, const void *arg, size_t elem,
                         tb_io_payload *out);

/* Format readers, dispatched from tb_io_read_volume. need_spacing == 0
 * accepts a header without voxel size (spacing left at 1 um, no error). */
tb_status tb_io_read_nrrd(const char *path, double override_um, int need_spacing, tb_volume **out);
tb_status tb_io_read_mhd(const char *path, double override_um, int need_spacing, tb_volume **out);
tb_status tb_io_read_h5(const char *path, double override_um, int need_spacing, tb_volume **out);
/* TIFF (tiff.c): paths[0..n-1] are read in order, every page of each file a
 * z slice (reduced-resolution pages skipped). what names the series in
 * messages (the folder or pattern the user gave, or the single file). */
tb_status tb_io_read_tiff(const char *what, char *const *paths, size_t n, double override_um, int need_spacing,
                          tb_volume **out);
/* Scanco AIM v020/v030 (aim.c). tb_io_is_aim tests a file's first bytes. */
int tb_io_is_aim(const uint8_t *head, size_t n);
tb_status tb_io_read_aim(const char *path, double override_um, int need_spacing, tb_volume **out);
/* DICOM series (dicom.c), one slice per file, ordered by ImagePositionPatient.
 * Without GDCM in the build it fails with TB_ERR_INPUT saying so. */
tb_status tb_io_read_dicom(const char *what, char *const *paths, size_t n, double override_um, int need_spacing,
                           tb_volume **out);

/* File series (series.c). */
int tb_io_is_dir(const char *path);
/* True for a name that does not exist and holds a glob character (* ? [). */
int tb_io_is_glob(const char *path);
/* strcmp, except that runs of digits compare by value: s2 < s10. */
int tb_io_natural_cmp(const char *a, const char *b);
/* Regular, non-hidden files of dir ending with one of exts (NULL-terminated;
 * NULL: any name), as "dir/name", in natural order of the names. */
tb_status tb_io_list_dir(const char *dir, const char *const *exts, char ***paths, size_t *n);
/* Regular files matching a glob pattern, in natural order of the names. */
tb_status tb_io_glob(const char *pattern, char ***paths, size_t *n);
void tb_io_free_list(char ***paths, size_t n);
/* Size of a regular file in bytes; fails naming path otherwise. */
tb_status tb_io_file_size(const char *path, const char *what, uint64_t *size);

/* The /compartment dataset of an HDF5 file: *found = 0 when absent. */
tb_status tb_io_read_h5_labels(const char *path, int32_t nx, int32_t ny, int32_t nz, uint8_t **out,
                               int *found);

#endif
