/* Mechanisms 2-4 (MODEL.md): osteoclastogenesis, estrogen's control of
 * osteoclasts, and the resorption front.
 *
 * A remodeling event (BMU) starts at a surface voxel, the team's seed, with
 * probability 1 - exp(-rate dt) per step, where
 *   rate = rate0 * init_factor(E) * (Reff / Reff_ref)^n,  Reff = RANKL/(1 + K OPG)
 * drawn from Philox keyed by (seed, step, voxel): reproducible on any device
 * and launch shape. The team resorbs the bone inside a ball around its seed
 * whose radius grows at the resorption speed for the team's life, which
 * estrogen shortens (it promotes osteoclast apoptosis), so a cavity is
 * speed x life deep (~50 µm in 30 days, Eriksen 1986). Membership spreads
 * through the bone from opened voxels, so a team cannot jump across marrow.
 * A team that digs through to marrow on the far side has perforated the
 * trabecula; that cavity is never refilled (Liu 2008). Perforation is only
 * tested in the trabecular compartment.
 *
 * Two kernels per step, so no kernel writes what its neighbours read:
 * osteoclast_recruit decides (reads neighbours, writes scratch join/pflag),
 * osteoclast_resorb applies (own voxel only). */

__kernel void osteoclast_recruit(__constant tb_kparams *kp, __constant tb_kstep *ks, __global const float *f,
                                 __global const uchar *comp, __global const int *team_seed,
                                 __global float *team_t0, __global float *team_tend,
                                 __global const uchar *flags, __global const float *rankl,
                                 __global const float *opg, __global int *join, __global uchar *pflag,
                                 __global int *team_perf) {
  const float t = ks->t_days, t_end_step = ks->t_days + kp->dt_days;
  TB_FOR_ROW(kp, x, y, z, i) {
    int s = team_seed[i];
    if (comp[i] == TB_COMP_OUTSIDE) {
      join[i] = -1;
      pflag[i] = 0;
      continue;
    }
    if (s >= 0) {
      /* Already in a team: only whether it perforated can change. The flag
       * belongs to the team (one int at its seed), set with atomic_or, so
       * every member knows at once and the order of work-items does not
       * matter; it is read only by later kernels.
       * Perforation is a trabecular event (Liu 2008); in the cortex a cavity
       * reaching a pore is refilled like any other. The breach must lie
       * ahead of the seed, within 45 degrees of the digging direction: where
       * a cavity on a curved rod opens onto the marrow beside it, the rod is
       * scratched, not cut through. */
      int dir = flags[s] & TB_FLAG_DIR_MASK;
      int depth = depth_along(kp, x, y, z, s, dir);
      if (comp[i] == TB_COMP_TRABECULAR && t < team_tend[s] && f[i] < 0.01f && depth >= 1 &&
          (float)depth * kp->h_um >= 0.7071f * distance_to(kp, x, y, z, s)) {
        int xn = x + dir_dx(dir), yn = y + dir_dy(dir), zn = z + dir_dz(dir);
        if (in_grid(kp, xn, yn, zn)) {
          int j = grid_index(kp, xn, yn, zn);
          /* Marrow that no team opened: the far side of the trabecula. Where
           * two cavities merge the deeper voxel belongs to another team and
           * is not a perforation. */
          if (team_seed[j] < 0 && !is_bone(f[j])) atomic_or(&team_perf[s], 1);
        }
      }
      join[i] = s;
      pflag[i] = 0;
      continue;
    }
    join[i] = -1;
    pflag[i] = 0;
    if (f[i] <= 0.001f) continue;
    /* Join the team whose front has reached this voxel from an opened
     * neighbour and covers it most (largest radius minus distance), so a
     * voxel is resorbed by the ball that reaches it first; earliest start,
     * then smallest seed index, break ties. */
    int best = -1;
    float best_reach = 0.0f;
    /* Neighbour ranges clipped to the grid once, so the inner loop has no
     * bounds tests (the choice below does not depend on the visiting order). */
    const int xlo = x > 0 ? -1 : 0, xhi = x + 1 < kp->nx ? 1 : 0;
    const int ylo = y > 0 ? -1 : 0, yhi = y + 1 < kp->ny ? 1 : 0;
    const int zlo = z > 0 ? -1 : 0, zhi = z + 1 < kp->nz ? 1 : 0;
    const int plane = kp->nx * kp->ny;
    for (int dz = zlo; dz <= zhi; dz++)
      for (int dy = ylo; dy <= yhi; dy++)
        for (int dx = xlo; dx <= xhi; dx++) {
          int j = i + dx + kp->nx * dy + plane * dz;
          int sj = team_seed[j];
          if (j == i) continue;
          if (sj < 0 || is_bone(f[j]) || sj == best) continue;
          float t0 = team_t0[sj], tend = team_tend[sj];
          if (t >= tend) continue;
          float r = kp->resorb_speed_um_per_day * (fmin(t_end_step, tend) - t0);
          float reach = r - distance_to(kp, x, y, z, sj);
          if (reach < -kp->h_um) continue;
          if (best < 0 || reach > best_reach ||
              (reach == best_reach && (t0 < team_t0[best] || (t0 == team_t0[best] && sj < best)))) {
            best = sj;
            best_reach = reach;
          }
        }
    if (best >= 0) {
      join[i] = best;
      continue;
    }
    if (!is_surface(kp, f, comp, x, y, z, i)) continue;
    float reff = effective_rankl(kp, rankl[i], opg[i]);
    float rate = kp->init_rate_per_day * ks->init_factor * pow(fmax(reff, 0.0f) / kp->reff_ref_pM, kp->rankl_exponent);
    float p = 1.0f - exp(-rate * kp->dt_days);
    tb_philox4 r = tb_philox4x32(ks->step, (uint)i, TB_RNG_INITIATE, 0u, kp->seed_lo, kp->seed_hi);
    if (tb_u01(r.v[0]) >= p) continue;
    /* New team. Its inward normal is the axis of the steepest bone-fraction
     * gradient, pointing into the bone. */
    float best_g = -1.0f;
    int dir = 0;
    for (int d = 0; d < 6; d += 2) {
      int xp = x + dir_dx(d), yp = y + dir_dy(d), zp = z + dir_dz(d);
      int xm = x - dir_dx(d), ym = y - dir_dy(d), zm = z - dir_dz(d);
      float fp = in_grid(kp, xp, yp, zp) ? f[grid_index(kp, xp, yp, zp)] : f[i];
      float fm = in_grid(kp, xm, ym, zm) ? f[grid_index(kp, xm, ym, zm)] : f[i];
      float g = fp - fm;
      if (fabs(g) > best_g) {
        best_g = fabs(g);
        dir = g >= 0.0f ? d : d + 1;
      }
    }
    float life = ks->team_life_days * (1.0f + kp->lifetime_cv * (2.0f * tb_u01(r.v[1]) - 1.0f));
    team_t0[i] = t;
    team_tend[i] = t + life;
    join[i] = i;
    pflag[i] = (uchar)dir;
  }
}

__kernel void osteoclast_resorb(__constant tb_kparams *kp, __constant tb_kstep *ks, __global float *f,
                                __global const uchar *comp, __global int *team_seed,
                                __global const float *team_t0, __global const float *team_tend,
                                __global uchar *flags, __global const int *join, __global const uchar *pflag,
                                __global float *cav, __global float *form_w, __global float *tgf_seen,
                                __global float *res_acc, __global uchar *evt_acc, __global float *src_tgfb,
                                __global int *team_perf) {
  const float t_end_step = ks->t_days + kp->dt_days;
  TB_FOR_ROW(kp, x, y, z, i) {
    src_tgfb[i] = 0.0f;
    if (comp[i] == TB_COMP_OUTSIDE) continue;
    int s = team_seed[i];
    if (s < 0 && join[i] >= 0) {
      s = join[i];
      team_seed[i] = s;
      cav[i] = 0.0f;
      form_w[i] = 0.0f;
      tgf_seen[i] = 0.0f;
      flags[i] = 0;
      if (s == i) {
        flags[i] = pflag[i] & TB_FLAG_DIR_MASK;
        team_perf[i] = 0;
        if (evt_acc[i] < 255) evt_acc[i] += 1;
      }
    }
    if (s < 0) continue;
    float t0 = team_t0[s], tend = team_tend[s];
    if (ks->t_days >= tend) continue;
    float r = kp->resorb_speed_um_per_day * (fmin(t_end_step, tend) - t0);
    float phi = ball_cover(r, distance_to(kp, x, y, z, s), kp->h_um);
    float fi = f[i], ci = cav[i];
    float inc = clamp((fi + ci) * phi - ci, 0.0f, fi);
    if (inc <= 0.0f) continue;
    f[i] = fi - inc;
    cav[i] = ci + inc;
    res_acc[i] += inc;
    /* TGF-beta stored in the matrix is released as it is resorbed. */
    src_tgfb[i] = kp->tgfb_content_pM * inc / kp->dt_days;
  }
}
