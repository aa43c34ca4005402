/* trabecula run: options in, tb_run out. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "trabecula/params.h"
#include "trabecula/log.h"
#include "trabecula/run.h"

static void usage(FILE *out) {
  fputs("usage: trabecula run [SCENARIO.ini] [options]\n"
        "\n"
        "Runs a remodeling simulation. With no arguments: the built-in postmenopausal scenario (4 years)\n"
        "on the built-in phantom into ./trabecula-out/ (or trabecula-out-2/, ... when taken).\n"
        "\n"
        "options:\n"
        "  -o, --output DIR       output directory (must not exist or be empty)\n"
        "  --input FILE           sample: NRRD (.nrrd/.nhdr), MetaImage (.mhd/.mha), HDF5 (.h5, VTKHDF),\n"
        "                         TIFF (multi-page .tif, or a folder or 'slices/*.tif' of slices), Scanco\n"
        "                         AIM (.aim), DICOM series (a folder or pattern of slices)\n"
        "  --labels FILE          compartment labels: 0 outside, 1 trabecular, 2 cortical\n"
        "  --spacing UM           voxel size in um (overrides the header; needed when it has none)\n"
        "  --threshold T          bone where value > T (default: midpoint of a binary image, Otsu otherwise);\n"
        "                         in mg HA/cm3 for an AIM whose log holds a density calibration (it is\n"
        "                         converted on reading), in HU for a rescaled CT DICOM series\n"
        "  --years Y              simulated years after the spin-up (run.years)\n"
        "  --seed N               random seed (run.seed)\n"
        "  --set SECTION.KEY=V    override one scenario parameter (repeatable)\n"
        "  --device SPEC          OpenCL device: index or name substring (or TRABECULA_DEVICE)\n"
        "  --phantom-size N       voxels per side of the built-in phantom (default 128 at 40 um: 5.12 mm)\n"
        "  --progress, --no-progress  progress bar on or off (default: on for a terminal)\n"
        "  -q, --quiet            only errors and the final line\n"
        "  --help                 this help and every scenario parameter\n"
        "\n"
        "outputs: trabecula.h5, trabecula.xdmf (open in ParaView), previews/*.png, morphometry.csv,\n"
        "morphometry.png, summary.json. Preview colours: bone gray, resorbed since the last snapshot red,\n"
        "formed green, both yellow.\n"
        "\n"
        "scenario parameters (INI sections and keys; units in the names; default shown):\n",
        out);
  tb_params_print_help(out);
}

int tb_cmd_run(int argc, char **argv) {
  tb_status st = TB_OK;
  tb_run_options o;
  tb_run_options_default(&o);
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  if (!sets) return 1;
  int nsets = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = NULL;
    if (tb_arg_is_help(a)) {
      usage(stdout);
      free(sets);
      return 0;
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      TRY(tb_arg_value(argc, argv, &i, &o.outdir));
    } else if (!strcmp(a, "--input")) {
      TRY(tb_arg_value(argc, argv, &i, &o.input));
    } else if (!strcmp(a, "--labels")) {
      TRY(tb_arg_value(argc, argv, &i, &o.labels));
    } else if (!strcmp(a, "--spacing")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_spacing(a, v, &o.spacing_um));
    } else if (!strcmp(a, "--threshold")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_double(a, v, &o.threshold));
    } else if (!strcmp(a, "--years")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_double(a, v, &o.years));
      CHECK(o.years > 0, TB_ERR_INPUT, "option --years: expected a duration above 0, got %s", v);
    } else if (!strcmp(a, "--seed")) {
      int64_t seed = 0;
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_int(a, v, 0, 4294967295LL, &seed));
      o.seed = seed;
    } else if (!strcmp(a, "--set")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      sets[nsets++] = v;
    } else if (!strcmp(a, "--device")) {
      TRY(tb_arg_value(argc, argv, &i, &o.device));
    } else if (!strcmp(a, "--phantom-size")) {
      int64_t n = 0;
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_int(a, v, 16, 1024, &n));
      o.phantom_size = (int32_t)n;
    } else if (!strcmp(a, "--progress")) {
      o.progress = 1;
    } else if (!strcmp(a, "--no-progress")) {
      o.progress = 0;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      o.progress = 0;
      tb_log_set_quiet(1);
    } else if (a[0] == '-') {
      CHECK(0, TB_ERR_INPUT, "run: unknown option '%s' (see trabecula run --help)", a);
    } else {
      CHECK(!o.scenario, TB_ERR_INPUT, "run: more than one scenario file given ('%s' and '%s')", o.scenario, a);
      o.scenario = a;
    }
  }
  o.sets = sets;
  o.nsets = nsets;
  st = tb_run(&o);
cleanup:
  free(sets);
  return tb_exit_code(st);
}
