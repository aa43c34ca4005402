/* Device helpers shared by every kernel file (prepended after shared.h).
 *
 * Launch shape: row-structured kernels run on a (gx, gy, nz) grid; each
 * work-item walks ceil(nx / gx) consecutive x voxels of the rows y = its
 * index, + gy, ... (chosen by the device layer: a whole plane per item on
 * CPUs, one voxel per item on GPUs). The kernels derive the chunk from the
 * launch itself, so no launch shape travels in the physics constants. Results never depend on the shape: each kernel writes only its
 * own voxel and reads neighbours only from arrays no kernel in the same
 * launch writes (team_used and the team table's new slots are written only
 * by a slot's own new seed).
 *
 * Positions: local (x, y, z) of the block in tb_kdomain; global positions
 * (x + ox, ...) key the random draws and the team table. */

#define TB_FOR_ROW(dom, x, y, z, i)                                                        \
  const int z = (int)get_global_id(2);                                                     \
  const int chunk_ = ((dom)->nx + (int)get_global_size(0) - 1) / (int)get_global_size(0); \
  const int x0_ = (int)get_global_id(0) * chunk_;                                          \
  if (z >= (dom)->nz || x0_ >= (dom)->nx) return;                                          \
  const int x1_ = min(x0_ + chunk_, (dom)->nx);                                            \
  for (int y = (int)get_global_id(1); y < (dom)->ny; y += (int)get_global_size(1))         \
    for (int x = x0_, i = local_index(dom, x0_, y, z); x < x1_; x++, i++)

/* 6-neighbour offsets in the order of the TB_FLAG_DIR codes:
 * +x, -x, +y, -y, +z, -z. */
inline int dir_dx(int d) { return d == 0 ? 1 : d == 1 ? -1 : 0; }
inline int dir_dy(int d) { return d == 2 ? 1 : d == 3 ? -1 : 0; }
inline int dir_dz(int d) { return d == 4 ? 1 : d == 5 ? -1 : 0; }

inline int local_index(__constant tb_kdomain *dom, int x, int y, int z) {
  return (x + dom->halo) + dom->sy * (y + dom->halo) + dom->sz * (z + dom->halo);
}

/* Local position inside the global grid (beyond the sample's faces is not).
 * A ghost voxel of a neighbouring block counts: a split domain keeps a halo
 * at least as wide as the widest stencil (tb_array_desc.halo). */
inline int in_grid(__constant tb_kdomain *dom, int x, int y, int z) {
  return (uint)(x + dom->ox) < (uint)dom->gnx && (uint)(y + dom->oy) < (uint)dom->gny &&
         (uint)(z + dom->oz) < (uint)dom->gnz;
}

/* All six neighbours of local (x, y, z) lie inside the global grid. */
inline int in_grid_interior(__constant tb_kdomain *dom, int x, int y, int z) {
  return (uint)(x + dom->ox - 1) < (uint)(dom->gnx - 2) && (uint)(y + dom->oy - 1) < (uint)(dom->gny - 2) &&
         (uint)(z + dom->oz - 1) < (uint)(dom->gnz - 2);
}

/* Global linear index of a local voxel: the Philox counter. */
inline uint global_index(__constant tb_kdomain *dom, int x, int y, int z) {
  return (uint)(x + dom->ox) + (uint)dom->gnx * ((uint)(y + dom->oy) + (uint)dom->gny * (uint)(z + dom->oz));
}

/* Row number of local (y, z), for per-row partial sums. */
inline int row_index(__constant tb_kdomain *dom, int y, int z) { return y + dom->ny * z; }

/* Bone is the voxels with at least half their volume mineralised. */
inline int is_bone(float f) { return f >= 0.5f; }

/* Marrow that cells can come from: not bone, inside the bone organ. Voxels
 * beyond the grid are treated as neither bone nor marrow (a cut face is not a
 * surface). */
inline int is_marrow_at(__constant tb_kdomain *dom, __global const float *f, __global const uchar *comp, int x,
                        int y, int z) {
  if (!in_grid(dom, x, y, z)) return 0;
  int j = local_index(dom, x, y, z);
  return comp[j] != TB_COMP_OUTSIDE && !is_bone(f[j]);
}

/* A remodelable surface voxel: bone with a 6-neighbour of marrow (always
 * inlined: recruitment calls it for every bone voxel). */
inline __attribute__((always_inline)) int is_surface(__constant tb_kdomain *dom, __global const float *f,
                                                     __global const uchar *comp, int x, int y, int z, int i) {
  if (comp[i] == TB_COMP_OUTSIDE || !is_bone(f[i])) return 0;
  if (in_grid_interior(dom, x, y, z)) {
    /* Away from the sample's faces (most voxels): no bounds tests, and a
     * bone neighbour (the usual case inside bone) needs no label read. */
    const int off[6] = {1, -1, dom->sy, -dom->sy, dom->sz, -dom->sz};
    for (int d = 0; d < 6; d++) {
      int j = i + off[d];
      if (!is_bone(f[j]) && comp[j] != TB_COMP_OUTSIDE) return 1;
    }
    return 0;
  }
  for (int d = 0; d < 6; d++)
    if (is_marrow_at(dom, f, comp, x + dir_dx(d), y + dir_dy(d), z + dir_dz(d))) return 1;
  return 0;
}

/* Distance in µm from local voxel (x,y,z) to the seed at global position p. */
inline float distance_to(__constant tb_kdomain *dom, int x, int y, int z, int4 p) {
  float dx = (float)(x + dom->ox - p.x), dy = (float)(y + dom->oy - p.y), dz = (float)(z + dom->oz - p.z);
  return dom->h_um * sqrt(dx * dx + dy * dy + dz * dz);
}

/* Depth in voxels of (x,y,z) below the seed p along the team's inward normal p.w. */
inline int depth_along(__constant tb_kdomain *dom, int x, int y, int z, int4 p) {
  int d = p.w & (int)TB_FLAG_DIR_MASK;
  return (x + dom->ox - p.x) * dir_dx(d) + (y + dom->oy - p.y) * dir_dy(d) + (z + dom->oz - p.z) * dir_dz(d);
}

/* 1 when local (x,y,z) is the seed p itself. */
inline int is_seed_of(__constant tb_kdomain *dom, int x, int y, int z, int4 p) {
  return x + dom->ox == p.x && y + dom->oy == p.y && z + dom->oz == p.z;
}

/* Fraction of a voxel at distance d (µm) from the seed's centre that a ball
 * of radius r has reached: a linear partial-volume ramp one voxel wide, so
 * fronts move smoothly. The ramp starts at the seed's centre, not half a
 * voxel inside it: the seed is a surface voxel, whose bone begins at its
 * marrow face, so a flat surface recedes by exactly r (not r + h/2) and a
 * cavity's depth does not depend on the voxel size. */
inline float ball_cover(float r, float d, float h) { return clamp((r - d) / h, 0.0f, 1.0f); }

/* Effective RANKL: OPG is a decoy receptor (Pivonka 2008). */
inline float effective_rankl(float K_opg_per_pM, float rankl, float opg) { return rankl / (1.0f + K_opg_per_pM * opg); }

/* Estrogen-dependent factors (MODEL.md mechanisms 3, 5, 7): linear in the
 * deficit 1 - E, one gain per mechanism. */
inline float deficit_of(__constant tb_kstep *ks) { return 1.0f - ks->estrogen; }

/* MSC commitment to the osteoblast lineage relative to health, from the
 * marrow's adiposity target (Griffith 2012). */
inline float fat_target(float fat0, float gain, float deficit) { return fmin(fat0 + gain * deficit, 0.99f); }
inline float commit_bone(float fat0, float gain, float deficit) {
  return (1.0f - fat_target(fat0, gain, deficit)) / (1.0f - fat0);
}

/* A cytokine's effect at a voxel (IMMUNE_AND_TREATMENTS.md 2.4). A field is
 * linear in its sources and the immune process scales them by the systemic
 * level l (1 in health), so the healthy field on the same geometry is c / l
 * and the increment over health is c (1 - 1/l); in units of the healthy
 * surface mean ref, h = u / (u + K). Zero in health and wherever l <= 1;
 * larger where more marrow is near (trabecular rather than cortical bone). */
inline float immune_h(float c, float level, float ref, float K) {
  if (!(level > 1.0f) || !(ref > 0.0f)) return 0.0f;
  float u = fmax(c, 0.0f) / ref * (1.0f - 1.0f / level);
  return u / (u + K);
}

/* immune_h for sixteen voxels: the same operations lane by lane. */
inline float16 immune_h16(float16 c, float level, float ref, float K) {
  if (!(level > 1.0f) || !(ref > 0.0f)) return (float16)(0.0f);
  float16 u = fmax(c, 0.0f) / ref * (1.0f - 1.0f / level);
  return u / (u + K);
}

/* The systemic form of the same effect (exposure = the healthy mean). */
inline float immune_h_sys(float level, float K) {
  float u = fmax(level - 1.0f, 0.0f);
  return u / (u + K);
}

/* The birth day of a voxel's bone after inc of new bone, formed at t_mid
 * (days), joins the fraction f already there (every kernel that forms bone
 * calls this; resorption keeps the birth day: it takes every age alike).
 * The mean is weighted by e^(k b), k the secondary mineralisation rate
 * (tb_kp_mineral): e^(k b') (f + inc) = f e^(k b) + inc e^(k t_mid). The
 * mineral a tissue still lacks in secondary mineralisation decays as
 * e^(-k age) whatever its age, so with this mean v_m(t - b') is exactly the
 * f-weighted mean of the parts' v_m once every part is past primary
 * mineralisation (kernels/mineral.cl); an arithmetic mean of birth days
 * would call new bone laid on old bone mature at once. Parts much closer in
 * age than 1/k give the f-weighted arithmetic mean. */
inline float mix_birth_day(float birth, float f, float t_mid, float inc, float k_per_day) {
  if (!(inc > 0.0f)) return birth;
  float age = fmax(t_mid - birth, 0.0f);
  /* ln((f e^(-k age) + inc)/(f + inc)) = ln(1 + f (e^(-k age) - 1)/(f + inc)),
   * bounded below so that old bone with a trace of new stays finite. */
  float x = fmax(f / (f + inc) * expm1(-k_per_day * age), -1.0f + 1e-7f);
  return t_mid + log1p(x) / k_per_day;
}

/* tb_philox4x32 (shared.h) for sixteen counters at once, c1 = c1_0 + lane:
 * the same integer operations lane by lane, so the same words. out[w]
 * holds word w of the sixteen draws. */
inline void tb_philox4x32_16(uint c0s, uint c1_0, uint c2s, uint c3s, uint k0, uint k1, uint16 out[4]) {
  uint16 c0 = (uint16)(c0s), c2 = (uint16)(c2s), c3 = (uint16)(c3s);
  uint16 c1 = (uint16)(c1_0) + (uint16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int r = 0; r < 10; r++) {
    const uint16 hi0 = mul_hi((uint16)(0xD2511F53u), c0), lo0 = (uint16)(0xD2511F53u) * c0;
    const uint16 hi1 = mul_hi((uint16)(0xCD9E8D57u), c2), lo1 = (uint16)(0xCD9E8D57u) * c2;
    const uint16 n0 = hi1 ^ c1 ^ (uint16)(k0), n2 = hi0 ^ c3 ^ (uint16)(k1);
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/* Sixteen consecutive counters' draws, kept while a work-item walks a row:
 * word w of the draw for counter c1 (purpose c2, step c0), computing the
 * sixteen from c1 on when c1 is not among those held (counters before
 * base wrap to >= 16). */
typedef struct tb_draws16 {
  uint base;
  int valid;
  uint16 w[4];
} tb_draws16;

/* Fills the cache with the sixteen counters from base on. */
inline void tb_draws16_fill(tb_draws16 *d, uint c0, uint base, uint c2, uint k0, uint k1) {
  d->base = base;
  d->valid = 1;
  tb_philox4x32_16(c0, base, c2, 0u, k0, k1, d->w);
}

inline uint tb_draws16_word(tb_draws16 *d, uint c0, uint c1, uint c2, uint w, uint k0, uint k1) {
  if (!d->valid || c1 - d->base >= 16u) tb_draws16_fill(d, c0, c1, c2, k0, k1);
  return ((const uint *)&d->w[w])[c1 - d->base];
}

/* Word (g + j) % 4 of the draw for counter (g + j) / 4 in lane j, for
 * sixteen consecutive voxels g.. g + 15 (purpose c2, step c0): the words
 * tb_draws16_word gives them one by one, from the same cache. */
inline uint16 tb_draws16_quarters(tb_draws16 *d, uint c0, uint g, uint c2, uint k0, uint k1) {
  const uint first = g >> 2, last = (g + 15u) >> 2;
  if (!d->valid || first - d->base >= 16u || last - d->base >= 16u) tb_draws16_fill(d, c0, first, c2, k0, k1);
  const uint16 lane = (uint16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) + g;
  const uint16 k = (lane >> 2) - d->base, w = lane & 3u;
  const uint16 w0 = shuffle(d->w[0], k), w1 = shuffle(d->w[1], k), w2 = shuffle(d->w[2], k),
               w3 = shuffle(d->w[3], k);
  return select(select(w0, w1, w == 1u), select(w2, w3, w == 3u), w >= 2u);
}

/* Word 0 of the draws for the sixteen counters g.. g + 15 in lane order
 * (purpose c2, step c0): the words tb_draws16_word gives them one by
 * one, from the same cache. */
inline uint16 tb_draws16_run(tb_draws16 *d, uint c0, uint g, uint c2, uint k0, uint k1) {
  if (!d->valid || d->base != g) tb_draws16_fill(d, c0, g, c2, k0, k1); /* g.. g + 15 only from base g */
  return d->w[0];
}

/* The x voxels each work-item of a row launch walks (TB_FOR_ROW). */
inline int row_run(__constant tb_kdomain *dom) {
  return (dom->nx + (int)get_global_size(0) - 1) / (int)get_global_size(0);
}

/* The end (exclusive) of this work-item's run of x voxels. */
inline int row_run_end(__constant tb_kdomain *dom) {
  return min(((int)get_global_id(0) + 1) * row_run(dom), dom->nx);
}
