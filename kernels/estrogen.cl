/* Mechanism 1 (MODEL.md): the estrogen schedule and the systemic values that
 * follow from it each step. Shared by host and device: the host fills the
 * per-step constants with estrogen_schedule(); the device kernel
 * estrogen_series evaluates the same code so tests can compare them.
 *
 * E(t) = 1 before menopause, then 1 - loss (1 - exp(-(t - t_m)/tau))
 * (a first-order fall; Sowers 2010 shows most of the estradiol decline
 * within ~2 years of the final menstrual period), and 1 again from the day
 * hormone therapy starts. Estrogen's cellular effects are linear in the
 * deficit (1 - E), one gain per mechanism (MODEL.md mechanisms 3, 5, 7):
 *   osteoclast team life   x (1 + g_surv (1 - E))   less osteoclast apoptosis
 *   BMU initiation         x (1 + g_init (1 - E))   more osteoclastogenesis
 *   osteoblast working life / (1 + g_ob (1 - E))    more osteoblast apoptosis
 *   marrow adiposity target fat0 + g_fat (1 - E)    MSC commitment to fat
 *   osteocyte apoptosis    x (1 + g_ocy (1 - E)) */

TB_INLINE float estrogen_level(const tb_kparams kp, float t_days) {
  if (kp.hormone_therapy_day >= 0.0f && t_days >= kp.hormone_therapy_day) return 1.0f;
  if (t_days < kp.menopause_day) return 1.0f;
  return 1.0f - kp.estrogen_loss * (1.0f - exp(-(t_days - kp.menopause_day) / kp.decline_days));
}

TB_INLINE tb_kstep estrogen_schedule(const tb_kparams kp, float t_days, tb_u32 step) {
  tb_kstep s;
  float e = estrogen_level(kp, t_days);
  float deficit = 1.0f - e;
  s.t_days = t_days;
  s.estrogen = e;
  s.team_life_days = kp.resorb_period_days * (1.0f + kp.survival_estrogen_gain * deficit);
  s.formation_days = kp.formation_period_days / (1.0f + kp.ob_apoptosis_estrogen_gain * deficit);
  s.init_factor = 1.0f + kp.init_estrogen_gain * deficit;
  s.fat_target = fmin(kp.fat_baseline + kp.fat_estrogen_gain * deficit, 0.99f);
  s.commit_bone = (1.0f - s.fat_target) / (1.0f - kp.fat_baseline);
  s.ocy_apoptosis_per_day = kp.ocy_apoptosis_per_day * (1.0f + kp.ocy_apoptosis_estrogen_gain * deficit);
  s.step = step;
  s.pad_[0] = s.pad_[1] = s.pad_[2] = 0u;
  return s;
}

#ifdef __OPENCL_VERSION__
/* E(t) at n times; used to check the device agrees with the host schedule. */
__kernel void estrogen_series(__constant tb_kparams *kp, __global const float *t_days, __global float *out, int n) {
  int i = get_global_id(0);
  if (i < n) out[i] = estrogen_schedule(*kp, t_days[i], 0u).estrogen;
}
#endif
