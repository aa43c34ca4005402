#include "args.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

tb_status tb_arg_double(const char *option, const char *text, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end != '\0' || errno != 0 || !isfinite(v))
    return tb_error(TB_ERR_INPUT, "option %s: expected a finite number, got '%s'", option, text);
  *out = v;
  return TB_OK;
}

tb_status tb_arg_int(const char *option, const char *text, int64_t lo, int64_t hi, int64_t *out) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0)
    return tb_error(TB_ERR_INPUT, "option %s: expected an integer, got '%s'", option, text);
  if (v < lo || v > hi)
    return tb_error(TB_ERR_INPUT, "option %s: %lld is out of range [%lld, %lld]", option, v,
                    (long long)lo, (long long)hi);
  *out = v;
  return TB_OK;
}

tb_status tb_arg_value(int argc, char **argv, int *i, const char **out) {
  if (*i + 1 >= argc) return tb_error(TB_ERR_INPUT, "option %s needs a value", argv[*i]);
  *i += 1;
  *out = argv[*i];
  return TB_OK;
}

int tb_arg_is_help(const char *arg) { return !strcmp(arg, "-h") || !strcmp(arg, "--help"); }
