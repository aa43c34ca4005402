/* trabecula phantom: parameters in, a synthetic sample out (NRRD or HDF5). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "trabecula/io.h"
#include "trabecula/phantom.h"

static void usage(FILE *out) {
  tb_phantom_params d, hu;
  tb_phantom_params_default(&d);
  tb_phantom_params_human(&hu);
  const double defaults[] = {d.size, d.spacing_um, d.bvtv, d.tb_th_um, d.tb_n_per_mm, d.cortex_um, (double)d.seed};
  int count = 0;
  const tb_phantom_option *o = tb_phantom_options(&count);
  fputs("usage: trabecula phantom [-o FILE] [--human] [--size N] [--spacing UM] [--bvtv F]\n"
        "                         [--tb-th UM] [--tb-n PER_MM] [--cortex UM] [--seed N]\n"
        "\n"
        "Writes a deterministic synthetic sample: a rod-plate trabecular network on a Voronoi\n"
        "tessellation stretched along z, with BV/TV hit by bisection on the thickness. With --cortex\n"
        "the sample is a cylinder along z (radius 0.45 x side) with a cortical shell (~5 % porosity).\n"
        "Tb.Th and Tb.N are what 'trabecula morph FILE --labels LABELS --diameter corrected'\n"
        "reports for the trabecular compartment (2 EDT - 1; morph's default, BoneJ's 2 EDT, reads\n"
        "about a voxel more): each try is measured the same way. The same options always give the\n"
        "same bit-identical sample.\n"
        "\n"
        "options:\n"
        "  -o FILE        output (default phantom.nrrd):\n"
        "                 .nrrd  bone fraction as gzip float32 NRRD; with a cortex also the labels\n"
        "                        (0 outside, 1 trabecular, 2 cortical) as <stem>_labels.nrrd\n"
        "                 .h5    own HDF5 layout: /volume and /compartment labels\n"
        "                 FILE (and the labels file) must not exist: an existing file is never replaced\n",
        out);
  fprintf(out,
          "  --human        start from a human iliac-crest-like sample (healthy reference, Rubin 2010):\n"
          "                 --size %d --spacing %g --bvtv %g --tb-th %g --tb-n %g --cortex %g --seed %llu;\n"
          "                 the other options change it\n",
          hu.size, hu.spacing_um, hu.bvtv, hu.tb_th_um, hu.tb_n_per_mm, hu.cortex_um, (unsigned long long)hu.seed);
  for (int i = 0; i < count; i++) {
    char unit[32] = "";
    if (o[i].unit[0]) snprintf(unit, sizeof unit, " %s", o[i].unit);
    fprintf(out, "  %-14s %s\n", o[i].option, o[i].help);
    if (i == count - 1)
      fprintf(out, "  %-14s default %.0f\n", "", defaults[i]);
    else
      fprintf(out, "  %-14s %g to %g%s%s, default %g\n", "", o[i].min, o[i].max, unit,
              o[i].zero_ok ? ", or 0" : "", defaults[i]);
  }
  fputs("  -h, --help     this help\n", out);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

/* "<stem>_labels.nrrd" for "<stem>.nrrd". */
static tb_status labels_path(const char *path, char **out) {
  tb_status st = TB_OK;
  size_t stem = strlen(path) - strlen(".nrrd");
  char *p = malloc(stem + sizeof "_labels.nrrd");
  CHECK(p, TB_ERR_NOMEM, "out of memory for an output file name");
  memcpy(p, path, stem);
  memcpy(p + stem, "_labels.nrrd", sizeof "_labels.nrrd");
  *out = p;
cleanup:
  return st;
}

static tb_status write_labels_nrrd(const char *path, const tb_volume *like, const uint8_t *labels) {
  tb_status st = TB_OK;
  tb_volume *lv = NULL;
  TRY(tb_volume_create(like->nx, like->ny, like->nz, &lv));
  for (int a = 0; a < 3; a++) lv->spacing_um[a] = like->spacing_um[a], lv->origin_um[a] = like->origin_um[a];
  for (size_t i = 0; i < tb_volume_count(lv); i++) lv->data[i] = labels[i];
  TRY(tb_io_write_nrrd(path, lv, TB_IO_U8, 1));
cleanup:
  tb_volume_destroy(&lv);
  return st;
}

/* Any unsigned 64-bit integer. */
static tb_status parse_seed(const char *text, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (end == text || *end != '\0' || errno != 0 || text[0] == '-')
    return tb_error(TB_ERR_INPUT, "option --seed: expected an integer from 0 to %llu, got '%s'",
                    (unsigned long long)UINT64_MAX, text);
  *out = (uint64_t)v;
  return TB_OK;
}

int tb_cmd_phantom(int argc, char **argv) {
  tb_status st = TB_OK;
  tb_phantom_params p;
  tb_phantom_info info;
  tb_volume *bone = NULL;
  uint8_t *labels = NULL;
  char *label_file = NULL;
  const char *out = "phantom.nrrd";
  tb_phantom_params_default(&p);
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--human")) tb_phantom_params_human(&p);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = NULL;
    int64_t k = 0;
    if (tb_arg_is_help(a)) {
      usage(stdout);
      return 0;
    } else if (!strcmp(a, "--human")) {
      /* applied before the other options */
    } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
      TRY(tb_arg_value(argc, argv, &i, &out));
    } else if (!strcmp(a, "--size")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_int(a, v, 16, 1024, &k));
      p.size = (int32_t)k;
    } else if (!strcmp(a, "--spacing")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_double(a, v, &p.spacing_um));
    } else if (!strcmp(a, "--bvtv")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_double(a, v, &p.bvtv));
    } else if (!strcmp(a, "--tb-th")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_double(a, v, &p.tb_th_um));
    } else if (!strcmp(a, "--tb-n")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_double(a, v, &p.tb_n_per_mm));
    } else if (!strcmp(a, "--cortex")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(tb_arg_double(a, v, &p.cortex_um));
    } else if (!strcmp(a, "--seed")) {
      TRY(tb_arg_value(argc, argv, &i, &v));
      TRY(parse_seed(v, &p.seed));
    } else {
      CHECK(0, TB_ERR_INPUT, "phantom: unknown option '%s'; 'trabecula phantom --help' lists the options", a);
    }
  }
  int h5 = ends_with(out, ".h5") || ends_with(out, ".hdf5");
  CHECK(h5 || ends_with(out, ".nrrd"), TB_ERR_INPUT,
        "option -o: '%s' has no known extension; use FILE.nrrd (bone fraction, plus FILE_labels.nrrd "
        "with a cortex) or FILE.h5 (bone fraction and labels)",
        out);
  TRY(tb_phantom_check(&p));
  TRY(tb_arg_new_file("-o", out));
  if (!h5 && p.cortex_um > 0) {
    TRY(labels_path(out, &label_file));
    TRY(tb_arg_new_file("-o (its labels file)", label_file));
  }

  TRY(tb_phantom_generate_info(&p, &bone, &labels, &info));
  char tbn[32] = "automatic";
  if (p.tb_n_per_mm > 0) snprintf(tbn, sizeof tbn, "%.3f", p.tb_n_per_mm);
  if (h5) {
    TRY(tb_io_write_volume_h5(out, bone, labels));
  } else {
    TRY(tb_io_write_nrrd(out, bone, TB_IO_F32, 1));
    if (label_file) TRY(write_labels_nrrd(label_file, bone, labels));
  }

  printf("%s: %d^3 voxels of %g um, trabecular BV/TV %.4f (target %.4f), Tb.Th %.1f um (target %.0f), "
         "Tb.Sp %.1f um, Tb.N %.3f /mm (target %s), as trabecula morph --diameter corrected measures the trabecular "
         "compartment; thickness %.1f um (the mean element's rod diameter or plate thickness), cells %.0f x %.0f x %.0f um, "
         "plates %.0f %% of faces, rods %.0f %% of edges, %.0f %% of the bone in plates, ",
         out, p.size, p.spacing_um, info.bvtv, p.bvtv, info.tb_th_um, p.tb_th_um > 0 ? p.tb_th_um : 7.5 * p.spacing_um,
         info.tb_sp_um, info.tb_n_per_mm, tbn, info.thickness_um, info.cell_um[0], info.cell_um[1],
         info.cell_um[2], 100.0 * info.plate_fraction, 100.0 * info.rod_fraction,
         100.0 * info.plate_volume_share);
  if (p.cortex_um > 0)
    printf("cortex %g um (porosity %.1f %%, outer radius %.0f um), ", p.cortex_um,
           100.0 * info.cortex_porosity, info.radius_um);
  else
    printf("no cortex, ");
  printf("seed %llu%s%s\n", (unsigned long long)p.seed, label_file ? "; labels in " : "",
         label_file ? label_file : "");
cleanup:
  free(label_file);
  free(labels);
  tb_volume_destroy(&bone);
  return tb_exit_code(st);
}
