/* The fuzz targets' input file: the bytes of each input written to one file
 * in a private temporary folder (removed at exit), so that a target reads
 * them through the same path-based API a user's file takes. */
#ifndef TB_FUZZ_FILE_H
#define TB_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_path[512];

static void fuzz_file_remove(void) {
  char p[600];
  snprintf(p, sizeof p, "%s", fuzz_path);
  remove(p);
  char *slash = strrchr(p, '/');
  if (slash) *slash = '\0';
  rmdir(p);
}

/* Once, from LLVMFuzzerInitialize: the file is <new folder>/name. */
static void fuzz_file_init(const char *name) {
  char dir[] = "/tmp/trabecula-fuzz-XXXXXX";
  if (!mkdtemp(dir)) abort();
  snprintf(fuzz_path, sizeof fuzz_path, "%s/%s", dir, name);
  atexit(fuzz_file_remove);
}

/* Per input: writes the bytes and returns the file's path. */
static const char *fuzz_file_write(const uint8_t *data, size_t size) {
  FILE *f = fopen(fuzz_path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  if (fclose(f) != 0) abort();
  return fuzz_path;
}

#endif
