/* libFuzzer target for one volume reader: the input bytes become a file
 * named "input" + TB_FUZZ_EXT in a private temporary folder, and go through
 * tb_io_read_volume exactly as `trabecula morph FILE` reads them (the format
 * is chosen by the magic bytes, then the extension). Bad input must give a
 * status, never a crash, a leak, a hang or an allocation the file cannot
 * fill. tests/fuzz/CMakeLists.txt builds one target per extension (adding
 * a reader is one line there). */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_file.h"

#include "trabecula/io.h"
#include "trabecula/log.h"

#ifndef TB_FUZZ_EXT
#error "TB_FUZZ_EXT (the file name extension, e.g. \".nrrd\") must be defined"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fuzz_file_init("input" TB_FUZZ_EXT);
  tb_log_set_quiet(1);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_file_write(data, size);
  tb_volume *v = NULL;
  tb_status st = tb_io_read_volume(path, 0.0, &v);
  /* tools/fuzz.sh makes allocations over 2 GiB fail (max_allocation_size_mb):
   * a small input that asks for one is a reader trusting its header. */
  if (st == TB_ERR_NOMEM) abort();
  if (st == TB_OK) {
    /* What a reader returns must be what it promises. */
    size_t n = tb_volume_count(v);
    if (!v->data || n == 0) abort();
    for (int k = 0; k < 3; k++)
      if (!(v->spacing_um[k] >= TB_IO_SPACING_MIN_UM && v->spacing_um[k] <= TB_IO_SPACING_MAX_UM)) abort();
    volatile float sum = 0.0f;
    for (size_t i = 0; i < n; i++) sum += v->data[i];
    (void)sum;
  } else if (v) {
    abort(); /* output parameters stay NULL on failure */
  }
  tb_volume_destroy(&v);
  return 0;
}
