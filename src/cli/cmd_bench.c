/* Placeholder until the command lands; replaced by its real implementation. */
#include <stdio.h>
#include "commands.h"
int tb_cmd_bench(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "trabecula: error: 'bench' is not built yet\n"); return 1; }
