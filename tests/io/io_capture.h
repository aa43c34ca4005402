/* For the reader tests: run tb_io_read_volume with stderr captured, and
 * check that a bad input is refused with TB_ERR_INPUT, no volume, and one
 * message that names the expected file (or other text). Include after
 * io_test_util.h. */
#ifndef IO_CAPTURE_H
#define IO_CAPTURE_H

#include "trabecula/io.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads path with stderr going to dir/stderr.txt; msg receives it. */
static inline tb_status read_captured(const char *path, double override_um, tb_volume **out, char *msg, size_t n) {
  char cap[1200];
  snprintf(cap, sizeof cap, "%s/stderr.txt", dir);
  fflush(stderr);
  int saved = dup(2);
  int fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, 2);
  close(fd);
  tb_status st = tb_io_read_volume(path, override_um, out);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  msg[0] = '\0';
  FILE *f = fopen(cap, "r");
  if (f) {
    size_t got = fread(msg, 1, n - 1, f);
    msg[got] = '\0';
    fclose(f);
  }
  remove(cap);
  return st;
}

/* 0 when path is refused as bad input with an error naming `names`. */
static inline int refused_naming(const char *path, double override_um, const char *names) {
  char msg[4096];
  tb_volume *r = (tb_volume *)&r; /* must be reset to NULL */
  tb_status st = read_captured(path, override_um, &r, msg, sizeof msg);
  const char *err = strstr(msg, "error:");
  if (st != TB_ERR_INPUT || r != NULL || !err || !strstr(err, names) || strstr(err + 1, "error:")) {
    fprintf(stderr, "%s: status %d, expected %d (bad input) with one message naming '%s'; stderr was:\n%s\n", path,
            (int)st, (int)TB_ERR_INPUT, names, msg);
    if (r && r != (tb_volume *)&r) tb_volume_destroy(&r);
    return 1;
  }
  return 0;
}

#endif
