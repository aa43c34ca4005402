/* libFuzzer target for the scenario parser: the input bytes become a
 * scenario file read by tb_params_load_file, as `trabecula run FILE` reads
 * it. Bad input must give a status, never a crash or a leak; a scenario
 * that loads must hold only in-range values. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_file.h"

#include "trabecula/params.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  fuzz_file_init("scenario.ini");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_file_write(data, size);
  tb_params p;
  tb_params_default(&p);
  if (tb_params_load_file(&p, path) == TB_OK) {
    for (int i = 0; i < tb_param_count; i++) {
      double v = tb_param_get(&p, &tb_param_table[i]);
      if (!(v >= tb_param_table[i].lo && v <= tb_param_table[i].hi)) abort();
    }
  }
  return 0;
}
