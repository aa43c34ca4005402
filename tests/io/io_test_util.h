/* File helpers shared by the io test programs (tests/io/test_io_*.c): a fresh
 * scratch folder per test under TB_BINARY_DIR/test-tmp, paths inside it, and
 * writing raw bytes. Each program defines IO_TEST_TAG (e.g. "h5") before
 * including this, so its folders are test-tmp/io_<tag>_<name>. Functions are
 * static inline so a program that leaves one unused still builds warning-free.
 * (tb_test_tmpdir is not used: it trips -Wformat-truncation.) */
#ifndef IO_TEST_UTIL_H
#define IO_TEST_UTIL_H

#include "tb_test.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef IO_TEST_TAG
#error "define IO_TEST_TAG before including io_test_util.h"
#endif

/* The current test's folder, set by setup(). */
static char dir[1024];

/* A fresh folder for one test's files: test-tmp/io_<IO_TEST_TAG>_<name>. */
static inline void setup(const char *name) {
  char cmd[2200];
  snprintf(dir, sizeof dir, "%s/test-tmp/io_" IO_TEST_TAG "_%s", TB_BINARY_DIR, name);
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot make %s\n", dir);
}

/* dir/name; the last four results stay valid. */
static inline const char *at(const char *name) {
  static char buf[4][1200];
  static int i;
  i = (i + 1) % 4;
  snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
  return buf[i];
}

/* Writes a, then b (when not NULL), to path; 0 on success. */
static inline int write_bytes(const char *path, const void *a, size_t na, const void *b, size_t nb) {
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  fwrite(a, 1, na, f);
  if (b) fwrite(b, 1, nb, f);
  return fclose(f) != 0;
}

#endif
