/* Mechanisms 2-4 (MODEL.md): osteoclastogenesis, estrogen's control of
 * osteoclasts, and the resorption front.
 *
 * A remodeling event (BMU) starts at a surface voxel, the team's seed, with
 * probability 1 - exp(-rate dt) per step, where
 *   rate = rate0 * (1 + g_init (1 - E)) * (Reff / Reff_ref)^n * Treg * P * A_imm,
 *   Reff = RANKL/(1 + K OPG), Treg = (1 + s0)/(1 + s(E) Treg) suppression,
 *   P the precursor pool, A_imm = 1 + sum_i a_i h_i the cytokines' effect
 *   (kernels/immune.cl; all 1 in health)
 * drawn from Philox keyed by (seed, step, global voxel index): reproducible
 * on any device, launch shape and domain split. The team resorbs the bone
 * inside a ball around its seed whose radius grows at the resorption speed
 * for the team's life, which estrogen shortens (it promotes osteoclast
 * apoptosis), so a cavity is speed x life deep (~50 µm in 30 days, Eriksen
 * 1986). Membership spreads through the bone from opened voxels, so a team
 * cannot jump across marrow. A team that digs through to marrow on the far
 * side, or into the cavity of a team digging from the opposite surface, has
 * perforated the trabecula; that cavity is never refilled (Liu 2008).
 * Perforation is not a rule of its own: it follows from deeper cavities
 * (longer-lived teams without estrogen), BMUs drawn to the same sites (dead
 * osteocytes' RANKL), and thin trabeculae. It is only tested in the
 * trabecular compartment.
 *
 * Teams live in a table of slots (team_pos, team_time, team_perf,
 * team_used); a voxel names its team by slot. New teams take consecutive
 * slots in voxel order (a per-row count, a scan over rows, then the rank in
 * the row), so which slot a team gets never depends on work-item order, and
 * no result depends on slot numbers (ties are broken by seed position).
 *
 * Kernels per step, so no kernel writes what its neighbours read:
 * osteoclast_recruit decides (reads neighbours, writes scratch join/pflag
 * and the per-row count of new teams), osteoclast_count and osteoclast_scan
 * place the new teams' slots, osteoclast_resorb applies (own voxel only). */

/* Team life at this estrogen level with its uniform spread, from the
 * voxel's initiation draw. */
inline float team_life(__constant tb_kp_osteoclast *kp, __constant tb_kstep *ks, float u) {
  return kp->resorb_period_days * (1.0f + kp->survival_estrogen_gain * deficit_of(ks)) *
         (1.0f + kp->lifetime_cv * (2.0f * u - 1.0f));
}

/* BMU initiation rate at surface voxel i relative to the healthy rate
 * (the bracket of the rate above): estrogen, (Reff/Reff_ref)^n, Treg
 * suppression and the precursor pool (systemic), and the cytokines'
 * amplification where their increment over health is (MODEL.md mechanism
 * 2; IMMUNE_AND_TREATMENTS.md 2.4). */
inline float osteoclastogenesis(__constant tb_kp_osteoclast *kp, __constant tb_kstep *ks, const tb_immune_state *im,
                                const tb_drug_effects *dx, int i, __global const float *rankl,
                                __global const float *opg, __global const float *tnf, __global const float *il17,
                                __global const float *il6) {
  /* Drugs: denosumab leaves a share of RANKL free, continuous PTH raises
   * the osteoblast lineage's (kernels/denosumab.cl, teriparatide.cl). */
  float reff = effective_rankl(kp->K_opg_per_pM, rankl[i], opg[i]) * dx->rankl_free * dx->rankl_factor;
  /* (Reff/Reff_ref)^n; pow is slow where n is the usual 1 or 2. */
  float ratio = fmax(reff, 0.0f) / kp->reff_ref_pM;
  float n_ = kp->rankl_exponent;
  float dose = n_ == 1.0f ? ratio : n_ == 2.0f ? ratio * ratio : pow(ratio, n_);
  float a_imm = 1.0f + im->fx.tnf_oc * immune_h(tnf[i], im->tnf, im->tnf_ref, im->fx.K) +
                im->fx.il17_oc * immune_h(il17[i], im->il17, im->il17_ref, im->fx.K) +
                im->fx.il6_oc * immune_h(il6[i], im->il6, im->il6_ref, im->fx.K);
  return (1.0f + kp->init_estrogen_gain * deficit_of(ks)) * dose * im->treg_factor * im->precursors * a_imm;
}

/* osteoclastogenesis for sixteen voxels from i, lane by lane the same
 * operations, where the RANKL exponent is 1 or 2 (*ok = 0 otherwise, and
 * the caller takes the scalar path). */
inline float16 osteoclastogenesis16(__constant tb_kp_osteoclast *kp, __constant tb_kstep *ks,
                                    const tb_immune_state *im, const tb_drug_effects *dx, int i,
                                    __global const float *rankl, __global const float *opg,
                                    __global const float *tnf, __global const float *il17,
                                    __global const float *il6, int *ok) {
  const float n_ = kp->rankl_exponent;
  *ok = n_ == 1.0f || n_ == 2.0f;
  if (!*ok) return (float16)(0.0f);
  float16 reff = vload16(0, rankl + i) / (1.0f + kp->K_opg_per_pM * vload16(0, opg + i)) * dx->rankl_free *
                 dx->rankl_factor;
  float16 ratio = fmax(reff, 0.0f) / kp->reff_ref_pM;
  float16 dose = n_ == 1.0f ? ratio : ratio * ratio;
  float16 a_imm = 1.0f + im->fx.tnf_oc * immune_h16(vload16(0, tnf + i), im->tnf, im->tnf_ref, im->fx.K) +
                  im->fx.il17_oc * immune_h16(vload16(0, il17 + i), im->il17, im->il17_ref, im->fx.K) +
                  im->fx.il6_oc * immune_h16(vload16(0, il6 + i), im->il6, im->il6_ref, im->fx.K);
  return (1.0f + kp->init_estrogen_gain * deficit_of(ks)) * dose * im->treg_factor * im->precursors * a_imm;
}

/* The map of osteoclastogenesis (a derived output): the relative initiation
 * rate at remodelable surface voxels, 0 elsewhere. */
__kernel void osteoclast_drive(__constant tb_kdomain *dom, __constant tb_kp_osteoclast *kp, __constant tb_kstep *ks,
                               __global const float *f, __global const uchar *comp, __global const float *rankl,
                               __global const float *opg, __global const tb_immune_state *imm,
                               __global const float *tnf, __global const float *il17, __global const float *il6,
                               __global const tb_drug_effects *drug, __global float *out) {
  const tb_immune_state im = *imm;
  const tb_drug_effects dx = *drug;
  TB_FOR_ROW(dom, x, y, z, i) {
    out[i] = is_surface(dom, f, comp, x, y, z, i) ? osteoclastogenesis(kp, ks, &im, &dx, i, rankl, opg, tnf, il17, il6)
                                                  : 0.0f;
  }
}

/* Global linear index of a seed position, the tie-break between teams. */
inline uint seed_key(__constant tb_kdomain *dom, int4 p) {
  return (uint)p.x + (uint)dom->gnx * ((uint)p.y + (uint)dom->gny * (uint)p.z);
}

/* Recruitment at voxel i = (x, y, z): joins a team's front, starts a new
 * team, or (a member) marks its team perforated. */
inline void recruit_voxel(__constant tb_kdomain *dom, __constant tb_kp_osteoclast *kp, __constant tb_kstep *ks,
                          __global const float *f, __global const uchar *comp, __global const int *team_id,
                          __global const int4 *team_pos, __global const float2 *team_time, __global int *team_perf,
                          __global const float *rankl, __global const float *opg, __global int *join,
                          __global uchar *pflag, __global int *row_new, __global const uchar *near_front,
                          const tb_immune_state *im, __global const float *tnf, __global const float *il17,
                          __global const float *il6, const tb_drug_effects *drug_fx, int wide, tb_draws16 *d16,
                          int x, int y, int z, int i) {
  const float t = ks->t_days, t_end_step = ks->t_days + dom->dt_days;
  int s = team_id[i];
  join[i] = TB_TEAM_NONE;
  pflag[i] = 0;
  if (comp[i] == TB_COMP_OUTSIDE) return;
  if (s >= 0) {
    /* Already in a team: only whether it perforated can change. The flag
     * belongs to the team (team_perf), set with atomic_or, so every member
     * knows at once and the order of work-items does not matter; it is
     * read only by later kernels.
     * Perforation is a trabecular event (Liu 2008); in the cortex a cavity
     * reaching a pore is refilled like any other. The breach must lie
     * ahead of the seed, within 45 degrees of the digging direction: where
     * a cavity on a curved rod opens onto the marrow beside it, the rod is
     * scratched, not cut through. */
    join[i] = s;
    if (comp[i] != TB_COMP_TRABECULAR || f[i] >= 0.01f || t >= team_time[s].y) return;
    int4 p = team_pos[s];
    int depth = depth_along(dom, x, y, z, p);
    if (depth >= 1 && (float)depth * dom->h_um >= 0.7071f * distance_to(dom, x, y, z, p)) {
      int dir = p.w & (int)TB_FLAG_DIR_MASK;
      int xn = x + dir_dx(dir), yn = y + dir_dy(dir), zn = z + dir_dz(dir);
      if (in_grid(dom, xn, yn, zn)) {
        int j = local_index(dom, xn, yn, zn);
        /* Marrow that no team opened: the far side of the trabecula. Or
         * the open cavity of a team that dug from the opposite surface:
         * two cavities that meet through a thin trabecula cut it, and both
         * teams have perforated. Cavities that merge side by side (seeds
         * on the same surface) are not a perforation. */
        int sj = team_id[j];
        if (!is_bone(f[j])) {
          if (sj < 0) atomic_or(&team_perf[s], 1);
          else if (sj != s) {
            int dj = team_pos[sj].w & (int)TB_FLAG_DIR_MASK;
            if ((dj >> 1) == (dir >> 1) && dj != dir) {
              /* A team is only marked while it still resorbs: one that has
               * begun refilling keeps what it refilled. */
              atomic_or(&team_perf[s], 1);
              if (t < team_time[sj].y) atomic_or(&team_perf[sj], 1);
            }
          }
        }
      }
    }
    return;
  }
  if (f[i] <= 0.001f) return;
  /* Join the team whose front has reached this voxel from an opened
   * neighbour and covers it most (largest radius minus distance), so a
   * voxel is resorbed by the ball that reaches it first; earliest start,
   * then smallest seed position, break ties. */
  int best = -1;
  float best_reach = 0.0f, best_t0 = 0.0f;
  uint best_key = 0u;
  if (near_front[i]) { /* a resorbing team's front can arrive here */
    const int xlo = in_grid(dom, x - 1, y, z) ? -1 : 0, xhi = in_grid(dom, x + 1, y, z) ? 1 : 0;
    const int ylo = in_grid(dom, x, y - 1, z) ? -1 : 0, yhi = in_grid(dom, x, y + 1, z) ? 1 : 0;
    const int zlo = in_grid(dom, x, y, z - 1) ? -1 : 0, zhi = in_grid(dom, x, y, z + 1) ? 1 : 0;
    for (int dz = zlo; dz <= zhi; dz++)
      for (int dy = ylo; dy <= yhi; dy++)
        for (int dx = xlo; dx <= xhi; dx++) {
          int j = i + dx + dom->sy * dy + dom->sz * dz;
          int sj = team_id[j];
          if (sj < 0 || j == i || sj == best || is_bone(f[j])) continue;
          float2 tt = team_time[sj];
          if (t >= tt.y) continue;
          int4 p = team_pos[sj];
          float r = kp->resorb_speed_um_per_day * (fmin(t_end_step, tt.y) - tt.x);
          float reach = r - distance_to(dom, x, y, z, p);
          if (reach < -dom->h_um) continue;
          uint key = seed_key(dom, p);
          if (best < 0 || reach > best_reach ||
              (reach == best_reach && (tt.x < best_t0 || (tt.x == best_t0 && key < best_key)))) {
            best = sj;
            best_reach = reach;
            best_t0 = tt.x;
            best_key = key;
          }
        }
  }
  if (best >= 0) {
    join[i] = best;
    return;
  }
  if (!is_surface(dom, f, comp, x, y, z, i)) return;
  float rate = kp->init_rate_per_day * osteoclastogenesis(kp, ks, im, drug_fx, i, rankl, opg, tnf, il17, il6);
  /* Start with probability 1 - exp(-rate dt), which is at most rate dt:
   * the exponential is only needed for the rare draws below that bound. */
  float lambda = rate * dom->dt_days;
  const uint g = global_index(dom, x, y, z);
  uint word;
  if (wide) {
    word = tb_draws16_word(d16, ks->step, g, TB_RNG_INITIATE, 0u, dom->seed_lo, dom->seed_hi);
  } else {
    word = tb_philox4x32(ks->step, g, TB_RNG_INITIATE, 0u, dom->seed_lo, dom->seed_hi).v[0];
  }
  float u = tb_u01(word);
  if (u >= lambda || u >= 1.0f - exp(-lambda)) return;
  /* New team. Its inward normal is the axis of the steepest bone-fraction
   * gradient, pointing into the bone. */
  float best_g = -1.0f;
  int dir = 0;
  for (int d = 0; d < 6; d += 2) {
    int xp = x + dir_dx(d), yp = y + dir_dy(d), zp = z + dir_dz(d);
    int xm = x - dir_dx(d), ym = y - dir_dy(d), zm = z - dir_dz(d);
    float fp = in_grid(dom, xp, yp, zp) ? f[local_index(dom, xp, yp, zp)] : f[i];
    float fm = in_grid(dom, xm, ym, zm) ? f[local_index(dom, xm, ym, zm)] : f[i];
    float g = fp - fm;
    if (fabs(g) > best_g) {
      best_g = fabs(g);
      dir = g >= 0.0f ? d : d + 1;
    }
  }
  join[i] = TB_JOIN_NEW;
  pflag[i] = (uchar)(TB_FLAG_NEW | (uint)dir);
  atomic_inc(&row_new[row_index(dom, y, z)]);
}

/* Sixteen voxels x..x+15 of a row whose neighbours all lie in the grid:
 * writes what recruit_voxel writes where it has nothing to decide (join:
 * the voxel's team or none; pflag 0) and returns the lanes where it may:
 * members in trabecular voxels almost resorbed (perforation), and voxels
 * not in a team with bone left that lie near a front or on the surface. */
inline int16 recruit_block(__constant tb_kdomain *dom, __constant tb_kp_osteoclast *kp, __constant tb_kstep *ks,
                           __global const float *f, __global const uchar *comp, __global const int *team_id,
                           __global int *join, __global uchar *pflag, __global const uchar *near_front,
                           const tb_immune_state *im, const tb_drug_effects *drug_fx, __global const float *rankl,
                           __global const float *opg, __global const float *tnf, __global const float *il17,
                           __global const float *il6, tb_draws16 *d16, int x, int y, int z, int i) {
  const int16 s = vload16(0, team_id + i), c = convert_int16(vload16(0, comp + i));
  const float16 fi = vload16(0, f + i);
  const int16 inside = c != TB_COMP_OUTSIDE;
  vstore16(select((int16)(TB_TEAM_NONE), s, inside & (s >= 0)), 0, join + i);
  vstore16((uchar16)(0), 0, pflag + i);
  const int off[6] = {1, -1, dom->sy, -dom->sy, dom->sz, -dom->sz};
  int16 marrow_nb = (int16)(0);
  for (int d = 0; d < 6; d++)
    marrow_nb |=
        (vload16(0, f + i + off[d]) < 0.5f) & (convert_int16(vload16(0, comp + i + off[d])) != TB_COMP_OUTSIDE);
  const int16 surface = (fi >= 0.5f) & marrow_nb;
  const int16 member = (s >= 0) & (c == TB_COMP_TRABECULAR) & (fi < 0.01f);
  const int16 open = inside & (s < 0) & (fi > 0.001f), near = convert_int16(vload16(0, near_front + i)) != 0;
  /* Surface voxels away from fronts only draw for a new team: a lane whose
   * draw falls at or above its rate cannot start one (recruit_voxel's
   * first test), the rest go to recruit_voxel. */
  int16 start = open & surface & !near;
  if (any(start)) {
    int ok;
    const float16 lambda =
        kp->init_rate_per_day * osteoclastogenesis16(kp, ks, im, drug_fx, i, rankl, opg, tnf, il17, il6, &ok) *
        dom->dt_days;
    if (ok) {
      const uint16 w = tb_draws16_run(d16, ks->step, global_index(dom, x, y, z), TB_RNG_INITIATE, dom->seed_lo,
                                      dom->seed_hi);
      const float16 u = (convert_float16(w >> 8) + 0.5f) * (1.0f / 16777216.0f); /* tb_u01 */
      start &= u < lambda;
    }
  }
  return inside & (member | (open & near) | start);
}

__kernel void osteoclast_recruit(__constant tb_kdomain *dom, __constant tb_kp_osteoclast *kp,
                                 __constant tb_kstep *ks, __global const float *f, __global const uchar *comp,
                                 __global const int *team_id, __global const int4 *team_pos,
                                 __global const float2 *team_time, __global int *team_perf,
                                 __global const float *rankl, __global const float *opg, __global int *join,
                                 __global uchar *pflag, __global int *row_new, __global const uchar *near_front,
                                 __global const tb_immune_state *imm, __global const float *tnf,
                                 __global const float *il17, __global const float *il6,
                                 __global const tb_drug_effects *drug) {
  const tb_immune_state im = *imm;
  const tb_drug_effects dx = *drug;
  /* Where a work-item walks runs of 16 voxels or more (CPUs), the draws of
   * sixteen consecutive voxels at once (tb_philox4x32_16, the same words),
   * and blocks of sixteen voxels sort out those with nothing to decide
   * (most: bone inside bone, marrow away from fronts). */
  const int wide = row_run(dom) >= 16;
  const int x1 = row_run_end(dom);
  tb_draws16 d16;
  d16.valid = 0;
  TB_FOR_ROW(dom, x, y, z, i) {
    if (x + 16 <= x1 && in_grid_interior(dom, x, y, z) && in_grid_interior(dom, x + 15, y, z)) {
      const int16 todo = recruit_block(dom, kp, ks, f, comp, team_id, join, pflag, near_front, &im, &dx, rankl, opg,
                                       tnf, il17, il6, &d16, x, y, z, i);
      if (any(todo))
        for (int j = 0; j < 16; j++)
          if (((const int *)&todo)[j])
            recruit_voxel(dom, kp, ks, f, comp, team_id, team_pos, team_time, team_perf, rankl, opg, join, pflag,
                          row_new, near_front, &im, tnf, il17, il6, &dx, wide, &d16, x + j, y, z, i + j);
      x += 15;
      i += 15;
      continue;
    }
    recruit_voxel(dom, kp, ks, f, comp, team_id, team_pos, team_time, team_perf, rankl, opg, join, pflag, row_new,
                  near_front, &im, tnf, il17, il6, &dx, wide, &d16, x, y, z, i);
  }
}

/* One work-item per team slot: marks the voxels a resorbing team's front
 * can reach this step (the ball of its radius plus one voxel around its
 * seed, a superset of those recruitment can take), so recruitment searches
 * a voxel's neighbours for fronts only there. Every writer writes 1: the
 * result does not depend on the order. */
__kernel void osteoclast_reach(__constant tb_kdomain *dom, __constant tb_kp_osteoclast *kp, __constant tb_kstep *ks,
                               __global const int *team_used, __global const int4 *team_pos,
                               __global const float2 *team_time, __global uchar *near_front) {
  const int s = (int)get_global_id(0);
  if (s >= dom->team_capacity || !team_used[s]) return;
  const float2 tt = team_time[s];
  if (ks->t_days >= tt.y) return;
  const float r = kp->resorb_speed_um_per_day * (fmin(ks->t_days + dom->dt_days, tt.y) - tt.x) + dom->h_um;
  const int R = (int)ceil(r / dom->h_um) + 1;
  /* Recruitment takes a voxel at distance d from the seed when
   * r0 - d >= -h, r0 the front's radius (r = r0 + h): every such voxel
   * lies in the ball of radius r, marked with a margin for rounding. */
  const float rmax = r + 0.125f * dom->h_um;
  const int4 p = team_pos[s];
  const int cx = p.x - dom->ox, cy = p.y - dom->oy, cz = p.z - dom->oz;
  const int x0 = max(cx - R, 0), x1 = min(cx + R, dom->nx - 1);
  const int y0 = max(cy - R, 0), y1 = min(cy + R, dom->ny - 1);
  const int z0 = max(cz - R, 0), z1 = min(cz + R, dom->nz - 1);
  for (int z = z0; z <= z1; z++)
    for (int y = y0; y <= y1; y++)
      for (int x = x0, i = local_index(dom, x0, y, z); x <= x1; x++, i++)
        if (distance_to(dom, x, y, z, p) <= rmax) near_front[i] = 1;
}

/* New teams per group of rows (rows_per_group consecutive rows each). */
__kernel void osteoclast_count(__global const int *row_new, int rows, int rows_per_group, int groups,
                               __global int *group_base) {
  int g = (int)get_global_id(0);
  if (g >= groups) return;
  int r0 = g * rows_per_group, r1 = min(rows, r0 + rows_per_group), c = 0;
  for (int r = r0; r < r1; r++) c += row_new[r];
  group_base[g] = c;
}

/* One work-item: the first slot of each group's new teams, consecutive
 * after the last step's; counter = {next slot, overflow, new this step}. */
__kernel void osteoclast_scan(__constant tb_kdomain *dom, __global int *group_base, int groups,
                              __global int *counter) {
  if (get_global_id(0) != 0) return;
  int base = counter[0], total = 0;
  for (int g = 0; g < groups; g++) {
    int c = group_base[g];
    group_base[g] = base;
    base = (base + c) % dom->team_capacity;
    total += c;
  }
  counter[0] = base;
  counter[2] = total;
}

__kernel void osteoclast_resorb(__constant tb_kdomain *dom, __constant tb_kp_osteoclast *kp,
                                __constant tb_kstep *ks, __global float *f, __global const uchar *comp,
                                __global int *team_id, __global int4 *team_pos, __global float2 *team_time,
                                __global int *team_perf, __global int *team_used, __global const int *join,
                                __global const uchar *pflag, __global const int *row_new,
                                __global const int *group_base, int rows_per_group, __global int *counter,
                                __global float *cav, __global float *res_acc, __global uchar *evt_acc,
                                __global float *src_tgfb, __global float *bp, __global uint *bp_uptake) {
  const float t_end_step = ks->t_days + dom->dt_days;
  TB_FOR_ROW(dom, x, y, z, i) {
    if (comp[i] == TB_COMP_OUTSIDE) continue;
    int s = team_id[i];
    if (s < 0 && join[i] == TB_JOIN_NEW) {
      /* This voxel's slot: after the new teams of earlier rows and of
       * earlier voxels in its row. New teams are rare, so the short scans
       * cost little. */
      int row = row_index(dom, y, z), g = row / rows_per_group;
      int rank = group_base[g];
      for (int r = g * rows_per_group; r < row; r++) rank += row_new[r];
      for (int xp = 0, ip = local_index(dom, 0, y, z); xp < x; xp++, ip++) rank += (pflag[ip] & TB_FLAG_NEW) ? 1 : 0;
      int slot = rank % dom->team_capacity;
      if (team_used[slot]) {
        /* Every slot holds a live team: the host stops the run with a
         * message when it reads the flag. */
        atomic_or(&counter[1], 1);
        continue;
      }
      tb_philox4 r = tb_philox4x32(ks->step, global_index(dom, x, y, z), TB_RNG_INITIATE, 0u, dom->seed_lo,
                                   dom->seed_hi);
      team_used[slot] = 1;
      team_pos[slot] = (int4)(x + dom->ox, y + dom->oy, z + dom->oz, (int)(pflag[i] & TB_FLAG_DIR_MASK));
      team_time[slot] = (float2)(ks->t_days, ks->t_days + team_life(kp, ks, tb_u01(r.v[1])));
      team_perf[slot] = 0;
      if (kp->bp_uptake_units > 0.0f) bp_uptake[slot] = 0u;
      s = slot;
      team_id[i] = s;
      cav[i] = 0.0f;
      if (evt_acc[i] < 255) evt_acc[i] += 1;
    } else if (s < 0 && join[i] >= 0) {
      s = join[i];
      team_id[i] = s;
      cav[i] = 0.0f;
    }
    if (s < 0) continue;
    float2 tt = team_time[s];
    if (ks->t_days >= tt.y) continue;
    float r = kp->resorb_speed_um_per_day * (fmin(t_end_step, tt.y) - tt.x);
    float phi = ball_cover(r, distance_to(dom, x, y, z, team_pos[s]), dom->h_um);
    float fi = f[i], ci = cav[i];
    float inc = clamp((fi + ci) * phi - ci, 0.0f, fi);
    if (inc <= 0.0f) continue;
    f[i] = fi - inc;
    cav[i] = ci + inc;
    res_acc[i] += inc;
    /* TGF-beta stored in the matrix is released as it is resorbed. */
    src_tgfb[i] += kp->tgfb_content_pM * inc / dom->dt_days;
    if (kp->bp_uptake_units > 0.0f) {
      /* Bisphosphonate bound in the bone removed (the voxel's amount x
       * inc / f) goes into the team's osteoclasts (kernels/
       * bisphosphonate.cl); integer sums do not depend on the order. */
      float b = bp[i], freed = inc >= fi ? b : b * (inc / fi);
      bp[i] = inc >= fi ? 0.0f : b - freed;
      if (freed > 0.0f) atomic_add(&bp_uptake[s], (uint)fmin(freed * kp->bp_uptake_units + 0.5f, 4.0e9f));
    }
  }
}
