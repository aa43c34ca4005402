/* Exact Euclidean distance transform and local thickness.
 *
 * EDT: Felzenszwalb & Huttenlocher (2012, Theory of Computing 8:415), the
 * lower envelope of parabolas along x, then y, then z; linear time, exact.
 * With a background edge each 1-D pass also holds background samples at -1
 * and n (the image padded with one background layer).
 *
 * Local thickness (Hildebrand & Ruegsegger 1997): thickness(p) is the
 * largest EDT(c) over the centres c whose sphere {q : |q - c|^2 < EDT(c)^2}
 * (corrected) or {q : |q - c|^2 <= EDT(c)^2} (BoneJ's closed sphere: the
 * same code with the geometric squared radius s + 1) holds p. Only spheres
 * not contained in a neighbour's sphere can matter (the distance ridge).
 * Containment is tested exactly on the voxel grid: the sphere of squared
 * radius s at c lies inside the one of squared radius s' at the neighbour
 * c + o iff s' > max{|p - o|^2 : |p|^2 < s}, tabulated once per s for each
 * neighbour class. The ridge
 * spheres are then painted in descending radius, so a voxel's first value is
 * its final one; each image row keeps one bit per voxel still to paint (a
 * 256-voxel row is 32 bytes, so the bits of a whole volume stay in cache),
 * and each (z, 64-voxel word) keeps one bit per row whose word still has
 * voxels to paint. A sphere then visits only the rows and words of each of
 * its planes that hold unpainted voxels, and one step per newly painted
 * voxel: late, mostly hidden spheres cost a few word tests per plane rather
 * than one per chord. z-slabs are painted in
 * parallel, each by one thread going through all spheres. */
#include "trabecula/morph.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ---- distance transform ------------------------------------------------ */

/* f: n samples (0 at background, INFINITY elsewhere or an earlier pass's
 * squared distance); d: result; v, zb: workspace of n + 2 and n + 3.
 * edge_bg: the samples at -1 and n (just outside the image) are background
 * too, as if the image were padded with one background layer; otherwise the
 * image edge is not a boundary. */
static inline double sample(const float *f, int n, int q) { return q < 0 || q >= n ? 0.0 : (double)f[q]; }

static void edt1d(const float *f, int n, int edge_bg, float *d, int *v, double *zb) {
  int k = -1;
  for (int q = edge_bg ? -1 : 0; q < (edge_bg ? n + 1 : n); q++) {
    double fq0 = sample(f, n, q);
    if (isinf(fq0)) continue;
    double fq = fq0 + (double)q * q;
    if (k < 0) {
      k = 0;
      v[0] = q;
      zb[0] = -INFINITY;
      zb[1] = INFINITY;
      continue;
    }
    double s;
    for (;;) {
      int p = v[k];
      s = (fq - (sample(f, n, p) + (double)p * p)) / (2.0 * (q - p));
      if (s > zb[k]) break;
      k--;
    }
    k++;
    v[k] = q;
    zb[k] = s;
    zb[k + 1] = INFINITY;
  }
  if (k < 0) {
    for (int q = 0; q < n; q++) d[q] = INFINITY;
    return;
  }
  int j = 0;
  for (int q = 0; q < n; q++) {
    while (zb[j + 1] < q) j++;
    double dq = q - v[j];
    d[q] = (float)(dq * dq + sample(f, n, v[j]));
  }
}

enum { ZBLOCK = 16 }; /* columns gathered together in the strided z pass */

typedef struct edt_ctx {
  const uint8_t *mask;
  int32_t nx, ny, nz;
  int32_t edge_bg;
  float *d;
  atomic_int failed;
} edt_ctx;

typedef struct workspace {
  float *f, *out;
  int *v;
  double *zb;
} workspace;

static int ws_alloc(workspace *w, int n, int cols) {
  w->f = malloc(sizeof(float) * (size_t)n * cols);
  w->out = malloc(sizeof(float) * (size_t)n);
  w->v = malloc(sizeof(int) * ((size_t)n + 2));
  w->zb = malloc(sizeof(double) * ((size_t)n + 3));
  return w->f && w->out && w->v && w->zb;
}

static void ws_free(workspace *w) {
  free(w->f);
  free(w->out);
  free(w->v);
  free(w->zb);
}

/* x then y within one z slice. */
static void pass_xy(void *arg, int64_t z) {
  edt_ctx *c = arg;
  int nx = c->nx, ny = c->ny;
  int n = nx > ny ? nx : ny;
  workspace w;
  if (!ws_alloc(&w, n, 1)) {
    atomic_store(&c->failed, 1);
    ws_free(&w);
    return;
  }
  float *slice = c->d + (size_t)z * nx * ny;
  const uint8_t *m = c->mask + (size_t)z * nx * ny;
  for (int y = 0; y < ny; y++) {
    for (int x = 0; x < nx; x++) w.f[x] = m[(size_t)y * nx + x] ? INFINITY : 0.0f;
    edt1d(w.f, nx, c->edge_bg, slice + (size_t)y * nx, w.v, w.zb);
  }
  for (int x = 0; x < nx; x++) {
    for (int y = 0; y < ny; y++) w.f[y] = slice[(size_t)y * nx + x];
    edt1d(w.f, ny, c->edge_bg, w.out, w.v, w.zb);
    for (int y = 0; y < ny; y++) slice[(size_t)y * nx + x] = w.out[y];
  }
  ws_free(&w);
}

/* z, for one y, in blocks of ZBLOCK x columns gathered together. */
static void pass_z(void *arg, int64_t y) {
  edt_ctx *c = arg;
  int nx = c->nx, ny = c->ny, nz = c->nz;
  size_t plane = (size_t)nx * ny;
  workspace w;
  if (!ws_alloc(&w, nz, ZBLOCK)) {
    atomic_store(&c->failed, 1);
    ws_free(&w);
    return;
  }
  for (int x0 = 0; x0 < nx; x0 += ZBLOCK) {
    int bw = nx - x0 < ZBLOCK ? nx - x0 : ZBLOCK;
    float *base = c->d + (size_t)y * nx + x0;
    for (int z = 0; z < nz; z++)
      for (int b = 0; b < bw; b++) w.f[(size_t)b * nz + z] = base[z * plane + b];
    for (int b = 0; b < bw; b++) {
      edt1d(w.f + (size_t)b * nz, nz, c->edge_bg, w.out, w.v, w.zb);
      memcpy(w.f + (size_t)b * nz, w.out, sizeof(float) * (size_t)nz);
    }
    for (int z = 0; z < nz; z++)
      for (int b = 0; b < bw; b++) base[z * plane + b] = w.f[(size_t)b * nz + z];
  }
  ws_free(&w);
}

tb_status tb_morph_edt_sq(const uint8_t *mask, const int32_t dims[3], float *dist_sq) {
  return tb_morph_edt_sq_edge(mask, dims, TB_MORPH_EDGE_CONTINUE, dist_sq);
}

tb_status tb_morph_edt_sq_edge(const uint8_t *mask, const int32_t dims[3], int32_t edge, float *dist_sq) {
  tb_status st = TB_OK;
  edt_ctx c = {.mask = mask,
               .nx = dims[0],
               .ny = dims[1],
               .nz = dims[2],
               .edge_bg = edge == TB_MORPH_EDGE_BACKGROUND,
               .d = dist_sq};
  atomic_init(&c.failed, 0);
  CHECK(dims[0] > 0 && dims[1] > 0 && dims[2] > 0, TB_ERR_INTERNAL, "distance transform of an empty grid");
  TRY(tb_morph_parallel_for(c.nz, pass_xy, &c));
  CHECK(!atomic_load(&c.failed), TB_ERR_NOMEM, "out of memory in the distance transform");
  TRY(tb_morph_parallel_for(c.ny, pass_z, &c));
  CHECK(!atomic_load(&c.failed), TB_ERR_NOMEM, "out of memory in the distance transform");
cleanup:
  return st;
}

/* ---- local thickness --------------------------------------------------- */

/* Largest a >= 0 with a*a < v (v >= 1). */
static inline int32_t isqrt_lt(int64_t v) {
  int64_t a = (int64_t)sqrt((double)(v - 1));
  while ((a + 1) * (a + 1) <= v - 1) a++;
  while (a > 0 && a * a > v - 1) a--;
  return (int32_t)a;
}

/* Neighbours within this Chebyshev distance are tested for containment. A
 * wider reach removes more spheres that are hidden by a sphere a few voxels
 * away (digital medial axes are thick), at a cost per voxel that stops at the
 * first container found. */
enum { REACH = 2, SIDE = 2 * REACH + 1, NCLASS = (REACH + 1) * (REACH + 2) * (REACH + 3) / 6 - 1 };

typedef struct neighbour {
  int8_t dx, dy, dz, cls;
} neighbour;

/* One ridge sphere, stored together so the painting streams through them. */
typedef struct sphere {
  int32_t x, y, z, s;
} sphere;

typedef struct lt_ctx {
  int32_t nx, ny, nz;
  int32_t closed;       /* 1: BoneJ's closed spheres |p - c|^2 <= s, 0: open |p - c|^2 < s */
  const uint8_t *paint; /* voxels to paint; NULL: the structure (s > 0) */
  const float *s;       /* squared EDT */
  const int32_t *cover; /* [NCLASS][smax + 1]: containment thresholds per neighbour class */
  int32_t smax;         /* largest geometric squared radius, s + closed */
  neighbour nb[SIDE * SIDE * SIDE - 1]; /* nearest first */
  int nnb;
  uint8_t *ridge;
  const sphere *order; /* ridge spheres, descending squared radius */
  int64_t nridge;
  uint64_t *todo;  /* per row, one bit per voxel: structure not yet painted */
  int32_t words;   /* 64-bit words per row */
  uint64_t *rows;  /* per (z, word): one bit per row y whose word still has bits */
  int32_t ywords;  /* 64-bit words per y column */
  float *out;
  int32_t nslab;
  atomic_int failed;
} lt_ctx;

/* Offset class: the sorted absolute offsets (a >= b >= c), numbered in the
 * order the loops below visit them. */
static int class_of(int a, int b, int c) {
  int t;
  if (a < b) t = a, a = b, b = t;
  if (b < c) t = b, b = c, c = t;
  if (a < b) t = a, a = b, b = t;
  int id = 0;
  for (int i = 0; i <= REACH; i++)
    for (int j = 0; j <= i; j++)
      for (int k = 0; k <= j; k++) {
        if (i == 0) continue;
        if (i == a && j == b && k == c) return id;
        id++;
      }
  return -1;
}

static void class_vector(int cls, int o[3]) {
  int id = 0;
  for (int i = 0; i <= REACH; i++)
    for (int j = 0; j <= i; j++)
      for (int k = 0; k <= j; k++) {
        if (i == 0) continue;
        if (id++ == cls) {
          o[0] = i, o[1] = j, o[2] = k;
          return;
        }
      }
}

static int cmp_neighbour(const void *pa, const void *pb) {
  const neighbour *a = pa, *b = pb;
  int da = a->dx * a->dx + a->dy * a->dy + a->dz * a->dz, db = b->dx * b->dx + b->dy * b->dy + b->dz * b->dz;
  if (da != db) return da - db;
  int ia = (a->dz * SIDE + a->dy) * SIDE + a->dx, ib = (b->dz * SIDE + b->dy) * SIDE + b->dx;
  return ia - ib;
}

static void build_neighbours(lt_ctx *c) {
  c->nnb = 0;
  for (int dz = -REACH; dz <= REACH; dz++)
    for (int dy = -REACH; dy <= REACH; dy++)
      for (int dx = -REACH; dx <= REACH; dx++) {
        if (!dx && !dy && !dz) continue;
        neighbour nb = {(int8_t)dx, (int8_t)dy, (int8_t)dz, (int8_t)class_of(abs(dx), abs(dy), abs(dz))};
        c->nb[c->nnb++] = nb;
      }
  qsort(c->nb, (size_t)c->nnb, sizeof c->nb[0], cmp_neighbour);
}

static void find_ridge(void *arg, int64_t z) {
  lt_ctx *c = arg;
  int nx = c->nx, ny = c->ny, nz = c->nz;
  size_t plane = (size_t)nx * ny;
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      size_t i = (size_t)x + (size_t)nx * ((size_t)y + (size_t)ny * z);
      float sc = c->s[i];
      c->ridge[i] = 0;
      if (!(sc > 0)) continue;
      int32_t si = (int32_t)sc + c->closed;
      int is_ridge = 1;
      for (int k = 0; k < c->nnb; k++) {
        const neighbour *nb = &c->nb[k];
        int xx = x + nb->dx, yy = y + nb->dy, zz = (int)z + nb->dz;
        if (xx < 0 || yy < 0 || zz < 0 || xx >= nx || yy >= ny || zz >= nz) continue;
        float sn = c->s[(size_t)xx + (size_t)nx * yy + plane * zz];
        if (sn + (float)c->closed > (float)c->cover[(size_t)nb->cls * (c->smax + 1) + si]) {
          is_ridge = 0;
          break;
        }
      }
      c->ridge[i] = (uint8_t)is_ridge;
    }
}

static void paint_slab(void *arg, int64_t slab) {
  lt_ctx *c = arg;
  int nx = c->nx, ny = c->ny, nz = c->nz;
  int z0 = (int)(slab * nz / c->nslab), z1 = (int)((slab + 1) * nz / c->nslab);
  const int words = c->words, ywords = c->ywords;
  for (int z = z0; z < z1; z++) {
    memset(c->rows + (size_t)z * words * ywords, 0, sizeof(uint64_t) * (size_t)words * ywords);
    for (int y = 0; y < ny; y++) {
      size_t row = (size_t)y + (size_t)ny * z;
      uint64_t *bits = c->todo + row * (size_t)words;
      const float *s = c->s + row * (size_t)nx;
      const uint8_t *pm = c->paint ? c->paint + row * (size_t)nx : NULL;
      memset(bits, 0, sizeof *bits * (size_t)words);
      for (int x = 0; x < nx; x++)
        if (pm ? pm[x] != 0 : s[x] > 0) bits[x >> 6] |= 1ull << (x & 63);
      for (int w = 0; w < words; w++)
        if (bits[w]) c->rows[((size_t)z * words + w) * ywords + (y >> 6)] |= 1ull << (y & 63);
    }
  }
  /* Chord half-widths of the current squared radius, by |dz| and |dy|:
   * spheres come sorted by radius, so the table changes rarely. */
  int32_t rmax = isqrt_lt((int64_t)c->smax) + 1;
  int32_t *half = malloc(sizeof *half * (size_t)(rmax + 1) * (rmax + 1));
  if (!half) {
    atomic_store(&c->failed, 1);
    return;
  }
  int64_t table_s = -1;
  for (int64_t r = 0; r < c->nridge; r++) {
    const sphere *sp = &c->order[r];
    int cx = sp->x, cy = sp->y, cz = sp->z;
    int64_t sc = sp->s;
    int32_t dzm = isqrt_lt(sc);
    int zlo = cz - dzm > z0 ? cz - dzm : z0;
    int zhi = cz + dzm < z1 - 1 ? cz + dzm : z1 - 1;
    if (zlo > zhi) continue;
    if (sc != table_s) {
      for (int32_t dz = 0; dz <= dzm; dz++)
        for (int32_t dy = 0; dy <= dzm; dy++) {
          int64_t q = sc - (int64_t)dz * dz - (int64_t)dy * dy;
          half[dz * (rmax + 1) + dy] = q > 0 ? isqrt_lt(q) : -1;
        }
      table_s = sc;
    }
    /* sc is the geometric squared radius: the sphere holds |p - c|^2 < sc. */
    float value = c->closed ? (float)(2.0 * sqrt((double)(sc - 1))) : (float)(2.0 * sqrt((double)sc) - 1.0);
    for (int z = zlo; z <= zhi; z++) {
      const int32_t *hz = half + abs(z - cz) * (rmax + 1);
      int32_t dym = hz[0]; /* the widest chord, at dy = 0, is also the y reach */
      int ylo = cy - dym > 0 ? cy - dym : 0;
      int yhi = cy + dym < ny - 1 ? cy + dym : ny - 1;
      int xlo = cx - dym > 0 ? cx - dym : 0;
      int xhi = cx + dym < nx - 1 ? cx + dym : nx - 1;
      /* Visit only the (row, word) pairs that still hold unpainted voxels. */
      for (int w = xlo >> 6; w <= xhi >> 6; w++) {
        uint64_t *ym = c->rows + ((size_t)z * words + w) * ywords;
        for (int yw = ylo >> 6; yw <= yhi >> 6; yw++) {
          uint64_t rm = ym[yw];
          if (yw == ylo >> 6) rm &= ~0ull << (ylo & 63);
          if (yw == yhi >> 6) rm &= ~0ull >> (63 - (yhi & 63));
          while (rm) {
            int yb = __builtin_ctzll(rm);
            rm &= rm - 1;
            int y = yw * 64 + yb;
            int32_t dxm = hz[abs(y - cy)];
            int a = cx - dxm > w * 64 ? cx - dxm : w * 64;
            int b = cx + dxm < w * 64 + 63 ? cx + dxm : w * 64 + 63;
            if (a > b) continue;
            size_t row = (size_t)y + (size_t)ny * z;
            uint64_t *bits = c->todo + row * (size_t)words + w;
            uint64_t m = *bits & (~0ull << (a & 63)) & (~0ull >> (63 - (b & 63)));
            if (!m) continue;
            *bits &= ~m;
            if (!*bits) ym[yw] &= ~(1ull << yb);
            float *o = c->out + row * (size_t)nx + (size_t)w * 64;
            while (m) {
              o[__builtin_ctzll(m)] = value;
              m &= m - 1;
            }
          }
        }
      }
    }
  }
  free(half);
}

/* cover[k][s] = max{|p - o_k|^2 : |p|^2 < s} for each offset class o_k
 * (components >= 0); a neighbour at offset class k whose squared EDT exceeds
 * it contains the sphere. The maximum over a sphere is reached with every
 * component of p <= 0, so one octant (all orders of components) suffices. */
static tb_status cover_table(int32_t smax, int32_t **out) {
  tb_status st = TB_OK;
  size_t n = (size_t)smax + 1;
  int32_t *g = NULL, *t = NULL;
  int o[NCLASS][3];
  *out = NULL;
  g = malloc(sizeof *g * NCLASS * n);
  t = malloc(sizeof *t * NCLASS * n);
  CHECK(g && t, TB_ERR_NOMEM, "out of memory for the local-thickness tables (largest radius %.0f voxels)",
        sqrt((double)smax));
  for (size_t i = 0; i < NCLASS * n; i++) g[i] = -1;
  for (int k = 0; k < NCLASS; k++) class_vector(k, o[k]);
  int32_t r = isqrt_lt(smax) + 1;
  for (int32_t a = 0; a <= r; a++)
    for (int32_t b = 0; b <= r; b++)
      for (int32_t cc = 0; cc <= r; cc++) {
        int64_t q = (int64_t)a * a + (int64_t)b * b + (int64_t)cc * cc;
        if (q >= smax) continue;
        for (int k = 0; k < NCLASS; k++) { /* p = (-a, -b, -cc) */
          int32_t m = (a + o[k][0]) * (a + o[k][0]) + (b + o[k][1]) * (b + o[k][1]) + (cc + o[k][2]) * (cc + o[k][2]);
          if (m > g[k * n + q]) g[k * n + q] = m;
        }
      }
  for (int k = 0; k < NCLASS; k++) {
    int32_t *tk = t + k * n;
    const int32_t *gk = g + k * n;
    tk[0] = -1;
    for (size_t q = 1; q < n; q++) tk[q] = gk[q - 1] > tk[q - 1] ? gk[q - 1] : tk[q - 1];
  }
  *out = t;
  t = NULL;
cleanup:
  free(g);
  free(t);
  return st;
}

/* ---- BoneJ's surface clean-up ------------------------------------------
 * Fiji's Clean_Up_Local_Thickness, run by LocalThicknessWrapper before the
 * map is masked with the structure: a painted voxel with an unpainted voxel
 * among its 26 neighbours inside the image (neighbours outside the image do
 * not count) takes the mean of its neighbours that are painted and have no
 * unpainted neighbour ("interior"), or keeps its value when it has none. */

/* out = 3x3x3 dilation of in, within the image (outside counts as 0); t is
 * workspace of the same size. Separable: along x, then y, then z. */
static void dilate26(const uint8_t *in, const int32_t dims[3], uint8_t *out, uint8_t *t) {
  const int nx = dims[0], ny = dims[1], nz = dims[2];
  const size_t plane = (size_t)nx * ny;
  for (int z = 0; z < nz; z++)
    for (int y = 0; y < ny; y++) {
      const uint8_t *a = in + z * plane + (size_t)y * nx;
      uint8_t *b = out + z * plane + (size_t)y * nx;
      for (int x = 0; x < nx; x++) b[x] = a[x] | (x > 0 ? a[x - 1] : 0) | (x < nx - 1 ? a[x + 1] : 0);
    }
  for (int z = 0; z < nz; z++)
    for (int y = 0; y < ny; y++) {
      const uint8_t *a = out + z * plane + (size_t)y * nx;
      const uint8_t *lo = y > 0 ? a - nx : a, *hi = y < ny - 1 ? a + nx : a;
      uint8_t *b = t + z * plane + (size_t)y * nx;
      for (int x = 0; x < nx; x++) b[x] = a[x] | lo[x] | hi[x];
    }
  for (int z = 0; z < nz; z++) {
    const uint8_t *a = t + z * plane;
    const uint8_t *lo = z > 0 ? a - plane : a, *hi = z < nz - 1 ? a + plane : a;
    uint8_t *b = out + z * plane;
    for (size_t i = 0; i < plane; i++) b[i] = a[i] | lo[i] | hi[i];
  }
}

typedef struct clean_ctx {
  int32_t nx, ny, nz;
  const uint8_t *mask;
  float *map;  /* painted map in, cleaned and masked map out */
  float *flag; /* 0 unpainted, -1 painted next to unpainted, else the value */
} clean_ctx;

static void clean_values(void *arg, int64_t z) {
  clean_ctx *c = arg;
  const int nx = c->nx, ny = c->ny, nz = c->nz;
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      size_t i = (size_t)x + (size_t)nx * ((size_t)y + (size_t)ny * z);
      if (!c->mask[i]) {
        c->map[i] = 0;
        continue;
      }
      if (c->flag[i] != -1) continue;
      double sum = 0;
      int cnt = 0;
      for (int dz = -1; dz <= 1; dz++)
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++) {
            int xx = x + dx, yy = y + dy, zz = (int)z + dz;
            if (xx < 0 || yy < 0 || zz < 0 || xx >= nx || yy >= ny || zz >= nz) continue;
            float f = c->flag[(size_t)xx + (size_t)nx * ((size_t)yy + (size_t)ny * zz)];
            if (f > 0) {
              sum += f;
              cnt++;
            }
          }
      if (cnt) c->map[i] = (float)(sum / cnt);
    }
}

tb_status tb_morph_local_thickness(const uint8_t *mask, const int32_t dims[3], float *thickness) {
  return tb_morph_local_thickness_conv(mask, dims, TB_MORPH_EDGE_CONTINUE, TB_MORPH_DIAMETER_CORRECTED, thickness);
}

tb_status tb_morph_local_thickness_conv(const uint8_t *mask, const int32_t dims[3], int32_t edge, int32_t diameter,
                                        float *thickness) {
  tb_status st = TB_OK;
  size_t n = (size_t)dims[0] * dims[1] * dims[2];
  float *s = NULL, *flag = NULL;
  uint8_t *ridge = NULL, *paint = NULL, *work = NULL, *near = NULL;
  int32_t *cover = NULL;
  uint64_t *todo = NULL, *rows = NULL;
  sphere *order = NULL;
  int64_t *start = NULL;
  const int bonej = diameter == TB_MORPH_DIAMETER_BONEJ;
  lt_ctx c = {.nx = dims[0], .ny = dims[1], .nz = dims[2], .closed = bonej};

  CHECK(edge == TB_MORPH_EDGE_CONTINUE || edge == TB_MORPH_EDGE_BACKGROUND, TB_ERR_INPUT,
        "local thickness: edge convention %d is not continue (%d) or background (%d)", edge, TB_MORPH_EDGE_CONTINUE,
        TB_MORPH_EDGE_BACKGROUND);
  CHECK(bonej || diameter == TB_MORPH_DIAMETER_CORRECTED, TB_ERR_INPUT,
        "local thickness: diameter convention %d is not bonej (%d) or corrected (%d)", diameter,
        TB_MORPH_DIAMETER_BONEJ, TB_MORPH_DIAMETER_CORRECTED);
  s = malloc(sizeof *s * n);
  CHECK(s, TB_ERR_NOMEM, "out of memory for the distance map of a %d x %d x %d volume", dims[0], dims[1], dims[2]);
  TRY(tb_morph_edt_sq_edge(mask, dims, edge, s));
  float smaxf = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i] > smaxf) smaxf = s[i];
  memset(thickness, 0, sizeof *thickness * n);
  if (smaxf == 0) goto cleanup; /* no structure */
  if (isinf(smaxf)) {           /* no background: no sphere is bounded */
    for (size_t i = 0; i < n; i++)
      if (mask[i]) thickness[i] = INFINITY;
    goto cleanup;
  }
  CHECK(smaxf < 16777216.0f, TB_ERR_INPUT,
        "local thickness: a structure %.0f voxels across is too large for exact float distances",
        2.0 * sqrt(smaxf));
  c.smax = (int32_t)smaxf + c.closed;
  c.s = s;
  c.out = thickness;
  TRY(cover_table(c.smax, &cover));
  c.cover = cover;

  ridge = malloc(n);
  CHECK(ridge, TB_ERR_NOMEM, "out of memory for the distance ridge");
  c.ridge = ridge;
  build_neighbours(&c);
  TRY(tb_morph_parallel_for(c.nz, find_ridge, &c));

  /* Counting sort by squared radius, descending; ties in index order. */
  start = calloc((size_t)c.smax + 2, sizeof *start);
  CHECK(start, TB_ERR_NOMEM, "out of memory sorting the distance ridge");
  int64_t nridge = 0;
  for (size_t i = 0; i < n; i++)
    if (ridge[i]) {
      start[c.smax - ((int32_t)s[i] + c.closed) + 1]++;
      nridge++;
    }
  for (int32_t k = 1; k <= c.smax + 1; k++) start[k] += start[k - 1];
  order = malloc(sizeof *order * (size_t)(nridge > 0 ? nridge : 1));
  CHECK(order, TB_ERR_NOMEM, "out of memory for %lld distance-ridge voxels", (long long)nridge);
  for (size_t i = 0; i < n; i++)
    if (ridge[i]) {
      int32_t si = (int32_t)s[i] + c.closed;
      sphere *sp = &order[start[c.smax - si]++];
      sp->x = (int32_t)(i % (size_t)c.nx);
      sp->y = (int32_t)(i / (size_t)c.nx % (size_t)c.ny);
      sp->z = (int32_t)(i / ((size_t)c.nx * c.ny));
      sp->s = si;
    }
  free(ridge);
  ridge = NULL;
  c.ridge = NULL;
  c.order = order;
  c.nridge = nridge;

  c.words = (c.nx + 63) / 64;
  todo = malloc(sizeof *todo * (size_t)c.words * c.ny * c.nz);
  CHECK(todo, TB_ERR_NOMEM, "out of memory for the local-thickness painting");
  c.todo = todo;
  c.ywords = (c.ny + 63) / 64;
  rows = malloc(sizeof *rows * (size_t)c.nz * c.words * c.ywords);
  CHECK(rows, TB_ERR_NOMEM, "out of memory for the local-thickness painting");
  c.rows = rows;
  if (bonej) {
    /* Closed spheres reach past the structure, and the clean-up sees what
     * they paint there: a voxel q of the sphere |q - c|^2 <= s outside the
     * structure lies at distance^2 s from c, so its step toward c is
     * nearer, in the structure, and a 26-neighbour: painting the structure
     * dilated by one voxel paints all they reach. */
    paint = malloc(n);
    work = malloc(n);
    CHECK(paint && work, TB_ERR_NOMEM, "out of memory for the local-thickness clean-up");
    dilate26(mask, dims, paint, work);
    c.paint = paint;
  }
  int nt = tb_morph_thread_count();
  c.nslab = c.nz < 4 * nt ? c.nz : 4 * nt;
  atomic_init(&c.failed, 0);
  TRY(tb_morph_parallel_for(c.nslab, paint_slab, &c));
  CHECK(!atomic_load(&c.failed), TB_ERR_NOMEM, "out of memory for the local-thickness painting");
  if (bonej) {
    flag = malloc(sizeof *flag * n);
    CHECK(flag, TB_ERR_NOMEM, "out of memory for the local-thickness clean-up");
    /* paint (no longer needed) becomes "unpainted", then "has an unpainted
     * 26-neighbour in the image" */
    for (size_t i = 0; i < n; i++) paint[i] = thickness[i] == 0;
    near = malloc(n);
    CHECK(near, TB_ERR_NOMEM, "out of memory for the local-thickness clean-up");
    dilate26(paint, dims, near, work);
    for (size_t i = 0; i < n; i++) flag[i] = thickness[i] == 0 ? 0.0f : near[i] ? -1.0f : thickness[i];
    clean_ctx cc = {.nx = c.nx, .ny = c.ny, .nz = c.nz, .mask = mask, .map = thickness, .flag = flag};
    TRY(tb_morph_parallel_for(c.nz, clean_values, &cc));
  }
cleanup:
  free(s);
  free(flag);
  free(paint);
  free(work);
  free(near);
  free(ridge);
  free(cover);
  free(todo);
  free(rows);
  free(order);
  free(start);
  return st;
}
