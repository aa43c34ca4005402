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

#include "trabecula/params.h"

static char path[512];

static void remove_dir(void) {
  char p[600];
  snprintf(p, sizeof p, "%s", path);
  remove(p);
  char *slash = strrchr(p, '/');
  if (slash) *slash = '\0';
  rmdir(p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  char dir[] = "/tmp/trabecula-fuzz-XXXXXX";
  if (!mkdtemp(dir)) abort();
  snprintf(path, sizeof path, "%s/scenario.ini", dir);
  atexit(remove_dir);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  if (fclose(f) != 0) abort();
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
