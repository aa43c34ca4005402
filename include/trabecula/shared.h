/* Structs and helpers shared by the host and the OpenCL kernels.
 *
 * Fixed-width types only (no long, size_t or bool) so both sides agree on the
 * layout. This file is embedded into the kernel program ahead of the kernel
 * sources, and included by host C; everything here compiles as C11 and as
 * OpenCL C 1.2. Lengths are µm, times days, concentrations pM. */
#ifndef TRABECULA_SHARED_H
#define TRABECULA_SHARED_H

#ifdef __OPENCL_VERSION__
typedef uint tb_u32;
typedef int tb_i32;
typedef uchar tb_u8;
#define TB_INLINE inline
#define TB_MULHI(a, b) mul_hi((tb_u32)(a), (tb_u32)(b))
#else
#include <stdint.h>
typedef uint32_t tb_u32;
typedef int32_t tb_i32;
typedef uint8_t tb_u8;
#define TB_INLINE static inline
#define TB_MULHI(a, b) ((tb_u32)(((uint64_t)(a) * (uint64_t)(b)) >> 32))
#endif

/* Compartment labels. */
#define TB_COMP_OUTSIDE 0
#define TB_COMP_TRABECULAR 1
#define TB_COMP_CORTICAL 2

/* Bits of the per-voxel flags byte. */
#define TB_FLAG_DIR_MASK 0x07u   /* inward normal of the team's seed: 0..5 = +x,-x,+y,-y,+z,-z */
#define TB_FLAG_NEW 0x80u        /* pflag: this voxel starts a new team this step */

/* Team table: slots of team_pos (int4: global x, y, z of the seed and its
 * direction), team_time (float2: start and resorption end day), team_perf
 * and team_used. Voxels name their team by slot (team_id, -1 none). */
#define TB_TEAM_NONE (-1)
#define TB_JOIN_NEW (-2)

/* Per-row sums produced by stats_rows (kernels/stats.cl) and reduced on the
 * device (kernels/reduce.cl). */
#define TB_STAT_BONE_TRAB 0      /* sum of bone fraction, trabecular */
#define TB_STAT_TV_TRAB 1        /* voxel count, trabecular */
#define TB_STAT_BONE_CORT 2
#define TB_STAT_TV_CORT 3
#define TB_STAT_RES_TRAB 4       /* bone fraction resorbed since last reset */
#define TB_STAT_RES_CORT 5
#define TB_STAT_FORM_TRAB 6      /* bone fraction formed since last reset */
#define TB_STAT_FORM_CORT 7
#define TB_STAT_SURF_TRAB 8      /* remodelable bone surface voxels */
#define TB_STAT_SURF_CORT 9
#define TB_STAT_INIT_TRAB 10     /* BMUs initiated since last reset */
#define TB_STAT_INIT_CORT 11
#define TB_STAT_ACTIVE_BMU 12    /* BMUs whose cycle is not finished */
#define TB_STAT_FAT 13           /* sum of adiposity over marrow voxels */
#define TB_STAT_MARROW 14        /* marrow voxel count (inside the bone) */
#define TB_STAT_OCY 15           /* sum of viability x bone fraction */
#define TB_STAT_REFF_SURF 16     /* sum of effective RANKL over surface voxels */
#define TB_STAT_ERODED 17        /* surface voxels under an active osteoclast team */
#define TB_STAT_FORMING 18       /* surface voxels under an active osteoblast team */
#define TB_STAT_PERFORATED 19    /* active teams that perforated a trabecula */
#define TB_STAT_BONE_ALL 20      /* sum of bone fraction inside the bone (labels 1 and 2) */
#define TB_STAT_SCL_SURF 21      /* sum of sclerostin over surface voxels */
#define TB_STAT_RESORBING 22     /* osteoclast teams resorbing now (counted at their seed) */
#define TB_STAT_REFILLING 23     /* osteoblast teams refilling now (after reversal, not perforated) */
#define TB_NSTATS 24

/* Drug codes of [treatment.N] drug = ... (see tb_kp_treatment). */
#define TB_DRUG_HORMONE_THERAPY 1
#define TB_DRUG_ALENDRONATE 2
#define TB_DRUG_ZOLEDRONATE 3
#define TB_DRUG_DENOSUMAB 4
#define TB_DRUG_TERIPARATIDE 5
#define TB_DRUG_ROMOSOZUMAB 6
#define TB_NDRUGS 7 /* codes 1 .. TB_NDRUGS - 1 */
#define TB_MAX_TREATMENTS 16
#define TB_MAX_DOSES_PER_STEP 64 /* doses of one drug inside one step (a daily drug at dt <= 10 days x 6 courses) */

/* The block of the grid this device holds (STYLE.md: a domain every kernel
 * uses for positions, so that an MPI split needs no kernel rewrite). Local
 * arrays hold (nx + 2 halo) x (ny + 2 halo) x (nz + 2 halo) voxels with
 * strides sy (one y step) and sz (one z step); voxel (x, y, z) of the block
 * is at global position (x + ox, y + oy, z + oz). Random draws and team
 * positions use global positions, so results do not depend on the split.
 * One device today: offset 0, halo 0, local = global. */
typedef struct tb_kdomain {
  tb_i32 nx, ny, nz;    /* local extent, halo excluded */
  tb_i32 ox, oy, oz;    /* offset of the block in the global grid */
  tb_i32 gnx, gny, gnz; /* global extent */
  tb_i32 halo;          /* ghost layers on each side */
  tb_i32 sy, sz;        /* array strides of y and z */
  float h_um;           /* isotropic voxel size */
  float dt_days;        /* time step */
  tb_u32 seed_lo, seed_hi; /* Philox key */
  tb_i32 team_capacity; /* slots in the team table */
  tb_i32 pad_[3];
} tb_kdomain;

/* Values that change each step, written on the device by schedule_advance
 * (kernels/estrogen.cl): no host transfer inside a step. */
typedef struct tb_kstep {
  float t_days;   /* time at the start of the step */
  float estrogen; /* E(t), 1 before menopause */
  tb_u32 step;    /* global step counter from the start of the spin-up (Philox counter) */
  tb_u32 pad_;
} tb_kstep;

/* The estrogen schedule (mechanism 1). */
typedef struct tb_kp_schedule {
  float estrogen_loss;       /* fraction of estrogen lost after menopause */
  float menopause_day;       /* onset, days after t = 0 */
  float decline_days;        /* e-folding time of the decline */
  float hormone_therapy_day; /* E restored to 1 from this day; < 0 none */
  float t_start_days;        /* time of step 0 (-spin-up) */
  float dt_days;
  tb_i32 n_ht;               /* hormone-therapy courses ([treatment.N] drug = hormone_therapy) */
  float pad_;
  float ht_start[TB_MAX_TREATMENTS], ht_stop[TB_MAX_TREATMENTS]; /* E >= ht_level over [start, stop) */
  float ht_level[TB_MAX_TREATMENTS];
} tb_kp_schedule;

/* Osteoclasts: initiation and resorption (mechanisms 2-4). */
typedef struct tb_kp_osteoclast {
  float init_rate_per_day;       /* BMU initiation rate per surface voxel in health */
  float rankl_exponent;          /* initiation ~ (Reff/Reff_ref)^n */
  float reff_ref_pM;             /* healthy mean effective RANKL at the surface (measured at start) */
  float K_opg_per_pM;            /* RANKL-OPG binding: Reff = RANKL/(1 + K*OPG) */
  float init_estrogen_gain;      /* initiation x (1 + g (1 - E)) */
  float resorb_speed_um_per_day; /* resorption front speed */
  float resorb_period_days;      /* team working life in health */
  float survival_estrogen_gain;  /* team life x (1 + g (1 - E)) */
  float lifetime_cv;             /* relative spread of team life (uniform) */
  float tgfb_content_pM;         /* TGF-beta source per unit bone fraction resorbed per day */
  float bp_uptake_units;         /* bisphosphonate: team uptake units (TB_BP_UPTAKE_PER_NG) per ng/mm3 freed in a
                                  * voxel; 0 = no bisphosphonate scheduled (the kernel then touches no drug array) */
  float pad_;
} tb_kp_osteoclast;

/* Osteoblasts and formation (mechanisms 5-6). */
typedef struct tb_kp_formation {
  float reversal_days;              /* resorption end to formation start */
  float mar_um_per_day;             /* mineral apposition rate in health */
  float formation_period_days;      /* osteoblast team working life in health */
  float ob_apoptosis_estrogen_gain; /* formation period / (1 + g (1 - E)) */
  float K_tgfb_act_pM;              /* osteoblast recruitment activation by TGF-beta */
  float K_scl_pM;                   /* Wnt inhibition: x K/(K + SCL) */
  float scl_ref_pM;                 /* healthy mean sclerostin at the surface (measured at start) */
  float resorb_speed_um_per_day;    /* cavity radius = speed x resorption time */
  float fat_baseline;               /* MSC commitment: bone share relative to health */
  float fat_estrogen_gain;
  float ob_opg_pM_per_day;          /* OPG from forming osteoblasts */
  float mineral_rate_per_day;       /* secondary mineralisation rate: how new bone's birth day mixes in (mix_birth_day) */
} tb_kp_formation;

/* Osteocytes (mechanism 7). */
typedef struct tb_kp_osteocyte {
  float apoptosis_per_day;           /* in health */
  float apoptosis_estrogen_gain;
  float cut_apoptosis_per_day;       /* beside bone lost to a perforation */
  float rankl_live_pM_per_day;       /* live osteocyte RANKL source per bone voxel */
  float rankl_dead_pM_per_day;       /* empty lacuna RANKL source */
  float opg_pM_per_day;
  float scl_pM_per_day;
  float opg_estrogen_gain;           /* OPG source x (1 - g (1 - E)) */
  float scl_estrogen_gain;           /* sclerostin source x (1 + g (1 - E)) */
} tb_kp_osteocyte;

/* Marrow: MSC commitment and adiposity. */
typedef struct tb_kp_marrow {
  float fat_tau_days;      /* adiposity relaxation time */
  float fat_baseline;      /* healthy marrow adiposity */
  float fat_estrogen_gain; /* adiposity target + g (1 - E) */
  float pad_;
} tb_kp_marrow;

/* Trejo et al. 2019 macrophage rates, per day: exchange M1 -> M2 and
 * M2 -> M1, death of M0, M1, M2 (the host solves their healthy steady state,
 * kernels/immune.cl integrates them; kernels take them as (float)). */
#define TB_TREJO_K12 0.075
#define TB_TREJO_K21 0.05
#define TB_TREJO_D0 0.156
#define TB_TREJO_D1 0.121
#define TB_TREJO_D2 0.163

/* Immune cells in marrow (mechanism 8; IMMUNE_AND_TREATMENTS.md sections
 * 2-3). Populations are systemic (a sample's marrow is well mixed): each
 * relaxes to its estrogen-dependent target, dX/dt = mu (P_X(E) - X), 1 at
 * the premenopausal steady state; macrophages follow Trejo 2019's M0/M1/M2
 * exchange. Their cytokines are per-voxel fields (the field table). */
typedef struct tb_kp_immune {
  /* population scales: 1 normal, 0 knocked out (the [immune] *_scale keys) */
  float th17_scale, treg_scale, effector_t_scale, m1_scale, m2_scale, b_cell_scale, neutrophil_scale,
      mast_cell_scale, tnf_scale, il17_scale, il6_scale;
  float t_rate_per_day;        /* T-cell turnover mu (Islam 2021 code: 0.064/d) */
  float b_rate_per_day;        /* B-cell turnover */
  float innate_rate_per_day;   /* neutrophil and mast-cell turnover */
  float th17_gain, effector_t_gain, b_cell_gain, neutrophil_gain, mast_cell_gain; /* P_X = 1 + g (1 - E) */
  float treg_suppression;      /* s0: osteoclastogenesis x (1 + s0)/(1 + s(E) Treg) */
  float treg_estrogen_loss;    /* q: s(E) = s0 (1 - q (1 - E)) */
  float g1_per_day, g2_per_day; /* M0 -> M1, M0 -> M2 polarisation in health */
  float m1_gain, m2_exponent;  /* G1 x (1 + m1 (1 - E)), G2 x E^m2 */
  float rankl_pM_per_day;      /* immune RANKL per marrow voxel in health */
  float rankl_cell_gain;       /* RANKL per immune cell x (1 + r (1 - E)) */
  float b_opg_pM_per_day;      /* B-lineage OPG per marrow voxel in health */
  float surface_weight;        /* marrow sources next to trabecular bone x (1 + w) */
  float tnf_decay_per_day, il17_decay_per_day, il6_decay_per_day; /* sources = k x level x weight */
  float precursor_life_days;   /* tau_P */
  float precursor_use_per_day; /* k_d: differentiation at the healthy drive */
  float precursor_max;         /* P_max, relative to health */
  float m2_precursor_gain;     /* supply x (1 + k_M2 M2 (1 - E)^n) (Dou 2018) */
  float m2_precursor_exponent; /* n */
  float init_estrogen_gain;    /* osteoclast initiation x (1 + g (1 - E)), for the systemic drive */
  float rankl_exponent;        /* initiation ~ (Reff/Reff_ref)^n: the drugs' systemic RANKL factors enter the drive so */
  float precursor_maturation_days; /* tau_Q: the M2 supply matures for a mean tau_Q before it joins the pool (0: at once) */
} tb_kp_immune;

/* Cytokine effects (IMMUNE_AND_TREATMENTS.md 2.4): h = u/(u + K) of the
 * increment u over health, in units of the healthy surface mean. */
typedef struct tb_kp_cytokine {
  float K;                             /* half-saturation of h */
  float tnf_oc, il17_oc, il6_oc;       /* osteoclastogenesis x (1 + a_TNF h_TNF + a_17 h_17 + a_6 h_6) */
  float tnf_rankl, il17_rankl;         /* osteoblast-lineage RANKL x (1 + b_TNF h_TNF + b_17 h_17) */
  float tnf_ob_differentiation;        /* osteoblast recruitment / (1 + g h_TNF) */
  float tnf_ob_apoptosis;              /* osteoblast working life / (1 + g' h_TNF) (systemic level) */
} tb_kp_cytokine;

/* What the immune process gives the other processes each step (a device
 * buffer it advances itself). Cytokine levels are the systemic source
 * levels relative to health (l = 1 premenopausal); the fields themselves
 * are per voxel. ref: mean of each field over the trabecular surface of
 * the initial state, so c(x)/ref is a voxel's exposure relative to the
 * healthy mean. Because a field is linear in its sources, the healthy
 * field on the same geometry is c(x)/l, and c(x)(1 - 1/l) is the increment
 * over health (see immune_excess in common.h). */
typedef struct tb_immune_state {
  float th17, treg, effector_t, m0, m1, m2, b_cell, neutrophil, mast_cell; /* 1 = premenopausal */
  float precursors;      /* osteoclast precursor pool, 1 = healthy */
  float committed;       /* M2-derived precursors still maturing (0 in health), pool units x day */
  float tnf, il17, il6;  /* systemic source levels, 1 = healthy */
  float treg_factor;     /* osteoclastogenesis x (1 + s0)/(1 + s(E) Treg) */
  float rankl_per_cell;  /* RANKL per immune cell, 1 = healthy */
  float drive;           /* systemic osteoclastogenic drive (precursor use), 1 = healthy */
  float tnf_ref, il17_ref, il6_ref; /* healthy surface means of the fields [pM-equivalent] */
  float m_healthy[3];    /* M0, M1, M2 at the healthy steady state (cells, unnormalised) */
  float t_days;          /* time the state is at */
  float pad_[2];
  tb_kp_cytokine fx;     /* the cytokines' effects, for the kernels that apply them */
} tb_immune_state;

/* Treatments (IMMUNE_AND_TREATMENTS.md 5): the [treatment.N] sections of
 * a scenario in kernel form (src/processes/treatment.c, kernels/treatment.cl).
 * A course gives dose_mg at start_day, start_day + interval_days, ... while
 * before stop_day; interval_days = 0 is a continuous infusion of dose_mg per
 * day over [start_day, stop_day). Days after t = 0. */

typedef struct tb_kp_course {
  tb_i32 drug;         /* TB_DRUG_* */
  float start_day;     /* first dose */
  float stop_day;      /* no dose on or after this day */
  float dose_mg;       /* per dose; per day when interval_days = 0 */
  float interval_days; /* between doses; 0 = continuous */
  float pad_[3];
} tb_kp_course;

typedef struct tb_kp_treatment {
  tb_i32 n; /* courses in use */
  tb_i32 pad_[3];
  tb_kp_course course[TB_MAX_TREATMENTS];
} tb_kp_treatment;

/* What the systemic drugs do to the tissue this step: each drug process's
 * one-work-item kernel writes its own members (no member has two writers)
 * before the tissue kernels read them; every member is neutral without the
 * drug. Hormone therapy acts through the estrogen schedule (kernels/
 * estrogen.cl), the bisphosphonates through their per-voxel bound drug. */
typedef struct tb_drug_effects {
  float rankl_free;          /* denosumab: share of effective RANKL left free (1 = none) */
  float rankl_factor;        /* teriparatide: osteoblast-lineage RANKL x (1 = none) */
  float ob_life_factor;      /* teriparatide: osteoblast working life x (1 = none; BCL2 anti-apoptosis) */
  float lining_teriparatide; /* teriparatide: quiescent-surface (modeling) formation, share of the healthy MAR (0 = none) */
  float lining_romosozumab;  /* romosozumab: the same, waning with tolerance (0 = none) */
  float scl_free;            /* romosozumab: share of sclerostin left free (1 = none) */
  float opg_factor;          /* romosozumab: osteocyte OPG x (1 = none) */
  float pad_[9];
} tb_drug_effects;

TB_INLINE tb_drug_effects tb_drug_effects_neutral(void) {
  tb_drug_effects e;
  e.rankl_free = e.rankl_factor = e.ob_life_factor = e.scl_free = e.opg_factor = 1.0f;
  e.lining_teriparatide = e.lining_romosozumab = 0.0f;
  for (int k = 0; k < 9; k++) e.pad_[k] = 0.0f;
  return e;
}

/* One row of the per-step treatment record (kernels/treatment.cl
 * treatment_log; written to treatment.csv): floats at these offsets. */
#define TB_LOG_T 0        /* day */
#define TB_LOG_E 1        /* estrogen */
#define TB_LOG_EFFECTS 2  /* tb_drug_effects (16) */
#define TB_LOG_STATES 18  /* the drug processes' states, 8 floats each, in the order bound */
#define TB_LOG_STATE_FLOATS 8
#define TB_LOG_NSTATES 4
#define TB_LOG_COLS (TB_LOG_STATES + TB_LOG_NSTATES * TB_LOG_STATE_FLOATS)

/* Denosumab (kernels/denosumab.cl; IMMUNE_AND_TREATMENTS.md 5.2). */
typedef struct tb_kp_denosumab {
  float ka_per_day;             /* absorption */
  float kel_per_day;            /* linear elimination */
  float vmax_ng_per_mL_per_day; /* saturable clearance V_max / (V_c / F) */
  float km_ng_per_mL;
  float ng_per_mL_per_mg;       /* F / (V_c body mass): serum concentration per mg absorbed */
  float chi_K_per_ng_per_mL;    /* chi K_den x 6.71 pM per ng/mL (149 kDa) */
  float denominator;            /* the untreated RANKL binding denominator */
  float pad_;
} tb_kp_denosumab;
typedef struct tb_denosumab_state {
  float t_days;          /* time the state is at */
  float depot_ng_per_mL; /* dose still to be absorbed, as serum concentration */
  float serum_ng_per_mL; /* C */
  float pad_;
} tb_denosumab_state;

/* Bisphosphonates (kernels/bisphosphonate.cl; IMMUNE_AND_TREATMENTS.md 5.3).
 * Drug index 0 = alendronate, 1 = zoledronate. Bound drug is counted as
 * alendronate-equivalent: zoledronate x its relative potency. A team's
 * uptake is summed in fixed point, TB_BP_UPTAKE_PER_NG units per ng
 * (1 ag), as unsigned integers: order-independent sums, up to 4.29 ng per
 * team (a clinical team takes up well under 0.1 ng). */
#define TB_BP_UPTAKE_PER_NG 1e9f
typedef struct tb_kp_bisphosphonate {
  float k_plasma_per_day;      /* plasma clearance (half-life 1.9 h) */
  float f_bone;                /* share of the cleared drug bound by the skeleton */
  float bioavailability[2];    /* absorbed share of a dose (oral alendronate; i.v. zoledronate 1) */
  float potency[2];            /* antiresorptive potency relative to alendronate (1, zoledronate's) */
  float skeleton_turnover_per_day; /* release of the skeleton's bound drug by remodeling */
  float plasma_volume_mL;      /* for the concentration */
  float surface_ng_per_mm3_per_mg; /* bound drug per exposed voxel per mg bound in the skeleton:
                                    * 1e6 ng / (S_skeleton h) in ng per mm3 of voxel */
  float hmax_per_day;          /* osteoclast apoptosis hazard h_max U/(U + EC50) */
  float ec50_ng;               /* U: the team's uptake, ng alendronate-equivalent */
  float pad_;
} tb_kp_bisphosphonate;
typedef struct tb_bp_state {
  float t_days;
  float plasma_mg[2];     /* drug in plasma */
  float skeleton_mg[2];   /* drug bound anywhere in the skeleton */
  float urine_mg[2];      /* excreted since the start */
  float deposit_ng_per_mm3; /* this step's adsorption per exposed voxel (alendronate-equivalent, ng per mm3 of voxel) */
  tb_u32 teams_ended;     /* osteoclast teams the drug ended since the last snapshot */
  tb_u32 pad_[3];
} tb_bp_state;

/* Teriparatide (kernels/teriparatide.cl; IMMUNE_AND_TREATMENTS.md 5.4). */
typedef struct tb_kp_teriparatide {
  float ka_per_h, ke_per_h; /* absorption, elimination (Martonova 2023) */
  float pM_per_mg;          /* F x 242,850 pmol/mg (4117.8 g/mol) / V */
  float p0_pM;              /* endogenous PTH */
  float rankl_emax;         /* osteoblast-lineage RANKL x Emax P/((Emax - 1) P0 + P) */
  float lining_gain;        /* quiescent-surface formation at the daily regimen */
  float pad_[2];
} tb_kp_teriparatide;
typedef struct tb_teriparatide_state {
  float t_days;
  float depot_pM;      /* dose still to be absorbed, as serum concentration */
  float serum_pM;      /* drug in serum (endogenous PTH excluded) */
  float rx2, creb, bcl2; /* OpenBoneMin's RUNX2/CREB/BCL2 (10, 10, 100 in health) */
  float mean_pM;       /* mean drug concentration over the last step */
  float peak_pM;       /* highest drug concentration in the last step */
} tb_teriparatide_state;

/* Romosozumab (kernels/romosozumab.cl; IMMUNE_AND_TREATMENTS.md 5.5, Eudy 2015). */
typedef struct tb_kp_romosozumab {
  float ka_per_day, f_nmol_per_mg; /* absorption; F x nmol per mg */
  float vc_L, vp_L, cl_L_per_day, q_L_per_day, vmax_nmol_per_day, km_nM;
  float scl_in_nM_per_day, scl_out_per_day, complex_out_per_day, scl0_nM;
  float tol_rate_per_day, tol_max, opg_exponent, lining_gain;
} tb_kp_romosozumab;
typedef struct tb_romosozumab_state {
  float t_days;
  float depot_nmol;   /* dose still to be absorbed */
  float central_nM;   /* C */
  float peripheral_nM;
  float scl_nM;       /* total serum sclerostin (free + bound) */
  float tolerance;    /* TOL, 1 untreated */
  float pad_[2];
} tb_romosozumab_state;

/* Lining-cell formation on quiescent surfaces (kernels/lining.cl). */
typedef struct tb_kp_lining {
  float mar_um_per_day;    /* healthy MAR */
  float fat_baseline;      /* MSC commitment: bone share relative to health */
  float fat_estrogen_gain;
  float pad_;
} tb_kp_lining;
/* Tissue mineral (kernels/mineral.cl; IMMUNE_AND_TREATMENTS.md section 4):
 * the mineral volume fraction v_m of bone tissue against its age
 * (Martinez-Reina 2019, as coded in cmodiz/Bone-Models,
 * bone_models/parameters/martinez_reina_parameters.py class mineralisation). */
typedef struct tb_kp_mineral {
  float lag_days;               /* osteoid: no mineral before this age */
  float primary_days;           /* primary mineralisation lasts this long after the lag */
  float primary_fraction;       /* v_m at the end of primary mineralisation */
  float max_fraction;           /* v_m approached by secondary mineralisation */
  float secondary_rate_per_day; /* v_m -> max at this rate */
  float pad_[3];
} tb_kp_mineral;

/* Statistics (kernels/stats.cl). */
typedef struct tb_kp_stats {
  float K_opg_per_pM;  /* effective RANKL for the reference level */
  float reversal_days; /* a team forms from tend + reversal */
  float pad_[2];
} tb_kp_stats;

/* One diffusing signal on one multigrid level (kernels/signals.cl). */
typedef struct tb_kp_field {
  float decay_per_day;      /* k */
  float coupling_per_day;   /* D/h^2 on the fine grid */
  float pad_[2];
} tb_kp_field;

/* Fields the multigrid solver takes at once (kernels/signals.cl). */
#define TB_MG_MAX_FIELDS 16

/* Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as
 * 1, 2, 3"): a counter-based generator, so every draw is a pure function of
 * (seed, step, voxel, purpose) and independent of work-item order. */
typedef struct tb_philox4 { tb_u32 v[4]; } tb_philox4;

TB_INLINE tb_philox4 tb_philox4x32(tb_u32 c0, tb_u32 c1, tb_u32 c2, tb_u32 c3, tb_u32 k0, tb_u32 k1) {
  tb_philox4 r;
  for (int i = 0; i < 10; i++) {
    tb_u32 hi0 = TB_MULHI(0xD2511F53u, c0);
    tb_u32 lo0 = 0xD2511F53u * c0;
    tb_u32 hi1 = TB_MULHI(0xCD9E8D57u, c2);
    tb_u32 lo1 = 0xCD9E8D57u * c2;
    tb_u32 n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  r.v[0] = c0; r.v[1] = c1; r.v[2] = c2; r.v[3] = c3;
  return r;
}

/* Uniform in (0, 1) from 32 random bits (never exactly 0 or 1). */
TB_INLINE float tb_u01(tb_u32 x) { return ((float)(x >> 8) + 0.5f) * (1.0f / 16777216.0f); }

/* Purposes of random draws (third counter word). */
#define TB_RNG_INITIATE 1u
#define TB_RNG_OCY_APOPTOSIS 2u
#define TB_RNG_BP_APOPTOSIS 3u
#define TB_RNG_TISSUE_AGE 3u /* the initial age of each voxel's bone (src/processes/mineral.c) */

#endif
