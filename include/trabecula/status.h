/* One status type for the whole project, and the TRY/CHECK macros.
 *
 * Every fallible function returns tb_status and gives results through pointer
 * arguments. The first failure prints one message for the user (tb_error);
 * TRY then unwinds through each caller's single `cleanup:` label. Set
 * TRABECULA_TRACE=1 to also print the file, line and function of each frame.
 *
 * Pattern:
 *   tb_status st = TB_OK;
 *   float *buf = NULL;
 *   CHECK(n > 0, TB_ERR_INPUT, "%s: dimension is zero", path);
 *   TRY(tb_something(&buf));
 * cleanup:
 *   free(buf);
 *   return st;
 */
#ifndef TRABECULA_STATUS_H
#define TRABECULA_STATUS_H

#include <stdarg.h>

typedef enum tb_status {
  TB_OK = 0,
  TB_ERR_INPUT,    /* bad input file, option or parameter: exit code 2 */
  TB_ERR_IO,       /* a write or read failed at the OS level */
  TB_ERR_DEVICE,   /* OpenCL failure */
  TB_ERR_NOMEM,    /* allocation failed */
  TB_ERR_INTERNAL, /* a broken invariant: a bug */
} tb_status;

/* Prints "trabecula: error: <message>" on stderr and returns code. */
tb_status tb_error(tb_status code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints one trace frame when TRABECULA_TRACE is set. */
void tb_trace(const char *file, int line, const char *func, tb_status code);
const char *tb_status_name(tb_status code);
/* Process exit code for a status: 0 ok, 2 bad input, 1 anything else. */
int tb_exit_code(tb_status code);

#define TRY(call)                                                    \
  do {                                                               \
    tb_status tb_try_st_ = (call);                                   \
    if (tb_try_st_ != TB_OK) {                                       \
      tb_trace(__FILE__, __LINE__, __func__, tb_try_st_);            \
      st = tb_try_st_;                                               \
      goto cleanup;                                                  \
    }                                                                \
  } while (0)

#define CHECK(cond, code, ...)                                       \
  do {                                                               \
    if (!(cond)) {                                                   \
      st = tb_error((code), __VA_ARGS__);                            \
      tb_trace(__FILE__, __LINE__, __func__, st);                    \
      goto cleanup;                                                  \
    }                                                                \
  } while (0)

#endif
