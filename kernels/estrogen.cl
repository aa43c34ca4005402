/* Mechanism 1 (MODEL.md): the estrogen schedule.
 *
 * E(t) = 1 before menopause, then 1 - loss (1 - exp(-(t - t_m)/tau))
 * (a first-order fall; Sowers 2010 shows most of the estradiol decline
 * within ~2 years of the final menstrual period), and 1 again from the day
 * hormone therapy starts. Estrogen's cellular effects are linear in the
 * deficit (1 - E), one gain per mechanism, applied by each process's own
 * kernels (MODEL.md mechanisms 3, 5, 7):
 *   osteoclast team life   x (1 + g_surv (1 - E))   less osteoclast apoptosis
 *   BMU initiation         x (1 + g_init (1 - E))   more osteoclastogenesis
 *   osteoblast working life / (1 + g_ob (1 - E))    more osteoblast apoptosis
 *   marrow adiposity target fat0 + g_fat (1 - E)    MSC commitment to fat
 *   osteocyte apoptosis    x (1 + g_ocy (1 - E))
 * Hormone therapy (IMMUNE_AND_TREATMENTS.md 5.1) is estrogen restored on its
 * schedule, so every one of these terms reverses; perforations stay (the
 * formation kernel never refills a perforated cavity).
 * The same function is compiled by the host (tb_schedule_estrogen). */

TB_INLINE float estrogen_level(const tb_kp_schedule kp, float t_days) {
  if (kp.hormone_therapy_day >= 0.0f && t_days >= kp.hormone_therapy_day) return 1.0f;
  if (t_days < kp.menopause_day) return 1.0f;
  float e = 1.0f - kp.estrogen_loss * (1.0f - exp(-(t_days - kp.menopause_day) / kp.decline_days));
  /* Hormone-therapy courses ([treatment.N] drug = hormone_therapy) hold E
   * at least at their level while they run; when one stops, E is again the
   * natural level of that day (no memory of the course). */
  for (int k = 0; k < kp.n_ht && k < TB_MAX_TREATMENTS; k++)
    if (t_days >= kp.ht_start[k] && t_days < kp.ht_stop[k]) e = fmax(e, kp.ht_level[k]);
  return e;
}

/* The step constants of global step `step`. */
TB_INLINE tb_kstep schedule_at(const tb_kp_schedule kp, tb_u32 step) {
  tb_kstep s;
  s.step = step;
  s.t_days = kp.t_start_days + (float)step * kp.dt_days;
  s.estrogen = estrogen_level(kp, s.t_days);
  s.pad_ = 0u;
  return s;
}

#ifdef __OPENCL_VERSION__
/* One work-item: sets the step constants for step ks->step + advance. Run
 * at the start of each step, so a step needs no host transfer. */
__kernel void schedule_advance(__constant tb_kp_schedule *kp, __global tb_kstep *ks, int advance) {
  if (get_global_id(0) != 0) return;
  *ks = schedule_at(*kp, ks->step + (uint)advance);
}

/* E(t) at n times; used to check the device agrees with the host schedule. */
__kernel void estrogen_series(__constant tb_kp_schedule *kp, __global const float *t_days, __global float *out,
                              int n) {
  int i = get_global_id(0);
  if (i < n) out[i] = estrogen_level(*kp, t_days[i]);
}
#endif
