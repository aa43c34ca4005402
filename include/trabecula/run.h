/* A whole run: scenario and sample in, simulation, outputs in OUTDIR.
 *
 * Everything that can be checked is checked before OUTDIR is touched. The
 * outputs are written into OUTDIR.partial-<pid> and that folder is renamed
 * to OUTDIR when complete, so an interrupted or failed run leaves no
 * half-written results and never replaces an earlier run's. */
#ifndef TRABECULA_RUN_H
#define TRABECULA_RUN_H

#include <stdint.h>

#include "trabecula/status.h"

typedef struct tb_run_options {
  const char *scenario;   /* INI file; NULL = built-in postmenopausal */
  const char *outdir;     /* NULL = ./trabecula-out (or -2, -3... if taken) */
  const char *input;      /* sample file; NULL = built-in phantom */
  const char *labels;     /* compartment label file; NULL = none (or the phantom's) */
  double spacing_um;      /* > 0 overrides the header's voxel size */
  double threshold;       /* NaN = automatic (midpoint for binary, Otsu otherwise) */
  double years;           /* > 0 overrides run.years */
  int64_t seed;           /* >= 0 overrides run.seed */
  const char *const *sets;/* "section.key=value" overrides */
  int32_t nsets;
  const char *device;     /* device spec; NULL = TRABECULA_DEVICE or the default */
  int32_t progress;       /* 1 progress bar, 0 plain log lines, -1 decide by isatty(stderr) */
  int32_t phantom_size;   /* built-in phantom: voxels per side (0 = default) */
} tb_run_options;

void tb_run_options_default(tb_run_options *o);
tb_status tb_run(const tb_run_options *o);

#endif
