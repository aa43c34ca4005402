/* trabecula compare: the healthy-vs-postmenopausal report of two or more runs.
 * Check the arguments, make REPORT_DIR.partial-PID, run
 * tools/compare_report.py into it (no shell: paths may hold any character),
 * rename it into place. The script does the measuring and the drawing. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "commands.h"
#include "trabecula/log.h"
#include "trabecula/status.h"

#define PYTHON "/usr/bin/python3"
#define SCRIPT_EXIT_NO_MATPLOTLIB 77

typedef struct compare_args {
  const char **runs;
  int nruns;
  const char *outdir, *labels;
} compare_args;

static void usage(FILE *out) {
  fputs("usage: trabecula compare RUN_A RUN_B [RUN ...] -o REPORT_DIR [--labels A,B,...]\n"
        "\n"
        "Compares runs feature by feature and writes a self-contained report, REPORT_DIR/index.html\n"
        "(opens from disk: no server, no network), with its PNG figures beside it:\n"
        "  - the seed's healthy-vs-postmenopausal table measured on the runs, one row per feature\n"
        "    (hormonal state, osteoclast activity, osteoblast activity, osteocyte health, immune\n"
        "    environment, stem-cell activity, microarchitecture), each number with its unit and the\n"
        "    seed's expected direction beside the measured one;\n"
        "  - time plots of the key indices (BV/TV trabecular and cortical, activation frequency,\n"
        "    eroded and forming surface, Tb.Th, Tb.Sp, Tb.N, Conn.D, osteocyte viability, adiposity,\n"
        "    immune levels) with the target bands of MODEL.md, each band with its source;\n"
        "  - the runs' xy slice previews at the same times.\n"
        "\n"
        "Each RUN is a 'trabecula run' output folder (morphometry.csv, summary.json, previews/).\n"
        "RUN_A is the reference: give the healthy run first, then the postmenopausal one(s).\n"
        "A morphometry.csv column a run lacks (or NaN) shows as n/a.\n"
        "\n"
        "options:\n"
        "  -o, --output DIR   report folder (required; must not exist or be empty); built as\n"
        "                     DIR.partial-PID and renamed when complete\n"
        "  --labels A,B,...   names of the runs in the report, one per run (default: folder names)\n"
        "  -h, --help         show this help\n"
        "\n"
        "Needs " PYTHON " with python3-matplotlib and python3-numpy (tools/install-deps.sh); the work is\n"
        "done by tools/compare_report.py, which also runs on its own with the same arguments.\n",
        out);
}

static tb_status parse(int argc, char **argv, compare_args *a, int *help) {
  tb_status st = TB_OK;
  *help = 0;
  a->runs = calloc((size_t)argc, sizeof *a->runs);
  CHECK(a->runs, TB_ERR_NOMEM, "out of memory");
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (tb_arg_is_help(arg)) {
      *help = 1;
      return TB_OK;
    } else if (!strcmp(arg, "-o") || !strcmp(arg, "--output")) {
      TRY(tb_arg_value(argc, argv, &i, &a->outdir));
    } else if (!strcmp(arg, "--labels")) {
      TRY(tb_arg_value(argc, argv, &i, &a->labels));
    } else {
      CHECK(arg[0] != '-', TB_ERR_INPUT, "compare: unknown option '%s' (see 'trabecula compare --help')", arg);
      a->runs[a->nruns++] = arg;
    }
  }
  CHECK(a->nruns >= 2, TB_ERR_INPUT,
        "compare: expected at least two run folders, got %d (usage: trabecula compare RUN_A RUN_B [RUN ...] -o "
        "REPORT_DIR)",
        a->nruns);
  CHECK(a->outdir && a->outdir[0], TB_ERR_INPUT,
        "compare: no report folder given (usage: trabecula compare RUN_A RUN_B [RUN ...] -o REPORT_DIR)");
cleanup:
  return st;
}

/* A run folder holds a regular, readable morphometry.csv and summary.json. */
static tb_status check_run(const char *dir) {
  tb_status st = TB_OK;
  struct stat sb;
  CHECK(stat(dir, &sb) == 0, TB_ERR_INPUT, "%s: %s (expected a trabecula run's output folder)", dir,
        strerror(errno));
  CHECK(S_ISDIR(sb.st_mode), TB_ERR_INPUT, "%s: not a folder (expected a trabecula run's output folder)", dir);
  static const char *const need[] = {"morphometry.csv", "summary.json"};
  for (int k = 0; k < 2; k++) {
    char path[4096];
    CHECK(snprintf(path, sizeof path, "%s/%s", dir, need[k]) < (int)sizeof path, TB_ERR_INPUT, "%s: path too long",
          dir);
    CHECK(stat(path, &sb) == 0 && S_ISREG(sb.st_mode), TB_ERR_INPUT,
          "%s: no %s there (expected a trabecula run's output folder, written by 'trabecula run')", dir, need[k]);
    CHECK(access(path, R_OK) == 0, TB_ERR_INPUT, "%s: cannot read: %s", path, strerror(errno));
  }
cleanup:
  return st;
}

/* REPORT_DIR must not exist, or be an empty folder. */
static tb_status check_outdir(const char *dir) {
  tb_status st = TB_OK;
  DIR *d = NULL;
  struct stat sb;
  if (stat(dir, &sb) != 0) {
    CHECK(errno == ENOENT, TB_ERR_INPUT, "%s: %s", dir, strerror(errno));
    return TB_OK;
  }
  CHECK(S_ISDIR(sb.st_mode), TB_ERR_INPUT, "%s: exists and is not a folder (expected a new or empty report folder)",
        dir);
  d = opendir(dir);
  CHECK(d, TB_ERR_INPUT, "%s: cannot open: %s", dir, strerror(errno));
  struct dirent *e;
  while ((e = readdir(d)))
    CHECK(!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."), TB_ERR_INPUT,
          "%s: folder is not empty (expected a new or empty report folder; it holds '%s')", dir, e->d_name);
cleanup:
  if (d) closedir(d);
  return st;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* Runs the script into partial; returns its exit status (-1 when it could not
 * run or was killed). */
static int run_script(const char *script, const compare_args *a, const char *partial) {
  const char **argv = calloc((size_t)a->nruns + 10, sizeof *argv);
  if (!argv) return -1;
  int n = 0;
  argv[n++] = PYTHON;
  argv[n++] = script;
  for (int k = 0; k < a->nruns; k++) argv[n++] = a->runs[k];
  argv[n++] = "-o";
  argv[n++] = partial;
  argv[n++] = "--in-place";
  if (a->labels) {
    argv[n++] = "--labels";
    argv[n++] = a->labels;
  }
  argv[n] = NULL;
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    execv(PYTHON, (char *const *)argv);
    _exit(127);
  }
  free(argv);
  if (pid < 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int tb_cmd_compare(int argc, char **argv) {
  tb_status st = TB_OK;
  compare_args a = {0};
  char *outdir = NULL;
  char partial[4200] = "", script[4096];
  int help = 0, made = 0;

  TRY(parse(argc, argv, &a, &help));
  if (help) {
    usage(stdout);
    goto cleanup;
  }
  for (int k = 0; k < a.nruns; k++) TRY(check_run(a.runs[k]));
  outdir = strdup(a.outdir);
  CHECK(outdir, TB_ERR_NOMEM, "out of memory");
  for (size_t n = strlen(outdir); n > 1 && outdir[n - 1] == '/'; n--) outdir[n - 1] = '\0';
  TRY(check_outdir(outdir));

#ifdef TB_TOOLS_DIR
  snprintf(script, sizeof script, "%s/compare_report.py", TB_TOOLS_DIR);
#else
  script[0] = '\0';
  CHECK(0, TB_ERR_IO, "this trabecula was built without TB_TOOLS_DIR: run tools/compare_report.py yourself");
#endif
  CHECK(access(PYTHON, X_OK) == 0, TB_ERR_IO, "compare needs %s with python3-matplotlib (tools/install-deps.sh)",
        PYTHON);
  CHECK(access(script, R_OK) == 0, TB_ERR_IO, "%s: cannot read the report script: %s", script, strerror(errno));

  CHECK(snprintf(partial, sizeof partial, "%s.partial-%ld", outdir, (long)getpid()) < (int)sizeof partial,
        TB_ERR_INPUT, "%s: path too long", outdir);
  CHECK(mkdir(partial, 0777) == 0, TB_ERR_IO, "cannot create %s: %s", partial, strerror(errno));
  made = 1;
  int rc = run_script(script, &a, partial);
  if (rc == 2) {
    st = TB_ERR_INPUT; /* the script has said which file and why */
    goto cleanup;
  }
  CHECK(rc != SCRIPT_EXIT_NO_MATPLOTLIB, TB_ERR_IO,
        "compare needs python3-matplotlib and python3-numpy (Debian: apt install python3-matplotlib)");
  CHECK(rc == 0, TB_ERR_INTERNAL, "%s failed (exit %d); nothing was written to %s", script, rc, outdir);
  CHECK(rename(partial, outdir) == 0, TB_ERR_IO, "cannot rename %s to %s: %s", partial, outdir, strerror(errno));
  made = 0;
  tb_log_info("report: %s/index.html", outdir);
cleanup:
  if (made && nftw(partial, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    tb_log_warn("could not remove %s", partial);
  free(outdir);
  free(a.runs);
  return tb_exit_code(st);
}
