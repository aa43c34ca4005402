/* trabecula morph: bone morphometry of a sample with BoneJ's definitions.
 * Parse, read, measure, write, destroy. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "commands.h"
#include "trabecula/io.h"
#include "trabecula/log.h"
#include "trabecula/morph.h"
#include "trabecula/volume.h"

typedef enum { FMT_TEXT, FMT_CSV, FMT_JSON } format;

typedef struct morph_args {
  const char *input, *labels, *map_out;
  double threshold; /* NaN: automatic */
  double spacing_um; /* 0: from the file */
  format fmt;
  tb_morph_options opt;
} morph_args;

/* The reported indices: the table drives the text, CSV and JSON output. */
typedef struct field {
  const char *key;   /* JSON key and CSV column */
  const char *label; /* text output */
  const char *unit;
  size_t offset;     /* of the double in tb_morph_result */
  int cortex_only;   /* reported only when the labels hold a cortex */
} field;

#define F(key, label, unit, cortex) {#key, label, unit, offsetof(tb_morph_result, key), cortex}
static const field fields[] = {
    F(tv_mm3, "TV", "mm^3", 0),
    F(bv_mm3, "BV", "mm^3", 0),
    F(bv_tv, "BV/TV", "", 0),
    F(bs_mm2, "BS (marching cubes)", "mm^2", 0),
    F(bs_bv_per_mm, "BS/BV", "1/mm", 0),
    F(bs_tv_per_mm, "BS/TV", "1/mm", 0),
    F(tb_th_um, "Tb.Th (local thickness)", "um", 0),
    F(tb_th_sd_um, "Tb.Th SD", "um", 0),
    F(tb_th_max_um, "Tb.Th max", "um", 0),
    F(tb_sp_um, "Tb.Sp (local thickness)", "um", 0),
    F(tb_sp_sd_um, "Tb.Sp SD", "um", 0),
    F(tb_sp_max_um, "Tb.Sp max", "um", 0),
    F(tb_n_per_mm, "Tb.N = 1/(Tb.Th+Tb.Sp)", "1/mm", 0),
    F(euler, "Euler characteristic", "", 0),
    F(delta_chi, "delta chi (edge-corrected)", "", 0),
    F(connectivity, "Connectivity", "", 0),
    F(conn_d_per_mm3, "Conn.D", "1/mm^3", 0),
    F(da, "DA = 1 - c/a (MIL, BoneJ)", "", 0),
    F(da_eigen_ratio, "DA eigenvalue ratio", "", 0),
    F(ct_th_um, "Ct.Th (local thickness)", "um", 1),
    F(ct_th_sd_um, "Ct.Th SD", "um", 1),
    F(ct_po, "Ct.Po", "", 1),
    F(spacing_um, "voxel size", "um", 0),
};
#undef F
enum { NFIELDS = sizeof fields / sizeof fields[0] };

static double value_of(const tb_morph_result *r, const field *f) {
  return *(const double *)((const char *)r + f->offset);
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: trabecula morph FILE [options]\n"
          "\n"
          "Measures bone morphometry with BoneJ's definitions (Bouxsein et al. 2010 guideline):\n"
          "BV/TV, BS and BS/BV (marching cubes), Tb.Th and Tb.Sp (Hildebrand local thickness:\n"
          "mean, SD, max), Tb.N = 1/(Tb.Th + Tb.Sp), Euler characteristic and Conn.D\n"
          "(Odgaard-Gundersen edge correction), DA from the mean intercept length\n"
          "(1 - c/a as BoneJ, and the fabric eigenvalue ratio), and Ct.Th, Ct.Po when the\n"
          "labels hold a cortex. See include/trabecula/morph.h for every definition.\n"
          "\n"
          "FILE is any volume the run accepts: .nrrd/.nhdr, .mhd/.mha, .h5 (own layout,\n"
          "a trabecula run output: its last snapshot, or VTKHDF), a TIFF stack (multi-page\n"
          ".tif, or a folder or 'slices/*.tif' pattern of slices), a Scanco .aim, or a DICOM\n"
          "series (folder or pattern). Grayscale is thresholded (Otsu, or the midpoint of\n"
          "binary data); a bone fraction in [0,1] is bone above 0.5. An AIM whose processing\n"
          "log holds a density calibration is read in mg HA/cm3, so --threshold is too.\n"
          "\n"
          "options:\n"
          "  --threshold T        bone where value > T (default: automatic)\n"
          "  --spacing UM         voxel size in um, replacing the file's\n"
          "  --labels FILE        compartment labels (0 outside, 1 trabecular, 2 cortical),\n"
          "                       e.g. the /compartment of a trabecula HDF5 file\n"
          "  --compartment C      trabecular (default), cortical or whole: the region the\n"
          "                       indices are computed in when labels are given\n"
          "  --format F           text (default), csv (header and one row) or json\n"
          "  --thickness-map OUT  write the Tb.Th local thickness map (um) to OUT (.h5); OUT\n"
          "                       must not exist (an existing file is never replaced)\n"
          "  --edge E             how Tb.Th/Tb.Sp treat the image edge: continue (default,\n"
          "                       BoneJ/Fiji Local Thickness: outside the image is not\n"
          "                       background, the phase runs on past the edge) or\n"
          "                       background (outside is the other phase: the edge\n"
          "                       bounds every sphere, e.g. Tb.Sp of a cut-out sample)\n"
          "  --diameter D         local thickness diameter: bonej (default, as BoneJ:\n"
          "                       closed sphere |p-c| <= EDT, diameter 2 EDT, surface\n"
          "                       clean-up; a plate n voxels thick reads n+1 if n is\n"
          "                       odd, n if even) or corrected (open sphere, 2 EDT - 1:\n"
          "                       n odd reads n, n even n-1; one voxel less than bonej)\n"
          "  --no-da              skip the anisotropy (faster)\n"
          "  -h, --help           show this help\n");
}

static tb_status parse(int argc, char **argv, morph_args *a, int *help) {
  tb_status st = TB_OK;
  *help = 0;
  a->threshold = NAN;
  a->spacing_um = 0;
  a->fmt = FMT_TEXT;
  tb_morph_options_default(&a->opt);
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i], *val = NULL;
    if (tb_arg_is_help(arg)) {
      *help = 1;
      return TB_OK;
    } else if (!strcmp(arg, "--threshold")) {
      TRY(tb_arg_value(argc, argv, &i, &val));
      TRY(tb_arg_double(arg, val, &a->threshold));
    } else if (!strcmp(arg, "--spacing")) {
      TRY(tb_arg_value(argc, argv, &i, &val));
      TRY(tb_arg_spacing(arg, val, &a->spacing_um));
    } else if (!strcmp(arg, "--labels")) {
      TRY(tb_arg_value(argc, argv, &i, &a->labels));
    } else if (!strcmp(arg, "--thickness-map")) {
      TRY(tb_arg_value(argc, argv, &i, &a->map_out));
    } else if (!strcmp(arg, "--compartment")) {
      TRY(tb_arg_value(argc, argv, &i, &val));
      if (!strcmp(val, "trabecular")) a->opt.compartment = 1;
      else if (!strcmp(val, "cortical")) a->opt.compartment = 2;
      else if (!strcmp(val, "whole")) a->opt.compartment = 0;
      else CHECK(0, TB_ERR_INPUT, "option --compartment: expected trabecular, cortical or whole, got '%s'", val);
    } else if (!strcmp(arg, "--format")) {
      TRY(tb_arg_value(argc, argv, &i, &val));
      if (!strcmp(val, "text")) a->fmt = FMT_TEXT;
      else if (!strcmp(val, "csv")) a->fmt = FMT_CSV;
      else if (!strcmp(val, "json")) a->fmt = FMT_JSON;
      else CHECK(0, TB_ERR_INPUT, "option --format: expected text, csv or json, got '%s'", val);
    } else if (!strcmp(arg, "--edge")) {
      TRY(tb_arg_value(argc, argv, &i, &val));
      if (!strcmp(val, "continue")) a->opt.edge = TB_MORPH_EDGE_CONTINUE;
      else if (!strcmp(val, "background")) a->opt.edge = TB_MORPH_EDGE_BACKGROUND;
      else CHECK(0, TB_ERR_INPUT, "option --edge: expected continue or background, got '%s'", val);
    } else if (!strcmp(arg, "--diameter")) {
      TRY(tb_arg_value(argc, argv, &i, &val));
      if (!strcmp(val, "bonej")) a->opt.diameter = TB_MORPH_DIAMETER_BONEJ;
      else if (!strcmp(val, "corrected")) a->opt.diameter = TB_MORPH_DIAMETER_CORRECTED;
      else CHECK(0, TB_ERR_INPUT, "option --diameter: expected bonej or corrected, got '%s'", val);
    } else if (!strcmp(arg, "--no-da")) {
      a->opt.skip_da = 1;
    } else {
      CHECK(arg[0] != '-', TB_ERR_INPUT, "morph: unknown option '%s' (see 'trabecula morph --help')", arg);
      CHECK(!a->input, TB_ERR_INPUT, "morph: one input file expected, got '%s' and '%s'", a->input, arg);
      a->input = arg;
    }
  }
  CHECK(a->input, TB_ERR_INPUT, "morph: no input file given (usage: trabecula morph FILE [options])");
  if (a->map_out) TRY(tb_arg_new_file("--thickness-map", a->map_out));
cleanup:
  return st;
}

static const char *compartment_word(const morph_args *a) {
  if (!a->labels || a->opt.compartment == 0) return "whole volume";
  return a->opt.compartment == 1 ? "trabecular" : "cortical";
}

static const char *edge_word(const morph_args *a) {
  return a->opt.edge == TB_MORPH_EDGE_BACKGROUND ? "background" : "continue";
}
static const char *diameter_word(const morph_args *a) {
  return a->opt.diameter == TB_MORPH_DIAMETER_CORRECTED ? "corrected" : "bonej";
}
static const char *convention(const morph_args *a) {
  int bg = a->opt.edge == TB_MORPH_EDGE_BACKGROUND, bonej = a->opt.diameter == TB_MORPH_DIAMETER_BONEJ;
  if (bonej && !bg)
    return "Hildebrand local thickness as BoneJ: diameter 2*EDT (closed spheres, surface clean-up), edge continues";
  if (bonej) return "Hildebrand local thickness: diameter 2*EDT (closed spheres, surface clean-up), edge is background";
  if (!bg) return "Hildebrand local thickness: diameter 2*EDT - 1 voxel (open spheres), edge continues";
  return "Hildebrand local thickness: diameter 2*EDT - 1 voxel (open spheres), edge is background";
}

/* JSON has no NaN or infinity: they are written as null. */
static void json_number(FILE *out, double v) {
  if (isfinite(v)) fprintf(out, "%.10g", v);
  else fputs("null", out);
}

static void print_result(FILE *out, const morph_args *a, const tb_morph_result *r) {
  if (a->fmt == FMT_JSON) {
    fputs("{\n", out);
    for (int k = 0; k < NFIELDS; k++) {
      if (fields[k].cortex_only && !r->has_cortex) continue;
      fprintf(out, "  \"%s\": ", fields[k].key);
      json_number(out, value_of(r, &fields[k]));
      fputs(",\n", out);
    }
    fputs("  \"da_axis\": [", out);
    for (int k = 0; k < 3; k++) {
      json_number(out, r->da_axis[k]);
      fputs(k < 2 ? ", " : "],\n", out);
    }
    fprintf(out, "  \"has_cortex\": %s,\n  \"compartment\": \"%s\",\n", r->has_cortex ? "true" : "false",
            compartment_word(a));
    fputs("  \"bs_method\": \"marching cubes, Gaussian sigma 0.7 voxel, iso 0.5\",\n", out);
    fprintf(out, "  \"thickness_convention\": \"%s\",\n", convention(a));
    fprintf(out, "  \"edge\": \"%s\",\n  \"diameter\": \"%s\",\n", edge_word(a), diameter_word(a));
    fputs("  \"tb_n_definition\": \"1/(Tb.Th + Tb.Sp)\",\n", out);
    fputs("  \"seconds\": ", out);
    json_number(out, r->seconds);
    fputs("\n}\n", out);
  } else if (a->fmt == FMT_CSV) {
    int first = 1;
    for (int k = 0; k < NFIELDS; k++) {
      if (fields[k].cortex_only && !r->has_cortex) continue;
      fprintf(out, "%s%s", first ? "" : ",", fields[k].key);
      first = 0;
    }
    fputc('\n', out);
    first = 1;
    for (int k = 0; k < NFIELDS; k++) {
      if (fields[k].cortex_only && !r->has_cortex) continue;
      fprintf(out, "%s%.10g", first ? "" : ",", value_of(r, &fields[k]));
      first = 0;
    }
    fputc('\n', out);
  } else {
    fprintf(out, "morphometry of %s (%s, voxel %.4g um, BoneJ definitions)\n", a->input, compartment_word(a),
            r->spacing_um);
    fprintf(out, "  local thickness: %s\n", convention(a));
    for (int k = 0; k < NFIELDS; k++) {
      if (fields[k].cortex_only && !r->has_cortex) continue;
      if (!strcmp(fields[k].key, "spacing_um")) continue;
      double v = value_of(r, &fields[k]);
      if (isnan(v)) fprintf(out, "  %-28s %14s\n", fields[k].label, "n/a");
      else fprintf(out, "  %-28s %14.6g  %s\n", fields[k].label, v, fields[k].unit);
    }
    if (!isnan(r->da_axis[0]))
      fprintf(out, "  %-28s  (%.3f, %.3f, %.3f)\n", "DA main axis (x, y, z)", r->da_axis[0], r->da_axis[1],
              r->da_axis[2]);
  }
}

int tb_cmd_morph(int argc, char **argv) {
  tb_status st = TB_OK;
  morph_args a = {0};
  tb_volume *raw = NULL, *bone = NULL, *map = NULL;
  uint8_t *labels = NULL;
  tb_morph_result r;
  int help = 0;

  TRY(parse(argc, argv, &a, &help));
  if (help) {
    usage(stdout);
    return 0;
  }
  TRY(tb_io_read_volume(a.input, a.spacing_um, &raw));
  float used = NAN;
  TRY(tb_volume_to_fraction(raw, (float)a.threshold, &bone, &used));
  if (!isnan(used)) tb_log_info("%s: bone where value > %g", a.input, used);
  tb_volume_destroy(&raw);
  if (a.labels) TRY(tb_io_read_labels(a.labels, a.spacing_um, bone, &labels));
  TRY(tb_morph_compute(bone, labels, &a.opt, &r, a.map_out ? &map : NULL));
  print_result(stdout, &a, &r);
  if (a.map_out) TRY(tb_io_write_volume_h5(a.map_out, map, labels));
cleanup:
  tb_volume_destroy(&raw);
  tb_volume_destroy(&bone);
  tb_volume_destroy(&map);
  free(labels);
  return tb_exit_code(st);
}
