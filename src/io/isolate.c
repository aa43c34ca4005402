/* Parsing an untrusted file in a child process. The child runs the reader
 * and sends its result back over a pipe (a header, then the voxels); the
 * parent checks the header's sizes before allocating. When the reader's
 * library crashes on a hostile file (HDF5 1.10 does on some one-byte
 * changes), only the child dies, and the parent reports an input error
 * naming the file instead of a SIGSEGV. The child never returns: it leaves
 * with _exit, so no atexit handler (HDF5's shutdown, the leak checker) runs
 * twice. */
#define _POSIX_C_SOURCE 200809L

#include "io/io_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(TB_FUZZ)
#include <sanitizer/common_interface_defs.h>
#endif

enum { WIRE_MAGIC = 0x54424831 }; /* "TBH1" */

typedef struct wire {
  uint32_t magic;
  int32_t status, nx, ny, nz, found;
  double spacing_um[3], origin_um[3];
  uint64_t bytes;
} wire;

static int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n > 0) {
    ssize_t w = write(fd, c, n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Bytes read before end of file or error. */
static size_t read_all(int fd, void *p, size_t n) {
  char *c = p;
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, c + got, n - got > ((size_t)1 << 30) ? ((size_t)1 << 30) : n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  return got;
}

void tb_io_child_setup(void) {
#if defined(TB_FUZZ)
  /* A crash here is the parent's answer, not the fuzzer's finding; and the
   * sanitizer would otherwise write its report to a file named ".<pid>"
   * (an inherited report fd belongs to the parent). */
  __sanitizer_set_death_callback(NULL);
  __sanitizer_set_report_fd((void *)(intptr_t)2);
#endif
  /* A library crash ends the child by its signal, which the parent reports;
   * no inherited handler (libFuzzer's, the sanitizer's) turns it into a
   * report or a crash file of its own. */
  static const int crash_signals[] = {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL};
  for (size_t k = 0; k < sizeof crash_signals / sizeof crash_signals[0]; k++) signal(crash_signals[k], SIG_DFL);
}

static void child(int fd, const char *path, tb_io_child_fn fn, const void *arg, size_t elem) {
  tb_io_payload pl;
  wire w;
  memset(&pl, 0, sizeof pl);
  memset(&w, 0, sizeof w);
  tb_io_child_setup();
  tb_status st = fn(path, arg, &pl);
  w.magic = WIRE_MAGIC;
  w.status = (int32_t)st;
  if (st == TB_OK) {
    w.nx = pl.nx, w.ny = pl.ny, w.nz = pl.nz, w.found = pl.found;
    memcpy(w.spacing_um, pl.spacing_um, sizeof w.spacing_um);
    memcpy(w.origin_um, pl.origin_um, sizeof w.origin_um);
    if (pl.found && pl.data) w.bytes = (uint64_t)pl.nx * (uint64_t)pl.ny * (uint64_t)pl.nz * elem;
  }
  int bad = write_all(fd, &w, sizeof w) != 0 || (w.bytes && write_all(fd, pl.data, (size_t)w.bytes) != 0);
  _exit(bad ? 3 : 0);
}

/* Reaps the child; describes how it ended when it did not exit 0. */
static int reap(pid_t pid, char *how, size_t n) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      snprintf(how, n, "its state is unknown (%s)", strerror(errno));
      return -1;
    }
  if (WIFSIGNALED(status)) {
    snprintf(how, n, "crashed with signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return -1;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    snprintf(how, n, "stopped with exit code %d", WEXITSTATUS(status));
    return -1;
  }
  return 0;
}

tb_status tb_io_in_child(const char *path, const char *what, tb_io_child_fn fn, const void *arg, size_t elem,
                         tb_io_payload *out) {
  tb_status st = TB_OK;
  int fds[2] = {-1, -1};
  pid_t pid = -1;
  wire w;
  uint8_t *data = NULL;
  char how[160] = "";
  memset(out, 0, sizeof *out);
  CHECK(pipe(fds) == 0, TB_ERR_IO, "%s: cannot create a pipe to read the %s: %s", path, what, strerror(errno));
  fflush(NULL); /* nothing buffered is written twice */
  pid = fork();
  CHECK(pid >= 0, TB_ERR_IO, "%s: cannot start a process to read the %s: %s", path, what, strerror(errno));
  if (pid == 0) {
    close(fds[0]);
    child(fds[1], path, fn, arg, elem);
  }
  close(fds[1]);
  fds[1] = -1;
  size_t got = read_all(fds[0], &w, sizeof w);
  if (got != sizeof w || w.magic != WIRE_MAGIC) {
    close(fds[0]);
    fds[0] = -1;
    reap(pid, how, sizeof how);
    pid = -1;
    CHECK(0, TB_ERR_INPUT,
          "%s: the %s reader %s on this file; the file is damaged or not a valid %s (no data was used)", path, what,
          how[0] ? how : "ended without an answer", what);
  }
  if (w.status != TB_OK) {
    /* The child printed the message. */
    st = w.status >= TB_ERR_INPUT && w.status <= TB_ERR_INTERNAL ? (tb_status)w.status : TB_ERR_INTERNAL;
    goto cleanup;
  }
  if (w.found) {
    size_t count = 0;
    TRY(tb_io_check_dims(path, what, w.nx, w.ny, w.nz, &count));
    CHECK(w.bytes == count * elem, TB_ERR_INTERNAL, "%s: the %s reader sent %llu bytes for %zu values", path, what,
          (unsigned long long)w.bytes, count);
    data = malloc(w.bytes ? (size_t)w.bytes : 1);
    CHECK(data, TB_ERR_NOMEM, "%s: out of memory for a %d x %d x %d volume", path, w.nx, w.ny, w.nz);
    got = read_all(fds[0], data, (size_t)w.bytes);
    CHECK(got == w.bytes, TB_ERR_INPUT, "%s: the %s reader stopped after %zu of %llu bytes", path, what, got,
          (unsigned long long)w.bytes);
  }
  close(fds[0]);
  fds[0] = -1;
  int rc = reap(pid, how, sizeof how);
  pid = -1;
  CHECK(rc == 0, TB_ERR_INPUT, "%s: the %s reader %s on this file; the file is damaged", path, what, how);
  out->nx = w.nx, out->ny = w.ny, out->nz = w.nz, out->found = w.found;
  memcpy(out->spacing_um, w.spacing_um, sizeof w.spacing_um);
  memcpy(out->origin_um, w.origin_um, sizeof w.origin_um);
  out->data = data;
  data = NULL;
cleanup:
  if (fds[0] >= 0) close(fds[0]);
  if (fds[1] >= 0) close(fds[1]);
  if (pid > 0) reap(pid, how, sizeof how);
  free(data);
  return st;
}
