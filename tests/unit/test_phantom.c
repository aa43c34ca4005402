/* The synthetic sample generator: determinism, BV/TV, thickness, cortex,
 * connectivity, the human sample's morphometry and parameter checks. */
#include <stdint.h>

#include "tb_test.h"
#include "trabecula/morph.h"
#include "trabecula/phantom.h"

/* Generates with the defaults changed by the arguments; 0 on success. */
static int make(int32_t size, double bvtv, double tb_th, double cortex, uint64_t seed, tb_volume **v,
                uint8_t **labels, tb_phantom_info *info) {
  tb_phantom_params p;
  tb_phantom_params_default(&p);
  p.size = size;
  p.bvtv = bvtv;
  p.tb_th_um = tb_th;
  p.cortex_um = cortex;
  p.seed = seed;
  return tb_phantom_generate_info(&p, v, labels, info) != TB_OK;
}

static double mean_over_label(const tb_volume *v, const uint8_t *labels, int label) {
  double sum = 0.0;
  size_t n = 0;
  for (size_t i = 0; i < tb_volume_count(v); i++)
    if (labels[i] == label) sum += v->data[i], n++;
  return n ? sum / (double)n : NAN;
}

/* Share of the bone voxels (f >= 0.5) in the largest 26-connected component. */
static double largest_component_share(const tb_volume *v) {
  const int32_t n = v->nx;
  const size_t count = tb_volume_count(v);
  uint8_t *seen = calloc(count, 1);
  size_t *stack = malloc(count * sizeof *stack);
  size_t best = 0, total = 0;
  if (!seen || !stack) {
    free(seen);
    free(stack);
    return -1.0;
  }
  for (size_t s = 0; s < count; s++) {
    if (v->data[s] < 0.5f) continue;
    total++;
    if (seen[s]) continue;
    size_t top = 0, size = 0;
    stack[top++] = s;
    seen[s] = 1;
    while (top) {
      size_t i = stack[--top];
      size++;
      int32_t x = (int32_t)(i % (size_t)n), y = (int32_t)(i / (size_t)n % (size_t)n),
              z = (int32_t)(i / ((size_t)n * (size_t)n));
      for (int dz = -1; dz <= 1; dz++)
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++) {
            int32_t X = x + dx, Y = y + dy, Z = z + dz;
            if (X < 0 || Y < 0 || Z < 0 || X >= n || Y >= n || Z >= n) continue;
            size_t j = tb_volume_index(v, X, Y, Z);
            if (v->data[j] >= 0.5f && !seen[j]) {
              seen[j] = 1;
              stack[top++] = j;
            }
          }
    }
    if (size > best) best = size;
  }
  free(seen);
  free(stack);
  return total ? (double)best / (double)total : 0.0;
}

/* Plate-model thickness 2 BV/BS of the binarised sample; BS from voxel
 * faces divided by 1.5, the mean overcount of a staircase surface. */
static double plate_model_thickness(const tb_volume *v) {
  const int32_t n = v->nx;
  const double h = v->spacing_um[0];
  size_t bone = 0, faces = 0;
  for (int32_t z = 0; z < n; z++)
    for (int32_t y = 0; y < n; y++)
      for (int32_t x = 0; x < n; x++) {
        int b = v->data[tb_volume_index(v, x, y, z)] >= 0.5f;
        bone += (size_t)b;
        if (x + 1 < n) faces += b != (v->data[tb_volume_index(v, x + 1, y, z)] >= 0.5f);
        if (y + 1 < n) faces += b != (v->data[tb_volume_index(v, x, y + 1, z)] >= 0.5f);
        if (z + 1 < n) faces += b != (v->data[tb_volume_index(v, x, y, z + 1)] >= 0.5f);
      }
  double bs = (double)faces * h * h / 1.5, bv = (double)bone * h * h * h;
  return faces ? 2.0 * bv / bs : 0.0;
}

static int defaults_match_the_documented_values(void) {
  tb_phantom_params p;
  tb_phantom_params_default(&p);
  EXPECT(p.size == 96);
  EXPECT(p.spacing_um == 20.0);
  EXPECT(p.bvtv == 0.20);
  EXPECT(p.tb_th_um == 150.0);
  EXPECT(p.tb_n_per_mm == 0.0);
  EXPECT(p.cortex_um == 0.0);
  EXPECT(p.seed == 1);
  EXPECT(tb_phantom_check(&p) == TB_OK);
  return 0;
}

static int same_seed_gives_bit_identical_sample(void) {
  tb_volume *a = NULL, *b = NULL;
  uint8_t *la = NULL, *lb = NULL;
  int bad = make(64, 0.2, 150, 160, 7, &a, &la, NULL) || make(64, 0.2, 150, 160, 7, &b, &lb, NULL);
  int same = !bad && !memcmp(a->data, b->data, tb_volume_count(a) * sizeof(float)) &&
             !memcmp(la, lb, tb_volume_count(a));
  tb_volume_destroy(&a);
  tb_volume_destroy(&b);
  free(la);
  free(lb);
  EXPECT(!bad);
  EXPECT(same);
  return 0;
}

static int different_seed_gives_different_sample(void) {
  tb_volume *a = NULL, *b = NULL;
  int bad = make(64, 0.2, 150, 0, 1, &a, NULL, NULL) || make(64, 0.2, 150, 0, 2, &b, NULL, NULL);
  size_t differ = 0, count = bad ? 0 : tb_volume_count(a);
  for (size_t i = 0; i < count; i++) differ += a->data[i] != b->data[i];
  tb_volume_destroy(&a);
  tb_volume_destroy(&b);
  EXPECT(!bad);
  EXPECT(differ > count / 20);
  return 0;
}

static int bvtv_hits_target_within_half_a_percent(void) {
  const double targets[] = {0.08, 0.20, 0.35};
  for (int t = 0; t < 3; t++) {
    tb_volume *v = NULL;
    uint8_t *labels = NULL;
    tb_phantom_info info;
    int bad = make(80, targets[t], 150, 0, 3, &v, &labels, &info);
    double bvtv = bad ? NAN : mean_over_label(v, labels, 1);
    int fraction_ok = 1;
    for (size_t i = 0; !bad && i < tb_volume_count(v); i++)
      fraction_ok &= v->data[i] >= 0.0f && v->data[i] <= 1.0f;
    tb_volume_destroy(&v);
    free(labels);
    EXPECT(!bad);
    EXPECT(fraction_ok);
    EXPECT_NEAR(bvtv, targets[t], 0.005);
    EXPECT_NEAR(info.bvtv, bvtv, 1e-9);
  }
  return 0;
}

static int bvtv_within_the_cortex_hits_target(void) {
  tb_volume *v = NULL;
  uint8_t *labels = NULL;
  int bad = make(96, 0.15, 150, 200, 4, &v, &labels, NULL);
  double bvtv = bad ? NAN : mean_over_label(v, labels, 1);
  tb_volume_destroy(&v);
  free(labels);
  EXPECT(!bad);
  EXPECT_NEAR(bvtv, 0.15, 0.005);
  return 0;
}

static int geometry_is_set_and_labels_are_one_without_cortex(void) {
  tb_volume *v = NULL;
  uint8_t *labels = NULL;
  int bad = make(48, 0.2, 100, 0, 1, &v, &labels, NULL);
  int all_one = 1;
  for (size_t i = 0; !bad && i < tb_volume_count(v); i++) all_one &= labels[i] == 1;
  int geometry = !bad && v->nx == 48 && v->ny == 48 && v->nz == 48;
  for (int a = 0; !bad && a < 3; a++) geometry &= v->spacing_um[a] == 20.0 && v->origin_um[a] == 0.0;
  tb_volume_destroy(&v);
  free(labels);
  EXPECT(!bad);
  EXPECT(all_one);
  EXPECT(geometry);
  return 0;
}

static int cortex_shell_has_requested_thickness_and_porosity(void) {
  tb_volume *v = NULL;
  uint8_t *labels = NULL;
  tb_phantom_info info;
  const int32_t n = 96;
  int bad = make(n, 0.2, 150, 200, 5, &v, &labels, &info);
  EXPECT(!bad);
  /* Rays from the axis along +x, -x, +y, -y in the middle slice: the shell
   * is 200 um = 10 voxels of 20 um; outside the cylinder there is no bone. */
  const int32_t c = n / 2;
  const int32_t dir[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
  int ok = 1, outside_bone = 0, inside = 0;
  for (int d = 0; d < 4; d++) {
    int shell = 0;
    for (int32_t s = 0; s < n / 2; s++) {
      int32_t x = c + s * dir[d][0], y = c + s * dir[d][1];
      uint8_t l = labels[tb_volume_index(v, x, y, c)];
      shell += l == 2;
      inside += l == 1;
    }
    ok &= shell >= 9 && shell <= 11;
  }
  double pore_share = 1.0 - mean_over_label(v, labels, 2);
  for (size_t i = 0; i < tb_volume_count(v); i++) outside_bone += labels[i] == 0 && v->data[i] != 0.0f;
  int corners = labels[tb_volume_index(v, 0, 0, 0)] == 0 &&
                labels[tb_volume_index(v, n - 1, n - 1, n - 1)] == 0;
  tb_volume_destroy(&v);
  free(labels);
  EXPECT(ok);
  EXPECT(inside > 4 * 25);
  EXPECT(corners);
  EXPECT(outside_bone == 0);
  EXPECT(pore_share > 0.02 && pore_share < 0.09);
  EXPECT_NEAR(info.cortex_porosity, pore_share, 1e-6);
  EXPECT_NEAR(info.radius_um, 0.45 * n * 20.0, 1e-9);
  return 0;
}

/* Morphometry of the trabecular compartment as trabecula morph reports it. */
static int morph_of(const tb_volume *v, const uint8_t *labels, int with_thickness, tb_morph_result *r) {
  tb_morph_options opt;
  tb_morph_options_default(&opt);
  /* The generator calibrates in the corrected convention (2 EDT - 1, see
   * phantom.c); morph's default since BoneJ conventions is BoneJ's 2 EDT. */
  opt.diameter = TB_MORPH_DIAMETER_CORRECTED;
  opt.skip_da = 1;
  opt.skip_thickness = !with_thickness;
  return tb_morph_compute(v, labels, &opt, r, NULL) != TB_OK;
}

static int mean_thickness_follows_target(void) {
  const double targets[] = {120.0, 200.0};
  double estimate[2];
  for (int t = 0; t < 2; t++) {
    tb_volume *v = NULL;
    uint8_t *labels = NULL;
    tb_phantom_info info;
    tb_morph_result r;
    int bad = make(96, 0.2, targets[t], 0, 2, &v, &labels, &info) || morph_of(v, labels, 1, &r);
    estimate[t] = bad ? NAN : plate_model_thickness(v);
    tb_volume_destroy(&v);
    free(labels);
    EXPECT(!bad);
    /* tb_th_um is Tb.Th as trabecula morph reports it (2 EDT - 1 voxel),
     * and the generator's own reading is morph's. */
    EXPECT_NEAR(r.tb_th_um, targets[t], 0.03 * targets[t]);
    EXPECT_NEAR(info.tb_th_um, r.tb_th_um, 1e-6 * targets[t]);
    EXPECT_NEAR(info.tb_sp_um, r.tb_sp_um, 1e-6 * r.tb_sp_um);
    /* 2 BV/BS is exact for plates and half the diameter for rods, so a
     * rod-plate mix lands between 0.55 and 1.2 of the local thickness. */
    EXPECT(estimate[t] > 0.55 * targets[t] && estimate[t] < 1.2 * targets[t]);
    /* The mean element's thickness: a voxel (20 um) over the reading for
     * one element, but the thick elements of the spread hold more of the
     * bone, so the (volume-weighted) reading lies near or above it. */
    EXPECT(info.thickness_um > 0.7 * targets[t] && info.thickness_um < targets[t] + 3 * 20.0);
  }
  EXPECT(estimate[1] > estimate[0]);
  return 0;
}

/* The human sample (tb_phantom_params_human: 5.12 mm, 40 um, cortex
 * 400 um) hits BV/TV, Tb.Th and Tb.N as trabecula morph reports them, with
 * a connected mixed plate/rod network; at 80 um voxels the same sample
 * reads the same (scale independence). */
static int human_sample_hits_the_reference_morphometry(void) {
  tb_phantom_params p;
  tb_phantom_params_human(&p);
  EXPECT(p.size * p.spacing_um >= 5000.0);
  EXPECT(p.bvtv == 0.15 && p.tb_th_um == 170.0 && p.tb_n_per_mm == 1.05 && p.cortex_um == 400.0);
  const int32_t size[2] = {128, 64};
  const double spacing[2] = {40.0, 80.0};
  for (int k = 0; k < 2; k++) {
    p.size = size[k];
    p.spacing_um = spacing[k];
    tb_volume *v = NULL;
    uint8_t *labels = NULL;
    tb_phantom_info info;
    tb_morph_result r;
    int bad = tb_phantom_generate_info(&p, &v, &labels, &info) != TB_OK || morph_of(v, labels, 1, &r);
    tb_volume_destroy(&v);
    free(labels);
    EXPECT(!bad);
    fprintf(stderr,
            "human %d^3 at %g um: BV/TV %.4f Tb.Th %.1f um Tb.Sp %.1f um Tb.N %.3f /mm Conn.D %.2f /mm^3 "
            "Ct.Th %.1f um Ct.Po %.4f, plates %.0f %% of the bone\n",
            size[k], spacing[k], r.bv_tv, r.tb_th_um, r.tb_sp_um, r.tb_n_per_mm, r.conn_d_per_mm3, r.ct_th_um,
            r.ct_po, 100.0 * info.plate_volume_share);
    EXPECT_NEAR(r.bv_tv, 0.15, 0.015);
    EXPECT_NEAR(r.tb_th_um, 170.0, 17.0);
    EXPECT_NEAR(r.tb_n_per_mm, 1.05, 0.105);
    EXPECT(r.has_cortex && r.ct_po > 0.02 && r.ct_po < 0.09);
    if (k == 0) { /* tighter at the intended resolution */
      EXPECT_NEAR(r.tb_th_um, 170.0, 0.03 * 170.0);
      EXPECT_NEAR(r.tb_n_per_mm, 1.05, 0.03 * 1.05);
      EXPECT(r.conn_d_per_mm3 > 1.5 && r.conn_d_per_mm3 < 6.0);
      EXPECT(info.plate_volume_share > 0.3 && info.plate_volume_share < 0.7);
    }
  }
  return 0;
}

/* A Tb.N that no connected network of this BV/TV and Tb.Th reaches still
 * gives a sample on BV/TV and Tb.Th, with the nearest Tb.N the element
 * share allows (about 1.2 /mm; see phantom.h). */
static int unreachable_tb_n_still_gives_a_sample(void) {
  tb_phantom_params p;
  tb_phantom_params_default(&p);
  p.size = 64;
  p.spacing_um = 40.0;
  p.bvtv = 0.15;
  p.tb_th_um = 170.0;
  p.tb_n_per_mm = 1.8;
  tb_volume *v = NULL;
  uint8_t *labels = NULL;
  tb_phantom_info info;
  int bad = tb_phantom_generate_info(&p, &v, &labels, &info) != TB_OK;
  double bvtv = bad ? NAN : mean_over_label(v, labels, 1);
  tb_volume_destroy(&v);
  free(labels);
  EXPECT(!bad);
  EXPECT_NEAR(bvtv, 0.15, 0.005);
  EXPECT_NEAR(info.tb_th_um, 170.0, 0.03 * 170.0);
  EXPECT(info.tb_n_per_mm > 1.05 && info.tb_n_per_mm < 1.4);
  EXPECT(info.element_share == 0.35);
  return 0;
}

static int network_is_connected(void) {
  const double cortex[] = {0.0, 200.0};
  for (int k = 0; k < 2; k++)
    for (uint64_t seed = 1; seed <= 2; seed++) {
      tb_volume *v = NULL;
      int bad = make(96, 0.2, 150, cortex[k], seed, &v, NULL, NULL);
      double share = bad ? -1.0 : largest_component_share(v);
      tb_volume_destroy(&v);
      EXPECT(!bad);
      if (share <= 0.95)
        fprintf(stderr, "cortex %g seed %d: largest component %.4f\n", cortex[k], (int)seed, share);
      EXPECT(share > 0.95);
    }
  return 0;
}

static int bad_parameters_are_rejected(void) {
  tb_phantom_params good;
  tb_phantom_params_default(&good);
  tb_phantom_params p;
#define REJECT(field, value)                                     \
  do {                                                           \
    p = good;                                                    \
    p.field = value;                                             \
    EXPECT(tb_phantom_check(&p) == TB_ERR_INPUT);                \
  } while (0)
  REJECT(size, 4);
  REJECT(size, 100000);
  REJECT(spacing_um, 0.0);
  REJECT(spacing_um, -5.0);
  REJECT(spacing_um, NAN);
  REJECT(bvtv, 0.0);
  REJECT(bvtv, 1.0);
  REJECT(bvtv, NAN);
  REJECT(tb_th_um, -1.0);
  REJECT(tb_th_um, 20.0);   /* 1 voxel: unresolved */
  REJECT(tb_th_um, 1000.0); /* over side/8 of a 1920 um sample */
  REJECT(cortex_um, -1.0);
  REJECT(cortex_um, 10.0);  /* under 2 voxels */
  REJECT(cortex_um, 800.0); /* leaves too little trabecular bone */
  REJECT(tb_n_per_mm, -1.0);
  REJECT(tb_n_per_mm, NAN);
  REJECT(tb_n_per_mm, 7.0); /* Tb.Sp = 1000/7 - 150 < 0 */
  REJECT(tb_n_per_mm, 0.5); /* Tb.Sp 1850 um, over side/4 of a 1920 um sample */
#undef REJECT
  p = good;
  p.size = 4;
  tb_volume *v = NULL;
  uint8_t *labels = NULL;
  EXPECT(tb_phantom_generate(&p, &v, &labels) == TB_ERR_INPUT);
  EXPECT(v == NULL && labels == NULL);
  p = good;
  p.tb_th_um = 0.0; /* 7.5 voxels */
  p.cortex_um = 0.0;
  EXPECT(tb_phantom_check(&p) == TB_OK);
  return 0;
}

static int option_table_names_every_option(void) {
  int count = 0;
  const tb_phantom_option *o = tb_phantom_options(&count);
  EXPECT(count == 7);
  const char *want[] = {"--size", "--spacing", "--bvtv", "--tb-th", "--tb-n", "--cortex", "--seed"};
  for (int i = 0; i < count; i++) {
    EXPECT(!strcmp(o[i].option, want[i]));
    EXPECT(o[i].min <= o[i].max && o[i].help && o[i].unit);
  }
  return 0;
}

int main(void) {
  return TB_RUN(defaults_match_the_documented_values, same_seed_gives_bit_identical_sample,
                different_seed_gives_different_sample, bvtv_hits_target_within_half_a_percent,
                bvtv_within_the_cortex_hits_target, geometry_is_set_and_labels_are_one_without_cortex,
                cortex_shell_has_requested_thickness_and_porosity, mean_thickness_follows_target,
                human_sample_hits_the_reference_morphometry, unreachable_tb_n_still_gives_a_sample,
                network_is_connected, bad_parameters_are_rejected, option_table_names_every_option);
}
