/* trabecula devices: list the OpenCL devices a run can choose from. */
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "trabecula/device.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: trabecula devices [--help]\n\n"
          "Lists every OpenCL device of every platform with its index, type, compute units,\n"
          "global memory, largest single allocation and OpenCL C version. '*' marks the\n"
          "device a run uses by default: TRABECULA_DEVICE if set, else the first GPU, else the\n"
          "first device. TRABECULA_DEVICE takes an index from this list or part of the\n"
          "\"platform / device\" name (case-insensitive), e.g. TRABECULA_DEVICE=1 or\n"
          "TRABECULA_DEVICE=nvidia.\n");
}

int tb_cmd_devices(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (tb_arg_is_help(argv[i])) {
      usage(stdout);
      return 0;
    }
    fprintf(stderr, "trabecula: error: devices: unknown option '%s'\n", argv[i]);
    usage(stderr);
    return 2;
  }
  return tb_exit_code(tb_dev_print_list(stdout));
}
