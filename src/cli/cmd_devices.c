/* Placeholder until the command lands; replaced by its real implementation. */
#include <stdio.h>
#include "commands.h"
int tb_cmd_devices(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "trabecula: error: 'devices' is not built yet\n"); return 1; }
