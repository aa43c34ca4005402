/* A C interface over GDCM (dicom_gdcm.cpp, the project's only C++), used by
 * dicom.c. Both calls return 0 on success, or else 1 with a message (without
 * the file name) in err. Nothing here throws or prints. */
#ifndef TRABECULA_DICOM_GDCM_H
#define TRABECULA_DICOM_GDCM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tb_dcm_info {
  int32_t rows, cols, frames, samples, bits_allocated, pixel_rep; /* tags (0028,xxxx) */
  char photometric[24];
  int has_ipp, has_iop, has_spacing, has_thickness, has_between;
  double ipp[3];       /* ImagePositionPatient (0020,0032), mm */
  double iop[6];       /* ImageOrientationPatient (0020,0037): row then column direction */
  double spacing[2];   /* PixelSpacing (0028,0030): between rows (y), between columns (x), mm */
  double thickness;    /* SliceThickness (0018,0050), mm */
  double between;      /* SpacingBetweenSlices (0018,0088), mm */
  double slope, intercept; /* RescaleSlope/Intercept (0028,1053/1052); 1 and 0 when absent */
  int encapsulated;    /* compressed transfer syntax */
  uint64_t missing;    /* bytes the declared lengths need beyond the end of the file */
} tb_dcm_info;

/* Reads the header, up to the pixel data; file_size is the file's length. */
int tb_dcm_read_info(const char *path, uint64_t file_size, tb_dcm_info *info, char *err, size_t nerr);
/* Decodes the pixel data into buf, which must be exactly bytes long. */
int tb_dcm_read_pixels(const char *path, void *buf, size_t bytes, char *err, size_t nerr);

#ifdef __cplusplus
}
#endif
#endif
