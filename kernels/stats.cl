/* Per-row sums for the run's figures (morphometry.csv, the mass balance):
 * one work-item per x-row whatever the device, summing in a fixed order;
 * kernels/reduce.cl adds the rows on the device. With reset != 0 the
 * since-last-snapshot accumulators are zeroed after they are read. */

__kernel void stats_rows(__constant tb_kdomain *dom, __constant tb_kp_stats *kp, __constant tb_kstep *ks,
                         __global const float *f, __global const uchar *comp, __global const float *ocy,
                         __global const float *fat, __global const int *team_id, __global const int4 *team_pos,
                         __global const float2 *team_time, __global const int *team_perf, __global float *res_acc,
                         __global float *form_acc, __global uchar *evt_acc, __global const float *rankl,
                         __global const float *opg, __global const float *sclerostin, __global float *out,
                         int reset) {
  const int y = (int)get_global_id(0), z = (int)get_global_id(1);
  if (y >= dom->ny || z >= dom->nz) return;
  float acc[TB_NSTATS];
  for (int k = 0; k < TB_NSTATS; k++) acc[k] = 0.0f;
  const float t = ks->t_days;
  for (int x = 0, i = local_index(dom, 0, y, z); x < dom->nx; x++, i++) {
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
    int id = team_id[i];
    float2 tt = id >= 0 ? team_time[id] : (float2)(0.0f, 0.0f);
    int perf = id >= 0 ? team_perf[id] : 0;
    if (id >= 0 && is_seed_of(dom, x, y, z, team_pos[id])) {
      acc[TB_STAT_ACTIVE_BMU] += 1.0f;
      if (perf) acc[TB_STAT_PERFORATED] += 1.0f;
      if (t < tt.y) acc[TB_STAT_RESORBING] += 1.0f;
      else if (t >= tt.y + kp->reversal_days && !perf) acc[TB_STAT_REFILLING] += 1.0f;
    }
    if (!is_bone(fi)) {
      acc[TB_STAT_FAT] += fat[i];
      acc[TB_STAT_MARROW] += 1.0f;
    }
    if (is_surface(dom, f, comp, x, y, z, i)) {
      acc[cort ? TB_STAT_SURF_CORT : TB_STAT_SURF_TRAB] += 1.0f;
      acc[TB_STAT_REFF_SURF] += effective_rankl(kp->K_opg_per_pM, rankl[i], opg[i]);
      acc[TB_STAT_SCL_SURF] += sclerostin[i];
      if (id >= 0 && t < tt.y) acc[TB_STAT_ERODED] += 1.0f;
      if (id >= 0 && t >= tt.y + kp->reversal_days && !perf) acc[TB_STAT_FORMING] += 1.0f;
    }
    if (reset) {
      res_acc[i] = 0.0f;
      form_acc[i] = 0.0f;
      evt_acc[i] = 0;
    }
  }
  int row = row_index(dom, y, z), rows = dom->ny * dom->nz;
  for (int k = 0; k < TB_NSTATS; k++) out[k * rows + row] = acc[k];
}
