#define _POSIX_C_SOURCE 200809L

#include "args.h"
#include "trabecula/io.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

tb_status tb_arg_spacing(const char *option, const char *text, double *out) {
  tb_status st = TB_OK;
  TRY(tb_arg_double(option, text, out));
  CHECK(*out >= TB_IO_SPACING_MIN_UM && *out <= TB_IO_SPACING_MAX_UM, TB_ERR_INPUT,
        "option %s: voxel size %s um is out of range; expected %g to %g um", option, text, TB_IO_SPACING_MIN_UM,
        TB_IO_SPACING_MAX_UM);
cleanup:
  return st;
}

tb_status tb_arg_new_file(const char *option, const char *path) {
  tb_status st = TB_OK;
  struct stat sb;
  char dir[4096];
  CHECK(path[0], TB_ERR_INPUT, "option %s: the file name is empty", option);
  CHECK(strlen(path) < sizeof dir - 32, TB_ERR_INPUT, "option %s: the path is too long", option);
  if (lstat(path, &sb) == 0) {
    CHECK(!S_ISLNK(sb.st_mode) || stat(path, &sb) == 0, TB_ERR_INPUT,
          "option %s: %s is a symbolic link to nothing; remove it or choose another name", option, path);
    CHECK(0, TB_ERR_INPUT, "option %s: %s exists; trabecula never replaces a file (remove it or choose another name)",
          option, path);
  }
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == path) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  CHECK(slash == NULL || slash[1], TB_ERR_INPUT, "option %s: %s names a folder; expected a file name", option, path);
  CHECK(stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode), TB_ERR_INPUT,
        "option %s: the folder %s, where %s would go, does not exist", option, dir, path);
  CHECK(access(dir, W_OK | X_OK) == 0, TB_ERR_INPUT, "option %s: the folder %s is not writable", option, dir);
cleanup:
  return st;
}
