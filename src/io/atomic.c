/* Atomic output: every file is written under "<path>.tmp-<pid>" and renamed
 * onto <path> only when complete (rename(2) is atomic within a file system),
 * so a crash or a failed write never leaves a half-written output behind and
 * an older complete file stays readable until the new one replaces it. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

tb_status tb_io_temp_path(const char *final_path, char *buf, size_t n) {
  tb_status st = TB_OK;
  CHECK(final_path && final_path[0], TB_ERR_INPUT, "output path is empty");
  int len = snprintf(buf, n, "%s.tmp-%ld", final_path, (long)getpid());
  CHECK(len > 0 && (size_t)len < n, TB_ERR_INPUT, "%s: output path is too long (%d characters)",
        final_path, len);
cleanup:
  return st;
}

tb_status tb_io_commit(const char *tmp, const char *final_path) {
  tb_status st = TB_OK;
  if (rename(tmp, final_path) != 0) {
    int e = errno;
    remove(tmp);
    CHECK(0, TB_ERR_IO, "%s: cannot move the finished file into place from %s: %s", final_path, tmp,
          strerror(e));
  }
cleanup:
  return st;
}

tb_status tb_io_atomic_open(const char *final_path, char *tmp, size_t n, FILE **f) {
  tb_status st = TB_OK;
  *f = NULL;
  TRY(tb_io_temp_path(final_path, tmp, n));
  *f = fopen(tmp, "wb");
  CHECK(*f, TB_ERR_IO, "%s: cannot create the output file (%s): %s", final_path, tmp, strerror(errno));
cleanup:
  return st;
}

tb_status tb_io_atomic_close(FILE **f, const char *tmp, const char *final_path, int commit) {
  tb_status st = TB_OK;
  int bad = 0, e = 0;
  if (f && *f) {
    if (fflush(*f) != 0) bad = 1, e = errno;
    if (!bad && commit && fsync(fileno(*f)) != 0) bad = 1, e = errno;
    if (fclose(*f) != 0 && !bad) bad = 1, e = errno;
    *f = NULL;
  }
  if (bad || !commit) {
    remove(tmp);
    CHECK(!bad, TB_ERR_IO, "%s: writing failed: %s", final_path, strerror(e));
    goto cleanup;
  }
  TRY(tb_io_commit(tmp, final_path));
cleanup:
  return st;
}

tb_status tb_io_fwrite(FILE *f, const void *p, size_t n, const char *path) {
  tb_status st = TB_OK;
  if (n == 0) return TB_OK;
  CHECK(fwrite(p, 1, n, f) == n, TB_ERR_IO, "%s: writing %zu bytes failed: %s", path, n, strerror(errno));
cleanup:
  return st;
}
