/* Device helpers shared by every kernel file (prepended after shared.h).
 *
 * Launch shape: every stencil kernel runs on a (ceil(nx/row_chunk), ny, nz)
 * grid and each work-item walks row_chunk consecutive x voxels. On a CPU
 * (PoCL) row_chunk = nx, one x-row per work-item, which runs at ~90 % of a
 * plain C loop; on a GPU row_chunk = 1, one voxel per work-item, coalesced.
 * Results never depend on the shape: each kernel writes only its own voxel
 * and reads neighbours only from arrays no kernel in the same launch writes.
 * One exception, safe by an invariant: osteoclast_recruit writes a new
 * seed's team_t0/team_tend and reads those of existing seeds. A voxel can only
 * become a seed when no team names it, because every member of a team is
 * released in the same step (same end time for all of them). */

#define TB_FOR_ROW(kp, x, y, z, i)                                             \
  const int y = (int)get_global_id(1), z = (int)get_global_id(2);              \
  const int x0_ = (int)get_global_id(0) * (kp)->row_chunk;                     \
  if (y >= (kp)->ny || z >= (kp)->nz || x0_ >= (kp)->nx) return;               \
  const int x1_ = min(x0_ + (kp)->row_chunk, (kp)->nx);                        \
  for (int x = x0_, i = x0_ + (kp)->nx * (y + (kp)->ny * z); x < x1_; x++, i++)

/* 6-neighbour offsets in the order of the TB_FLAG_DIR codes:
 * +x, -x, +y, -y, +z, -z. */
inline int dir_dx(int d) { return d == 0 ? 1 : d == 1 ? -1 : 0; }
inline int dir_dy(int d) { return d == 2 ? 1 : d == 3 ? -1 : 0; }
inline int dir_dz(int d) { return d == 4 ? 1 : d == 5 ? -1 : 0; }

inline int in_grid(__constant tb_kparams *kp, int x, int y, int z) {
  return x >= 0 && y >= 0 && z >= 0 && x < kp->nx && y < kp->ny && z < kp->nz;
}

inline int grid_index(__constant tb_kparams *kp, int x, int y, int z) { return x + kp->nx * (y + kp->ny * z); }

/* Bone is the voxels with at least half their volume mineralised. */
inline int is_bone(float f) { return f >= 0.5f; }

/* Marrow that cells can come from: not bone, inside the bone organ. Voxels
 * beyond the grid are treated as neither bone nor marrow (a cut face is not a
 * surface). */
inline int is_marrow_at(__constant tb_kparams *kp, __global const float *f, __global const uchar *comp, int x, int y,
                        int z) {
  if (!in_grid(kp, x, y, z)) return 0;
  int j = grid_index(kp, x, y, z);
  return comp[j] != TB_COMP_OUTSIDE && !is_bone(f[j]);
}

/* A remodelable surface voxel: bone with a 6-neighbour of marrow. */
inline int is_surface(__constant tb_kparams *kp, __global const float *f, __global const uchar *comp, int x, int y,
                      int z, int i) {
  if (comp[i] == TB_COMP_OUTSIDE || !is_bone(f[i])) return 0;
  for (int d = 0; d < 6; d++)
    if (is_marrow_at(kp, f, comp, x + dir_dx(d), y + dir_dy(d), z + dir_dz(d))) return 1;
  return 0;
}

/* Distance in µm from voxel (x,y,z) to the centre of voxel index s. */
inline float distance_to(__constant tb_kparams *kp, int x, int y, int z, int s) {
  int sx = s % kp->nx, sy = (s / kp->nx) % kp->ny, sz = s / (kp->nx * kp->ny);
  float dx = (float)(x - sx), dy = (float)(y - sy), dz = (float)(z - sz);
  return kp->h_um * sqrt(dx * dx + dy * dy + dz * dz);
}

/* Depth in voxels of (x,y,z) below the seed s along the team's inward normal. */
inline int depth_along(__constant tb_kparams *kp, int x, int y, int z, int s, int dir) {
  int sx = s % kp->nx, sy = (s / kp->nx) % kp->ny, sz = s / (kp->nx * kp->ny);
  return (x - sx) * dir_dx(dir) + (y - sy) * dir_dy(dir) + (z - sz) * dir_dz(dir);
}

/* Fraction of a voxel at distance d (µm) from the seed's centre that a ball
 * of radius r has reached: a linear partial-volume ramp one voxel wide, so
 * fronts move smoothly. The ramp starts at the seed's centre, not half a
 * voxel inside it: the seed is a surface voxel, whose bone begins at its
 * marrow face, so a flat surface recedes by exactly r (not r + h/2) and a
 * cavity's depth does not depend on the voxel size. */
inline float ball_cover(float r, float d, float h) { return clamp((r - d) / h, 0.0f, 1.0f); }

/* Effective RANKL: OPG is a decoy receptor (Pivonka 2008). */
inline float effective_rankl(__constant tb_kparams *kp, float rankl, float opg) {
  return rankl / (1.0f + kp->K_opg_per_pM * opg);
}

/* Random uniform in (0,1) for (step, voxel, purpose): Philox keyed by seed. */
inline float random_u01(__constant tb_kparams *kp, uint step, int voxel, uint purpose, int word) {
  tb_philox4 r = tb_philox4x32(step, (uint)voxel, purpose, 0u, kp->seed_lo, kp->seed_hi);
  return tb_u01(r.v[word & 3]);
}
