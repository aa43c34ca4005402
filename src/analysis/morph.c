/* Morphometry of a host volume: the indices of the micro-CT guideline
 * (Bouxsein et al. 2010) with BoneJ's definitions; see trabecula/morph.h for
 * each definition and the building blocks in morph_*.c. */
#include "trabecula/morph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


void tb_morph_options_default(tb_morph_options *opt) {
  opt->compartment = 1;
  opt->edge = TB_MORPH_EDGE_CONTINUE;        /* BoneJ (Fiji EDT_S1D) */
  opt->diameter = TB_MORPH_DIAMETER_BONEJ;   /* BoneJ (Fiji Local_Thickness_Parallel, Clean_Up) */
  opt->skip_da = 0;
  opt->skip_thickness = 0;
}

static double now_s(void) {
  struct timespec ts;
  timespec_get(&ts, TIME_UTC);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

typedef struct stats {
  double mean, sd, max;
} stats;

/* Mean, SD and maximum of map over mask, in voxels; NaN when the mask is
 * empty or the thickness is unbounded. The SD is the sample SD (n - 1), as
 * BoneJ's ImageJ StackStatistics gives it (0 for one voxel). */
static stats thickness_stats(const float *map, const uint8_t *mask, size_t n) {
  stats s = {NAN, NAN, NAN};
  double sum = 0, sum2 = 0, mx = 0;
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    if (mask[i]) {
      double t = map[i];
      if (isinf(t)) return s;
      sum += t;
      sum2 += t * t;
      if (t > mx) mx = t;
      count++;
    }
  if (count == 0) return s;
  s.mean = sum / count;
  double var = count > 1 ? (sum2 / count - s.mean * s.mean) * count / (count - 1) : 0;
  s.sd = sqrt(var > 0 ? var : 0);
  s.max = mx;
  return s;
}

static const char *compartment_name(int c) {
  return c == 1 ? "trabecular" : c == 2 ? "cortical" : "whole volume";
}

tb_status tb_morph_compute(const tb_volume *bone, const uint8_t *labels, const tb_morph_options *opt,
                           tb_morph_result *out, tb_volume **thickness_map) {
  tb_status st = TB_OK;
  uint8_t *isbone = NULL, *region = NULL, *sel = NULL;
  float *thick = NULL;
  tb_volume *map = NULL;
  tb_morph_options defaults;
  double t_start = now_s();

  if (thickness_map) *thickness_map = NULL;
  CHECK(bone && bone->data && out, TB_ERR_INTERNAL, "tb_morph_compute: missing volume or result");
  if (!opt) {
    tb_morph_options_default(&defaults);
    opt = &defaults;
  }
  CHECK(opt->compartment >= 0 && opt->compartment <= 2, TB_ERR_INPUT,
        "morphometry: compartment %d is not one of 0 (whole volume), 1 (trabecular), 2 (cortical)",
        opt->compartment);
  CHECK(opt->edge == TB_MORPH_EDGE_CONTINUE || opt->edge == TB_MORPH_EDGE_BACKGROUND, TB_ERR_INPUT,
        "morphometry: edge convention %d is not %d (continue) or %d (background)", opt->edge,
        TB_MORPH_EDGE_CONTINUE, TB_MORPH_EDGE_BACKGROUND);
  CHECK(opt->diameter == TB_MORPH_DIAMETER_BONEJ || opt->diameter == TB_MORPH_DIAMETER_CORRECTED, TB_ERR_INPUT,
        "morphometry: diameter convention %d is not %d (bonej) or %d (corrected)", opt->diameter,
        TB_MORPH_DIAMETER_BONEJ, TB_MORPH_DIAMETER_CORRECTED);
  const double *sp = bone->spacing_um;
  CHECK(sp[0] > 0 && sp[1] > 0 && sp[2] > 0 && isfinite(sp[0] + sp[1] + sp[2]), TB_ERR_INPUT,
        "morphometry: voxel size %g x %g x %g um is not positive; give the voxel size with --spacing", sp[0],
        sp[1], sp[2]);
  CHECK(fabs(sp[1] - sp[0]) <= 1e-3 * sp[0] && fabs(sp[2] - sp[0]) <= 1e-3 * sp[0], TB_ERR_INPUT,
        "morphometry: voxels of %g x %g x %g um are not cubic (within 0.1 %%); resample the volume to "
        "isotropic voxels first",
        sp[0], sp[1], sp[2]);

  memset(out, 0, sizeof *out);
  const int32_t dims[3] = {bone->nx, bone->ny, bone->nz};
  const size_t n = tb_volume_count(bone);
  const double s_um = (sp[0] + sp[1] + sp[2]) / 3.0;
  const double vox_mm3 = s_um * s_um * s_um * 1e-9;
  const int whole = !labels || opt->compartment == 0;
  out->spacing_um = s_um;

  isbone = malloc(n);
  sel = malloc(n);
  CHECK(isbone && sel, TB_ERR_NOMEM, "out of memory for the masks of a %d x %d x %d volume", dims[0], dims[1],
        dims[2]);
  if (!whole) {
    region = malloc(n);
    CHECK(region, TB_ERR_NOMEM, "out of memory for the compartment mask");
  }
  int64_t tv = 0, bv = 0, cort = 0, cort_pore = 0;
  for (size_t i = 0; i < n; i++) {
    isbone[i] = bone->data[i] > 0.5f;
    int in = whole ? 1 : labels[i] == opt->compartment;
    if (region) region[i] = (uint8_t)in;
    tv += in;
    bv += in && isbone[i];
    if (labels && labels[i] == 2) {
      cort++;
      cort_pore += !isbone[i];
    }
  }
  CHECK(tv > 0, TB_ERR_INPUT,
        "morphometry: the labels hold no voxel of compartment %d (%s); expected labels 0 outside, 1 "
        "trabecular, 2 cortical",
        opt->compartment, compartment_name(opt->compartment));
  out->has_cortex = cort > 0;
  out->tv_mm3 = tv * vox_mm3;
  out->bv_mm3 = bv * vox_mm3;
  out->bv_tv = (double)bv / tv;

  /* Bone surface. */
  double area_vox;
  TRY(tb_morph_surface_area(isbone, region, dims, &area_vox));
  out->bs_mm2 = area_vox * s_um * s_um * 1e-6;
  out->bs_bv_per_mm = bv > 0 ? out->bs_mm2 / out->bv_mm3 : NAN;
  out->bs_tv_per_mm = out->bs_mm2 / out->tv_mm3;

  /* Bone of the region: Euler characteristic and connectivity. */
  for (size_t i = 0; i < n; i++) sel[i] = isbone[i] && (!region || region[i]);
  TRY(tb_morph_euler(sel, dims, &out->euler, &out->delta_chi));
  out->connectivity = 1 - out->delta_chi;
  out->conn_d_per_mm3 = out->connectivity / out->tv_mm3;

  out->tb_th_um = out->tb_th_sd_um = out->tb_th_max_um = NAN;
  out->tb_sp_um = out->tb_sp_sd_um = out->tb_sp_max_um = out->tb_n_per_mm = NAN;
  out->ct_th_um = out->ct_th_sd_um = out->ct_po = NAN;
  if (!opt->skip_thickness || thickness_map) {
    thick = malloc(sizeof *thick * n);
    CHECK(thick, TB_ERR_NOMEM, "out of memory for the thickness map");
    TRY(tb_morph_local_thickness_conv(sel, dims, opt->edge, opt->diameter, thick));
    stats th = thickness_stats(thick, sel, n);
    out->tb_th_um = th.mean * s_um;
    out->tb_th_sd_um = th.sd * s_um;
    out->tb_th_max_um = th.max * s_um;
    if (opt->compartment == 2 && !whole) {
      out->ct_th_um = out->tb_th_um;
      out->ct_th_sd_um = out->tb_th_sd_um;
    }
    if (thickness_map) {
      TRY(tb_volume_create(dims[0], dims[1], dims[2], &map));
      memcpy(map->spacing_um, bone->spacing_um, sizeof map->spacing_um);
      memcpy(map->origin_um, bone->origin_um, sizeof map->origin_um);
      for (size_t i = 0; i < n; i++) map->data[i] = isinf(thick[i]) ? 0.0f : (float)(thick[i] * s_um);
    }
  }
  if (!opt->skip_thickness) {
    /* Marrow of the region: Tb.Sp. */
    for (size_t i = 0; i < n; i++) sel[i] = !isbone[i] && (!region || region[i]);
    TRY(tb_morph_local_thickness_conv(sel, dims, opt->edge, opt->diameter, thick));
    stats sp_st = thickness_stats(thick, sel, n);
    out->tb_sp_um = sp_st.mean * s_um;
    out->tb_sp_sd_um = sp_st.sd * s_um;
    out->tb_sp_max_um = sp_st.max * s_um;
    out->tb_n_per_mm = 1000.0 / (out->tb_th_um + out->tb_sp_um);
    if (out->has_cortex && !(opt->compartment == 2 && !whole)) {
      for (size_t i = 0; i < n; i++) sel[i] = isbone[i] && labels[i] == 2;
      TRY(tb_morph_local_thickness_conv(sel, dims, opt->edge, opt->diameter, thick));
      stats ct = thickness_stats(thick, sel, n);
      out->ct_th_um = ct.mean * s_um;
      out->ct_th_sd_um = ct.sd * s_um;
    }
  }
  if (out->has_cortex) out->ct_po = (double)cort_pore / cort;

  out->da = out->da_eigen_ratio = NAN;
  out->da_axis[0] = out->da_axis[1] = out->da_axis[2] = NAN;
  if (!opt->skip_da) TRY(tb_morph_mil(isbone, region, dims, &out->da, &out->da_eigen_ratio, out->da_axis));

  out->seconds = now_s() - t_start;
  if (thickness_map) {
    *thickness_map = map;
    map = NULL;
  }
cleanup:
  free(isbone);
  free(region);
  free(sel);
  free(thick);
  tb_volume_destroy(&map);
  return st;
}
