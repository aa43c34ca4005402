/* Euler characteristic of a voxel structure, bone 26-connected and marrow
 * 6-connected, and the Odgaard & Gundersen (1993) edge correction.
 *
 * The structure is the union of closed unit cubes, one per voxel; its Euler
 * characteristic is V - E + F - C over the vertices, edges, faces and cubes
 * of that complex. Each grid vertex sees a 2x2x2 octant of voxels: the
 * vertex is present if any of them is, each of its 6 incident edges if any
 * of the 4 voxels around the edge is, each of its 12 incident faces if either
 * voxel beside it is, and each of the 8 cubes if that voxel is. An edge has 2
 * vertices, a face 4 and a cube 8, so chi = sum over octants of
 * [vertex] - edges/2 + faces/4 - cubes/8: a 256-entry table built here from
 * that rule (the same sum as BoneJ's Connectivity and Toriwaki & Yonekura's
 * delta-Euler table).
 *
 * Edge correction: tile space with copies of the sample box whose faces pass
 * through the centres of its outer voxel layers. By inclusion-exclusion the
 * structure's Euler characteristic is the sum over boxes of chi(box) minus
 * the faces' (each shared by 2 boxes), plus the edges' (4), minus the
 * corners' (8), so one box contributes
 *   delta_chi = chi - 1/2 sum chi2(faces) + 1/4 sum chi1(edges) - 1/8 corners,
 * where a face's chi2 is the 2-D Euler number of the outer voxel layer
 * (8-connected squares), an edge's chi1 the number of runs in the outer voxel
 * row, and a corner counts 1 when its voxel is in the structure. */
#include "trabecula/morph.h"

#include <stdlib.h>

/* 8 x the contribution of one octant; bit (dx + 2 dy + 4 dz) is the voxel
 * at offset (dx, dy, dz) from the octant's low corner. */
static void build_lut3(int lut[256]) {
  for (int cfg = 0; cfg < 256; cfg++) {
    int v = cfg != 0, e = 0, f = 0, c = 0;
#define B(dx, dy, dz) ((cfg >> ((dx) + 2 * (dy) + 4 * (dz))) & 1)
    /* Edges incident to the vertex: toward -x the 4 voxels with dx = 0
     * surround it, toward +x those with dx = 1; likewise y, z. */
    for (int side = 0; side < 2; side++) {
      e += B(side, 0, 0) | B(side, 1, 0) | B(side, 0, 1) | B(side, 1, 1); /* x edge */
      e += B(0, side, 0) | B(1, side, 0) | B(0, side, 1) | B(1, side, 1); /* y edge */
      e += B(0, 0, side) | B(1, 0, side) | B(0, 1, side) | B(1, 1, side); /* z edge */
    }
    /* Faces incident to the vertex: in the plane normal to x, one per
     * (y side, z side), between the two voxels across x; likewise y, z. */
    for (int p = 0; p < 2; p++)
      for (int q = 0; q < 2; q++) {
        f += B(0, p, q) | B(1, p, q);
        f += B(p, 0, q) | B(p, 1, q);
        f += B(p, q, 0) | B(p, q, 1);
      }
    for (int i = 0; i < 8; i++) c += (cfg >> i) & 1;
#undef B
    lut[cfg] = 8 * v - 4 * e + 2 * f - c;
  }
}

/* 4 x the contribution of one 2-D quad (bit dx + 2 dy). */
static int lut2(int cfg) {
#define B(dx, dy) ((cfg >> ((dx) + 2 * (dy))) & 1)
  int v = cfg != 0, e = 0, f = 0;
  for (int side = 0; side < 2; side++) {
    e += B(side, 0) | B(side, 1);
    e += B(0, side) | B(1, side);
  }
  for (int i = 0; i < 4; i++) f += (cfg >> i) & 1;
#undef B
  return 4 * v - 2 * e + f;
}

typedef struct euler_ctx {
  const uint8_t *mask;
  int32_t nx, ny, nz;
  int lut[256];
  int64_t *partial; /* per vertex plane z = 0..nz */
} euler_ctx;

static inline int vox(const euler_ctx *c, int x, int y, int z) {
  if (x < 0 || y < 0 || z < 0 || x >= c->nx || y >= c->ny || z >= c->nz) return 0;
  return c->mask[(size_t)x + (size_t)c->nx * ((size_t)y + (size_t)c->ny * z)] != 0;
}

static void euler_plane(void *arg, int64_t zv) {
  euler_ctx *c = arg;
  int z = (int)zv;
  int64_t sum = 0;
  for (int y = 0; y <= c->ny; y++)
    for (int x = 0; x <= c->nx; x++) {
      int cfg = 0;
      for (int k = 0; k < 8; k++)
        cfg |= vox(c, x - 1 + (k & 1), y - 1 + ((k >> 1) & 1), z - 1 + ((k >> 2) & 1)) << k;
      sum += c->lut[cfg];
    }
  c->partial[z] = sum;
}

/* 4 x the 2-D Euler number of the n0 x n1 image get(i, j). */
typedef int (*get2)(const euler_ctx *c, int fixed, int i, int j);
static int64_t euler2(const euler_ctx *c, get2 get, int fixed, int n0, int n1) {
  int64_t sum = 0;
  for (int j = 0; j <= n1; j++)
    for (int i = 0; i <= n0; i++) {
      int cfg = 0;
      for (int k = 0; k < 4; k++) {
        int ii = i - 1 + (k & 1), jj = j - 1 + (k >> 1);
        if (ii >= 0 && jj >= 0 && ii < n0 && jj < n1) cfg |= get(c, fixed, ii, jj) << k;
      }
      sum += lut2(cfg);
    }
  return sum;
}
static int face_x(const euler_ctx *c, int x, int i, int j) { return vox(c, x, i, j); }
static int face_y(const euler_ctx *c, int y, int i, int j) { return vox(c, i, y, j); }
static int face_z(const euler_ctx *c, int z, int i, int j) { return vox(c, i, j, z); }

/* Runs along one image edge: the voxels (x0 + t dx, y0 + t dy, z0 + t dz). */
static int64_t runs(const euler_ctx *c, int x0, int y0, int z0, int dx, int dy, int dz, int n) {
  int64_t r = 0;
  int prev = 0;
  for (int t = 0; t < n; t++) {
    int v = vox(c, x0 + t * dx, y0 + t * dy, z0 + t * dz);
    if (v && !prev) r++;
    prev = v;
  }
  return r;
}

tb_status tb_morph_euler(const uint8_t *mask, const int32_t dims[3], double *euler, double *delta_chi) {
  tb_status st = TB_OK;
  euler_ctx c = {.mask = mask, .nx = dims[0], .ny = dims[1], .nz = dims[2]};
  c.partial = calloc((size_t)c.nz + 1, sizeof *c.partial);
  CHECK(c.partial, TB_ERR_NOMEM, "out of memory for the Euler characteristic");
  build_lut3(c.lut);
  TRY(tb_morph_parallel_for(c.nz + 1, euler_plane, &c));
  int64_t chi8 = 0;
  for (int z = 0; z <= c.nz; z++) chi8 += c.partial[z];
  *euler = chi8 / 8.0;

  int nx = c.nx, ny = c.ny, nz = c.nz;
  int64_t faces4 = 0;
  int xs[2] = {0, nx - 1}, ys[2] = {0, ny - 1}, zs[2] = {0, nz - 1};
  /* A dimension of 1 voxel: both faces are the same layer, counted twice,
   * as each box of the tiling then touches it from both sides. */
  for (int k = 0; k < 2; k++) {
    faces4 += euler2(&c, face_x, xs[k], ny, nz);
    faces4 += euler2(&c, face_y, ys[k], nx, nz);
    faces4 += euler2(&c, face_z, zs[k], nx, ny);
  }
  int64_t edges = 0, corners = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++) {
      edges += runs(&c, 0, ys[a], zs[b], 1, 0, 0, nx);
      edges += runs(&c, xs[a], 0, zs[b], 0, 1, 0, ny);
      edges += runs(&c, xs[a], ys[b], 0, 0, 0, 1, nz);
      for (int k = 0; k < 2; k++) corners += vox(&c, xs[a], ys[b], zs[k]);
    }
  *delta_chi = *euler - faces4 / 4.0 / 2.0 + edges / 4.0 - corners / 8.0;
cleanup:
  free(c.partial);
  return st;
}
