/* Small helpers for parsing command-line values with messages for a user. */
#ifndef TRABECULA_CLI_ARGS_H
#define TRABECULA_CLI_ARGS_H

#include <stdint.h>

#include "trabecula/status.h"

/* Parses a finite double; the message names the option and the bad text. */
tb_status tb_arg_double(const char *option, const char *text, double *out);
/* Parses an integer in [lo, hi]. */
tb_status tb_arg_int(const char *option, const char *text, int64_t lo, int64_t hi, int64_t *out);
/* Returns the value after option at argv[*i] (advancing *i), or reports that
 * the option needs a value. */
tb_status tb_arg_value(int argc, char **argv, int *i, const char **out);
/* Parses a voxel size in um within [TB_IO_SPACING_MIN_UM, TB_IO_SPACING_MAX_UM]. */
tb_status tb_arg_spacing(const char *option, const char *text, double *out);
/* Checks an output file path before any work: not empty, nothing there yet
 * (a file, folder or symlink, dangling ones too: commands never replace a
 * file), and its folder exists and is writable. */
tb_status tb_arg_new_file(const char *option, const char *path);
/* 1 if argv[i] is -h or --help. */
int tb_arg_is_help(const char *arg);

#endif
