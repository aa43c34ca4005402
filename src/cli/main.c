/* trabecula: parse the subcommand and hand over; each command reads like
 * parse, create, run, write, destroy. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *help;
} commands[] = {
    {"run", tb_cmd_run, "run a remodeling simulation (default: postmenopausal scenario on the built-in phantom)"},
    {"phantom", tb_cmd_phantom, "write a deterministic synthetic trabecular sample"},
    {"morph", tb_cmd_morph, "measure bone morphometry (BoneJ definitions) of a sample"},
    {"compare", tb_cmd_compare, "report two or more runs side by side (healthy vs postmenopausal, HTML)"},
    {"devices", tb_cmd_devices, "list OpenCL platforms and devices"},
    {"bench", tb_cmd_bench, "time each kernel against a device copy kernel"},
};

static void usage(FILE *out) {
  fprintf(out, "usage: trabecula <command> [options]\n       trabecula --version\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].help);
  fprintf(out, "\n'trabecula <command> --help' describes each command's options.\n"
               "With no command, 'trabecula' prints this help; 'trabecula run' runs the default simulation.\n");
}

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version")) {
    printf("trabecula %s\n", TB_VERSION);
    return 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "trabecula: error: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
