#include "trabecula/status.h"
#include "trabecula/log.h"

#include <stdio.h>
#include <stdlib.h>

static int quiet_logs;

tb_status tb_error(tb_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("trabecula: error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return code;
}

void tb_trace(const char *file, int line, const char *func, tb_status code) {
  const char *env = getenv("TRABECULA_TRACE");
  if (env && env[0] && env[0] != '0')
    fprintf(stderr, "  [trace] %s:%d %s() -> %s\n", file, line, func, tb_status_name(code));
}

const char *tb_status_name(tb_status code) {
  switch (code) {
  case TB_OK: return "ok";
  case TB_ERR_INPUT: return "bad input";
  case TB_ERR_IO: return "i/o error";
  case TB_ERR_DEVICE: return "device error";
  case TB_ERR_NOMEM: return "out of memory";
  case TB_ERR_INTERNAL: return "internal error";
  }
  return "unknown";
}

int tb_exit_code(tb_status code) {
  if (code == TB_OK) return 0;
  return code == TB_ERR_INPUT ? 2 : 1;
}

void tb_log_set_quiet(int quiet) { quiet_logs = quiet; }

void tb_log_info(const char *fmt, ...) {
  if (quiet_logs) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("trabecula: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void tb_log_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("trabecula: warning: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

/* Sanitized builds (TRABECULA_SANITIZE, the fuzz preset) carry the
 * sanitizer settings the tests need, so a test or the program run by hand on
 * a fresh machine behaves as under ctest (tests/CMakeLists.txt says why:
 * PoCL's dlopened kernels and a warm kernel cache crashed the leak
 * checker's tracer). ASAN_OPTIONS and LSAN_OPTIONS still override. They live
 * here because every program links this file. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TB_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define TB_ASAN 1
#endif
#ifdef TB_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "intercept_tls_get_addr=0"; }
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libpocl.so\nleak:libLLVM\n"; }
#endif
