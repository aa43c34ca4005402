/* Quasi-steady reaction-diffusion of every signal (MODEL.md "Scales and
 * units"): cytokines equilibrate in minutes to hours, remodeling takes
 * months, so each step solves, for every field of the field table,
 *     D lap(c) - k c + S = 0
 * inside the bone organ (labels 1 and 2) with no flux across its outer
 * boundary and the grid's faces, warm-started from the last step. D = k
 * lambda^2 sets the reach lambda. Discretisation: the 7-point Laplacian on
 * the voxel grid, in voxel units (D here is D/h^2):
 *     k c_i + D sum_{open j} (c_i - c_j) = S_i.
 *
 * Solver: geometric multigrid V-cycles, all fields in the same launches
 * (structure of arrays, one stride per field; fields that have converged
 * are skipped through the `active` flags).
 *  - Coarse cells are 2x2x2 blocks. A coarse cell's operator sums its
 *    children's equations (the Galerkin operator of piecewise-constant
 *    transfer): decay k N_I with N_I the inside fine voxels, coupling
 *    D 2^-l F_IJ with F_IJ the open fine faces between I and J, so coarse
 *    grids follow the bone organ exactly, and 2^-l makes the coupling that
 *    of a rediscretisation at spacing 2^l h on full blocks.
 *  - Restriction sums the children's residuals; prolongation is trilinear
 *    between cell centres on coarse levels, renormalised over coarse cells
 *    inside the organ, and injection from the parent onto the fine level.
 *  - Smoothing: red-black Gauss-Seidel, one work-item per voxel of the
 *    colour (none idle) or a run of them along x; each colour's updates are
 *    independent, so results do not depend on the launch shape. On CPUs a
 *    work-item walks whole planes, field by field (one field's planes stay
 *    in cache), in blocks of sixteen voxels (both colours computed, the
 *    colour's stored: one vector instruction per operation).
 *  - Coarsening goes down to a single cell, solved exactly by sweeps in
 *    one work-group (barriers between colours). The small levels (up to
 *    16^3 cells) run in that one launch as well, down and up again
 *    (mg_small_levels): they cost launches, not work.
 *  - The residual of the fine level is computed once per cycle, restricted
 *    at the same time, and its norms per field (sum r^2, sum c^2 per
 *    coarse row) reduced on the device in a fixed order.
 * A reach of several hundred µm costs the same as a short one: the coarse
 * levels carry the long-range part. */

/* Fine-level geometry, one byte per voxel (computed once: the organ does
 * not change): bit k set when face k (+x, -x, +y, -y, +z, -z) opens onto
 * a voxel inside the organ, bit 6 when the voxel itself is inside. */
#define TB_FACE_INSIDE 0x40u

/* sum over open faces of (c_j - c_i): the difference form keeps the
 * residual accurate when D >> k (a long reach; k + 6 D in float32 would
 * hold k to a few 1e-4). */
inline float fine_nb_diff(__global const float *c, int i, uint m, int sy, int sz, float ci) {
  float s = 0.0f;
  if (m & 1u) s += c[i + 1] - ci;
  if (m & 2u) s += c[i - 1] - ci;
  if (m & 4u) s += c[i + sy] - ci;
  if (m & 8u) s += c[i - sy] - ci;
  if (m & 16u) s += c[i + sz] - ci;
  if (m & 32u) s += c[i - sz] - ci;
  return s;
}

/* Sixteen consecutive voxels of a row at once (CPU launch shapes, where a
 * work-item walks whole rows): every lane computes what the scalar code
 * computes for its voxel, with the same operations in the same order (a
 * closed face adds +0, which leaves the sum's bits as they are), so the
 * results are bit-identical to the scalar loop and to any launch shape.
 * Rows on the block's first and last planes keep the scalar loop: their
 * +-z neighbours would lie outside the arrays. */
#define TB_VW 16
inline int fine_row_vectorisable(__constant tb_kdomain *dom, int z) {
  return z + dom->halo >= 1 && z + dom->halo + 2 <= dom->nz + 2 * dom->halo;
}

/* Lane j's x neighbours from the blocks before (P), at (C) and after (N)
 * it: C[j + 1] and C[j - 1], across the blocks' edges. */
inline float16 next_x16(float16 C, float16 N) {
  return shuffle2(C, N, (uint16)(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16));
}
inline float16 prev_x16(float16 P, float16 C) {
  return shuffle2(P, C, (uint16)(15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30));
}

/* A block's residuals r into the coarser row rc at the block's first
 * coarser cell: each cell adds its even child, then its odd one, as the
 * scalar loops do. */
inline void add_children16(__global float *rc, int x, float16 r) {
  float8 acc = vload8(0, rc + (x >> 1));
  acc += r.even;
  acc += r.odd;
  vstore8(acc, 0, rc + (x >> 1));
}

/* The sum over open faces, and (nopen) their number: popcount has no
 * vector instruction on most CPUs, the face tests are there already. The
 * x neighbours come from the blocks before (P), at (C) and after (N) the
 * voxels, not from memory: a load that overlaps the block just stored
 * would wait for the store. */
inline float16 fine_nb_diff16(float16 P, float16 C, float16 N, __global const float *c, int i, int16 m, int sy,
                              int sz, int16 *nopen) {
  const float16 zero = (float16)(0.0f), ci = C;
  float16 s = zero;
  const int16 o0 = (m & 1) != 0, o1 = (m & 2) != 0, o2 = (m & 4) != 0, o3 = (m & 8) != 0, o4 = (m & 16) != 0,
              o5 = (m & 32) != 0;
  s += select(zero, next_x16(C, N) - ci, o0);
  s += select(zero, prev_x16(P, C) - ci, o1);
  s += select(zero, vload16(0, c + i + sy) - ci, o2);
  s += select(zero, vload16(0, c + i - sy) - ci, o3);
  s += select(zero, vload16(0, c + i + sz) - ci, o4);
  s += select(zero, vload16(0, c + i - sz) - ci, o5);
  *nopen = -(o0 + o1 + o2 + o3 + o4 + o5); /* each test is -1 where true */
  return s;
}

/* Lane j of a block that starts at x0 holds voxel x0 + j. */
inline int16 lane_parity(int x0) {
  return ((int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) + x0) & 1;
}

inline int level_index(int nx, int ny, int x, int y, int z) { return x + nx * (y + ny * z); }

/* Coarse cell operator pieces. geo holds four planes of n cells: N (the
 * inside fine voxels), then F+x, F+y, F+z (the open fine faces towards the
 * next cell). F is 0 on the grid's faces. */
inline float coarse_offdiag_sum(__global const float *geo, __global const float *c, int nx, int ny, int nz, int x,
                                int y, int z, int I, float *fsum) {
  const int n = nx * ny * nz, sxy = nx * ny;
  __global const float *gx = geo + n, *gy = geo + 2 * n, *gz = geo + 3 * n;
  float s = 0.0f, fs = 0.0f;
  if (x + 1 < nx) { float a = gx[I]; s += a * c[I + 1]; fs += a; }
  if (x > 0) { float a = gx[I - 1]; s += a * c[I - 1]; fs += a; }
  if (y + 1 < ny) { float a = gy[I]; s += a * c[I + nx]; fs += a; }
  if (y > 0) { float a = gy[I - nx]; s += a * c[I - nx]; fs += a; }
  if (z + 1 < nz) { float a = gz[I]; s += a * c[I + sxy]; fs += a; }
  if (z > 0) { float a = gz[I - sxy]; s += a * c[I - sxy]; fs += a; }
  *fsum = fs;
  return s;
}

/* The same for sixteen cells of a row (P, C, N: the blocks before, at and
 * after them). Where the scalar code skips a face on the grid's boundary
 * the lanes add F = 0 times a finite value: fma(0, c, s) = s, the same bits. */
inline float16 coarse_offdiag_sum16(__global const float *geo, float16 P, float16 C, float16 N,
                                    __global const float *c, int nx, int ny, int nz, int I, float16 *fsum) {
  const int n = nx * ny * nz, sxy = nx * ny;
  __global const float *gx = geo + n, *gy = geo + 2 * n, *gz = geo + 3 * n;
  float16 s = (float16)(0.0f), fs = (float16)(0.0f), a;
  a = vload16(0, gx + I);
  s += a * next_x16(C, N);
  fs += a;
  a = vload16(0, gx + I - 1);
  s += a * prev_x16(P, C);
  fs += a;
  a = vload16(0, gy + I);
  s += a * vload16(0, c + I + nx);
  fs += a;
  a = vload16(0, gy + I - nx);
  s += a * vload16(0, c + I - nx);
  fs += a;
  a = vload16(0, gz + I);
  s += a * vload16(0, c + I + sxy);
  fs += a;
  a = vload16(0, gz + I - sxy);
  s += a * vload16(0, c + I - sxy);
  fs += a;
  *fsum = fs;
  return s;
}

/* Gauss-Seidel update of coarse cell I: (rhs + d sum F C_J) / (k N + d sum F),
 * d = D 2^-level; from_zero: the neighbours' corrections are still 0. */
inline float coarse_update(tb_kp_field fk, float dscale, __global const float *geo, __global const float *cf, float rhs,
                           float N, int nx, int ny, int nz, int x, int y, int z, int I, int from_zero) {
  float fsum;
  float off = coarse_offdiag_sum(geo, cf, nx, ny, nz, x, y, z, I, &fsum);
  if (from_zero) off = 0.0f;
  float d = fk.coupling_per_day * dscale;
  return (rhs + d * off) / (fk.decay_per_day * N + d * fsum);
}

/* Rows of a coarse level that the sixteen-cell blocks may take: their
 * +-z neighbours lie inside the arrays. */
inline int coarse_row_vectorisable(int nx, int ny, int nz, int z) { return z >= 1 && z + 2 <= nz && nx >= TB_VW; }

/* The fine residual along one row (x in [0, nx)), added into the level-1
 * right-hand side row rf (each coarse cell adds its even child, then its
 * odd one) and into the sums of r^2 and c^2 over inside voxels: sixteen
 * lanes for whole blocks (lanes outside the organ add +0), one scalar sum
 * for the rest. r_i = S_i - k c_i + D sum_j (c_j - c_i). */
inline void residual_row(__constant tb_kdomain *dom, __global const uchar *faces, __global const float *cf,
                         __global const float *sf, float k, float D, int i0, int vec, __global float *rf,
                         float16 *rr16, float16 *cc16, float *rr, float *cc) {
  const float16 zero = (float16)(0.0f);
  int x = 0;
  if (vec && TB_VW <= dom->nx) {
    float16 P = vload16(0, cf + i0 - TB_VW), ci = vload16(0, cf + i0);
    for (; x + TB_VW <= dom->nx; x += TB_VW) {
      const int i = i0 + x;
      const float16 N = vload16(0, cf + i + TB_VW);
      const int16 m = convert_int16(vload16(0, faces + i));
      const int16 in = (m & (int)TB_FACE_INSIDE) != 0;
      int16 nopen;
      const float16 r = select(
          zero, vload16(0, sf + i) - k * ci + D * fine_nb_diff16(P, ci, N, cf, i, m, dom->sy, dom->sz, &nopen), in);
      add_children16(rf, x, r);
      *rr16 += r * r;
      *cc16 += select(zero, ci * ci, in);
      P = ci;
      ci = N;
    }
  }
  for (int i = i0 + x; x < dom->nx; x++, i++) {
    uint m = faces[i];
    if (!(m & TB_FACE_INSIDE)) continue;
    float ci = cf[i];
    float r = sf[i] - k * ci + D * fine_nb_diff(cf, i, m, dom->sy, dom->sz, ci);
    rf[x >> 1] += r;
    *rr += r * r;
    *cc += ci * ci;
  }
}

/* Level-1 row (Y, Z) of field f: its right-hand side (the residual of the
 * four fine rows beneath it, summed) and its sums of r^2 and c^2, in a
 * fixed order whatever the launch. */
inline void residual_coarse_row(__constant tb_kdomain *dom, __global const uchar *faces, __global const float *cf,
                                __global const float *sf, float k, float D, int cnx, int cny, int cnz, int Y,
                                int Z, __global float *rf1, __global float *norms, int f) {
  const int rows1 = cny * cnz, row = Y + cny * Z;
  __global float *rf = rf1 + level_index(cnx, cny, 0, Y, Z);
  float16 rr16 = (float16)(0.0f), cc16 = (float16)(0.0f);
  float rr = 0.0f, cc = 0.0f;
  for (int X = 0; X < cnx; X++) rf[X] = 0.0f;
  for (int dz = 0; dz < 2; dz++)
    for (int dy = 0; dy < 2; dy++) {
      int y = 2 * Y + dy, z = 2 * Z + dz;
      if (y >= dom->ny || z >= dom->nz) continue;
      residual_row(dom, faces, cf, sf, k, D, local_index(dom, 0, y, z), fine_row_vectorisable(dom, z), rf, &rr16,
                   &cc16, &rr, &cc);
    }
  const float8 r8 = rr16.lo + rr16.hi, c8 = cc16.lo + cc16.hi;
  const float4 r4 = r8.lo + r8.hi, c4 = c8.lo + c8.hi;
  const float2 r2 = r4.lo + r4.hi, c2 = c4.lo + c4.hi;
  norms[(size_t)(2 * f) * (size_t)rows1 + row] = rr + (r2.x + r2.y); /* column 2f: r^2, 2f+1: c^2 */
  norms[(size_t)(2 * f + 1) * (size_t)rows1 + row] = cc + (c2.x + c2.y);
}

/* The fine-level kernels take fields [f_lo, f_hi): c and src start at
 * field f_lo (the whole block, or one field's view), fs floats apart;
 * the level-1 arrays, fk and active hold every field. */

/* Fine level: residual of every active field in [f_lo, f_hi), summed
 * into the level-1 right-hand side, and each coarse row's sums of r^2 and
 * c^2 (inside voxels) for the convergence test. One work-item per coarse
 * row on every device, streaming the four fine rows beneath it, so the
 * sums' order (and with it the number of cycles) never depends on the
 * launch shape. */
__kernel void mg_restrict_fine(__constant tb_kdomain *dom, __constant tb_kp_field *fk, __global const int *active,
                               int f_lo, int f_hi, __global const uchar *faces, __global const float *c,
                               __global const float *src, int fs, int cnx, int cny, int cnz,
                               __global float *rhs1, __global float *norms) {
  const int Y = (int)get_global_id(0), Z = (int)get_global_id(1);
  if (Y >= cny || Z >= cnz) return;
  const int n1 = cnx * cny * cnz;
  /* Fields along the launch's third dimension (one per work-item there):
   * each field's planes stream through the cache once. */
  for (int f = f_lo + (int)get_global_id(2); f < f_hi; f += (int)get_global_size(2)) {
    if (!active[f]) continue;
    residual_coarse_row(dom, faces, c + (size_t)(f - f_lo) * (size_t)fs, src + (size_t)(f - f_lo) * (size_t)fs,
                        fk[f].decay_per_day, fk[f].coupling_per_day, cnx, cny, cnz, Y, Z,
                        rhs1 + (size_t)f * (size_t)n1, norms, f);
  }
}

/* The residual of a coarse level's correction equation along x in
 * [xa, xb) of one row (xa even), added into the coarser right-hand side
 * row rc: each coarser cell adds its even child, then its odd one, and
 * cells outside the organ (N = 0) add +0. */
inline void coarse_residual_row(tb_kp_field fk, float dscale, __global const float *geo, __global const float *cf,
                                __global const float *rf, int nx, int ny, int nz, int y, int z, int xa, int xb,
                                __global float *rc) {
  const float d = fk.coupling_per_day * dscale, k = fk.decay_per_day;
  const int I0 = level_index(nx, ny, 0, y, z);
  int x = xa;
  if (coarse_row_vectorisable(nx, ny, nz, z) && xa + TB_VW <= xb) {
    float16 P = vload16(0, cf + I0 + xa - TB_VW), C = vload16(0, cf + I0 + xa);
    for (; x + TB_VW <= xb; x += TB_VW) {
      const int I = I0 + x;
      const float16 Nx = vload16(0, cf + I + TB_VW), N = vload16(0, geo + I);
      float16 fsum;
      const float16 off = coarse_offdiag_sum16(geo, P, C, Nx, cf, nx, ny, nz, I, &fsum);
      const float16 r = select((float16)(0.0f), vload16(0, rf + I) - (k * N + d * fsum) * C + d * off, N > 0.0f);
      add_children16(rc, x, r);
      P = C;
      C = Nx;
    }
  }
  for (; x < xb; x++) {
    const int I = I0 + x;
    float N = geo[I];
    if (N <= 0.0f) continue;
    float fsum;
    float off = coarse_offdiag_sum(geo, cf, nx, ny, nz, x, y, z, I, &fsum);
    float r = rf[I] - (k * N + d * fsum) * cf[I] + d * off;
    rc[x >> 1] += r;
  }
}

/* Coarser cells [X0, X1) of row (Y, Z) of field f's right-hand side at
 * level l+1 (rc_f, the field's block there): the residuals of the four
 * level-l rows beneath them, summed. */
inline void coarse_restrict_row(tb_kp_field fk, float dscale, __global const float *geo, __global const float *cf,
                                __global const float *rf, int nx, int ny, int nz, __global float *rc_f, int cnx,
                                int cny, int X0, int X1, int Y, int Z) {
  __global float *rc = rc_f + level_index(cnx, cny, 0, Y, Z);
  for (int X = X0; X < X1; X++) rc[X] = 0.0f;
  for (int dz = 0; dz < 2; dz++)
    for (int dy = 0; dy < 2; dy++) {
      const int y = 2 * Y + dy, z = 2 * Z + dz;
      if (y >= ny || z >= nz) continue;
      coarse_residual_row(fk, dscale, geo, cf, rf, nx, ny, nz, y, z, 2 * X0, min(2 * X1, nx), rc);
    }
}

/* Coarse level l (nx x ny x nz) to l+1: residual of the correction
 * equation, summed into the coarser right-hand side; a work-item takes a
 * run of coarser cells along X and the four rows beneath it. */
__kernel void mg_restrict(__constant tb_kp_field *fk, __global const int *active, int nf, float dscale, int nx,
                          int ny, int nz, __global const float *geo, __global const float *c,
                          __global const float *rhs, int cnx, int cny, int cnz, __global float *rhs_c) {
  const int n = nx * ny * nz, nc = cnx * cny * cnz;
  const int chunk = (cnx + (int)get_global_size(0) - 1) / (int)get_global_size(0);
  const int X0 = (int)get_global_id(0) * chunk;
  if (X0 >= cnx) return;
  const int X1 = min(X0 + chunk, cnx);
  for (int Z = (int)get_global_id(2); Z < cnz; Z += (int)get_global_size(2))
    for (int Y = (int)get_global_id(1); Y < cny; Y += (int)get_global_size(1))
      for (int f = 0; f < nf; f++)
        if (active[f])
          coarse_restrict_row(fk[f], dscale, geo, c + (size_t)f * (size_t)n, rhs + (size_t)f * (size_t)n, nx, ny, nz,
                              rhs_c + (size_t)f * (size_t)nc, cnx, cny, X0, X1, Y, Z);
}

/* One colour of red-black Gauss-Seidel on the fine level along x in
 * [xa, xb) of one row (xa even; projected onto c >= 0: concentrations are
 * non-negative, and so is the exact solution); par: the colour's voxels
 * are x = par mod 2. Blocks of sixteen compute both colours and store the
 * colour's lanes; the other lanes store back what they read (no other
 * work-item writes them while this colour runs). */
inline void smooth_row(__constant tb_kdomain *dom, __global const uchar *faces, __global float *cf,
                       __global const float *sf, float k, float D, int i0, int xa, int xb, int par, int vec) {
  int x = xa;
  if (vec && xa + TB_VW <= xb) {
    /* The other colour's lanes of P and C are what memory holds: this
     * colour's stores leave them as they were. */
    const int16 mine = lane_parity(xa - par) == 0;
    float16 P = vload16(0, cf + i0 + xa - TB_VW), ci = vload16(0, cf + i0 + xa);
    for (; x + TB_VW <= xb; x += TB_VW) {
      const int i = i0 + x;
      const float16 N = vload16(0, cf + i + TB_VW);
      const int16 m = convert_int16(vload16(0, faces + i));
      int16 nopen;
      const float16 r =
          vload16(0, sf + i) - k * ci + D * fine_nb_diff16(P, ci, N, cf, i, m, dom->sy, dom->sz, &nopen);
      const float16 u = fmax(ci + r / (k + D * convert_float16(nopen)), 0.0f);
      vstore16(select(ci, u, mine & ((m & (int)TB_FACE_INSIDE) != 0)), 0, cf + i);
      P = ci;
      ci = N;
    }
  }
  for (x += (x & 1) != par; x < xb; x += 2) {
    const int i = i0 + x;
    uint m = faces[i];
    if (!(m & TB_FACE_INSIDE)) continue;
    float ci = cf[i];
    float r = sf[i] - k * ci + D * fine_nb_diff(cf, i, m, dom->sy, dom->sz, ci);
    cf[i] = fmax(ci + r / (k + D * (float)popcount(m & 63u)), 0.0f);
  }
}

inline int color_parity(__constant tb_kdomain *dom, int color, int y, int z) {
  return (color + dom->ox + dom->oy + dom->oz + y + z) & 1;
}

/* One colour of red-black Gauss-Seidel on the fine level, every active
 * field in [f_lo, f_hi): field by field over the item's rows (on CPUs a
 * whole plane, so one field's planes stay in cache). */
__kernel void mg_smooth_fine(__constant tb_kdomain *dom, __constant tb_kp_field *fk, __global const int *active,
                             int f_lo, int f_hi, __global const uchar *faces, __global float *c,
                             __global const float *src, int fs, int color) {
  const int z = (int)get_global_id(2);
  const int npairs = (dom->nx + 1) / 2;
  const int chunk = (npairs + (int)get_global_size(0) - 1) / (int)get_global_size(0);
  const int p0 = (int)get_global_id(0) * chunk;
  if (z >= dom->nz || p0 >= npairs) return;
  const int xa = 2 * p0, xb = min(2 * (p0 + chunk), dom->nx);
  const int vec = fine_row_vectorisable(dom, z);
  for (int f = f_lo; f < f_hi; f++) {
    if (!active[f]) continue;
    __global float *cf = c + (size_t)(f - f_lo) * (size_t)fs;
    __global const float *sf = src + (size_t)(f - f_lo) * (size_t)fs;
    for (int y = (int)get_global_id(1); y < dom->ny; y += (int)get_global_size(1))
      smooth_row(dom, faces, cf, sf, fk[f].decay_per_day, fk[f].coupling_per_day, local_index(dom, 0, y, z), xa, xb,
                 color_parity(dom, color, y, z), vec);
  }
}

/* One colour of red-black Gauss-Seidel on a coarse level's correction
 * along x in [xa, xb) of one row (xa even; the colour's cells are
 * x = par mod 2), in blocks of sixteen as on the fine level. */
inline void coarse_smooth_row(tb_kp_field fk, float dscale, __global const float *geo, __global float *cf,
                              __global const float *rf, int nx, int ny, int nz, int y, int z, int xa, int xb, int par,
                              int from_zero) {
  const int I0 = level_index(nx, ny, 0, y, z);
  int x = xa;
  if (coarse_row_vectorisable(nx, ny, nz, z) && xa + TB_VW <= xb) {
    const float d = fk.coupling_per_day * dscale, k = fk.decay_per_day;
    const int16 mine = lane_parity(xa - par) == 0;
    float16 P = vload16(0, cf + I0 + xa - TB_VW), C = vload16(0, cf + I0 + xa);
    for (; x + TB_VW <= xb; x += TB_VW) {
      const int I = I0 + x;
      const float16 Nx = vload16(0, cf + I + TB_VW), N = vload16(0, geo + I);
      float16 fsum;
      float16 off = coarse_offdiag_sum16(geo, P, C, Nx, cf, nx, ny, nz, I, &fsum);
      if (from_zero) off = (float16)(0.0f);
      const float16 u = (vload16(0, rf + I) + d * off) / (k * N + d * fsum);
      vstore16(select(C, u, mine & (N > 0.0f)), 0, cf + I);
      P = C;
      C = Nx;
    }
  }
  for (x += (x & 1) != par; x < xb; x += 2) {
    const int I = I0 + x;
    float N = geo[I];
    if (N <= 0.0f) continue;
    cf[I] = coarse_update(fk, dscale, geo, cf, rf[I], N, nx, ny, nz, x, y, z, I, from_zero);
  }
}

/* One colour of red-black Gauss-Seidel on a coarse level's correction;
 * with from_zero (the first red sweep of a cycle) the correction starts
 * from zero, so neighbours count as 0 and no zeroing pass is needed (the
 * black sweep reads only red cells; cells outside the organ stay 0). */
__kernel void mg_smooth(__constant tb_kp_field *fk, __global const int *active, int nf, float dscale, int nx, int ny,
                        int nz, __global const float *geo, __global float *c, __global const float *rhs,
                        int color, int from_zero) {
  const int n = nx * ny * nz, npairs = (nx + 1) / 2;
  const int chunk = (npairs + (int)get_global_size(0) - 1) / (int)get_global_size(0);
  const int p0 = (int)get_global_id(0) * chunk;
  if (p0 >= npairs) return;
  const int xa = 2 * p0, xb = min(2 * (p0 + chunk), nx);
  for (int z = (int)get_global_id(2); z < nz; z += (int)get_global_size(2))
    for (int y = (int)get_global_id(1); y < ny; y += (int)get_global_size(1))
      for (int f = 0; f < nf; f++)
        if (active[f])
          coarse_smooth_row(fk[f], dscale, geo, c + (size_t)f * (size_t)n, rhs + (size_t)f * (size_t)n, nx, ny, nz, y,
                            z, xa, xb, (color + y + z) & 1, from_zero);
}

/* The coarsest level: `sweeps` red-black sweeps by the work-items of one
 * work-group (barriers between colours). */
inline void coarsest_sweeps(__constant tb_kp_field *fk, __global const int *active, int nf, float dscale, int nx,
                            int ny, int nz, __global const float *geo, __global float *c, __global const float *rhs,
                            int sweeps) {
  const int n = nx * ny * nz, lid = (int)get_local_id(0), lsz = (int)get_local_size(0);
  for (int s = 0; s < sweeps; s++)
    for (int color = 0; color < 2; color++) {
      for (int I = lid; I < n; I += lsz) {
        int x = I % nx, y = (I / nx) % ny, z = I / (nx * ny);
        if (((x + y + z) & 1) != color) continue;
        float N = geo[I];
        if (N <= 0.0f) continue;
        for (int f = 0; f < nf; f++) {
          if (!active[f]) continue;
          __global float *cf = c + (size_t)f * (size_t)n;
          cf[I] = coarse_update(fk[f], dscale, geo, cf, rhs[(size_t)f * (size_t)n + I], N, nx, ny, nz, x, y, z, I,
                                s == 0 && color == 0); /* the first sweep starts from zero */
        }
      }
      barrier(CLK_GLOBAL_MEM_FENCE);
    }
}

/* Trilinear prolongation between cell centres (coarse levels): a fine cell lies a quarter
 * coarse cell from its parent's centre, towards the neighbour on its side
 * (weights 3/4 and 1/4 per axis, so every weight is a multiple of 1/64).
 * Neighbours beyond the grid's faces are replaced by the parent (the same
 * as renormalising), and cells outside the organ drop out with their
 * weight: their correction is always 0, and the sum of the remaining
 * weights (x 64, an exact byte per cell, wsum) is computed once on the
 * host. A fine row reads four coarse rows; their bases are set once per
 * row. */
typedef struct prolong_row {
  int b0, b1, b2, b3;
} prolong_row;

inline prolong_row prolong_rows(int cnx, int cny, int cnz, int y, int z) {
  prolong_row pr;
  int Y = y >> 1, Z = z >> 1;
  int Yn = clamp(Y + ((y & 1) ? 1 : -1), 0, cny - 1), Zn = clamp(Z + ((z & 1) ? 1 : -1), 0, cnz - 1);
  pr.b0 = cnx * (Y + cny * Z);
  pr.b1 = cnx * (Yn + cny * Z);
  pr.b2 = cnx * (Y + cny * Zn);
  pr.b3 = cnx * (Yn + cny * Zn);
  return pr;
}

/* 64 x sum of w C at fine x of the row. */
inline float prolong_at(__global const float *cc, prolong_row pr, int cnx, int x) {
  int a = x >> 1, b = clamp(a + ((x & 1) ? 1 : -1), 0, cnx - 1);
  return 27.0f * cc[pr.b0 + a] + 9.0f * (cc[pr.b0 + b] + cc[pr.b1 + a] + cc[pr.b2 + a]) +
         3.0f * (cc[pr.b1 + b] + cc[pr.b2 + b] + cc[pr.b3 + a]) + cc[pr.b3 + b];
}

/* Fine level += the level-1 correction (kept >= 0), injected from the
 * parent cell: with three smoothing sweeps after it, this needs no more
 * cycles than trilinear weights here (measured: 2.0 per step at 96^3 either
 * way, and fewer on test_signals' masked organ) at a quarter of the cost. */
inline void inject_row(__global const uchar *faces, __global float *cf, __global const float *cc, int i0, int x0,
                        int x1) {
  int x = x0;
  if (x & 1) { /* blocks start on an even x: lanes 2j and 2j + 1 share parent j */
    if (faces[i0 + x] & TB_FACE_INSIDE) cf[i0 + x] = fmax(cf[i0 + x] + cc[x >> 1], 0.0f);
    x++;
  }
  for (; x + TB_VW <= x1; x += TB_VW) {
    const float8 e = vload8(0, cc + (x >> 1));
    const float16 ee = shuffle(e, (uint16)(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7));
    const int16 in = (convert_int16(vload16(0, faces + i0 + x)) & (int)TB_FACE_INSIDE) != 0;
    const float16 cv = vload16(0, cf + i0 + x);
    vstore16(select(cv, fmax(cv + ee, 0.0f), in), 0, cf + i0 + x);
  }
  for (; x < x1; x++)
    if (faces[i0 + x] & TB_FACE_INSIDE) cf[i0 + x] = fmax(cf[i0 + x] + cc[x >> 1], 0.0f);
}

inline __global const float *parent_row(__global const float *c1f, int cnx, int cny, int y, int z) {
  return c1f + cnx * ((y >> 1) + cny * (z >> 1));
}

__kernel void mg_prolong_fine(__constant tb_kdomain *dom, __global const int *active, int f_lo, int f_hi,
                              __global const uchar *faces, __global float *c, int fs, int cnx, int cny, int cnz,
                              __global const float *c1) {
  const int z = (int)get_global_id(2);
  const int chunk = (dom->nx + (int)get_global_size(0) - 1) / (int)get_global_size(0);
  const int x0 = (int)get_global_id(0) * chunk;
  if (z >= dom->nz || x0 >= dom->nx) return;
  const int x1 = min(x0 + chunk, dom->nx);
  const int n1 = cnx * cny * cnz;
  for (int f = f_lo; f < f_hi; f++) {
    if (!active[f]) continue;
    for (int y = (int)get_global_id(1); y < dom->ny; y += (int)get_global_size(1))
      inject_row(faces, c + (size_t)(f - f_lo) * (size_t)fs, parent_row(c1 + (size_t)f * (size_t)n1, cnx, cny, y, z),
                  local_index(dom, 0, y, z), x0, x1);
  }
}

/* Coarse level l += the level l+1 correction. Blocks of sixteen cells
 * whose trilinear neighbours need no clamping (2 <= x, x / 2 + 8 < cnx)
 * gather the coarser values by shuffles and compute what prolong_at
 * computes, operation for operation. */
inline void coarse_prolong_block(__global const float *cc, prolong_row pr, int a0, float16 *p) {
  const uint16 dup = (uint16)(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  /* lanes 2j: a - 1 (even x), 2j + 1: a + 1 (odd x) */
  const uint16 side = (uint16)(0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
  const float16 A0 = shuffle(vload8(0, cc + pr.b0 + a0), dup), A1 = shuffle(vload8(0, cc + pr.b1 + a0), dup);
  const float16 A2 = shuffle(vload8(0, cc + pr.b2 + a0), dup), A3 = shuffle(vload8(0, cc + pr.b3 + a0), dup);
  const float16 B0 = shuffle2(vload8(0, cc + pr.b0 + a0 - 1), vload8(0, cc + pr.b0 + a0 + 1), side);
  const float16 B1 = shuffle2(vload8(0, cc + pr.b1 + a0 - 1), vload8(0, cc + pr.b1 + a0 + 1), side);
  const float16 B2 = shuffle2(vload8(0, cc + pr.b2 + a0 - 1), vload8(0, cc + pr.b2 + a0 + 1), side);
  const float16 B3 = shuffle2(vload8(0, cc + pr.b3 + a0 - 1), vload8(0, cc + pr.b3 + a0 + 1), side);
  *p = 27.0f * A0 + 9.0f * (B0 + A1 + A2) + 3.0f * (B1 + B2 + A3) + B3;
}

/* Level l (nx x ny x nz) += the level l+1 correction along x in [x0, x1)
 * of row (y, z), every active field. */
inline void coarse_prolong_row(__global const int *active, int nf, int nx, int ny, int nz,
                               __global const uchar *wsum, __global float *c, int cnx, int cny, int cnz,
                               __global const float *c_c, int y, int z, int x0, int x1) {
  const int n = nx * ny * nz, nc = cnx * cny * cnz;
  const prolong_row pr = prolong_rows(cnx, cny, cnz, y, z);
  const int I0 = level_index(nx, ny, 0, y, z);
  for (int f = 0; f < nf; f++) {
    if (!active[f]) continue;
    __global const float *cc = c_c + (size_t)f * (size_t)nc;
    __global float *cf = c + (size_t)f * (size_t)n;
    int x = x0;
    for (; x < x1 && (x < 2 || (x & 1)); x++) {
      uint w = wsum[I0 + x];
      if (w) cf[I0 + x] += prolong_at(cc, pr, cnx, x) / (float)w;
    }
    for (; x + TB_VW <= x1 && (x >> 1) + 8 < cnx; x += TB_VW) {
      float16 p;
      coarse_prolong_block(cc, pr, x >> 1, &p);
      const uchar16 w = vload16(0, wsum + I0 + x);
      const float16 cv = vload16(0, cf + I0 + x);
      vstore16(select(cv, cv + p / convert_float16(w), convert_int16(w) != 0), 0, cf + I0 + x);
    }
    for (; x < x1; x++) {
      uint w = wsum[I0 + x];
      if (w) cf[I0 + x] += prolong_at(cc, pr, cnx, x) / (float)w;
    }
  }
}

__kernel void mg_prolong(__global const int *active, int nf, int nx, int ny, int nz, __global const uchar *wsum,
                         __global float *c, int cnx, int cny, int cnz, __global const float *c_c) {
  const int chunk = (nx + (int)get_global_size(0) - 1) / (int)get_global_size(0);
  const int x0 = (int)get_global_id(0) * chunk;
  if (x0 >= nx) return;
  const int x1 = min(x0 + chunk, nx);
  for (int z = (int)get_global_id(2); z < nz; z += (int)get_global_size(2))
    for (int y = (int)get_global_id(1); y < ny; y += (int)get_global_size(1))
      coarse_prolong_row(active, nf, nx, ny, nz, wsum, c, cnx, cny, cnz, c_c, y, z, x0, x1);
}

/* The small coarse levels (a few thousand cells and less) in one launch of
 * one work-group: from the first small level's right-hand side (restricted
 * by the launch before) down to the coarsest and back, the same operations
 * on the same rows as the per-level launches of the larger levels, with
 * barriers between them, so the results are those of separate launches.
 * Launches, not work, are what these levels cost. Level j of the nsmall:
 * meta[8 j ...] = (nx, ny, nz, multigrid level, offset of its fields in c
 * and rhs, of its geometry planes in geo, of its prolongation weights in
 * wsum). */
inline void small_smooth(__constant tb_kp_field *fk, __global const int *active, int nf, float dscale, int nx,
                         int ny, int nz, __global const float *geo, __global float *c, __global const float *rhs,
                         int sweeps, int from_zero) {
  const int n = nx * ny * nz, lid = (int)get_local_id(0), lsz = (int)get_local_size(0);
  for (int k = 0; k < sweeps; k++)
    for (int color = 0; color < 2; color++) {
      for (int r = lid; r < ny * nz; r += lsz) {
        const int y = r % ny, z = r / ny;
        for (int f = 0; f < nf; f++)
          if (active[f])
            coarse_smooth_row(fk[f], dscale, geo, c + (size_t)f * (size_t)n, rhs + (size_t)f * (size_t)n, nx, ny, nz,
                              y, z, 0, nx, (color + y + z) & 1, from_zero && k == 0 && color == 0);
      }
      barrier(CLK_GLOBAL_MEM_FENCE);
    }
}

__kernel void mg_small_levels(__constant tb_kp_field *fk, __global const int *active, int nf, int nsmall,
                              __global const int *meta, __global const float *geo, __global float *c,
                              __global float *rhs, __global const uchar *wsum, int sweeps, int coarsest) {
  const int lid = (int)get_local_id(0), lsz = (int)get_local_size(0);
#define TB_LV(j, q) meta[8 * (j) + (q)]
  for (int j = 0; j + 1 < nsmall; j++) {
    const int nx = TB_LV(j, 0), ny = TB_LV(j, 1), nz = TB_LV(j, 2);
    const int cnx = TB_LV(j + 1, 0), cny = TB_LV(j + 1, 1), cnz = TB_LV(j + 1, 2);
    const float dscale = ldexp(1.0f, -TB_LV(j, 3));
    __global const float *g = geo + TB_LV(j, 5);
    __global float *cj = c + TB_LV(j, 4);
    __global float *rj = rhs + TB_LV(j, 4);
    small_smooth(fk, active, nf, dscale, nx, ny, nz, g, cj, rj, sweeps, 1);
    const int n = nx * ny * nz, nc = cnx * cny * cnz;
    for (int R = lid; R < cny * cnz; R += lsz) { /* as mg_restrict, one coarser row per step */
      for (int f = 0; f < nf; f++)
        if (active[f])
          coarse_restrict_row(fk[f], dscale, g, cj + (size_t)f * (size_t)n, rj + (size_t)f * (size_t)n, nx, ny, nz,
                              rhs + TB_LV(j + 1, 4) + (size_t)f * (size_t)nc, cnx, cny, 0, cnx, R % cny, R / cny);
    }
    barrier(CLK_GLOBAL_MEM_FENCE);
  }
  {
    const int j = nsmall - 1;
    coarsest_sweeps(fk, active, nf, ldexp(1.0f, -TB_LV(j, 3)), TB_LV(j, 0), TB_LV(j, 1), TB_LV(j, 2),
                    geo + TB_LV(j, 5), c + TB_LV(j, 4), rhs + TB_LV(j, 4), coarsest);
  }
  for (int j = nsmall - 2; j >= 0; j--) {
    const int nx = TB_LV(j, 0), ny = TB_LV(j, 1), nz = TB_LV(j, 2);
    for (int r = lid; r < ny * nz; r += lsz)
      coarse_prolong_row(active, nf, nx, ny, nz, wsum + TB_LV(j, 6), c + TB_LV(j, 4), TB_LV(j + 1, 0),
                         TB_LV(j + 1, 1), TB_LV(j + 1, 2), c + TB_LV(j + 1, 4), r % ny, r / ny, 0, nx);
    barrier(CLK_GLOBAL_MEM_FENCE);
    small_smooth(fk, active, nf, ldexp(1.0f, -TB_LV(j, 3)), nx, ny, nz, geo + TB_LV(j, 5), c + TB_LV(j, 4),
                 rhs + TB_LV(j, 4), sweeps, 0);
  }
#undef TB_LV
}
