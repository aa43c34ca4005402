/* Per-row sums for the run's figures (morphometry.csv, the mass balance):
 * one work-item per x-row whatever the device, summing in a fixed order, so
 * the totals are bit-identical across launch shapes. The host adds the rows
 * in double. With reset != 0 the since-last-snapshot accumulators are
 * zeroed after they are read. */

__kernel void stats_rows(__constant tb_kparams *kp, __constant tb_kstep *ks, __global const float *f,
                         __global const uchar *comp, __global const float *ocy, __global const float *fat,
                         __global const int *team_seed, __global const float *team_tend,
                         __global float *res_acc, __global float *form_acc,
                         __global uchar *evt_acc, __global const float *rankl, __global const float *opg, __global const float *sclerostin,
                         __global const int *team_perf, __global float *out, int reset) {
  const int y = (int)get_global_id(0), z = (int)get_global_id(1);
  if (y >= kp->ny || z >= kp->nz) return;
  float acc[TB_NSTATS];
  for (int k = 0; k < TB_NSTATS; k++) acc[k] = 0.0f;
  const float t = ks->t_days;
  for (int x = 0, i = kp->nx * (y + kp->ny * z); x < kp->nx; x++, i++) {
    int c = comp[i];
    if (c == TB_COMP_OUTSIDE) continue;
    int cort = c == TB_COMP_CORTICAL;
    float fi = f[i];
    acc[cort ? TB_STAT_BONE_CORT : TB_STAT_BONE_TRAB] += fi;
    acc[cort ? TB_STAT_TV_CORT : TB_STAT_TV_TRAB] += 1.0f;
    acc[cort ? TB_STAT_RES_CORT : TB_STAT_RES_TRAB] += res_acc[i];
    acc[cort ? TB_STAT_FORM_CORT : TB_STAT_FORM_TRAB] += form_acc[i];
    acc[cort ? TB_STAT_INIT_CORT : TB_STAT_INIT_TRAB] += (float)evt_acc[i];
    acc[TB_STAT_BONE_ALL] += fi;
    acc[TB_STAT_OCY] += fi * ocy[i];
    int s = team_seed[i];
    if (s == i) {
      acc[TB_STAT_ACTIVE_BMU] += 1.0f;
      if (team_perf[i]) acc[TB_STAT_PERFORATED] += 1.0f;
    }
    if (!is_bone(fi)) {
      acc[TB_STAT_FAT] += fat[i];
      acc[TB_STAT_MARROW] += 1.0f;
    }
    if (is_surface(kp, f, comp, x, y, z, i)) {
      acc[cort ? TB_STAT_SURF_CORT : TB_STAT_SURF_TRAB] += 1.0f;
      acc[TB_STAT_REFF_SURF] += effective_rankl(kp, rankl[i], opg[i]);
      acc[TB_STAT_SCL_SURF] += sclerostin[i];
      if (s >= 0 && t < team_tend[s]) acc[TB_STAT_ERODED] += 1.0f;
      if (s >= 0 && t >= team_tend[s] + kp->reversal_days && !team_perf[s])
        acc[TB_STAT_FORMING] += 1.0f;
    }
    if (reset) {
      res_acc[i] = 0.0f;
      form_acc[i] = 0.0f;
      evt_acc[i] = 0;
    }
  }
  size_t row = (size_t)y + (size_t)kp->ny * (size_t)z;
  for (int k = 0; k < TB_NSTATS; k++) out[row * TB_NSTATS + k] = acc[k];
}
