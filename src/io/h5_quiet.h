/* Silences HDF5's own error printing around probes whose failure is an
 * answer (does this path exist?), and restores it after. */
#ifndef TRABECULA_IO_H5_QUIET_H
#define TRABECULA_IO_H5_QUIET_H

#include <hdf5.h>

typedef struct {
  H5E_auto2_t fn;
  void *data;
} quiet_h5;

static inline void h5_quiet(quiet_h5 *q) {
  H5Eget_auto2(H5E_DEFAULT, &q->fn, &q->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}
static inline void h5_loud(const quiet_h5 *q) { H5Eset_auto2(H5E_DEFAULT, q->fn, q->data); }

#endif
