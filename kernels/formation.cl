/* Mechanisms 5 and 6 (MODEL.md): the osteoblast lineage and the formation
 * front.
 *
 * Coupling: while its cavity is resorbed, each voxel records the strongest
 * TGF-beta activation it saw, TGF/(TGF + K_act) (Pivonka 2008); that is the
 * share of osteoblast precursors recruited to it. After the reversal period
 * the team refills the cavity from its walls inwards: the empty ball around
 * the seed shrinks as the wall grows at
 *   MAR_eff = MAR * recruited * commit_bone(E) * min(1, Wnt(SCL)/Wnt(SCL_ref)),
 *   Wnt(SCL) = K/(K + SCL)      (sclerostin inhibits Wnt-driven formation)
 * for the team's working life, which osteoblast apoptosis shortens as
 * estrogen falls. A wall thinner than the cavity is deep leaves a deficit:
 * the mechanism of net loss. Perforated cavities are not refilled (Liu 2008).
 * At the end of the cycle the team's voxels and its slot are released.
 * New bone's birth day mixes into the voxel's (mix_birth_day, common.h),
 * from which the mineral process computes its mineral content.
 * Own-voxel updates only. */

__kernel void formation_step(__constant tb_kdomain *dom, __constant tb_kp_formation *kp, __constant tb_kstep *ks,
                             __global float *f, __global const uchar *comp, __global int *team_id,
                             __global const int4 *team_pos, __global const float2 *team_time,
                             __global const int *team_perf, __global int *team_used, __global float *cav,
                             __global float *form_w, __global float *tgf_seen, __global float *ocy,
                             __global const float *tgfb, __global const float *sclerostin, __global float *form_acc,
                             __global float *src_opg, __global const tb_immune_state *imm,
                             __global const float *tnf, __global int4 *team_log, __global int *log_count,
                             __global float *perf_loss, __global const tb_drug_effects *drug,
                             __global float *birth) {
  const float t = ks->t_days;
  const float deficit = deficit_of(ks);
  const tb_immune_state im = *imm;
  const tb_drug_effects dx = *drug;
  /* Osteoblast apoptosis: raised by estrogen loss and by TNF-alpha (the
   * systemic level, so that every member of a team ends together), lowered
   * by teriparatide's BCL2 signal (kernels/teriparatide.cl). */
  const float formation_days = kp->formation_period_days / (1.0f + kp->ob_apoptosis_estrogen_gain * deficit) /
                               (1.0f + im.fx.tnf_ob_apoptosis * immune_h_sys(im.tnf, im.fx.K)) *
                               dx.ob_life_factor;
  const float commit = commit_bone(kp->fat_baseline, kp->fat_estrogen_gain, deficit);
  const float wnt_ref = kp->K_scl_pM / (kp->K_scl_pM + kp->scl_ref_pM);
  TB_FOR_ROW(dom, x, y, z, i) {
    if (comp[i] == TB_COMP_OUTSIDE) continue;
    int s = team_id[i];
    if (s < 0) continue;
    float2 tt = team_time[s];
    float tf = tt.y + kp->reversal_days;
    if (t < tf) {
      /* TNF-alpha blocks osteoblast differentiation from recruited precursors. */
      float g = tgfb[i];
      float block = 1.0f + im.fx.tnf_ob_differentiation * immune_h(tnf[i], im.tnf, im.tnf_ref, im.fx.K);
      tgf_seen[i] = fmax(tgf_seen[i], g / (g + kp->K_tgfb_act_pM) / block);
      continue;
    }
    int4 p = team_pos[s];
    if (t - tf >= formation_days) {
      /* The cycle is over: what was not refilled stays lost. Every member
       * is released in the same step; the seed frees the slot and logs the
       * cycle: cavity depth (the ball's final radius), wall thickness (the
       * wall grown at the seed, 0 for a perforation), perforated, and the
       * seed's position (the host sorts the log by it, so sums over it do
       * not depend on the order work-items append). A perforated cycle's
       * cavity is bone lost with the trabecula (Liu 2008). */
      int perf = team_perf[s];
      if (perf) perf_loss[i] += cav[i];
      if (is_seed_of(dom, x, y, z, p)) {
        team_used[s] = 0;
        float depth = kp->resorb_speed_um_per_day * (tt.y - tt.x);
        float wall = perf ? 0.0f : fmin(form_w[i], depth);
        int k = atomic_inc(&log_count[0]);
        if (k < dom->team_capacity)
          team_log[k] = (int4)((int)(depth * 1000.0f), (int)(wall * 1000.0f), perf,
                               (int)global_index(dom, x, y, z));
        else
          atomic_or(&log_count[1], 1);
      }
      team_id[i] = TB_TEAM_NONE;
      form_w[i] = 0.0f;
      tgf_seen[i] = 0.0f;
      continue;
    }
    float ci = cav[i];
    if (team_perf[s] || ci <= 0.0f) continue;
    float h = dom->h_um;
    float r = kp->resorb_speed_um_per_day * (tt.y - tt.x);
    float d = distance_to(dom, x, y, z, p);
    float removed = ball_cover(r, d, h); /* share of the original bone resorbed */
    if (removed <= 1e-3f) continue;
    float f_orig = ci / removed;
    /* Romosozumab leaves a share of sclerostin free (kernels/romosozumab.cl). */
    float scl = sclerostin[i] * dx.scl_free;
    /* The healthy MAR is what osteoblasts achieve at healthy Wnt signalling;
     * sclerostin above its healthy surface level slows them. A cavity has
     * lost its osteocytes, so its sclerostin dips below that level, which
     * does not make osteoblasts faster than in health. */
    float wnt = fmin(kp->K_scl_pM / (kp->K_scl_pM + scl) / wnt_ref, 1.0f);
    float mar = kp->mar_um_per_day * tgf_seen[i] * commit * wnt;
    float w0 = form_w[i], w1 = w0 + mar * dom->dt_days;
    form_w[i] = w1;
    /* Summed over the formation period the increments add up to at most
     * f_orig * removed = cav: what this cycle resorbed here. */
    float inc = f_orig * (ball_cover(r - w0, d, h) - ball_cover(r - w1, d, h));
    inc = clamp(inc, 0.0f, 1.0f - f[i]);
    src_opg[i] += kp->ob_opg_pM_per_day;
    if (inc <= 0.0f) continue;
    float fi = f[i];
    /* New bone embeds new, live osteocytes, and is new tissue: formed
     * during this step, at its middle on average. */
    ocy[i] = (ocy[i] * fi + inc) / (fi + inc);
    birth[i] = mix_birth_day(birth[i], fi, t + 0.5f * dom->dt_days, inc, kp->mineral_rate_per_day);
    f[i] = fi + inc;
    form_acc[i] += inc;
  }
}
