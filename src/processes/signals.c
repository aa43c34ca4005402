/* The signals process: the field table of the built-in signals and the
 * multigrid solve of every registered field (kernels/signals.cl).
 *
 * Stopping test, per field, on the fine residual r = S - A c:
 *     ||r||_2 <= max(tol k, 8 eps (k + 6 D)) ||c||_2   (sums over the organ)
 * With A = k I + D L and L positive semi-definite, ||A^-1||_2 = 1/k, so the
 * first term bounds the relative error ||c - c*||_2 / ||c||_2 by tol. The
 * second is the residual that rounding c to float32 alone leaves (eps =
 * 2^-24): a long-range field on small voxels (OPG, 300 um at 4 um voxels)
 * cannot go below it. A field whose sources have all stopped decays to zero;
 * ||c|| is floored at 1e-6 pM per voxel so that it still converges. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "trabecula/log.h"
#include "trabecula/process.h"

#define MAX_LEVELS 16
#define FIELD_FLOOR_PM 1e-6
#define FLOAT32_EPS 5.9604644775390625e-08 /* 2^-24, the unit roundoff of float32 */
#define SMOOTH_FINE 3   /* post-smoothing sweeps on the fine level (3: fewest passes per step, measured) */
#define SMOOTH_COARSE 1 /* pre- and post-smoothing sweeps on coarse levels */
#define COARSEST_SWEEPS 2
#define SMALL_LEVEL_CELLS 4096 /* coarse levels up to 16^3 run in one launch (mg_small_levels) */
#define SMALL_GROUP 64         /* its work-group */

/* The built-in signals: one row each (BioFVM's add_density), reach and
 * turnover from the [signals] section. */
typedef struct field_row {
  const char *name, *unit;
  size_t range_offset, decay_offset, tolerance_offset; /* tolerance: 0 = signals.tolerance */
  const char *help;
} field_row;
static const field_row field_table[] = {
    {"rankl", "pM", offsetof(tb_params, rankl_range_um), offsetof(tb_params, rankl_decay_per_day), 0,
     "RANKL: osteoclastogenesis signal of osteocytes, dead osteocytes and immune cells"},
    {"opg", "pM", offsetof(tb_params, opg_range_um), offsetof(tb_params, opg_decay_per_day), 0,
     "OPG: decoy receptor of RANKL"},
    {"sclerostin", "pM", offsetof(tb_params, sclerostin_range_um), offsetof(tb_params, sclerostin_decay_per_day), 0,
     "sclerostin: osteocytes' Wnt inhibitor"},
    {"tgfb", "pM", offsetof(tb_params, tgfb_range_um), offsetof(tb_params, tgfb_decay_per_day),
     offsetof(tb_params, tgfb_tolerance), "TGF-beta released from resorbed matrix: recruits osteoblasts"},
    {"tnf", "1", offsetof(tb_params, tnf_range_um), offsetof(tb_params, tnf_decay_per_day),
     offsetof(tb_params, cytokine_tolerance), "TNF-alpha of T cells and M1 macrophages, 1 = healthy open marrow"},
    {"il17", "1", offsetof(tb_params, il17_range_um), offsetof(tb_params, il17_decay_per_day),
     offsetof(tb_params, cytokine_tolerance), "IL-17 of Th17 cells, 1 = healthy open marrow"},
    {"il6", "1", offsetof(tb_params, il6_range_um), offsetof(tb_params, il6_decay_per_day),
     offsetof(tb_params, cytokine_tolerance), "IL-6 of M1 macrophages, neutrophils, mast cells, osteoblasts, 1 = healthy open marrow"},
};

typedef struct level {
  int32_t nx, ny, nz, n;
  tb_buf *wsum;          /* coarse levels: 64 x the prolongation weights from the next coarser level */
  tb_buf *geo, *c, *rhs; /* coarse levels only */
  tb_kernel *restrict_k, *smooth[2], *smooth_first, *prolong; /* coarse levels (the fine level's: fine_kernels) */
  tb_shape rows, pairs, items; /* items: the fine residual, one work-item per level-1 row */
} level;

/* The fine level's kernels over the fields [f_lo, f_hi): every field at
 * once, or (tb_dev_field_passes) one field each, which then runs its
 * prolongation, sweeps and residual one after another. */
typedef struct fine_kernels {
  tb_kernel *restrict_k, *smooth[2], *prolong;
} fine_kernels;

typedef struct signals {
  int32_t nf, nlevels;
  tb_kp_field fk[TB_MG_MAX_FIELDS];
  tb_buf *b_fk, *active, *norms, *faces;
  tb_reducer *red;
  level lv[MAX_LEVELS];
  fine_kernels all, each[TB_MG_MAX_FIELDS]; /* each: where field_passes */
  int field_passes;
  tb_shape items1; /* the fine residual of one field: one work-item per level-1 row */
  int32_t small; /* the first small level: it and those below run in one launch */
  tb_buf *small_geo, *small_wsum, *small_meta; /* their geometry, weights and extents, packed */
  tb_kernel *small_levels;
  tb_shape group;
  double tol[TB_MG_MAX_FIELDS], floor_c, ninside; /* floor_c: the smallest ||c|| the test divides by */
  int32_t max_cycles;
  int32_t act_host[TB_MG_MAX_FIELDS];
} signals;

/* Levels: halve (rounding up) down to a single cell, where the correction
 * equation is solved exactly. (A near-singular long-range field, k << D,
 * converges only if the coarsest level carries its smoothest modes exactly:
 * Gauss-Seidel on a few coarse cells damps them by about 1 - k N/(D F) per
 * sweep.) Returns the number of levels. */
static int32_t level_extents(const tb_kdomain *d, level *L) {
  int32_t nlevels = 1;
  L[0].nx = d->nx;
  L[0].ny = d->ny;
  L[0].nz = d->nz;
  L[0].n = d->nx * d->ny * d->nz;
  while (nlevels < MAX_LEVELS) {
    level *a = &L[nlevels - 1];
    if (a->n <= 1) break;
    level *b = &L[nlevels];
    b->nx = (a->nx + 1) / 2;
    b->ny = (a->ny + 1) / 2;
    b->nz = (a->nz + 1) / 2;
    b->n = b->nx * b->ny * b->nz;
    nlevels++;
  }
  return nlevels;
}

/* The first coarse level of at most SMALL_LEVEL_CELLS cells (the last
 * level has one). */
static int32_t first_small_level(const level *L, int32_t nlevels) {
  int32_t l = 1;
  while (l + 1 < nlevels && L[l].n > SMALL_LEVEL_CELLS) l++;
  return l;
}

static void level_names(int32_t l, char *c, char *rhs, size_t len) {
  snprintf(c, len, "mg_level%d_correction", (int)l);
  snprintf(rhs, len, "mg_level%d_rhs", (int)l);
}

static tb_status declare(tb_sim *s, const tb_params *p) {
  tb_status st = TB_OK;
  TRY(tb_sim_declare_array(s, &(tb_array_desc){"signal_faces", TB_TYPE_U8, 1, TB_EXTENT_VOXEL, 0, "flags", 0, 1,
                                               "faces open to the organ (bits 0-5) and inside (bit 6), from the compartments"}));
  for (size_t i = 0; i < sizeof field_table / sizeof field_table[0]; i++) {
    const field_row *r = &field_table[i];
    tb_field_desc d = {r->name, r->unit, *(const double *)((const char *)p + r->range_offset),
                       *(const double *)((const char *)p + r->decay_offset),
                       r->tolerance_offset ? *(const double *)((const char *)p + r->tolerance_offset) : 0.0,
                       r->help};
    TRY(tb_sim_add_field(s, &d));
  }
  /* Coarse levels' corrections and right-hand sides, every field: needed
   * only while a solve runs (scratch, shared with other processes'). */
  level L[MAX_LEVELS];
  int32_t nl = level_extents(tb_sim_domain(s), L), nf = tb_sim_field_count(s);
  if (nl < 2) return TB_OK; /* create reports the sample too small */
  int32_t small = first_small_level(L, nl);
  int64_t nsmall_cells = 0;
  for (int32_t l = 1; l < nl; l++) {
    if (l >= small) {
      nsmall_cells += L[l].n;
      continue;
    }
    char cn[64], rn[64];
    level_names(l, cn, rn, sizeof cn);
    TRY(tb_sim_declare_array(s, &(tb_array_desc){cn, TB_TYPE_F32, 1, TB_EXTENT_FIXED, (int64_t)L[l].n * nf, "pM",
                                                 TB_ARRAY_SCRATCH, 0, "multigrid: a coarse level's correction"}));
    TRY(tb_sim_declare_array(s, &(tb_array_desc){rn, TB_TYPE_F32, 1, TB_EXTENT_FIXED, (int64_t)L[l].n * nf,
                                                 "pM/day", TB_ARRAY_SCRATCH, 0,
                                                 "multigrid: a coarse level's right-hand side (restricted residual)"}));
  }
  TRY(tb_sim_declare_array(s, &(tb_array_desc){"mg_small_levels_correction", TB_TYPE_F32, 1, TB_EXTENT_FIXED,
                                               nsmall_cells * nf, "pM", TB_ARRAY_SCRATCH, 0,
                                               "multigrid: the small coarse levels' corrections, one after another"}));
  TRY(tb_sim_declare_array(s, &(tb_array_desc){"mg_small_levels_rhs", TB_TYPE_F32, 1, TB_EXTENT_FIXED,
                                               nsmall_cells * nf, "pM/day", TB_ARRAY_SCRATCH, 0,
                                               "multigrid: the small coarse levels' right-hand sides"}));
cleanup:
  return st;
}

/* 64 x the sum of the trilinear weights (kernels/signals.cl prolong_at) of
 * the coarse cells inside the organ, per cell of the finer level; 0 where
 * the finer cell is outside (ins, NULL = all inside) or has no inside
 * coarse neighbour. */
static void prolong_weights(const float *gc, int cnx, int cny, int cnz, int nx, int ny, int nz, const float *gf,
                            uint8_t *w) {
  for (int z = 0; z < nz; z++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++) {
        size_t i = (size_t)x + (size_t)nx * (y + (size_t)ny * z);
        int sum = 0;
        if (gf[4 * i] > 0.0f) {
          int X[2] = {x / 2, 0}, Y[2] = {y / 2, 0}, Z[2] = {z / 2, 0};
          X[1] = X[0] + (x % 2 ? 1 : -1);
          Y[1] = Y[0] + (y % 2 ? 1 : -1);
          Z[1] = Z[0] + (z % 2 ? 1 : -1);
          X[1] = X[1] < 0 ? 0 : X[1] >= cnx ? cnx - 1 : X[1];
          Y[1] = Y[1] < 0 ? 0 : Y[1] >= cny ? cny - 1 : Y[1];
          Z[1] = Z[1] < 0 ? 0 : Z[1] >= cnz ? cnz - 1 : Z[1];
          for (int kz = 0; kz < 2; kz++)
            for (int ky = 0; ky < 2; ky++)
              for (int kx = 0; kx < 2; kx++) {
                size_t J = (size_t)X[kx] + (size_t)cnx * (Y[ky] + (size_t)cny * Z[kz]);
                if (gc[4 * J] > 0.0f) sum += (kx ? 1 : 3) * (ky ? 1 : 3) * (kz ? 1 : 3);
              }
        }
        w[i] = (uint8_t)sum;
      }
}

/* Coarse geometry on the host: N (inside fine voxels) and F (open fine
 * faces towards +x, +y, +z) per cell, level by level. */
static void coarsen_geometry(const float *g, int nx, int ny, int nz, float *gc, int cnx, int cny, int cnz) {
  memset(gc, 0, (size_t)cnx * cny * cnz * 4 * sizeof(float));
  for (int z = 0; z < nz; z++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++) {
        const float *a = g + 4 * ((size_t)x + (size_t)nx * (y + (size_t)ny * z));
        float *A = gc + 4 * ((size_t)(x / 2) + (size_t)cnx * (y / 2 + (size_t)cny * (z / 2)));
        A[0] += a[0];
        /* A fine face towards +x crosses the coarse face when x is the
         * last child along x; otherwise it is internal to the cell. */
        if (x % 2 == 1 || x + 1 == nx) A[1] += a[1];
        if (y % 2 == 1 || y + 1 == ny) A[2] += a[2];
        if (z % 2 == 1 || z + 1 == nz) A[3] += a[3];
      }
}

/* The device holds a level's geometry as four planes of n cells (N, F+x,
 * F+y, F+z: kernels/signals.cl coarse_offdiag_sum), which rows of cells
 * load sixteen at a time; the host builds it as (N, F+x, F+y, F+z) per cell. */
static void geometry_planes(const float *g, size_t n, float *planes) {
  for (size_t i = 0; i < n; i++)
    for (size_t q = 0; q < 4; q++) planes[q * n + i] = g[4 * i + q];
}

static tb_status write_geometry_planes(tb_device *dev, tb_buf *b, const float *g, size_t n) {
  tb_status st = TB_OK;
  float *planes = malloc(n * 4 * sizeof(float));
  CHECK(planes, TB_ERR_NOMEM, "out of memory");
  geometry_planes(g, n, planes);
  st = tb_dev_write(dev, b, 0, n * 4 * sizeof(float), planes);
cleanup:
  free(planes);
  return st;
}

/* The small levels (o->small and below) for mg_small_levels: their
 * corrections and right-hand sides one after another in one array each
 * (the first small level at offset 0, where the level above restricts into
 * and prolongs from), their geometry planes, prolongation weights (onto
 * level l from l + 1) and extents packed the same way. g: every level's
 * geometry, (N, F+x, F+y, F+z) per cell. */
static tb_status pack_small_levels(tb_sim *s, signals *o, float *const *g) {
  tb_status st = TB_OK;
  tb_device *dev = tb_sim_device(s);
  level *L = o->lv;
  int32_t ns = o->nlevels - o->small;
  size_t cells = 0, wcells = 0;
  for (int32_t l = o->small; l < o->nlevels; l++) cells += (size_t)L[l].n;
  for (int32_t l = o->small; l + 1 < o->nlevels; l++) wcells += (size_t)L[l].n;
  float *geo = malloc(cells * 4 * sizeof(float));
  uint8_t *w = malloc(wcells + 1);
  int32_t *meta = calloc((size_t)ns * 8, sizeof(int32_t));
  CHECK(geo && w && meta, TB_ERR_NOMEM, "out of memory");
  size_t oc = 0, og = 0, ow = 0;
  for (int32_t l = o->small, j = 0; l < o->nlevels; l++, j++) {
    size_t n = (size_t)L[l].n;
    int32_t *m = meta + 8 * j;
    m[0] = L[l].nx;
    m[1] = L[l].ny;
    m[2] = L[l].nz;
    m[3] = l;
    m[4] = (int32_t)(oc * (size_t)o->nf);
    m[5] = (int32_t)og;
    m[6] = (int32_t)ow;
    geometry_planes(g[l], n, geo + og);
    if (l + 1 < o->nlevels) {
      prolong_weights(g[l + 1], L[l + 1].nx, L[l + 1].ny, L[l + 1].nz, L[l].nx, L[l].ny, L[l].nz, g[l], w + ow);
      ow += n;
    }
    oc += n;
    og += 4 * n;
  }
  TRY(tb_sim_array(s, "mg_small_levels_correction", &L[o->small].c));
  TRY(tb_sim_array(s, "mg_small_levels_rhs", &L[o->small].rhs));
  CHECK(tb_buf_size(L[o->small].c) == cells * (size_t)o->nf * sizeof(float), TB_ERR_INTERNAL,
        "a field was added after the signals process declared its levels: it must stay last in the table");
  TRY(tb_dev_alloc(dev, cells * 4 * sizeof(float), &o->small_geo));
  TRY(tb_dev_write(dev, o->small_geo, 0, cells * 4 * sizeof(float), geo));
  TRY(tb_dev_alloc(dev, wcells + 1, &o->small_wsum));
  TRY(tb_dev_write(dev, o->small_wsum, 0, wcells + 1, w));
  TRY(tb_dev_alloc(dev, (size_t)ns * 8 * sizeof(int32_t), &o->small_meta));
  TRY(tb_dev_write(dev, o->small_meta, 0, (size_t)ns * 8 * sizeof(int32_t), meta));
cleanup:
  free(geo);
  free(w);
  free(meta);
  return st;
}

/* The fine level's kernels over the fields [f_lo, f_hi), bound: to the
 * field block for every field, to the field's own views (its
 * concentration and source) for one, so that each launch names the
 * arrays it touches (tb_kernel_traffic, the bench's byte counts). */
static tb_status fine_bind(tb_sim *s, signals *o, int32_t f_lo, int32_t f_hi, fine_kernels *k) {
  tb_status st = TB_OK;
  tb_buf *dom = tb_sim_domain_buf(s), *fields = NULL, *sources = NULL;
  size_t fstride = 0;
  TRY(tb_sim_field_block(s, &fields, &sources, &fstride));
  if (f_hi - f_lo == 1 && o->nf > 1) {
    char source[96];
    const char *name = tb_sim_field(s, f_lo)->name;
    snprintf(source, sizeof source, "%s_source", name);
    TRY(tb_sim_array(s, name, &fields));
    TRY(tb_sim_array(s, source, &sources));
  }
  int32_t fs = (int32_t)fstride;
  level *L1 = &o->lv[1];
  TRY(tb_sim_kernel(s, "mg_restrict_fine", &k->restrict_k));
  TRY(TB_BIND(k->restrict_k, TB_BUF(dom), TB_BUF(o->b_fk), TB_BUF(o->active), TB_I32(f_lo), TB_I32(f_hi),
              TB_BUF(o->faces), TB_BUF(fields), TB_BUF(sources), TB_I32(fs), TB_I32(L1->nx), TB_I32(L1->ny),
              TB_I32(L1->nz), TB_BUF(L1->rhs), TB_BUF(o->norms)));
  for (int c = 0; c < 2; c++) {
    TRY(tb_sim_kernel(s, "mg_smooth_fine", &k->smooth[c]));
    TRY(TB_BIND(k->smooth[c], TB_BUF(dom), TB_BUF(o->b_fk), TB_BUF(o->active), TB_I32(f_lo), TB_I32(f_hi),
                TB_BUF(o->faces), TB_BUF(fields), TB_BUF(sources), TB_I32(fs), TB_I32(c)));
  }
  TRY(tb_sim_kernel(s, "mg_prolong_fine", &k->prolong));
  TRY(TB_BIND(k->prolong, TB_BUF(dom), TB_BUF(o->active), TB_I32(f_lo), TB_I32(f_hi), TB_BUF(o->faces),
              TB_BUF(fields), TB_I32(fs), TB_I32(L1->nx), TB_I32(L1->ny), TB_I32(L1->nz), TB_BUF(L1->c)));
cleanup:
  return st;
}

static tb_status create(tb_sim *s, const tb_params *p, void **state) {
  tb_status st = TB_OK;
  signals *o = calloc(1, sizeof *o);
  float *g[MAX_LEVELS] = {NULL};
  uint8_t *comp = NULL, *faces = NULL;
  tb_buf *bc = NULL;
  CHECK(o, TB_ERR_NOMEM, "out of memory");
  *state = o;
  tb_device *dev = tb_sim_device(s);
  const tb_kdomain *d = tb_sim_domain(s);
  o->nf = tb_sim_field_count(s);
  CHECK(o->nf >= 1 && o->nf <= TB_MG_MAX_FIELDS, TB_ERR_INTERNAL, "%d fields: the solver takes 1 to %d", (int)o->nf,
        TB_MG_MAX_FIELDS);
  o->max_cycles = (int32_t)p->max_cycles;
  double h = d->h_um;
  for (int32_t f = 0; f < o->nf; f++) {
    const tb_field_desc *fd = tb_sim_field(s, f);
    o->tol[f] = fd->tolerance > 0 ? fd->tolerance : p->tolerance;
    o->fk[f].decay_per_day = (float)fd->decay_per_day;
    o->fk[f].coupling_per_day = (float)(fd->decay_per_day * fd->range_um * fd->range_um / (h * h));
  }
  TRY(tb_sim_constants(s, o->fk, sizeof o->fk, &o->b_fk));
  TRY(tb_dev_alloc(dev, TB_MG_MAX_FIELDS * sizeof(int32_t), &o->active));
  TRY(tb_sim_array(s, "compartment", &bc));
  TRY(tb_sim_array(s, "signal_faces", &o->faces));

  level *L = o->lv;
  o->nlevels = level_extents(d, L);
  CHECK(o->nlevels >= 2, TB_ERR_INPUT, "the sample (%d x %d x %d voxels) is too small for the field solver", d->nx,
        d->ny, d->nz);

  /* Geometry: fine level from the compartments, then coarsened. */
  size_t n0 = (size_t)L[0].n;
  comp = malloc(n0);
  for (int32_t l = 0; l < o->nlevels; l++) g[l] = malloc((size_t)L[l].n * 4 * sizeof(float));
  CHECK(comp, TB_ERR_NOMEM, "out of memory");
  for (int32_t l = 0; l < o->nlevels; l++) CHECK(g[l], TB_ERR_NOMEM, "out of memory");
  TRY(tb_dev_read(dev, bc, 0, n0, comp));
  /* The open faces of each fine voxel, once: the fine kernels read them as
   * bits, level 0 of the coarsening as counts (N and the +x, +y, +z faces). */
  faces = malloc(n0);
  CHECK(faces, TB_ERR_NOMEM, "out of memory");
  o->ninside = 0;
  for (int z = 0; z < d->nz; z++)
    for (int y = 0; y < d->ny; y++)
      for (int x = 0; x < d->nx; x++) {
        size_t i = (size_t)x + (size_t)d->nx * (y + (size_t)d->ny * z);
        uint8_t m = 0;
        if (comp[i] != TB_COMP_OUTSIDE) {
          m = 0x40;
          if (x + 1 < d->nx && comp[i + 1]) m |= 1;
          if (x > 0 && comp[i - 1]) m |= 2;
          if (y + 1 < d->ny && comp[i + (size_t)d->nx]) m |= 4;
          if (y > 0 && comp[i - (size_t)d->nx]) m |= 8;
          if (z + 1 < d->nz && comp[i + (size_t)d->nx * d->ny]) m |= 16;
          if (z > 0 && comp[i - (size_t)d->nx * d->ny]) m |= 32;
        }
        faces[i] = m;
        float *a = g[0] + 4 * i;
        a[0] = (float)((m >> 6) & 1);
        a[1] = (float)(m & 1);
        a[2] = (float)((m >> 2) & 1);
        a[3] = (float)((m >> 4) & 1);
        o->ninside += a[0];
      }
  TRY(tb_dev_write(dev, o->faces, 0, n0, faces));
  o->small = first_small_level(L, o->nlevels);
  for (int32_t l = 1; l < o->nlevels; l++) {
    coarsen_geometry(g[l - 1], L[l - 1].nx, L[l - 1].ny, L[l - 1].nz, g[l], L[l].nx, L[l].ny, L[l].nz);
    if (l >= o->small) continue; /* packed below */
    TRY(tb_dev_alloc(dev, (size_t)L[l].n * 4 * sizeof(float), &L[l].geo));
    TRY(write_geometry_planes(dev, L[l].geo, g[l], (size_t)L[l].n));
    char cn[64], rn[64];
    level_names(l, cn, rn, sizeof cn);
    TRY(tb_sim_array(s, cn, &L[l].c));
    TRY(tb_sim_array(s, rn, &L[l].rhs));
    CHECK(tb_buf_size(L[l].c) == (size_t)L[l].n * o->nf * sizeof(float), TB_ERR_INTERNAL,
          "a field was added after the signals process declared its levels: it must stay last in the table");
  }
  for (int32_t l = 1; l < o->small; l++) { /* the fine level injects (mg_prolong_fine) */
    uint8_t *w = malloc((size_t)L[l].n);
    CHECK(w, TB_ERR_NOMEM, "out of memory");
    prolong_weights(g[l + 1], L[l + 1].nx, L[l + 1].ny, L[l + 1].nz, L[l].nx, L[l].ny, L[l].nz, g[l], w);
    st = tb_dev_alloc(dev, (size_t)L[l].n, &L[l].wsum);
    if (st == TB_OK) st = tb_dev_write(dev, L[l].wsum, 0, (size_t)L[l].n, w);
    free(w);
    TRY(st);
  }
  TRY(pack_small_levels(s, o, g));
  o->floor_c = FIELD_FLOOR_PM * sqrt(fmax(o->ninside, 1.0));

  /* Kernels, bound once per level. */
  int32_t nf = o->nf;
  int32_t rows1 = L[1].ny * L[1].nz;
  TRY(tb_dev_alloc(dev, (size_t)rows1 * 2 * o->nf * sizeof(float), &o->norms));
  TRY(tb_reducer_create(s, o->norms, rows1, 2 * o->nf, &o->red));
  o->field_passes = tb_dev_field_passes(dev) && nf > 1;
  TRY(fine_bind(s, o, 0, nf, &o->all));
  for (int32_t f = 0; o->field_passes && f < nf; f++) TRY(fine_bind(s, o, f, f + 1, &o->each[f]));
  /* One work-item per level-1 row and field on every device (mg_restrict_fine). */
  tb_dev_shape_items(dev, L[1].ny, L[1].nz, nf, &L[0].items);
  tb_dev_shape_items(dev, L[1].ny, L[1].nz, 1, &o->items1);
  tb_dev_shape_planes(dev, L[0].nx, L[0].ny, L[0].nz, &L[0].rows);
  tb_dev_shape_planes(dev, (L[0].nx + 1) / 2, L[0].ny, L[0].nz, &L[0].pairs);
  for (int32_t l = 1; l < o->small; l++) {
    level *a = &L[l];
    float scale = (float)ldexp(1.0, -(int)l);
    for (int c = 0; c < 3; c++) {
      tb_kernel **k = c < 2 ? &a->smooth[c] : &a->smooth_first;
      TRY(tb_sim_kernel(s, "mg_smooth", k));
      TRY(TB_BIND(*k, TB_BUF(o->b_fk), TB_BUF(o->active), TB_I32(nf), TB_F32(scale), TB_I32(a->nx), TB_I32(a->ny),
                  TB_I32(a->nz), TB_BUF(a->geo), TB_BUF(a->c), TB_BUF(a->rhs), TB_I32(c % 2), TB_I32(c == 2)));
    }
    tb_dev_shape_rows(dev, a->nx, a->ny, a->nz, &a->rows);
    tb_dev_shape_rows(dev, (a->nx + 1) / 2, a->ny, a->nz, &a->pairs);
    {
      level *b = &L[l + 1];
      TRY(tb_sim_kernel(s, "mg_restrict", &a->restrict_k));
      TRY(TB_BIND(a->restrict_k, TB_BUF(o->b_fk), TB_BUF(o->active), TB_I32(nf), TB_F32(scale), TB_I32(a->nx),
                  TB_I32(a->ny), TB_I32(a->nz), TB_BUF(a->geo), TB_BUF(a->c), TB_BUF(a->rhs), TB_I32(b->nx),
                  TB_I32(b->ny), TB_I32(b->nz), TB_BUF(b->rhs)));
      TRY(tb_sim_kernel(s, "mg_prolong", &a->prolong));
      TRY(TB_BIND(a->prolong, TB_BUF(o->active), TB_I32(nf), TB_I32(a->nx), TB_I32(a->ny), TB_I32(a->nz),
                  TB_BUF(a->wsum), TB_BUF(a->c), TB_I32(b->nx), TB_I32(b->ny), TB_I32(b->nz), TB_BUF(b->c)));
    }
  }
  /* The launch that restricts into the first small level (from level
   * small - 1, or the fine level's mg_restrict_fine) runs over its cells. */
  tb_dev_shape_rows(dev, L[o->small].nx, L[o->small].ny, L[o->small].nz, &L[o->small].rows);
  TRY(tb_sim_kernel(s, "mg_small_levels", &o->small_levels));
  TRY(TB_BIND(o->small_levels, TB_BUF(o->b_fk), TB_BUF(o->active), TB_I32(nf), TB_I32(o->nlevels - o->small),
              TB_BUF(o->small_meta), TB_BUF(o->small_geo), TB_BUF(L[o->small].c), TB_BUF(L[o->small].rhs),
              TB_BUF(o->small_wsum), TB_I32(SMOOTH_COARSE), TB_I32(COARSEST_SWEEPS)));
  tb_dev_shape_group(dev, SMALL_GROUP, &o->group);
cleanup:
  free(comp);
  free(faces);
  for (int32_t l = 0; l < MAX_LEVELS; l++) free(g[l]);
  return st;
}

/* sweeps red-black sweeps; from_zero: the level's correction starts at 0. */
static tb_status smooth(tb_sim *s, level *a, int sweeps, int from_zero) {
  tb_status st = TB_OK;
  for (int k = 0; k < sweeps; k++)
    for (int c = 0; c < 2; c++)
      TRY(tb_sim_run_shape(s, (k == 0 && c == 0 && from_zero) ? a->smooth_first : a->smooth[c], &a->pairs));
cleanup:
  return st;
}

/* The fine level of a cycle for the fields of k: prolongation, sweeps,
 * and the residual (restricted, its norms per row) that the next check
 * judges. */
static tb_status fine_cycle(tb_sim *s, signals *o, const fine_kernels *k, const tb_shape *items) {
  tb_status st = TB_OK;
  level *a = &o->lv[0];
  TRY(tb_sim_run_shape(s, k->prolong, &a->rows));
  for (int sweep = 0; sweep < SMOOTH_FINE; sweep++)
    for (int c = 0; c < 2; c++) TRY(tb_sim_run_shape(s, k->smooth[c], &a->pairs));
  TRY(tb_sim_run_shape(s, k->restrict_k, items));
cleanup:
  return st;
}

/* One V-cycle from the level-1 right-hand side already restricted, ending
 * with the next fine residual. */
static tb_status vcycle(tb_sim *s, signals *o) {
  tb_status st = TB_OK;
  level *L = o->lv;
  for (int32_t l = 1; l < o->small; l++) {
    TRY(smooth(s, &L[l], SMOOTH_COARSE, 1));
    TRY(tb_sim_run_shape(s, L[l].restrict_k, &L[l + 1].rows));
  }
  TRY(tb_sim_run_shape(s, o->small_levels, &o->group)); /* the small levels down and up again */
  for (int32_t l = o->small - 1; l >= 1; l--) {
    TRY(tb_sim_run_shape(s, L[l].prolong, &L[l].rows));
    TRY(smooth(s, &L[l], SMOOTH_COARSE, 0));
  }
  if (!o->field_passes) {
    TRY(fine_cycle(s, o, &o->all, &L[0].items));
  } else {
    for (int32_t f = 0; f < o->nf; f++)
      if (o->act_host[f]) TRY(fine_cycle(s, o, &o->each[f], &o->items1));
  }
cleanup:
  return st;
}

/* The norms of the residual just computed (mg_restrict_fine), reduced on
 * the device, a handful of numbers read back; sets the active flags.
 * Returns the number still active. */
static tb_status check(tb_sim *s, signals *o, int32_t *nactive, double *worst) {
  tb_status st = TB_OK;
  double sums[2 * TB_MG_MAX_FIELDS];
  TRY(tb_reducer_run(s, o->red, sums));
  *nactive = 0;
  *worst = 0.0;
  for (int32_t f = 0; f < o->nf; f++) {
    if (!o->act_host[f]) continue;
    double k = o->fk[f].decay_per_day, D = o->fk[f].coupling_per_day;
    double rn = sqrt(fmax(sums[2 * f], 0.0)), cn = fmax(sqrt(fmax(sums[2 * f + 1], 0.0)), o->floor_c);
    double goal = fmax(o->tol[f] * k, 8.0 * FLOAT32_EPS * (k + 6.0 * D)) * cn;
    double rel = rn / (k * cn);
    if (rel / o->tol[f] > *worst) *worst = rel / o->tol[f];
    if (rn > goal) (*nactive)++;
    else o->act_host[f] = 0;
  }
cleanup:
  return st;
}

static tb_status solve(tb_sim *s, signals *o, int32_t max_cycles) {
  tb_status st = TB_OK;
  tb_solver_stats ss = {0, 0, 0.0};
  int32_t nactive = 0;
  for (int32_t f = 0; f < o->nf; f++) o->act_host[f] = 1;
  TRY(tb_dev_write(tb_sim_device(s), o->active, 0, (size_t)o->nf * sizeof(int32_t), o->act_host));
  /* The coarse corrections are scratch another process may have used: the
   * cells outside the organ must read 0 (the smoothers and prolongations
   * weight them by 0 and skip them, which NaN would survive). */
  for (int32_t l = 1; l <= o->small; l++) TRY(tb_dev_fill_zero(tb_sim_device(s), o->lv[l].c)); /* the small ones in one */
  TRY(tb_sim_run_shape(s, o->all.restrict_k, &o->lv[0].items)); /* every field's residual; then each cycle's */
  for (;;) {
    TRY(check(s, o, &nactive, &ss.max_rel_residual));
    ss.checks++;
    if (nactive == 0) break;
    if (ss.cycles >= max_cycles) {
      char names[512] = "";
      for (int32_t f = 0; f < o->nf; f++)
        if (o->act_host[f]) {
          size_t used = strlen(names);
          snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", tb_sim_field(s, f)->name);
        }
      CHECK(0, TB_ERR_INPUT,
            "the signal%s %s did not converge in signals.max_cycles = %d multigrid cycles (relative residual "
            "%.3g times its tolerance); raise signals.max_cycles or signals.tolerance",
            nactive > 1 ? "s" : "", names, (int)max_cycles, ss.max_rel_residual);
    }
    /* The converged fields drop out of the next cycle. */
    TRY(tb_dev_write(tb_sim_device(s), o->active, 0, (size_t)o->nf * sizeof(int32_t), o->act_host));
    TRY(vcycle(s, o));
    ss.cycles++;
  }
  tb_sim_report_solver(s, &ss);
cleanup:
  return st;
}

/* The initial fields, from zero, once every process has added its initial
 * sources (this process is last in the table): more cycles allowed than a
 * warm step. */
static tb_status initial_solve(tb_sim *s, void *state) {
  signals *o = state;
  return solve(s, o, 4 * o->max_cycles);
}

static tb_status step(tb_sim *s, void *state) {
  signals *o = state;
  return solve(s, o, o->max_cycles);
}

static void destroy(void **state) {
  signals *o = *state;
  if (!o) return;
  for (int32_t l = 0; l < MAX_LEVELS; l++) {
    tb_dev_free(&o->lv[l].geo);
    tb_dev_free(&o->lv[l].wsum);
  }
  tb_dev_free(&o->small_geo);
  tb_dev_free(&o->small_wsum);
  tb_dev_free(&o->small_meta);
  tb_dev_free(&o->active);
  tb_dev_free(&o->norms);
  tb_reducer_destroy(&o->red);
  free(o);
  *state = NULL;
}

static const char *const files[] = {"signals.cl", NULL};
const tb_process_type tb_process_signals = {.name = "signals", .kernel_files = files, .declare = declare,
                                            .create = create, .initial_sources = initial_solve, .step = step, .destroy = destroy};
