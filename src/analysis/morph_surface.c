/* Bone surface area: marching cubes (Lorensen & Cline 1987) on the bone
 * indicator smoothed by a Gaussian of sigma 0.7 voxel, iso 0.5.
 *
 * Why smoothed: on binary data marching cubes puts every vertex at an edge
 * midpoint, and the resulting terraces overestimate a sphere's area by about
 * 9 % whatever the resolution (Lindblad 2005, Image Vis Comput 23:111). A
 * light Gaussian lets the vertices interpolate; sigma 0.7 keeps plates one
 * voxel thick (their smoothed peak stays above 0.5) while a sphere of radius
 * 8 to 30 voxels comes within about 2 %.
 *
 * The polygons of each cell are built from the cell itself instead of the
 * usual 256-case table: every cube edge whose ends straddle the iso value
 * holds a vertex, every cube face joins its two vertices, or for a face with
 * four the pairs that cut off the corners not joined through the face centre
 * (the face-centre average decides, so two cells sharing a face agree and
 * the surface is closed). The joins form closed polygons, each measured as a
 * fan of triangles about its centroid. */
#include "trabecula/morph.h"

#include <math.h>
#include <stdlib.h>

#define SIGMA 0.7
#define RADIUS 3
#define ISO 0.5f

/* Cube corners: bit k is (dx, dy, dz) = (k & 1, k >> 1 & 1, k >> 2 & 1).
 * Edges join corners that differ in one bit. */
static const int edge_ends[12][2] = {{0, 1}, {2, 3}, {4, 5}, {6, 7}, {0, 2}, {1, 3},
                                     {4, 6}, {5, 7}, {0, 4}, {1, 5}, {2, 6}, {3, 7}};
/* Faces: four corners in cyclic order. */
static const int face_corners[6][4] = {{0, 2, 6, 4}, {1, 3, 7, 5}, {0, 1, 5, 4},
                                       {2, 3, 7, 6}, {0, 1, 3, 2}, {4, 5, 7, 6}};

static int edge_of(int a, int b) {
  for (int e = 0; e < 12; e++)
    if ((edge_ends[e][0] == a && edge_ends[e][1] == b) || (edge_ends[e][0] == b && edge_ends[e][1] == a))
      return e;
  return -1;
}

typedef struct surf_ctx {
  const uint8_t *bone, *region;
  int32_t nx, ny, nz;
  float *a, *b; /* smoothing buffers; the smoothed field ends in a */
  float w[2 * RADIUS + 1];
  int face_edges[6][4]; /* edge between face corner i and i + 1 */
  double *partial;      /* per cell plane */
} surf_ctx;

static inline int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* x and y passes of one z slice: bone -> b (x) -> a (y). */
static void smooth_xy(void *arg, int64_t z) {
  surf_ctx *c = arg;
  int nx = c->nx, ny = c->ny;
  size_t off = (size_t)z * nx * ny;
  const uint8_t *in = c->bone + off;
  float *t = c->b + off, *o = c->a + off;
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      float s = 0;
      for (int k = -RADIUS; k <= RADIUS; k++) s += c->w[k + RADIUS] * (in[(size_t)y * nx + clampi(x + k, 0, nx - 1)] != 0);
      t[(size_t)y * nx + x] = s;
    }
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      float s = 0;
      for (int k = -RADIUS; k <= RADIUS; k++) s += c->w[k + RADIUS] * t[(size_t)clampi(y + k, 0, ny - 1) * nx + x];
      o[(size_t)y * nx + x] = s;
    }
}

/* z pass of one y row of planes: a -> b. */
static void smooth_z(void *arg, int64_t y) {
  surf_ctx *c = arg;
  int nx = c->nx, ny = c->ny, nz = c->nz;
  size_t plane = (size_t)nx * ny;
  for (int z = 0; z < nz; z++)
    for (int x = 0; x < nx; x++) {
      float s = 0;
      for (int k = -RADIUS; k <= RADIUS; k++)
        s += c->w[k + RADIUS] * c->a[(size_t)clampi(z + k, 0, nz - 1) * plane + (size_t)y * nx + x];
      c->b[(size_t)z * plane + (size_t)y * nx + x] = s;
    }
}

static double tri_area(const double *p, const double *q, const double *g) {
  double u[3] = {p[0] - g[0], p[1] - g[1], p[2] - g[2]};
  double v[3] = {q[0] - g[0], q[1] - g[1], q[2] - g[2]};
  double cx = u[1] * v[2] - u[2] * v[1], cy = u[2] * v[0] - u[0] * v[2], cz = u[0] * v[1] - u[1] * v[0];
  return 0.5 * sqrt(cx * cx + cy * cy + cz * cz);
}

/* Area of the iso surface inside one cell with corner values v. */
static double cell_area(const surf_ctx *c, const float v[8]) {
  double pt[12][3];
  int link[12][2], nlink[12] = {0};
  for (int e = 0; e < 12; e++) {
    int a = edge_ends[e][0], b = edge_ends[e][1];
    if ((v[a] > ISO) == (v[b] > ISO)) continue;
    double t = (ISO - v[a]) / (double)(v[b] - v[a]);
    for (int d = 0; d < 3; d++) {
      double pa = (a >> d) & 1, pb = (b >> d) & 1;
      pt[e][d] = pa + t * (pb - pa);
    }
  }
  for (int f = 0; f < 6; f++) {
    const int *fc = face_corners[f];
    int cut[4], ncut = 0;
    for (int i = 0; i < 4; i++)
      if ((v[fc[i]] > ISO) != (v[fc[(i + 1) & 3]] > ISO)) cut[ncut++] = i;
    int pairs[2][2], npairs = 0;
    if (ncut == 2) {
      pairs[0][0] = c->face_edges[f][cut[0]];
      pairs[0][1] = c->face_edges[f][cut[1]];
      npairs = 1;
    } else if (ncut == 4) {
      float mean = 0.25f * (v[fc[0]] + v[fc[1]] + v[fc[2]] + v[fc[3]]);
      int inside_joined = mean > ISO;
      /* Cut off the corners that are not joined through the centre: the
       * outside ones when the inside ones are joined, else the inside ones. */
      for (int i = 0; i < 4; i++) {
        int in = v[fc[i]] > ISO;
        if (in == inside_joined) continue;
        pairs[npairs][0] = c->face_edges[f][(i + 3) & 3];
        pairs[npairs][1] = c->face_edges[f][i];
        npairs++;
      }
    }
    for (int p = 0; p < npairs; p++) {
      int e0 = pairs[p][0], e1 = pairs[p][1];
      link[e0][nlink[e0]++] = e1;
      link[e1][nlink[e1]++] = e0;
    }
  }
  double area = 0;
  int seen[12] = {0};
  for (int e = 0; e < 12; e++) {
    if (nlink[e] != 2 || seen[e]) continue;
    int poly[12], n = 0, prev = -1, cur = e;
    while (!seen[cur]) {
      seen[cur] = 1;
      poly[n++] = cur;
      int nxt = link[cur][0] != prev ? link[cur][0] : link[cur][1];
      prev = cur;
      cur = nxt;
    }
    double g[3] = {0, 0, 0};
    for (int i = 0; i < n; i++)
      for (int d = 0; d < 3; d++) g[d] += pt[poly[i]][d] / n;
    for (int i = 0; i < n; i++) area += tri_area(pt[poly[i]], pt[poly[(i + 1) % n]], g);
  }
  return area;
}

/* Cells span voxel centres; with the field replicated past the edges, the
 * cells that reach half a voxel beyond the outer centres are counted with
 * weight 1/2 per such axis, so the surface runs to the image faces (a plate
 * across the image has exactly the area of the image face) without closing
 * there. */
static void mc_plane(void *arg, int64_t zp) {
  surf_ctx *c = arg;
  int nx = c->nx, ny = c->ny, nz = c->nz;
  int z = (int)zp - 1;
  size_t plane = (size_t)nx * ny;
  const float *f = c->a;
  double sum = 0;
  double wz = (z < 0 || z == nz - 1) ? 0.5 : 1.0;
  for (int y = -1; y < ny; y++) {
    double wy = wz * ((y < 0 || y == ny - 1) ? 0.5 : 1.0);
    for (int x = -1; x < nx; x++) {
      float v[8];
      int in = 0;
      size_t idx[8];
      for (int k = 0; k < 8; k++) {
        int xx = clampi(x + (k & 1), 0, nx - 1), yy = clampi(y + ((k >> 1) & 1), 0, ny - 1);
        int zz = clampi(z + ((k >> 2) & 1), 0, nz - 1);
        idx[k] = (size_t)xx + (size_t)nx * yy + plane * (size_t)zz;
        v[k] = f[idx[k]];
        in += v[k] > ISO;
      }
      if (in == 0 || in == 8) continue;
      double w = wy * ((x < 0 || x == nx - 1) ? 0.5 : 1.0);
      if (c->region) {
        int r = 0;
        for (int k = 0; k < 8; k++) r += c->region[idx[k]] != 0;
        if (r == 0) continue;
        w *= r / 8.0;
      }
      sum += w * cell_area(c, v);
    }
  }
  c->partial[zp] = sum;
}

tb_status tb_morph_surface_area(const uint8_t *bone, const uint8_t *region, const int32_t dims[3],
                                double *area) {
  tb_status st = TB_OK;
  surf_ctx c = {.bone = bone, .region = region, .nx = dims[0], .ny = dims[1], .nz = dims[2]};
  size_t n = (size_t)c.nx * c.ny * c.nz;
  *area = 0;
  c.a = malloc(sizeof(float) * n);
  c.b = malloc(sizeof(float) * n);
  c.partial = calloc((size_t)c.nz + 1, sizeof *c.partial);
  CHECK(c.a && c.b && c.partial, TB_ERR_NOMEM, "out of memory for the surface area of a %d x %d x %d volume",
        c.nx, c.ny, c.nz);
  double wsum = 0;
  for (int k = -RADIUS; k <= RADIUS; k++) wsum += exp(-0.5 * k * k / (SIGMA * SIGMA));
  for (int k = -RADIUS; k <= RADIUS; k++) c.w[k + RADIUS] = (float)(exp(-0.5 * k * k / (SIGMA * SIGMA)) / wsum);
  for (int f = 0; f < 6; f++)
    for (int i = 0; i < 4; i++) c.face_edges[f][i] = edge_of(face_corners[f][i], face_corners[f][(i + 1) & 3]);
  TRY(tb_morph_parallel_for(c.nz, smooth_xy, &c));
  TRY(tb_morph_parallel_for(c.ny, smooth_z, &c));
  float *t = c.a; /* the smoothed field is in b: make it a */
  c.a = c.b;
  c.b = t;
  TRY(tb_morph_parallel_for(c.nz + 1, mc_plane, &c));
  for (int z = 0; z <= c.nz; z++) *area += c.partial[z];
cleanup:
  free(c.a);
  free(c.b);
  free(c.partial);
  return st;
}
