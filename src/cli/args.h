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
/* 1 if argv[i] is -h or --help. */
int tb_arg_is_help(const char *arg);

#endif
