/* The model's parameters in physical units, as one table.
 *
 * The table (tb_param_table) is data: scenario key, struct field, unit,
 * default, allowed range, help and source, one line each. The scenario parser,
 * --set, the range checks, --help and the HDF5 attributes all come from it.
 * Scenario files are INI: [section] key = value, with the key's unit in its
 * name (µm, days, pM). */
#ifndef TRABECULA_PARAMS_H
#define TRABECULA_PARAMS_H

#include <stddef.h>
#include <stdio.h>

#include "trabecula/shared.h"
#include "trabecula/status.h"

/* One course of a drug: a [treatment.N] section (N = 1 .. TB_MAX_TREATMENTS). */
typedef struct tb_treatment {
  int32_t number;       /* N */
  int32_t drug;         /* TB_DRUG_* (shared.h) */
  double start_day;     /* first dose, days after t = 0 */
  double stop_day;      /* no dose on or after this day; default: never */
  double dose_mg;       /* per dose; per day when interval_days = 0 */
  double interval_days; /* between doses; 0 = continuous; default: the drug's label regimen */
  int32_t line;         /* scenario line of the section, for messages */
} tb_treatment;

typedef struct tb_params {
  /* [run] */
  double years, dt_days, spinup_days, snapshot_interval_days, seed;
  /* [estrogen] */
  double estrogen_loss, menopause_day, decline_days, hormone_therapy_start_day;
  /* [osteoclast] */
  double activation_frequency_per_year, rankl_exponent, K_opg_per_pM, estrogen_initiation_gain,
      resorption_speed_um_per_day, resorption_period_days, estrogen_survival_gain, lifetime_cv,
      tgfb_release_pM;
  /* [osteoblast] */
  double reversal_period_days, mar_um_per_day, formation_period_days, estrogen_ob_apoptosis_gain,
      K_tgfb_act_pM, K_sclerostin_pM, fat_baseline, estrogen_fat_gain, fat_tau_days;
  /* [osteocyte] */
  double ocy_apoptosis_per_year, cut_apoptosis_per_day, estrogen_ocy_apoptosis_gain, initial_viability, rankl_live_pM_per_day,
      rankl_dead_pM_per_day, opg_pM_per_day, sclerostin_pM_per_day, estrogen_opg_gain,
      estrogen_sclerostin_gain, osteoblast_opg_pM_per_day;
  /* [immune] */
  double th17_scale, treg_scale, effector_t_scale, m1_scale, m2_scale, b_cell_scale, neutrophil_scale,
      mast_cell_scale, tnf_scale, il17_scale, il6_scale;
  double t_cell_turnover_per_day, b_cell_turnover_per_day, innate_turnover_per_day, th17_estrogen_gain,
      effector_t_estrogen_gain, b_cell_estrogen_gain, neutrophil_estrogen_gain, mast_cell_estrogen_gain,
      treg_suppression, treg_estrogen_loss, m1_polarisation_per_day, m2_polarisation_per_day, m1_estrogen_gain,
      m2_estrogen_exponent, immune_rankl_pM_per_day, rankl_per_cell_estrogen_gain, b_cell_opg_pM_per_day,
      surface_weight, precursor_life_days, precursor_use_per_day, precursor_max, m2_precursor_gain,
      m2_precursor_exponent, precursor_maturation_days, K_cytokine, tnf_osteoclast_gain, il17_osteoclast_gain,
      il6_osteoclast_gain, tnf_rankl_gain, il17_rankl_gain, tnf_ob_differentiation_gain, tnf_ob_apoptosis_gain;
  /* [hormone_therapy] */
  double ht_full_dose_mg_per_day;
  /* [denosumab] */
  double dmab_absorption_per_day, dmab_elimination_per_day, dmab_central_volume_mL_per_kg, dmab_bioavailability,
      dmab_vmax_ng_per_kg_per_day, dmab_km_ng_per_mL, dmab_body_mass_kg, dmab_K_per_pM, dmab_rankl_binding,
      dmab_untreated_denominator;
  /* [bisphosphonate] */
  double bp_plasma_half_life_h, bp_bone_share, bp_alendronate_bioavailability_pct, bp_zoledronate_potency,
      bp_skeleton_turnover_per_year, bp_skeleton_surface_m2, bp_plasma_volume_L, bp_apoptosis_max_per_day,
      bp_apoptosis_ec50_pg;
  /* [teriparatide] */
  double pth_absorption_per_hour, pth_elimination_per_hour, pth_volume_L, pth_bioavailability, pth_baseline_pM,
      pth_rankl_emax, pth_lining_gain;
  /* [romosozumab] */
  double romo_absorption_per_day, romo_bioavailability, romo_central_volume_L, romo_peripheral_volume_L,
      romo_clearance_L_per_day, romo_intercompartmental_L_per_day, romo_vmax_nmol_per_day, romo_km_nM,
      romo_molar_mass_kg_per_mol, scl_production_nM_per_day, scl_elimination_per_day, scl_complex_elimination_per_day,
      tolerance_rate_per_day, tolerance_max, romo_opg_exponent, romo_lining_gain;
  /* [mineral] */
  double mineral_lag_days, mineral_primary_days, mineral_primary_fraction, mineral_max_fraction,
      mineral_secondary_rate_per_day, mineral_density_g_per_cm3;
  /* [signals] */
  double rankl_range_um, rankl_decay_per_day, opg_range_um, opg_decay_per_day, sclerostin_range_um,
      sclerostin_decay_per_day, tgfb_range_um, tgfb_decay_per_day, tnf_range_um, tnf_decay_per_day, il17_range_um,
      il17_decay_per_day, il6_range_um, il6_decay_per_day, tolerance, tgfb_tolerance, cytokine_tolerance, max_cycles;
  /* [treatment.N] sections, in the order of N */
  int32_t n_treatments;
  tb_treatment treatment[TB_MAX_TREATMENTS];
} tb_params;

typedef struct tb_param_info {
  const char *section; /* INI section */
  const char *key;     /* INI key; the struct field of the same meaning */
  size_t offset;       /* offsetof(tb_params, field) */
  const char *unit;    /* "um", "day", "pM", "1/day", "1" ... */
  double def, lo, hi;  /* default and inclusive range */
  int integer;         /* value must be a whole number */
  const char *help;    /* one line, with its source */
} tb_param_info;

extern const tb_param_info tb_param_table[];
extern const int tb_param_count;

void tb_params_default(tb_params *p);
/* Looks up "section.key"; NULL if unknown. */
const tb_param_info *tb_param_find(const char *section, const char *key);
/* Sets one parameter from text, checking number and range. `where` names the
 * origin for messages (a file:line, or "--set"). */
tb_status tb_params_set(tb_params *p, const char *where, const char *section, const char *key, const char *value);
/* "section.key=value" from the command line. */
tb_status tb_params_set_assignment(tb_params *p, const char *assignment);
/* Reads an INI scenario file over the current values. Unknown sections and
 * keys are errors that list the valid ones. */
tb_status tb_params_load_file(tb_params *p, const char *path);
/* Same, from text in memory (the built-in scenarios); name is for messages. */
tb_status tb_params_load_text(tb_params *p, const char *name, const char *text);
/* Cross-parameter checks (e.g. the fronts must not outrun the time step). */
tb_status tb_params_validate(const tb_params *p, double voxel_um);
double tb_param_get(const tb_params *p, const tb_param_info *info);
/* Prints the table: section.key, default, unit, range, help. */
void tb_params_print_help(FILE *out);

/* Drug names as [treatment.N] drug = NAME takes them, by TB_DRUG_* code;
 * tb_drug_find returns 0 for an unknown name. */
const char *tb_drug_name(int32_t drug);
int32_t tb_drug_find(const char *name);
/* The label regimen's interval of a drug, days (0 = continuous). */
double tb_drug_default_interval(int32_t drug);
/* The schedule in kernel form (stop_day and interval_days resolved), in the
 * order of N. */
void tb_params_treatments(const tb_params *p, tb_kp_treatment *kp);
/* 1 when a course of `drug` is scheduled. */
int tb_params_has_drug(const tb_params *p, int32_t drug);

/* Built-in scenarios, embedded from data/scenarios/NAME.ini. */
const char *tb_scenario_builtin(const char *name);

/* Estrogen relative to premenopause at time t (days, t = 0 at the end of the
 * spin-up): 1 before menopause_day, then 1 - loss (1 - exp(-(t - t_m)/tau)),
 * back to 1 from hormone_therapy_start_day when that is >= 0. */
double tb_estrogen_level(const tb_params *p, double t_days);

/* The schedule's constants in kernel units, and the step constants of a
 * step: the same code the device compiles (kernels/estrogen.cl). */
void tb_params_schedule(const tb_params *p, tb_kp_schedule *kp);
tb_kstep tb_schedule_at(const tb_kp_schedule *kp, uint32_t step);

/* The mineralisation law's constants in kernel units, and the mineral
 * volume fraction v_m of bone tissue of age a days (0 before the lag, a
 * linear rise through primary mineralisation, then an exponential approach
 * to max_fraction): the same code the device compiles (kernels/mineral.cl). */
void tb_params_mineral(const tb_params *p, tb_kp_mineral *kp);
double tb_mineral_fraction(const tb_params *p, double age_days);

#endif
