/* The subcommands of the trabecula executable. Each takes the arguments after
 * its own name (argv[0] is the subcommand name) and returns a process exit
 * code: 0 success, 2 bad input, 1 any other failure. */
#ifndef TRABECULA_CLI_COMMANDS_H
#define TRABECULA_CLI_COMMANDS_H

int tb_cmd_run(int argc, char **argv);
int tb_cmd_phantom(int argc, char **argv);
int tb_cmd_morph(int argc, char **argv);
int tb_cmd_compare(int argc, char **argv);
int tb_cmd_devices(int argc, char **argv);
int tb_cmd_bench(int argc, char **argv);

#endif
