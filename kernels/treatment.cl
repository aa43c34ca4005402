/* Treatments (IMMUNE_AND_TREATMENTS.md 5): the dosing schedule the drug
 * processes share (src/processes/treatment.c builds it from the scenario's
 * [treatment.N] sections).
 *
 * Each drug process advances its pharmacokinetics in one work-item per step
 * over [t0, t1) of the step, integrating between the doses that fall inside
 * it; t0 and t1 use the schedule's own formula for step times, so a dose on
 * a step boundary belongs to exactly one step. Drug effects on the tissue go
 * to the drug_effects buffer (tb_drug_effects), each member written by one
 * drug only. */

/* Start and end of global step `step`, days (the formula of schedule_at). */
inline float step_start(__constant tb_kp_schedule *sc, uint step) { return sc->t_start_days + (float)step * sc->dt_days; }

/* The doses of `drug` given in [t0, t1), sorted by time: up to max times
 * (days) and amounts (mg); returns their number. Continuous courses give no
 * doses (see infusion_mg_per_day). */
inline int doses_in(__constant tb_kp_treatment *tr, int drug, float t0, float t1, float *when, float *mg, int cap) {
  int n = 0;
  for (int k = 0; k < tr->n && k < TB_MAX_TREATMENTS; k++) {
    const float start = tr->course[k].start_day, stop = tr->course[k].stop_day, every = tr->course[k].interval_days;
    if (tr->course[k].drug != drug || every <= 0.0f) continue;
    const float a = fmax(t0, start), b = fmin(t1, stop);
    if (a >= b) continue;
    for (int j = max((int)floor((a - start) / every) - 1, 0); n < cap; j++) {
      float td = start + (float)j * every;
      if (td < a) continue;
      if (td >= b) break;
      int m = n++;
      while (m > 0 && when[m - 1] > td) {
        when[m] = when[m - 1];
        mg[m] = mg[m - 1];
        m--;
      }
      when[m] = td;
      mg[m] = tr->course[k].dose_mg;
    }
  }
  return n;
}

/* Continuous infusion of `drug` at time t, mg/day (courses with
 * interval_days = 0 running at t). */
inline float infusion_mg_per_day(__constant tb_kp_treatment *tr, int drug, float t) {
  float r = 0.0f;
  for (int k = 0; k < tr->n && k < TB_MAX_TREATMENTS; k++)
    if (tr->course[k].drug == drug && tr->course[k].interval_days <= 0.0f && t >= tr->course[k].start_day &&
        t < tr->course[k].stop_day)
      r += tr->course[k].dose_mg;
  return r;
}

#ifdef __OPENCL_VERSION__
/* One work-item: the treatment record's row of global step ks->step, at
 * index step % cap: time, estrogen, the drug effects and up to
 * TB_LOG_NSTATES drug states (n floats each; n = 0 for unused slots). */
__kernel void treatment_log(__constant tb_kstep *ks, __global const float *effects, __global const float *st0,
                            int n0, __global const float *st1, int n1, __global const float *st2, int n2,
                            __global const float *st3, int n3, __global float *log, int cap) {
  if (get_global_id(0) != 0) return;
  __global float *row = log + (size_t)(ks->step % (uint)cap) * TB_LOG_COLS;
  row[TB_LOG_T] = ks->t_days;
  row[TB_LOG_E] = ks->estrogen;
  for (int k = 0; k < 16; k++) row[TB_LOG_EFFECTS + k] = effects[k];
  __global const float *st[TB_LOG_NSTATES] = {st0, st1, st2, st3};
  const int n[TB_LOG_NSTATES] = {n0, n1, n2, n3};
  for (int j = 0; j < TB_LOG_NSTATES; j++)
    for (int k = 0; k < TB_LOG_STATE_FLOATS; k++)
      row[TB_LOG_STATES + j * TB_LOG_STATE_FLOATS + k] = k < n[j] ? st[j][k] : 0.0f;
}

/* The doses of `drug` in [t0, t1) for the host's check of the schedule. */
__kernel void treatment_doses(__constant tb_kp_treatment *tr, int drug, float t0, float t1, __global float *out,
                              int max) {
  if (get_global_id(0) != 0) return;
  float when[TB_MAX_DOSES_PER_STEP], mg[TB_MAX_DOSES_PER_STEP];
  int n = doses_in(tr, drug, t0, t1, when, mg, min(max, TB_MAX_DOSES_PER_STEP));
  out[0] = (float)n;
  for (int k = 0; k < n; k++) {
    out[1 + 2 * k] = when[k];
    out[2 + 2 * k] = mg[k];
  }
}
#endif
