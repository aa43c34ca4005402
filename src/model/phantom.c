/* Synthetic trabecular bone: a rod-plate network on a jittered-grid Voronoi
 * tessellation, thickness set by bisection on BV/TV.
 *
 * Geometry. Seeds sit one per grid cell, jittered inside the cell, from a
 * counter-based hash of (seed, cell index), so the pattern never depends on
 * loop order or platform. For a voxel p whose nearest seed is a, the
 * distance to the bisector plane of a and another seed b is
 *   s_ab = (|p-b|^2 - |p-a|^2) / (2 |a-b|),
 * exact in µm (the normalised form of the "d2 - d1" Voronoi face test).
 * Plates are the kept faces: thickness 2 min s_ab. Rods are the kept cell
 * edges: the edge nearest p lies on the two nearest bisector planes, and the
 * distance to their intersection line follows from s1, s2 and the angle
 * between the plane normals. Each voxel stores D(p), the smallest rod
 * diameter or plate thickness that would cover it; bone fraction for a
 * thickness T is then clamp((T - D)/(2h) + 1/2, 0, 1), a linear partial
 * volume across the surface. Mean fraction is monotone in T, so T is found
 * by bisection on a fine histogram of D.
 *
 * Spread. Real trabeculae are not all one thickness: thin rods and thick
 * plates sit side by side, and the thin ones are those a remodeling cavity
 * can cut through (Parfitt 1992, Bone 13:S41: loss of trabeculae through
 * perforation of the thinnest elements). Each plate and each rod gets its own
 * thickness T g, g drawn once per element (keyed by its cells, so shared by
 * every voxel of the element) with mean 1 and relative SD THICKNESS_CV; D is
 * stored divided by the element's g, so one T still sets them all and the
 * bisection below is unchanged.
 *
 * Scale. The geometry scales with the cell size c, so the bisected T/c
 * depends on BV/TV and the kept shares alone. Stereology gives its form:
 * plates add about 2.91 p T/c and rods about 5.83 r (T/c)^2, from the mean
 * face area and edge length of Poisson-Voronoi cells (Okabe et al. 2000,
 * Spatial Tessellations); the table in cell_for is measured and only gives
 * the first try. Every try is then measured as trabecula morph measures
 * it in the corrected convention (tb_morph_local_thickness: edge continue,
 * diameter 2 EDT - 1; trabecula morph's default, BoneJ's 2 EDT, reads about
 * a voxel more) on the voxels above 0.5 of the trabecular
 * compartment, the marrow too for a Tb.N target), and the next try
 * corrects the cell size c (for Tb.Th, or for Tb.Sp with a Tb.N target)
 * and the element share s (for Tb.Th with a Tb.N target); see phantom.h.
 * A try costs one distance pass and one or two local-thickness maps, about
 * 0.2 to 0.5 s at 128^3; two to four tries are typical. Plates are more
 * common in dense bone (osteoporotic bone loses plates first and turns
 * rod-like), so the plate share grows with the target BV/TV. Cells are
 * stretched along z (vertebral trabeculae run mostly along the load axis). */
#include "trabecula/phantom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trabecula/log.h"
#include "trabecula/morph.h"

enum { NB = 27 }; /* seeds checked per voxel: the 3x3x3 cells around it */

/* Only IEEE-exact operations (+ - * / sqrt floor) feed the geometry, so the
 * sample is bit-identical with any C library; hence no hypot or cbrt here. */
static const double ANISOTROPY = 1.3;     /* cell length along z / along x, y */
static const double ANISOTROPY_CBRT = 1.091392883061106; /* 1.3^(1/3) */
static const double JITTER = 0.75;        /* seed offset range as a share of the cell */
static const double ROD_SHARE = 0.85;     /* share of cell edges kept as rods at element share 1 */
/* First guess of the rod diameter for a target Tb.Th as trabecula morph
 * reads it (local thickness, 2 EDT - 1 voxel): the diameter is about one
 * voxel more than the reading, over the node gain (spheres at the nodes are
 * wider than the rods, 1.05 to 1.14 on 96^3 and 128^3 samples at 10 and
 * 20 µm). Only the start of the search: the thickness is then measured. */
static const double LOCAL_THICKNESS_GAIN = 1.08;
/* Tb.Sp (local thickness of the marrow) over the cell width across x and y:
 * the first guess of the cell for a Tb.N target (0.85 to 0.95 measured at
 * 40 µm, BV/TV 0.15, any element share). */
static const double SPACING_PER_CELL = 0.92;
/* Relative SD of element thickness. Local-thickness maps of human
 * trabecular bone have an SD about 0.3 to 0.45 of the mean (Hildebrand et
 * al. 1999, JBMR 14:1167 [check]); with uniform elements the phantom read
 * 0.16 (nodes and partial volume only). */
static const double THICKNESS_CV = 0.4;
static const double ELEMENT_SHARE_MIN = 0.35; /* below, most rods hang free and the network falls apart */
static const double MEASURE_TOL = 0.015;  /* accepted relative miss of the measured Tb.Th and Tb.Sp */
static const double WARN_TOL = 0.10;      /* a larger miss is reported */
static const int MAX_MEASURED_PASSES = 12;
static const double PORE_RADIUS_UM = 25.; /* Haversian canal radius (diameter ~50 µm) */
static const double PORE_SHARE = 0.05;    /* intracortical porosity */
static const double CYLINDER_RADIUS = 0.45; /* outer radius / sample side */
static const double PI = 3.14159265358979323846;

static const uint64_t SALT_SEED = 0x5EED5EED5EEDull;
static const uint64_t SALT_PLATE = 0x91A7E5ull;
static const uint64_t SALT_ROD = 0x20D520D5ull;
static const uint64_t SALT_PORE = 0x90BE90BEull;
static const uint64_t SALT_PLATE_TH = 0x91A7E7ull;
static const uint64_t SALT_ROD_TH = 0x20D520D7ull;

enum { OPT_SIZE, OPT_SPACING, OPT_BVTV, OPT_TB_TH, OPT_TB_N, OPT_CORTEX, OPT_SEED };
static const tb_phantom_option OPTIONS[] = {
    {"--size", "size", "voxels", 16, 1024, 0, "voxels per side of the cubic sample"},
    {"--spacing", "spacing_um", "um", 0.5, 500, 0, "voxel size"},
    {"--bvtv", "bvtv", "", 0.01, 0.9, 0, "target BV/TV of the trabecular compartment"},
    {"--tb-th", "tb_th_um", "um", 1, 5000, 1,
     "target Tb.Th as morph reports it (local thickness), at least 2 voxels; 0 = 7.5 voxels"},
    {"--tb-n", "tb_n_per_mm", "/mm", 0.05, 20, 1,
     "target Tb.N = 1/(Tb.Th + Tb.Sp) as morph reports it; 0 = automatic (follows from BV/TV, Tb.Th)"},
    {"--cortex", "cortex_um", "um", 1, 100000, 1,
     "cortical shell thickness, at least 2 voxels; 0 = none (a cube of trabecular bone)"},
    {"--seed", "seed", "", 0, 18446744073709551615.0, 0, "random seed; same seed, same sample"},
};

const tb_phantom_option *tb_phantom_options(int *count) {
  if (count) *count = (int)(sizeof OPTIONS / sizeof OPTIONS[0]);
  return OPTIONS;
}

void tb_phantom_params_default(tb_phantom_params *p) {
  p->size = 96;
  p->spacing_um = 20.0;
  p->bvtv = 0.20;
  p->tb_th_um = 150.0;
  p->tb_n_per_mm = 0.0;
  p->cortex_um = 0.0;
  p->seed = 1;
}

void tb_phantom_params_human(tb_phantom_params *p) {
  p->size = 128;
  p->spacing_um = 40.0;
  p->bvtv = 0.15;
  p->tb_th_um = 170.0;
  p->tb_n_per_mm = 1.05;
  p->cortex_um = 400.0;
  p->seed = 1;
}

static tb_status check_range(int which, double v) {
  const tb_phantom_option *o = &OPTIONS[which];
  if (o->zero_ok && v == 0.0) return TB_OK;
  if (isfinite(v) && v >= o->min && v <= o->max) return TB_OK;
  return tb_error(TB_ERR_INPUT, "option %s (%s): %g is out of range; expected %g to %g %s%s", o->option,
                  o->field, v, o->min, o->max, o->unit, o->zero_ok ? ", or 0" : "");
}

tb_status tb_phantom_check(const tb_phantom_params *p) {
  tb_status st = TB_OK;
  CHECK(p, TB_ERR_INTERNAL, "phantom parameters missing");
  TRY(check_range(OPT_SIZE, p->size));
  TRY(check_range(OPT_SPACING, p->spacing_um));
  CHECK(p->bvtv > 0.0 && p->bvtv < 1.0, TB_ERR_INPUT,
        "option --bvtv (bvtv): %g is not a volume fraction; expected %g to %g", p->bvtv,
        OPTIONS[OPT_BVTV].min, OPTIONS[OPT_BVTV].max);
  TRY(check_range(OPT_BVTV, p->bvtv));
  TRY(check_range(OPT_TB_TH, p->tb_th_um));
  TRY(check_range(OPT_TB_N, p->tb_n_per_mm));
  TRY(check_range(OPT_CORTEX, p->cortex_um));
  double side = p->size * p->spacing_um;
  if (p->tb_th_um > 0) {
    CHECK(p->tb_th_um >= 2.0 * p->spacing_um, TB_ERR_INPUT,
          "option --tb-th: %g um is under 2 voxels of %g um and would not be resolved; use at least %g um "
          "or a finer --spacing",
          p->tb_th_um, p->spacing_um, 2.0 * p->spacing_um);
    CHECK(p->tb_th_um <= side / 8.0, TB_ERR_INPUT,
          "option --tb-th: %g um is too thick for a %g um sample (at most side/8 = %g um); use a larger "
          "--size or a thinner --tb-th",
          p->tb_th_um, side, side / 8.0);
  }
  if (p->tb_n_per_mm > 0) {
    double th = p->tb_th_um > 0 ? p->tb_th_um : 7.5 * p->spacing_um;
    double sp = 1000.0 / p->tb_n_per_mm - th;
    CHECK(sp >= 2.0 * p->spacing_um, TB_ERR_INPUT,
          "option --tb-n: %g /mm with Tb.Th %g um leaves a Tb.Sp = 1000/Tb.N - Tb.Th of %g um, under 2 voxels "
          "of %g um; expected at most %g /mm",
          p->tb_n_per_mm, th, sp, p->spacing_um, 1000.0 / (th + 2.0 * p->spacing_um));
    CHECK(sp <= side / 4.0, TB_ERR_INPUT,
          "option --tb-n: %g /mm with Tb.Th %g um means a Tb.Sp of %g um, too wide for a %g um sample (at "
          "most side/4 = %g um); use a larger --size or a higher --tb-n",
          p->tb_n_per_mm, th, sp, side, side / 4.0);
  }
  if (p->cortex_um > 0) {
    double radius = CYLINDER_RADIUS * side;
    CHECK(p->cortex_um >= 2.0 * p->spacing_um, TB_ERR_INPUT,
          "option --cortex: %g um is under 2 voxels of %g um; use at least %g um, or 0 for no cortex",
          p->cortex_um, p->spacing_um, 2.0 * p->spacing_um);
    CHECK(p->cortex_um <= 0.5 * radius, TB_ERR_INPUT,
          "option --cortex: %g um leaves too little trabecular bone inside a cylinder of radius %g um; "
          "expected at most %g um",
          p->cortex_um, radius, 0.5 * radius);
  }
cleanup:
  return st;
}

/* ---- counter-based hashing (splitmix64 finaliser) ---- */

static uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t hash4(uint64_t seed, uint64_t salt, uint64_t a, uint64_t b, uint64_t c) {
  uint64_t h = mix64(seed ^ mix64(salt));
  h = mix64(h ^ a);
  h = mix64(h ^ b);
  return mix64(h ^ c);
}

static double unit01(uint64_t h) { return (double)(h >> 11) * 0x1.0p-53; }

/* An element's thickness gain: mean 1, SD THICKNESS_CV, from the sum of
 * three uniforms (Irwin-Hall, near normal; only + and * so the geometry stays
 * bit-identical with any C library), kept at 0.15 or more. */
static double thickness_gain(uint64_t seed, uint64_t salt, uint64_t a, uint64_t b, uint64_t c) {
  double u = 0.0;
  for (uint64_t q = 0; q < 3; q++) u += unit01(hash4(seed ^ mix64(q + 1), salt, a, b, c));
  double g = 1.0 + THICKNESS_CV * (u - 1.5) * 2.0;
  return g < 0.15 ? 0.15 : g;
}

/* A cell id independent of the grid extent: cells start at -1. */
static uint64_t cell_id(int64_t i, int64_t j, int64_t k) {
  return (uint64_t)(i + 1) | ((uint64_t)(j + 1) << 21) | ((uint64_t)(k + 1) << 42);
}

static void sort3(uint64_t *a, uint64_t *b, uint64_t *c) {
  uint64_t t;
  if (*a > *b) { t = *a; *a = *b; *b = t; }
  if (*b > *c) { t = *b; *b = *c; *c = t; }
  if (*a > *b) { t = *a; *a = *b; *b = t; }
}

/* ---- the network ---- */

typedef struct network {
  uint64_t seed;
  double cell[3];        /* µm */
  double plate_share, rod_share;
  int32_t ncell[3];      /* cells covering the voxel centres */
  double *site;          /* (ncell+2)^3 seeds, 3 doubles each, cells -1..ncell */
  uint64_t *site_id;
} network;

static void network_free(network *w) {
  free(w->site);
  free(w->site_id);
  w->site = NULL;
  w->site_id = NULL;
}

static tb_status network_build(network *w, int32_t n, double h) {
  tb_status st = TB_OK;
  size_t count = 1;
  for (int a = 0; a < 3; a++) {
    w->ncell[a] = (int32_t)floor((n - 1) * h / w->cell[a]) + 1;
    count *= (size_t)(w->ncell[a] + 2);
  }
  w->site = malloc(count * 3 * sizeof *w->site);
  w->site_id = malloc(count * sizeof *w->site_id);
  CHECK(w->site && w->site_id, TB_ERR_NOMEM, "out of memory for %zu phantom seed points", count);
  size_t m = 0;
  for (int32_t k = -1; k <= w->ncell[2]; k++)
    for (int32_t j = -1; j <= w->ncell[1]; j++)
      for (int32_t i = -1; i <= w->ncell[0]; i++, m++) {
        uint64_t id = cell_id(i, j, k);
        int32_t ijk[3] = {i, j, k};
        for (int a = 0; a < 3; a++) {
          double u = unit01(hash4(w->seed, SALT_SEED, id, (uint64_t)a, 0));
          w->site[3 * m + a] = (ijk[a] + 0.5 + JITTER * (u - 0.5)) * w->cell[a];
        }
        w->site_id[m] = id;
      }
cleanup:
  return st;
}

static size_t site_index(const network *w, int32_t i, int32_t j, int32_t k) {
  return ((size_t)(k + 1) * (size_t)(w->ncell[1] + 2) + (size_t)(j + 1)) * (size_t)(w->ncell[0] + 2) +
         (size_t)(i + 1);
}

/* Voxels [first[c], first[c+1]) of one axis lie in cell c. */
static tb_status axis_ranges(int32_t n, double h, double cell, int32_t ncell, int32_t **out) {
  tb_status st = TB_OK;
  int32_t *first = malloc((size_t)(ncell + 1) * sizeof *first);
  CHECK(first, TB_ERR_NOMEM, "out of memory for phantom cell ranges");
  int32_t c = 0;
  first[0] = 0;
  for (int32_t x = 0; x < n; x++) {
    int32_t cx = (int32_t)floor(x * h / cell);
    while (c < cx) first[++c] = x;
  }
  while (c < ncell) first[++c] = n;
  *out = first;
cleanup:
  return st;
}

/* D(p) for the voxels with mask[v] == 1 (all voxels when mask is NULL);
 * plate[v] = 1 where a plate gives D (a rod otherwise). */
static tb_status network_distance(const network *w, int32_t n, double h, const uint8_t *mask, float *dist,
                                  uint8_t *is_plate) {
  tb_status st = TB_OK;
  int32_t *range[3] = {NULL, NULL, NULL};
  for (int a = 0; a < 3; a++) TRY(axis_ranges(n, h, w->cell[a], w->ncell[a], &range[a]));

  double site[NB][3];
  uint64_t id[NB];
  double inv2[NB][NB]; /* 1 / (2 |a - b|) */
  uint8_t plate[NB][NB];
  double plate_gain[NB][NB]; /* 1 / the plate's thickness gain */
  for (int32_t ck = 0; ck < w->ncell[2]; ck++)
    for (int32_t cj = 0; cj < w->ncell[1]; cj++)
      for (int32_t ci = 0; ci < w->ncell[0]; ci++) {
        if (range[0][ci] == range[0][ci + 1] || range[1][cj] == range[1][cj + 1] ||
            range[2][ck] == range[2][ck + 1])
          continue;
        int m = 0;
        for (int dk = -1; dk <= 1; dk++)
          for (int dj = -1; dj <= 1; dj++)
            for (int di = -1; di <= 1; di++, m++) {
              size_t s = site_index(w, ci + di, cj + dj, ck + dk);
              for (int a = 0; a < 3; a++) site[m][a] = w->site[3 * s + a];
              id[m] = w->site_id[s];
            }
        for (int a = 0; a < NB; a++)
          for (int b = 0; b < NB; b++) {
            double dx = site[a][0] - site[b][0], dy = site[a][1] - site[b][1], dz = site[a][2] - site[b][2];
            double len = sqrt(dx * dx + dy * dy + dz * dz);
            inv2[a][b] = a == b ? 0.0 : 0.5 / len;
            uint64_t lo = id[a] < id[b] ? id[a] : id[b], hi = id[a] < id[b] ? id[b] : id[a];
            plate[a][b] = a != b && unit01(hash4(w->seed, SALT_PLATE, lo, hi, 0)) < w->plate_share;
            plate_gain[a][b] = plate[a][b] ? 1.0 / thickness_gain(w->seed, SALT_PLATE_TH, lo, hi, 0) : 0.0;
          }
        for (int32_t z = range[2][ck]; z < range[2][ck + 1]; z++)
          for (int32_t y = range[1][cj]; y < range[1][cj + 1]; y++)
            for (int32_t x = range[0][ci]; x < range[0][ci + 1]; x++) {
              size_t v = (size_t)x + (size_t)n * ((size_t)y + (size_t)n * (size_t)z);
              if (mask && mask[v] != 1) continue;
              double px = x * h, py = y * h, pz = z * h;
              double d2[NB];
              int a = 0;
              for (int b = 0; b < NB; b++) {
                double dx = px - site[b][0], dy = py - site[b][1], dz = pz - site[b][2];
                d2[b] = dx * dx + dy * dy + dz * dz;
                if (d2[b] < d2[a]) a = b;
              }
              double s1 = INFINITY, s2 = INFINITY, sp = INFINITY;
              int b1 = -1, b2 = -1;
              for (int b = 0; b < NB; b++) {
                if (b == a) continue;
                double s = (d2[b] - d2[a]) * inv2[a][b];
                if (plate[a][b] && s * plate_gain[a][b] < sp) sp = s * plate_gain[a][b];
                if (s < s1) {
                  s2 = s1, b2 = b1;
                  s1 = s, b1 = b;
                } else if (s < s2) {
                  s2 = s, b2 = b;
                }
              }
              double best = 2.0 * sp;
              uint8_t from_plate = 1;
              uint64_t ea = id[a], eb = id[b1], ec = id[b2];
              sort3(&ea, &eb, &ec);
              if (unit01(hash4(w->seed, SALT_ROD, ea, eb, ec)) < w->rod_share) {
                double c12 = 0.0;
                for (int q = 0; q < 3; q++)
                  c12 += (site[a][q] - site[b1][q]) * (site[a][q] - site[b2][q]);
                c12 *= 4.0 * inv2[a][b1] * inv2[a][b2];
                double den = 1.0 - c12 * c12;
                if (den > 1e-6) {
                  double r2 = (s1 * s1 + s2 * s2 - 2.0 * s1 * s2 * c12) / den;
                  double rod = 2.0 * sqrt(r2 > 0 ? r2 : 0) / thickness_gain(w->seed, SALT_ROD_TH, ea, eb, ec);
                  if (rod < best) best = rod, from_plate = 0;
                }
              }
              dist[v] = (float)best;
              is_plate[v] = from_plate;
            }
      }
cleanup:
  for (int a = 0; a < 3; a++) free(range[a]);
  return st;
}

static double fraction_at(double thickness, double d, double h) {
  double f = (thickness - d) / (2.0 * h) + 0.5;
  return f < 0 ? 0 : f > 1 ? 1 : f;
}

/* Bisection of the thickness on a histogram of D: the mean fraction is
 * monotone in T. Bins of h/64 keep the binning error far below 1e-3. */
static tb_status thickness_for(const float *dist, size_t count, const uint8_t *mask, double h, double dmax,
                               double target, double *thickness) {
  tb_status st = TB_OK;
  double width = h / 64.0;
  size_t nbin = (size_t)ceil(dmax / width) + 1;
  uint64_t *hist = calloc(nbin, sizeof *hist);
  CHECK(hist, TB_ERR_NOMEM, "out of memory for the phantom thickness histogram");
  uint64_t total = 0;
  for (size_t v = 0; v < count; v++) {
    if (mask && mask[v] != 1) continue;
    double d = dist[v];
    size_t b = d >= dmax ? nbin - 1 : (size_t)(d / width);
    if (b >= nbin) b = nbin - 1;
    hist[b]++;
    total++;
  }
  CHECK(total > 0, TB_ERR_INTERNAL, "phantom: the trabecular compartment is empty");
  double lo = 0.0, hi = dmax - 2.0 * h;
  for (int it = 0; it < 60; it++) {
    double mid = 0.5 * (lo + hi), sum = 0.0;
    for (size_t b = 0; b + 1 < nbin; b++)
      if (hist[b]) sum += (double)hist[b] * fraction_at(mid, (b + 0.5) * width, h);
    if (sum / (double)total < target) lo = mid;
    else hi = mid;
  }
  *thickness = 0.5 * (lo + hi);
cleanup:
  free(hist);
  return st;
}

/* Cell size for thickness T. T/c is a function of BV/TV alone (the
 * geometry scales with c); this table was measured with fixed c = 1000 µm on
 * 200^3 samples at 20 µm, two seeds each. Linear in between; below the first
 * point the rod-only law T/c ~ sqrt(BV/TV). */
static double cell_for(double thickness, double bvtv) {
  static const double table[][2] = {
      {0.02, 0.0447}, {0.05, 0.0881}, {0.10, 0.1428}, {0.15, 0.1656}, {0.20, 0.1741},
      {0.25, 0.1867}, {0.30, 0.1902}, {0.40, 0.2144}, {0.50, 0.2754}, {0.60, 0.3422},
      {0.70, 0.4178}, {0.80, 0.5084}, {0.90, 0.6314},
  };
  const int rows = (int)(sizeof table / sizeof table[0]);
  double x = table[rows - 1][1];
  if (bvtv <= table[0][0]) {
    x = table[0][1] * sqrt(bvtv / table[0][0]);
  } else {
    for (int i = 1; i < rows; i++)
      if (bvtv <= table[i][0]) {
        double t = (bvtv - table[i - 1][0]) / (table[i][0] - table[i - 1][0]);
        x = table[i - 1][1] + t * (table[i][1] - table[i - 1][1]);
        break;
      }
  }
  return thickness / x;
}

static void set_cells(network *w, double c) {
  double cxy = c / ANISOTROPY_CBRT;
  w->cell[0] = w->cell[1] = cxy;
  w->cell[2] = cxy * ANISOTROPY;
}

/* ---- the cortex ---- */

static double radial(double dx, double dy) { return sqrt(dx * dx + dy * dy); }

static void cortex_labels(int32_t n, double h, double radius, double cortex, uint8_t *label) {
  double centre = 0.5 * (n - 1) * h;
  for (int32_t y = 0; y < n; y++)
    for (int32_t x = 0; x < n; x++) {
      double r = radial(x * h - centre, y * h - centre);
      uint8_t l = r > radius ? 0 : r > radius - cortex ? 2 : 1;
      for (int32_t z = 0; z < n; z++) label[(size_t)x + (size_t)n * ((size_t)y + (size_t)n * (size_t)z)] = l;
    }
}

/* Haversian-like canals: straight tubes along z on a jittered 2-D grid,
 * kept where the whole canal fits inside the shell; the grid spacing makes
 * the shell porosity PORE_SHARE. Returns the bone fraction of one column. */
typedef struct pores {
  uint64_t seed;
  double radius, grid, centre, r_in, r_out;
} pores;

static double pore_fraction(const pores *pp, double px, double py, double h) {
  int64_t gi = (int64_t)floor(px / pp->grid), gj = (int64_t)floor(py / pp->grid);
  double f = 1.0;
  for (int64_t j = gj - 1; j <= gj + 1; j++)
    for (int64_t i = gi - 1; i <= gi + 1; i++) {
      uint64_t id = (uint64_t)(i + (1 << 20)) | ((uint64_t)(j + (1 << 20)) << 21);
      double span = pp->grid - 2.0 * pp->radius;
      double cx = i * pp->grid + pp->radius + span * unit01(hash4(pp->seed, SALT_PORE, id, 0, 0));
      double cy = j * pp->grid + pp->radius + span * unit01(hash4(pp->seed, SALT_PORE, id, 1, 0));
      double rc = radial(cx - pp->centre, cy - pp->centre);
      if (rc < pp->r_in || rc > pp->r_out) continue;
      double d = radial(px - cx, py - cy);
      double bone = (d - pp->radius) / h + 0.5;
      bone = bone < 0 ? 0 : bone > 1 ? 1 : bone;
      if (bone < f) f = bone;
    }
  return f;
}

/* ---- generation ---- */

/* What one realisation of the network needs and leaves behind. */
typedef struct work {
  const tb_phantom_params *p;
  int32_t n;
  double h;
  size_t count;
  const uint8_t *label; /* NULL: every voxel trabecular */
  double plate0;        /* share of faces kept as plates at element share 1 */
  float *dist;          /* D(p), µm */
  uint8_t *is_plate;    /* 1 where a plate gives D */
  float *frac;          /* bone fraction of the trabecular voxels (0 elsewhere) */
  uint8_t *sel;         /* scratch mask for the measurements */
  float *thick;         /* scratch local thickness map */
} work;

/* One try: cell size c (the geometric mean of the three cell sides) and
 * element share s (scales the shares of faces and edges kept), and what the
 * morphometry of trabecula morph reads on the result. */
typedef struct trial {
  double c, s;
  double thickness; /* bisected thickness T of the mean element, µm */
  double plate_share, rod_share;
  double th, sp;    /* Tb.Th and Tb.Sp (local thickness, µm); sp NaN when not measured */
} trial;

static double clampd(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* Mean local thickness in µm over sel, exactly as tb_morph_compute forms it
 * (the same building block, the same summation order); NaN if unbounded. */
static tb_status mean_local_thickness(work *k, double *mean_um) {
  tb_status st = TB_OK;
  const int32_t dims[3] = {k->n, k->n, k->n};
  TRY(tb_morph_local_thickness(k->sel, dims, k->thick));
  double sum = 0.0;
  size_t cnt = 0;
  *mean_um = NAN;
  for (size_t i = 0; i < k->count; i++)
    if (k->sel[i]) {
      double t = k->thick[i];
      if (isinf(t)) goto cleanup;
      sum += t;
      cnt++;
    }
  if (cnt) *mean_um = sum / (double)cnt * k->h;
cleanup:
  return st;
}

/* Tb.Th (and Tb.Sp when want_sp) of the trabecular compartment as trabecula
 * morph measures it: bone where the fraction is above 0.5. */
static tb_status measure(work *k, int want_sp, trial *t) {
  tb_status st = TB_OK;
  for (size_t i = 0; i < k->count; i++)
    k->sel[i] = (uint8_t)((!k->label || k->label[i] == 1) && k->frac[i] > 0.5f);
  TRY(mean_local_thickness(k, &t->th));
  t->sp = NAN;
  if (want_sp) {
    for (size_t i = 0; i < k->count; i++)
      k->sel[i] = (uint8_t)((!k->label || k->label[i] == 1) && !(k->frac[i] > 0.5f));
    TRY(mean_local_thickness(k, &t->sp));
  }
cleanup:
  return st;
}

/* The network for t->c and t->s, its thickness for the target BV/TV, the
 * bone fraction of the trabecular voxels, and (when measured) Tb.Th/Tb.Sp. */
static tb_status realise(work *k, int measured, int want_sp, trial *t) {
  tb_status st = TB_OK;
  network w = {0};
  w.seed = k->p->seed;
  w.plate_share = t->plate_share = fmin(1.0, k->plate0 * t->s);
  w.rod_share = t->rod_share = fmin(1.0, ROD_SHARE * t->s);
  set_cells(&w, t->c);
  TRY(network_build(&w, k->n, k->h));
  TRY(network_distance(&w, k->n, k->h, k->label, k->dist, k->is_plate));
  TRY(thickness_for(k->dist, k->count, k->label, k->h, 4.0 * w.cell[2], k->p->bvtv, &t->thickness));
  for (size_t i = 0; i < k->count; i++)
    k->frac[i] = !k->label || k->label[i] == 1 ? (float)fraction_at(t->thickness, k->dist[i], k->h) : 0.0f;
  if (measured) TRY(measure(k, want_sp, t));
cleanup:
  network_free(&w);
  return st;
}

static double rel_miss(double got, double want) { return isfinite(got) ? fabs(got / want - 1.0) : INFINITY; }

tb_status tb_phantom_generate(const tb_phantom_params *p, tb_volume **bone, uint8_t **labels) {
  return tb_phantom_generate_info(p, bone, labels, NULL);
}

tb_status tb_phantom_generate_info(const tb_phantom_params *p, tb_volume **bone, uint8_t **labels,
                                   tb_phantom_info *info) {
  tb_status st = TB_OK;
  tb_volume *v = NULL;
  uint8_t *label = NULL;
  work k = {0};
  *bone = NULL;
  if (labels) *labels = NULL;
  TRY(tb_phantom_check(p));

  const int32_t n = p->size;
  const double h = p->spacing_um;
  const size_t count = (size_t)n * n * n;
  const double target_th = p->tb_th_um > 0 ? p->tb_th_um : 7.5 * h;
  const int want_n = p->tb_n_per_mm > 0;
  const double target_sp = want_n ? 1000.0 / p->tb_n_per_mm - target_th : NAN;
  const double radius = p->cortex_um > 0 ? CYLINDER_RADIUS * n * h : 0.0;
  tb_phantom_info out = {0};
  out.radius_um = radius;

  TRY(tb_volume_create(n, n, n, &v));
  for (int a = 0; a < 3; a++) v->spacing_um[a] = h, v->origin_um[a] = 0.0;
  if (p->cortex_um > 0) {
    label = malloc(count);
    CHECK(label, TB_ERR_NOMEM, "out of memory for a %d^3 label map", n);
    cortex_labels(n, h, radius, p->cortex_um, label);
  }
  k.p = p;
  k.n = n;
  k.h = h;
  k.count = count;
  k.label = label;
  /* Plates are more common in dense bone (osteoporotic bone loses plates
   * first and turns rod-like), so the plate share grows with BV/TV. */
  k.plate0 = fmin(0.7, fmax(0.1, 2.0 * p->bvtv - 0.1));
  k.dist = malloc(count * sizeof *k.dist);
  k.frac = malloc(count * sizeof *k.frac);
  k.thick = malloc(count * sizeof *k.thick);
  k.is_plate = malloc(count);
  k.sel = malloc(count);
  CHECK(k.dist && k.frac && k.thick && k.is_plate && k.sel, TB_ERR_NOMEM,
        "out of memory for the work maps of a %d^3 phantom", n);

  /* The search. Without a Tb.N target the element share stays 1 and the
   * cell size is found for Tb.Th: T/c depends on BV/TV alone, so Tb.Th
   * grows with c. With one, Tb.Sp (almost only a function of c) sets the
   * cell and the element share is found for Tb.Th: fewer elements must be
   * thicker to hold the same BV/TV. Each pass is measured as trabecula
   * morph measures it; the best pass is kept. Only + - * / and sqrt feed
   * the updates, so the result is bit-identical with any C library. */
  const double s_max = fmin(1.0 / ROD_SHARE, 1.0 / k.plate0);
  trial t = {0}, best = {0}, prev = {0}, last = {0};
  double best_err = INFINITY;
  int have_prev = 0, fit_sp = want_n, reachable = 1;
  t.s = 1.0;
  t.c = want_n ? target_sp / SPACING_PER_CELL * ANISOTROPY_CBRT
               : cell_for((target_th + h) / LOCAL_THICKNESS_GAIN, p->bvtv);
  /* At most one cell across the trabecular region: beyond, the sample is a
   * single cell and stops being a network (the Tb.Th warning then says so). */
  const double c_max = (radius > 0 ? 2.0 * (radius - p->cortex_um) : n * h) * ANISOTROPY_CBRT;
  for (int pass = 0; pass < MAX_MEASURED_PASSES; pass++) {
    t.c = fmin(t.c, c_max);
    TRY(realise(&k, 1, want_n, &t));
    last = t;
    double e_th = rel_miss(t.th, target_th);
    double err = fit_sp ? fmax(e_th, rel_miss(t.th + t.sp, target_th + target_sp)) : e_th;
    if (err < best_err) best_err = err, best = t;
    if (err < MEASURE_TOL || !isfinite(err)) break;
    trial next = t;
    if (fit_sp) {
      /* Tb.Sp ~ c; Tb.Th ~ c^1.3 at a fixed share and falls about as
       * s^-0.46 (40 µm voxels, BV/TV 0.15): correct c for Tb.Sp, predict
       * Tb.Th after that step, and correct s for what remains. */
      double r = clampd(target_sp / t.sp, 0.6, 1.6);
      next.c = t.c * r;
      double q = t.th * r * (1.0 + 0.3 * (r - 1.0)) / target_th;
      next.s = clampd(t.s * clampd(q * q, 0.5, 2.0), ELEMENT_SHARE_MIN, s_max);
      if (next.s == t.s && (t.s == ELEMENT_SHARE_MIN || t.s == s_max)) {
        /* The share is at a bound: no network of this BV/TV and Tb.Th has
         * this Tb.N. Keep the share there (the nearest Tb.N) and find the
         * cell for Tb.Th from here on; Tb.Th outranks Tb.N. */
        fit_sp = 0;
        reachable = 0;
        have_prev = 0;
        best = t;
        best_err = e_th;
        next.c = t.c;
      }
    }
    if (!fit_sp) {
      /* Secant on Tb.Th(c), falling back to the proportional step. */
      double r = clampd(target_th / t.th, 0.6, 1.6);
      next.c = t.c * r;
      if (have_prev && t.th != prev.th) {
        double c_sec = t.c + (target_th - t.th) * (t.c - prev.c) / (t.th - prev.th);
        if ((t.c - prev.c) / (t.th - prev.th) > 0 && c_sec > 0.6 * t.c && c_sec < 1.6 * t.c) next.c = c_sec;
      }
    }
    if (next.c == t.c && next.s == t.s) break;
    prev = t;
    have_prev = 1;
    t = next;
  }
  if (best.c != last.c || best.s != last.s) TRY(realise(&k, 0, 0, &best));

  pores pp = {0};
  if (p->cortex_um > 0) {
    pp.seed = p->seed;
    pp.radius = fmin(PORE_RADIUS_UM, p->cortex_um / 4.0);
    pp.centre = 0.5 * (n - 1) * h;
    pp.r_in = radius - p->cortex_um + pp.radius;
    pp.r_out = radius - pp.radius;
    /* Canals only fill the band [r_in, r_out]: widen the grid's porosity so
     * the whole shell comes out near PORE_SHARE. */
    double band = (p->cortex_um - 2.0 * pp.radius) / p->cortex_um;
    pp.grid = pp.radius * sqrt(PI * band / PORE_SHARE);
  }

  double sum1 = 0.0, sum2 = 0.0, plate_bone = 0.0;
  size_t n1 = 0, n2 = 0;
  for (int32_t z = 0; z < n; z++)
    for (int32_t y = 0; y < n; y++)
      for (int32_t x = 0; x < n; x++) {
        size_t i = (size_t)x + (size_t)n * ((size_t)y + (size_t)n * (size_t)z);
        int l = label ? label[i] : 1;
        double f = 0.0;
        if (l == 1) {
          f = k.frac[i];
          sum1 += f;
          if (k.is_plate[i]) plate_bone += f;
          n1++;
        } else if (l == 2) {
          f = pore_fraction(&pp, x * h, y * h, h);
          sum2 += f;
          n2++;
        }
        v->data[i] = (float)f;
      }

  out.bvtv = n1 ? sum1 / (double)n1 : 0.0;
  out.thickness_um = best.thickness;
  out.cell_um[0] = out.cell_um[1] = best.c / ANISOTROPY_CBRT;
  out.cell_um[2] = out.cell_um[0] * ANISOTROPY;
  out.element_share = best.s;
  out.plate_fraction = best.plate_share;
  out.rod_fraction = best.rod_share;
  out.plate_volume_share = sum1 > 0 ? plate_bone / sum1 : 0.0;
  out.cortex_porosity = n2 ? 1.0 - sum2 / (double)n2 : 0.0;
  out.tb_th_um = best.th;
  out.tb_sp_um = best.sp;
  if (info && !want_n) { /* Tb.Sp was not needed by the search */
    trial m = best;
    TRY(measure(&k, 1, &m));
    out.tb_sp_um = m.sp;
  }
  out.tb_n_per_mm = 1000.0 / (out.tb_th_um + out.tb_sp_um);
  CHECK(fabs(out.bvtv - p->bvtv) < 0.005, TB_ERR_INTERNAL,
        "phantom: BV/TV %.4f missed the target %.4f; try another --seed or a larger --size", out.bvtv,
        p->bvtv);
  /* A sample only a cell or two across cannot average the network out. */
  if (rel_miss(best.th, target_th) > WARN_TOL)
    tb_log_warn("phantom: Tb.Th came out %.0f um instead of %.0f um (BV/TV is still on target): the "
                "trabecular region holds only a few network cells; use a larger --size, a coarser --spacing "
                "or another --seed for a typical sample",
                best.th, target_th);
  if (want_n && rel_miss(best.th + best.sp, target_th + target_sp) > WARN_TOL)
    tb_log_warn("phantom: Tb.N came out %.2f /mm instead of %.2f /mm (Tb.Th %.0f um, Tb.Sp %.0f um)%s",
                1000.0 / (best.th + best.sp), p->tb_n_per_mm, best.th, best.sp,
                reachable ? "; use a larger --size or another --seed"
                          : ": the nearest a connected network of this BV/TV and Tb.Th reaches (the share of "
                            "cell edges and faces kept is at its bound; see phantom.h)");

  if (labels) {
    if (!label) {
      label = malloc(count);
      CHECK(label, TB_ERR_NOMEM, "out of memory for a %d^3 label map", n);
      memset(label, 1, count);
    }
    *labels = label;
    label = NULL;
  }
  if (info) *info = out;
  *bone = v;
  v = NULL;
cleanup:
  free(k.dist);
  free(k.frac);
  free(k.thick);
  free(k.is_plate);
  free(k.sel);
  free(label);
  tb_volume_destroy(&v);
  return st;
}
