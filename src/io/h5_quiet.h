/* Silences HDF5's own error printing around probes whose failure is an
 * answer (does this path exist?), and restores it after. Every entry point
 * of the io module that calls HDF5 starts with h5_quiet. */
#ifndef TRABECULA_IO_H5_QUIET_H
#define TRABECULA_IO_H5_QUIET_H

#include <hdf5.h>

typedef struct {
  H5E_auto2_t fn;
  void *data;
} quiet_h5;

static inline void h5_quiet(quiet_h5 *q) {
  /* No HDF5 shutdown at exit: after a failed H5Fclose (a full disk) HDF5
   * 1.10's atexit handler crashes closing the half-closed file again. Every
   * file is closed explicitly; the OS reclaims the rest. Must come before
   * the library's first call initialises it (later calls do nothing). */
  H5dont_atexit();
  H5Eget_auto2(H5E_DEFAULT, &q->fn, &q->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}
static inline void h5_loud(const quiet_h5 *q) { H5Eset_auto2(H5E_DEFAULT, q->fn, q->data); }

#endif
