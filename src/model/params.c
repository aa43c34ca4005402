/* The parameter table and the scenario parser (inih).
 *
 * Sources: Pivonka et al. 2008 and Lemaire et al. 2004 (RANKL/OPG/TGF-beta,
 * as coded in the bone_models package), Eriksen 1986 and Kragstrup 1983
 * (remodeling event sizes and durations), Recker 2004 (activation frequency),
 * Martinez-Reina & Pivonka 2019 (postmenopausal RANKL source), Tomkinson 1997
 * (osteocyte apoptosis after estrogen loss), Griffith 2012 (marrow fat),
 * Martinez-Reina et al. 2019 (tissue mineralisation, as coded in
 * cmodiz/Bone-Models).
 * Values marked [calibrated] were set so the two scenarios meet MODEL.md's
 * targets; [estimate] are order-of-magnitude choices. */
#define _POSIX_C_SOURCE 200809L

#include "trabecula/params.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <sys/stat.h>
#include <unistd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(tb_params, field)
#define BIG 1e12

const tb_param_info tb_param_table[] = {
    /* section, key, offset, unit, default, lo, hi, integer, help */
    {"run", "years", F(years), "year", 10, 0.01, 200, 0, "simulated time after the spin-up"},
    {"run", "dt_days", F(dt_days), "day", 2, 0.05, 10, 0, "biological time step (the resorption front may move at most one voxel per step)"},
    {"run", "spinup_days", F(spinup_days), "day", 365, 0, 7300, 0,
     "healthy remodeling before t = 0, so the run starts from a remodeling steady state, not a sample with no open cavities"},
    {"run", "snapshot_interval_days", F(snapshot_interval_days), "day", 182.625, 1, 3652.5, 0,
     "time between snapshots (volumes, previews, morphometry rows); at most 10 years, so per-voxel event counters cannot saturate"},
    {"run", "seed", F(seed), "1", 1, 0, 4294967295.0, 1, "key of the counter-based random generator"},

    {"estrogen", "loss", F(estrogen_loss), "1", 0, 0, 1, 0,
     "fraction of premenopausal estrogen lost after menopause (0 = no menopause; ~0.9 postmenopausal, Sowers 2010)"},
    {"estrogen", "menopause_day", F(menopause_day), "day", 365, 0, BIG, 0, "onset of the estrogen decline, days after t = 0"},
    {"estrogen", "decline_days", F(decline_days), "day", 250, 0.01, 36500, 0,
     "e-folding time of the estrogen decline (Sowers 2010: most of the fall within 2 years; surgical menopause 0.161 = E2 half-life 161 min / ln 2)"},
    {"estrogen", "hormone_therapy_start_day", F(hormone_therapy_start_day), "day", -1, -1, BIG, 0,
     "day hormone therapy restores estrogen to 1; -1 = none"},

    {"osteoclast", "activation_frequency_per_year", F(activation_frequency_per_year), "1/year", 0.35, 0, 20, 0,
     "healthy activation frequency per surface point (Recker 2004; MODEL.md 0.2-0.5)"},
    {"osteoclast", "rankl_exponent", F(rankl_exponent), "1", 1, 0, 4, 0,
     "initiation rate ~ (effective RANKL / healthy reference)^n [estimate]"},
    {"osteoclast", "K_opg_per_pM", F(K_opg_per_pM), "1/pM", 1e-3, 0, 1, 0,
     "RANKL-OPG binding: effective RANKL = RANKL / (1 + K OPG) (Pivonka 2008 K_A1)"},
    {"osteoclast", "estrogen_initiation_gain", F(estrogen_initiation_gain), "1", 0, 0, 20, 0,
     "estrogen's direct inhibition of osteoclastogenesis beyond the immune, RANKL/OPG and Treg paths: x (1 + g (1 - E)) "
     "[calibrated: data/calibration/surgical-menopause.json]"},
    {"osteoclast", "resorption_speed_um_per_day", F(resorption_speed_um_per_day), "um/day", 1.7, 0.01, 50, 0,
     "resorption front speed: 50 um cavity in 30 days (Eriksen 1986)"},
    {"osteoclast", "resorption_period_days", F(resorption_period_days), "day", 30, 1, 365, 0,
     "osteoclast team working life in health (Eriksen 1986: 2-4 weeks)"},
    {"osteoclast", "estrogen_survival_gain", F(estrogen_survival_gain), "1", 0.3, 0, 10, 0,
     "estrogen promotes osteoclast apoptosis: team life x (1 + g (1 - E)) [calibrated]"},
    {"osteoclast", "lifetime_cv", F(lifetime_cv), "1", 0.1, 0, 0.9, 0, "relative spread (uniform) of team life"},
    {"osteoclast", "tgfb_release_pM", F(tgfb_release_pM), "pM", 200, 0, 1e6, 0,
     "TGF-beta source per unit bone fraction resorbed per day [estimate]"},

    {"osteoblast", "reversal_period_days", F(reversal_period_days), "day", 15, 0, 365, 0,
     "end of resorption to start of formation (Eriksen 1986)"},
    {"osteoblast", "mar_um_per_day", F(mar_um_per_day), "um/day", 0.6, 0.01, 20, 0, "mineral apposition rate (MODEL.md)"},
    {"osteoblast", "formation_period_days", F(formation_period_days), "day", 120, 1, 1000, 0,
     "osteoblast team working life in health; a healthy team stops when the cavity is refilled, ~85 days for 50 um at 0.6 um/day (Eriksen 1986: 3-4 months)"},
    {"osteoblast", "estrogen_ob_apoptosis_gain", F(estrogen_ob_apoptosis_gain), "1", 0.03, 0, 20, 0,
     "estrogen loss raises osteoblast apoptosis: formation period / (1 + g (1 - E)) [set with data/calibration/postmenopausal.json]"},
    {"osteoblast", "K_tgfb_act_pM", F(K_tgfb_act_pM), "pM", 4.55e-3, 1e-9, 1e6, 0,
     "osteoblast recruitment by TGF-beta: TGF/(TGF + K) (Pivonka 2008 K_TGFb act)"},
    {"osteoblast", "K_sclerostin_pM", F(K_sclerostin_pM), "pM", 2, 1e-9, 1e6, 0,
     "sclerostin inhibits Wnt: apposition x K/(K + SCL), normalised to health [estimate]"},
    {"osteoblast", "fat_baseline", F(fat_baseline), "1", 0.4, 0, 0.95, 0,
     "healthy marrow adiposity (volume fraction; Griffith 2012)"},
    {"osteoblast", "estrogen_fat_gain", F(estrogen_fat_gain), "1", 0.1, 0, 1, 0,
     "MSC commitment shifts to fat: adiposity target + g (1 - E) (Griffith 2012: +10-15 points)"},
    {"osteoblast", "fat_tau_days", F(fat_tau_days), "day", 365, 1, 36500, 0, "marrow adiposity relaxation time [estimate]"},

    {"osteocyte", "apoptosis_per_year", F(ocy_apoptosis_per_year), "1/year", 0.015, 0, 10, 0,
     "healthy osteocyte apoptosis rate: keeps viability ~0.9 at 20 %/year turnover [estimate]"},
    {"osteocyte", "estrogen_apoptosis_gain", F(estrogen_ocy_apoptosis_gain), "1", 2, 0, 100, 0,
     "apoptosis x (1 + g (1 - E)) (Tomkinson 1997: 2-3x after estrogen withdrawal)"},
    {"osteocyte", "cut_apoptosis_per_day", F(cut_apoptosis_per_day), "1/day", 0.1, 0, 100, 0,
     "apoptosis of osteocytes beside bone lost to a perforation (canaliculi cut, trabecula unloaded: Verborgt 2000, "
     "Aguirre 2006); their RANKL draws BMUs to the stumps [estimate]"},
    {"osteocyte", "initial_viability", F(initial_viability), "1", 0.9, 0, 1, 0,
     "fraction of bone voxels with live osteocytes at the start [estimate]"},
    {"osteocyte", "rankl_live_pM_per_day", F(rankl_live_pM_per_day), "pM/day", 10, 0, 1e6, 0,
     "RANKL source of live osteocytes, per bone voxel [estimate]"},
    {"osteocyte", "rankl_dead_pM_per_day", F(rankl_dead_pM_per_day), "pM/day", 200, 0, 1e6, 0,
     "RANKL source where osteocytes died: targets resorption (Xiong 2011) [estimate]"},
    {"osteocyte", "opg_pM_per_day", F(opg_pM_per_day), "pM/day", 875, 0, 1e9, 0,
     "OPG source of live osteocytes: ~500 pM in marrow [estimate]"},
    {"osteocyte", "sclerostin_pM_per_day", F(sclerostin_pM_per_day), "pM/day", 10, 0, 1e6, 0,
     "sclerostin source of live osteocytes [estimate]"},
    {"osteocyte", "estrogen_opg_gain", F(estrogen_opg_gain), "1", 0.3, 0, 1, 0,
     "estrogen stimulates OPG: source x (1 - g (1 - E)) [estimate]"},
    {"osteocyte", "estrogen_sclerostin_gain", F(estrogen_sclerostin_gain), "1", 0.1, 0, 20, 0,
     "sclerostin rises after menopause: source x (1 + g (1 - E)) [estimate]"},
    {"osteocyte", "osteoblast_opg_pM_per_day", F(osteoblast_opg_pM_per_day), "pM/day", 200, 0, 1e9, 0,
     "OPG source of forming osteoblasts, per voxel [estimate]"},

    {"immune", "th17_scale", F(th17_scale), "1", 1, 0, 10, 0, "Th17 cells (IL-17, TNF-alpha): 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "treg_scale", F(treg_scale), "1", 1, 0, 10, 0, "regulatory T cells (suppress osteoclastogenesis): 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "effector_t_scale", F(effector_t_scale), "1", 1, 0, 10, 0, "TNF-producing effector T cells: 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "m1_scale", F(m1_scale), "1", 1, 0, 10, 0, "M1 macrophages (TNF-alpha, IL-6): 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "m2_scale", F(m2_scale), "1", 1, 0, 10, 0, "M2 macrophages (osteoclast precursors): 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "b_cell_scale", F(b_cell_scale), "1", 1, 0, 10, 0, "B cells (RANKL, OPG): 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "neutrophil_scale", F(neutrophil_scale), "1", 1, 0, 10, 0, "neutrophils (IL-6): 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "mast_cell_scale", F(mast_cell_scale), "1", 1, 0, 10, 0, "mast cells (IL-6, RANKL): 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "tnf_scale", F(tnf_scale), "1", 1, 0, 10, 0, "TNF-alpha sources: 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "il17_scale", F(il17_scale), "1", 1, 0, 10, 0, "IL-17 sources: 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "il6_scale", F(il6_scale), "1", 1, 0, 10, 0, "IL-6 sources: 1 normal, 0 knocked out, > 1 knocked in"},
    {"immune", "t_cell_turnover_per_day", F(t_cell_turnover_per_day), "1/day", 0.064, 1e-4, 10, 0,
     "T-cell populations relax to their targets at this rate (Islam 2021 code, IMMUNE_AND_TREATMENTS.md 2.2)"},
    {"immune", "b_cell_turnover_per_day", F(b_cell_turnover_per_day), "1/day", 0.03, 1e-4, 10, 0,
     "B-cell relaxation rate (0.02-0.05 [unverified])"},
    {"immune", "innate_turnover_per_day", F(innate_turnover_per_day), "1/day", 0.1, 1e-4, 10, 0,
     "neutrophil and mast-cell relaxation rate [estimate]"},
    {"immune", "th17_estrogen_gain", F(th17_estrogen_gain), "1", 1, 0, 20, 0,
     "Th17 target (1 + g (1 - E)), suppressed by Treg (Tyagi 2012; f17 = 1 [unverified])"},
    {"immune", "effector_t_estrogen_gain", F(effector_t_estrogen_gain), "1", 1, 0, 20, 0,
     "TNF T-cell target 1 + g (1 - E) (Cenci 2000) [calibrated: the TNF share of the withdrawal marker]"},
    {"immune", "b_cell_estrogen_gain", F(b_cell_estrogen_gain), "1", 0.5, 0, 20, 0, "B-cell target 1 + g (1 - E) [unverified]"},
    {"immune", "neutrophil_estrogen_gain", F(neutrophil_estrogen_gain), "1", 0.3, 0, 20, 0,
     "neutrophil target 1 + g (1 - E) (small by default; no human data)"},
    {"immune", "mast_cell_estrogen_gain", F(mast_cell_estrogen_gain), "1", 0.3, 0, 20, 0,
     "mast-cell target 1 + g (1 - E) (small by default; Fischer 2023)"},
    {"immune", "treg_suppression", F(treg_suppression), "1", 0.15, 0, 10, 0,
     "s0: Treg suppress osteoclastogenesis and Th17 by (1 + s0)/(1 + s(E) Treg) [unverified]"},
    {"immune", "treg_estrogen_loss", F(treg_estrogen_loss), "1", 0.4, 0, 1, 0,
     "q: Treg suppression weakens without estrogen, s(E) = s0 (1 - q (1 - E)) (0.3-0.5 [unverified])"},
    {"immune", "m1_polarisation_per_day", F(m1_polarisation_per_day), "1/day", 0.458, 0, 100, 0,
     "M0 -> M1 in health: Trejo 2019 female k01 x 1.5 at half-saturating c1 (0.611 x 1.5 / 2)"},
    {"immune", "m2_polarisation_per_day", F(m2_polarisation_per_day), "1/day", 0.0627, 0, 100, 0,
     "M0 -> M2 in health: Trejo 2019 female k02 x 1.5 at half-saturating c2 (0.0836 x 1.5 / 2)"},
    {"immune", "m1_estrogen_gain", F(m1_estrogen_gain), "1", 1, 0, 20, 0, "M1 polarisation x (1 + g (1 - E)) (Dou 2018) [proposal]"},
    {"immune", "m2_estrogen_exponent", F(m2_estrogen_exponent), "1", 0.3, 0, 10, 0, "M2 polarisation x E^m (Dou 2018) [proposal]"},
    {"immune", "rankl_pM_per_day", F(immune_rankl_pM_per_day), "pM/day", 2, 0, 1e6, 0,
     "RANKL of marrow immune cells per marrow voxel in health: B cells 50 %, T cells 40 %, mast cells 10 % (Onal 2012) [calibrated]"},
    {"immune", "rankl_per_cell_estrogen_gain", F(rankl_per_cell_estrogen_gain), "1", 1.5, 0, 20, 0,
     "RANKL per immune cell x (1 + r (1 - E)): 2-3x early after menopause (Eghbali-Fatourechi 2003)"},
    {"immune", "b_cell_opg_pM_per_day", F(b_cell_opg_pM_per_day), "pM/day", 50, 0, 1e9, 0,
     "B-lineage OPG per marrow voxel in health (below Li 2007's 64 % share in mice) [estimate]"},
    {"immune", "surface_weight", F(surface_weight), "1", 1, 0, 100, 0,
     "marrow sources next to trabecular bone x (1 + w): immune cells favour cancellous surfaces (Onal 2012) [estimate]"},
    {"immune", "precursor_life_days", F(precursor_life_days), "day", 120, 1, 3650, 0,
     "osteoclast precursor pool lifetime tau_P (60-120 [unverified])"},
    {"immune", "precursor_use_per_day", F(precursor_use_per_day), "1/day", 0.005, 0, 10, 0,
     "pool drawn into osteoclastogenesis at the healthy drive, k_d [estimate]"},
    {"immune", "precursor_max", F(precursor_max), "1", 6, 1, 100, 0, "largest pool relative to health, P_max (a few x [unverified]; calibrated: data/calibration/postmenopausal.json)"},
    {"immune", "m2_precursor_gain", F(m2_precursor_gain), "1", 5, 0, 100, 0,
     "precursor supply x (1 + k M2 (1 - E)^n): M2 cells become osteoclasts without estrogen (Dou 2018) [calibrated: data/calibration/postmenopausal.json]"},
    {"immune", "m2_precursor_exponent", F(m2_precursor_exponent), "1", 1, 0, 10, 0, "n of the M2 precursor flux [proposal]"},
    {"immune", "precursor_maturation_days", F(precursor_maturation_days), "day", 120, 0, 3650, 0,
     "M2-derived precursors mature for a mean tau_Q before joining the pool (D'Amelio 2008: precursors stay "
     "raised years after menopause) [calibrated]"},
    {"immune", "K_cytokine", F(K_cytokine), "1", 1, 1e-3, 100, 0,
     "half-saturation of a cytokine's effect h = u/(u + K), u its increment over health in healthy surface means [proposal]"},
    {"immune", "tnf_osteoclast_gain", F(tnf_osteoclast_gain), "1", 1.363, 0, 100, 0,
     "osteoclastogenesis x (1 + a h_TNF) (Cenci 2000; Charatcharoenwitthaya 2007) [calibrated: data/calibration/surgical-menopause.json]"},
    {"immune", "il17_osteoclast_gain", F(il17_osteoclast_gain), "1", 0.2, 0, 100, 0,
     "osteoclastogenesis x (1 + a h_IL17) (Tyagi 2012) [unverified magnitude]"},
    {"immune", "il6_osteoclast_gain", F(il6_osteoclast_gain), "1", 0.1, 0, 100, 0,
     "osteoclastogenesis x (1 + a h_IL6) (Scheidt-Nave 2001) [unverified magnitude]"},
    {"immune", "tnf_rankl_gain", F(tnf_rankl_gain), "1", 0.3, 0, 100, 0,
     "osteoblast-lineage (osteocyte) RANKL x (1 + b h_TNF) [unverified magnitude]"},
    {"immune", "il17_rankl_gain", F(il17_rankl_gain), "1", 0.2, 0, 100, 0,
     "osteoblast-lineage (osteocyte) RANKL x (1 + b h_IL17) [unverified magnitude]"},
    {"immune", "tnf_ob_differentiation_gain", F(tnf_ob_differentiation_gain), "1", 0.03, 0, 100, 0,
     "osteoblast recruitment / (1 + g h_TNF) (TNF blocks osteoblast differentiation) [unverified magnitude; set with data/calibration/postmenopausal.json]"},
    {"immune", "tnf_ob_apoptosis_gain", F(tnf_ob_apoptosis_gain), "1", 0, 0, 100, 0,
     "osteoblast working life / (1 + g h_TNF), from the systemic TNF level [unverified magnitude; calibrated: data/calibration/postmenopausal.json]"},

    {"hormone_therapy", "full_dose_mg_per_day", F(ht_full_dose_mg_per_day), "mg/day", 0.1, 1e-6, 100, 0,
     "estradiol dose restoring premenopausal estrogen: a course holds E >= min(1, dose_mg/full) (transdermal E2 "
     "0.1 mg/day) [unverified]"},

    {"denosumab", "absorption_per_day", F(dmab_absorption_per_day), "1/day", 0.17, 1e-4, 100, 0,
     "subcutaneous absorption k_a (Martinez-Reina & Pivonka 2019, Bone-Models class denosumab)"},
    {"denosumab", "elimination_per_day", F(dmab_elimination_per_day), "1/day", 0.0115, 0, 100, 0,
     "linear elimination k_el (Martinez-Reina & Pivonka 2019)"},
    {"denosumab", "central_volume_mL_per_kg", F(dmab_central_volume_mL_per_kg), "mL/kg", 77.9, 1, 1e4, 0,
     "central volume V_c (Martinez-Reina & Pivonka 2019)"},
    {"denosumab", "bioavailability", F(dmab_bioavailability), "1", 1, 0.01, 1, 0,
     "subcutaneous bioavailability F (Martinez-Reina & Pivonka 2019)"},
    {"denosumab", "vmax_ng_per_kg_per_day", F(dmab_vmax_ng_per_kg_per_day), "ng/(kg day)", 2672, 0, 1e7, 0,
     "saturable (target-mediated) clearance V_max (Martinez-Reina & Pivonka 2019)"},
    {"denosumab", "km_ng_per_mL", F(dmab_km_ng_per_mL), "ng/mL", 411, 1e-3, 1e7, 0,
     "half-saturation K_m of the saturable clearance (Martinez-Reina & Pivonka 2019)"},
    {"denosumab", "body_mass_kg", F(dmab_body_mass_kg), "kg", 60, 20, 300, 0,
     "patient body mass: the dose per kg (Martinez-Reina & Pivonka 2019 use 60 kg)"},
    {"denosumab", "K_per_pM", F(dmab_K_per_pM), "1/pM", 0.333, 0, 100, 0,
     "denosumab-RANKL association K_den (K_d 3 pM; Martinez-Reina & Pivonka 2019)"},
    {"denosumab", "rankl_binding", F(dmab_rankl_binding), "1", 3.327, 0, 100, 0,
     "chi: denosumab adds chi K_den C to the RANKL binding denominator (paper 0.012) [calibrated: "
     "data/calibration/denosumab.json, FREEDOM spine +9.2 % at 3 yr]"},
    {"denosumab", "untreated_denominator", F(dmab_untreated_denominator), "1", 20, 1, 1e4, 0,
     "the untreated denominator 1 + K OPG + K_RANK RANK of that model, so free RANKL = D/(D + chi K_den C): 7, 19, "
     "94 % at 1, 3, 6 months [derived]"},

    {"bisphosphonate", "plasma_half_life_h", F(bp_plasma_half_life_h), "h", 1.9, 0.01, 1e3, 0,
     "plasma clearance of alendronate and zoledronate, to bone and urine (zoledronate 1.87 h, Zometa label; "
     "8.76 /day)"},
    {"bisphosphonate", "bone_share", F(bp_bone_share), "1", 0.55, 0, 1, 0,
     "share of the cleared drug bound by the skeleton, the rest to urine (38-41 % of zoledronate in 24 h urine, "
     "Chen 2002; alendronate ~50 %, Khan 1997)"},
    {"bisphosphonate", "alendronate_bioavailability_pct", F(bp_alendronate_bioavailability_pct), "%", 0.64, 0.01,
     100, 0, "oral alendronate absorbed (0.6-0.7 % fasting, Gertz 1995) [unverified]; zoledronate is i.v. (100 %)"},
    {"bisphosphonate", "zoledronate_potency", F(bp_zoledronate_potency), "1", 5, 0.01, 1e4, 0,
     "potency of bound zoledronate relative to alendronate: 5 mg/yr i.v. does as well as 70 mg weekly oral (~23 "
     "mg/yr absorbed); rat models 10-100 (Green 1994) [estimate]"},
    {"bisphosphonate", "skeleton_turnover_per_year", F(bp_skeleton_turnover_per_year), "1/year", 0.1, 0, 10, 0,
     "release of the skeleton's bound drug by remodeling (adult skeleton renewed in ~10 yr): terminal half-life "
     "ln 2 / (k (1 - bone_share)) ~15 yr (Khan 1997: > 10 yr) [estimate]"},
    {"bisphosphonate", "skeleton_surface_m2", F(bp_skeleton_surface_m2), "m2", 10, 0.01, 1e4, 0,
     "exposed bone surface of the whole skeleton (trabecular plus intracortical, order of 10 m2) over which the "
     "bound drug spreads [estimate]"},
    {"bisphosphonate", "plasma_volume_L", F(bp_plasma_volume_L), "L", 28, 0.1, 1e3, 0,
     "volume for the plasma concentration: renal clearance 69 mL/min (Chen 2002) / 40 % urinary share / 8.76 "
     "/day; alendronate V_ss >= 28 L [derived]"},
    {"bisphosphonate", "apoptosis_max_per_day", F(bp_apoptosis_max_per_day), "1/day", 0.05712, 0, 100, 0,
     "most osteoclast apoptosis the drug causes: team hazard h_max U/(U + EC50), U its uptake [calibrated: "
     "data/calibration/alendronate.json, spine +5 % in year 1]"},
    {"bisphosphonate", "apoptosis_ec50_pg", F(bp_apoptosis_ec50_pg), "pg", 0.1, 1e-9, 1e9, 0,
     "team uptake (alendronate-equivalent) at half the most apoptosis [calibrate]"},

    {"teriparatide", "absorption_per_hour", F(pth_absorption_per_hour), "1/h", 4.38, 1e-3, 1e3, 0,
     "subcutaneous absorption k_a (Martonova 2023, Bone-Models martonova_parameters.py)"},
    {"teriparatide", "elimination_per_hour", F(pth_elimination_per_hour), "1/h", 0.693, 1e-3, 1e3, 0,
     "elimination k_e (Martonova 2023): C_max 31 pM 0.5 h after 20 ug [derived]"},
    {"teriparatide", "volume_L", F(pth_volume_L), "L", 110, 0.1, 1e4, 0, "distribution volume (Martonova 2023)"},
    {"teriparatide", "bioavailability", F(pth_bioavailability), "1", 0.95, 0.01, 1, 0,
     "subcutaneous bioavailability (Martonova 2023)"},
    {"teriparatide", "baseline_pth_pM", F(pth_baseline_pM), "pM", 3.85, 0.01, 1e3, 0,
     "endogenous PTH the receptor terms are relative to (OpenBoneMin.cpp PTH_0/V1 = 53.9 pmol / 14 L)"},
    {"teriparatide", "rankl_emax", F(pth_rankl_emax), "1", 1.2, 1, 100, 0,
     "most PTH can raise osteoblast-lineage RANKL: x Emax P/((Emax - 1) P0 + P) of the step's mean PTH P "
     "(OpenBoneMin.cpp LpthEff form) [estimate]"},
    {"teriparatide", "lining_gain", F(pth_lining_gain), "1", 0.08179, 0, 10, 0,
     "quiescent-surface formation at 20 ug daily, share of healthy MAR; 0 if continuous (Dobnig 1995) "
     "[calibrated: data/calibration/teriparatide.json, Neer 2001 +9 % in 21 months]"},

    {"romosozumab", "absorption_per_day", F(romo_absorption_per_day), "1/day", 0.187, 1e-4, 100, 0,
     "subcutaneous absorption (Eudy 2015 CPT:PSP 4:527)"},
    {"romosozumab", "bioavailability", F(romo_bioavailability), "1", 0.904, 0.01, 1, 0, "(Eudy 2015)"},
    {"romosozumab", "central_volume_L", F(romo_central_volume_L), "L", 2.9, 0.01, 1e3, 0, "V_c (Eudy 2015)"},
    {"romosozumab", "peripheral_volume_L", F(romo_peripheral_volume_L), "L", 3.29, 0.01, 1e3, 0, "V_p (Eudy 2015)"},
    {"romosozumab", "clearance_L_per_day", F(romo_clearance_L_per_day), "L/day", 0.254, 0, 1e3, 0, "CL (Eudy 2015)"},
    {"romosozumab", "intercompartmental_L_per_day", F(romo_intercompartmental_L_per_day), "L/day", 0.467, 0, 1e3, 0,
     "Q (Eudy 2015)"},
    {"romosozumab", "vmax_nmol_per_day", F(romo_vmax_nmol_per_day), "nmol/day", 5.87, 0, 1e6, 0,
     "target-mediated elimination V_max (Eudy 2015)"},
    {"romosozumab", "km_nM", F(romo_km_nM), "nM", 0.453, 1e-6, 1e6, 0,
     "K_m of that elimination and of sclerostin binding (Eudy 2015): C_max 140 nM at 5.3 d after 210 mg [derived]"},
    {"romosozumab", "molar_mass_kg_per_mol", F(romo_molar_mass_kg_per_mol), "kg/mol", 149, 1, 1e4, 0,
     "IgG2 antibody, mg to nmol (149 kDa)"},
    {"romosozumab", "sclerostin_production_nM_per_day", F(scl_production_nM_per_day), "nM/day", 3.725, 0, 1e4, 0,
     "serum sclerostin k_in (Eudy 2015): S0 = k_in/k_out = 0.149 nM"},
    {"romosozumab", "sclerostin_elimination_per_day", F(scl_elimination_per_day), "1/day", 25, 1e-3, 1e4, 0,
     "free sclerostin k_out (Eudy 2015)"},
    {"romosozumab", "complex_elimination_per_day", F(scl_complex_elimination_per_day), "1/day", 0.197, 0, 1e4, 0,
     "k_0: sclerostin bound to the antibody is cleared at this rate (Eudy 2015), so total sclerostin rises"},
    {"romosozumab", "tolerance_rate_per_day", F(tolerance_rate_per_day), "1/day", 0.0456, 0, 100, 0,
     "k_TOL: the bone's tolerance to the Wnt signal (Eudy 2015), the waning of formation within the year"},
    {"romosozumab", "tolerance_max", F(tolerance_max), "1", 8.69, 1.001, 1e3, 0,
     "S_max: tolerance relaxes to S_max S_r/(S_max - 1 + S_r), S_r total sclerostin / S0 (Eudy 2015)"},
    {"romosozumab", "opg_exponent", F(romo_opg_exponent), "1", 1, 0, 10, 0,
     "osteocyte OPG x (free sclerostin share)^-e: resorption falls (Eudy 2015 use S_r^1.597 of total sclerostin) "
     "[calibrate: FRAME CTX]"},
    {"romosozumab", "lining_gain", F(romo_lining_gain), "1", 0.982, 0, 10, 0,
     "quiescent-surface formation with no free sclerostin, share of healthy MAR, / tolerance [calibrated: "
     "data/calibration/romosozumab.json, FRAME +13 % in 12 months]"},
    {"mineral", "lag_days", F(mineral_lag_days), "day", 12, 0, 365, 0,
     "osteoid age at which mineralisation starts (Martinez-Reina 2019, Bone-Models t_mlt)"},
    {"mineral", "primary_days", F(mineral_primary_days), "day", 10, 0.01, 365, 0,
     "duration of primary mineralisation after the lag (Martinez-Reina 2019, Bone-Models t_prim)"},
    {"mineral", "primary_fraction", F(mineral_primary_fraction), "1", 0.121, 0, 1, 0,
     "mineral volume fraction of bone tissue at the end of primary mineralisation (Martinez-Reina 2019)"},
    {"mineral", "max_fraction", F(mineral_max_fraction), "1", 0.442, 0, 1, 0,
     "mineral volume fraction approached by secondary mineralisation (Martinez-Reina 2019)"},
    {"mineral", "secondary_rate_per_day", F(mineral_secondary_rate_per_day), "1/day", 0.007, 1e-5, 10, 0,
     "secondary mineralisation: v_m -> max as 1 - exp(-rate t) (Martinez-Reina 2019, Bone-Models kappa)"},
    {"mineral", "mineral_density_g_per_cm3", F(mineral_density_g_per_cm3), "g/cm3", 3.2, 0.1, 10, 0,
     "density of bone mineral: mineral mass = density x v_m x bone volume (Martinez-Reina 2019)"},

    {"signals", "rankl_range_um", F(rankl_range_um), "um", 75, 1, 1e5, 0,
     "RANKL decay length sqrt(D/k) (MODEL.md: 50-100 um, mostly membrane-bound)"},
    {"signals", "rankl_decay_per_day", F(rankl_decay_per_day), "1/day", 10.13, 1e-6, 1e4, 0, "RANKL turnover (Pivonka 2008 D_RANKL)"},
    {"signals", "opg_range_um", F(opg_range_um), "um", 300, 1, 1e5, 0, "OPG decay length (soluble)"},
    {"signals", "opg_decay_per_day", F(opg_decay_per_day), "1/day", 0.35, 1e-6, 1e4, 0, "OPG turnover (Pivonka 2008 D_OPG)"},
    {"signals", "sclerostin_range_um", F(sclerostin_range_um), "um", 150, 1, 1e5, 0, "sclerostin decay length (MODEL.md 100-200 um)"},
    {"signals", "sclerostin_decay_per_day", F(sclerostin_decay_per_day), "1/day", 1, 1e-6, 1e4, 0, "sclerostin turnover [estimate]"},
    {"signals", "tgfb_range_um", F(tgfb_range_um), "um", 50, 1, 1e5, 0, "TGF-beta decay length around a cavity (MODEL.md)"},
    {"signals", "tgfb_decay_per_day", F(tgfb_decay_per_day), "1/day", 1, 1e-6, 1e4, 0, "TGF-beta turnover (Pivonka 2008 D_TGFb)"},
    {"signals", "tnf_range_um", F(tnf_range_um), "um", 200, 1, 1e5, 0, "TNF-alpha decay length (MODEL.md 100-300 um)"},
    {"signals", "tnf_decay_per_day", F(tnf_decay_per_day), "1/day", 12.8, 1e-6, 1e4, 0,
     "TNF-alpha turnover (Trejo 2019 dc1 12.79/d)"},
    {"signals", "il17_range_um", F(il17_range_um), "um", 150, 1, 1e5, 0, "IL-17 decay length (MODEL.md 100-300 um)"},
    {"signals", "il17_decay_per_day", F(il17_decay_per_day), "1/day", 12.8, 1e-6, 1e4, 0,
     "IL-17 turnover (Trejo's c1 rate; no measured value)"},
    {"signals", "il6_range_um", F(il6_range_um), "um", 250, 1, 1e5, 0, "IL-6 decay length (MODEL.md 100-300 um)"},
    {"signals", "il6_decay_per_day", F(il6_decay_per_day), "1/day", 12.8, 1e-6, 1e4, 0,
     "IL-6 turnover (Trejo's c1 rate; no measured value)"},
    {"signals", "tolerance", F(tolerance), "1", 1e-2, 1e-6, 0.1, 0,
     "solver stops at ||residual|| <= tolerance x turnover x ||field|| (L2): relative error <= tolerance"},
    {"signals", "tgfb_tolerance", F(tgfb_tolerance), "1", 5e-2, 1e-6, 0.5, 0,
     "TGF-beta's own tolerance: recruitment TGF/(TGF + K_act) saturates at cavities (K_act 0.00455 pM) [estimate]"},
    {"signals", "cytokine_tolerance", F(cytokine_tolerance), "1", 5e-2, 1e-6, 0.5, 0,
     "tolerance of TNF-alpha, IL-17 and IL-6: their effects saturate as u/(u + K) [estimate]"},
    {"signals", "max_cycles", F(max_cycles), "1", 50, 1, 1e5, 1, "limit on multigrid V-cycles per step"},
};
const int tb_param_count = (int)(sizeof tb_param_table / sizeof tb_param_table[0]);

static double *field_ptr(tb_params *p, const tb_param_info *info) { return (double *)((char *)p + info->offset); }

double tb_param_get(const tb_params *p, const tb_param_info *info) {
  return *(const double *)((const char *)p + info->offset);
}

void tb_params_default(tb_params *p) {
  memset(p, 0, sizeof *p);
  for (int i = 0; i < tb_param_count; i++) *field_ptr(p, &tb_param_table[i]) = tb_param_table[i].def;
}

const tb_param_info *tb_param_find(const char *section, const char *key) {
  for (int i = 0; i < tb_param_count; i++)
    if (!strcmp(tb_param_table[i].section, section) && !strcmp(tb_param_table[i].key, key)) return &tb_param_table[i];
  return NULL;
}

static int section_known(const char *section) {
  for (int i = 0; i < tb_param_count; i++)
    if (!strcmp(tb_param_table[i].section, section)) return 1;
  return 0;
}

/* "a, b, c" of the keys in a section, or of the sections. */
static void list_valid(const char *section, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < tb_param_count; i++) {
    const char *name = section ? tb_param_table[i].key : tb_param_table[i].section;
    if (section && strcmp(tb_param_table[i].section, section)) continue;
    if (!section && i > 0 && !strcmp(tb_param_table[i - 1].section, name)) continue;
    int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", name);
    if (w < 0 || (size_t)w >= n - used) break;
    used += (size_t)w;
  }
}

/* Checks and stores one value; on failure writes the message (without the
 * "where: " prefix) to msg and returns TB_ERR_INPUT without printing. */
static tb_status set_quiet(tb_params *p, const char *section, const char *key, const char *value, char *msg,
                           size_t n) {
  char valid[2048];
  if (!section_known(section)) {
    list_valid(NULL, valid, sizeof valid);
    snprintf(msg, n, "unknown section [%s]; valid sections: %s", section, valid);
    return TB_ERR_INPUT;
  }
  const tb_param_info *info = tb_param_find(section, key);
  if (!info) {
    list_valid(section, valid, sizeof valid);
    snprintf(msg, n, "unknown key '%s' in [%s]; valid keys: %s", key, section, valid);
    return TB_ERR_INPUT;
  }
  char *end = NULL;
  errno = 0;
  double v = strtod(value, &end);
  while (end && (*end == ' ' || *end == '\t')) end++;
  if (end == value || (end && *end) || errno == ERANGE) {
    snprintf(msg, n, "%s.%s = '%s': expected a number in %s", section, key, value, info->unit);
    return TB_ERR_INPUT;
  }
  if (!isfinite(v) || v < info->lo || v > info->hi) {
    snprintf(msg, n, "%s.%s = %s is out of range: expected %g to %g %s", section, key, value, info->lo, info->hi,
             info->unit);
    return TB_ERR_INPUT;
  }
  if (info->integer && v != floor(v)) {
    snprintf(msg, n, "%s.%s = %s: expected a whole number", section, key, value);
    return TB_ERR_INPUT;
  }
  *field_ptr(p, info) = v;
  return TB_OK;
}

/* --- Treatments: [treatment.N] sections (IMMUNE_AND_TREATMENTS.md 5) --- */

static const char *const drug_names[TB_NDRUGS] = {NULL,         "hormone_therapy", "alendronate", "zoledronate",
                                                  "denosumab", "teriparatide",    "romosozumab"};
/* The label regimens (days between doses): transdermal estradiol daily,
 * alendronate 70 mg weekly, zoledronate 5 mg yearly, denosumab 60 mg every
 * 6 months, teriparatide 20 ug daily, romosozumab 210 mg monthly. */
static const double drug_interval[TB_NDRUGS] = {0, 1, 7, 365.25, 182.625, 1, 28};

const char *tb_drug_name(int32_t drug) { return drug > 0 && drug < TB_NDRUGS ? drug_names[drug] : "none"; }
int32_t tb_drug_find(const char *name) {
  for (int32_t d = 1; d < TB_NDRUGS; d++)
    if (!strcmp(drug_names[d], name)) return d;
  return 0;
}
double tb_drug_default_interval(int32_t drug) { return drug > 0 && drug < TB_NDRUGS ? drug_interval[drug] : 0; }

static const char *const treatment_keys[5] = {"drug", "start_day", "stop_day", "dose_mg", "interval_days"};
static int k_index(const char *key) {
  for (int k = 0; k < 5; k++)
    if (!strcmp(treatment_keys[k], key)) return k;
  return 0;
}

/* The course of [treatment.N], created (unset: NAN, drug 0) on first use. */
static tb_treatment *treatment_slot(tb_params *p, int number, int line) {
  for (int k = 0; k < p->n_treatments; k++)
    if (p->treatment[k].number == number) return &p->treatment[k];
  if (p->n_treatments >= TB_MAX_TREATMENTS) return NULL;
  tb_treatment *t = &p->treatment[p->n_treatments++];
  *t = (tb_treatment){number, 0, NAN, NAN, NAN, NAN, line};
  return t;
}

static tb_status set_treatment(tb_params *p, const char *section, const char *key, const char *value, int line,
                               int *index, char *msg, size_t n) {
  const char *num = section + 10;
  char *end = NULL;
  long number = strtol(num, &end, 10);
  if (!*num || *end || number < 1 || number > TB_MAX_TREATMENTS || num[0] == '0' || num[0] == '+') {
    snprintf(msg, n, "section [%s]: expected [treatment.N] with N a whole number from 1 to %d", section,
             TB_MAX_TREATMENTS);
    return TB_ERR_INPUT;
  }
  int k = -1;
  for (int j = 0; j < 5; j++)
    if (!strcmp(key, treatment_keys[j])) k = j;
  if (k < 0) {
    snprintf(msg, n, "unknown key '%s' in [%s]; valid keys: drug, start_day, stop_day, dose_mg, interval_days", key,
             section);
    return TB_ERR_INPUT;
  }
  tb_treatment *t = treatment_slot(p, (int)number, line);
  if (!t) {
    snprintf(msg, n, "[%s]: at most %d treatment sections", section, TB_MAX_TREATMENTS);
    return TB_ERR_INPUT;
  }
  *index = (int)(t - p->treatment);
  if (k == 0) {
    int32_t d = tb_drug_find(value);
    if (!d) {
      snprintf(msg, n,
               "[%s] drug = '%s' is not a known drug; expected one of hormone_therapy, alendronate, zoledronate, "
               "denosumab, teriparatide, romosozumab",
               section, value);
      return TB_ERR_INPUT;
    }
    t->drug = d;
    return TB_OK;
  }
  errno = 0;
  double v = strtod(value, &end);
  while (end && (*end == ' ' || *end == '\t')) end++;
  static const char *const units[5] = {"", "day", "day", "mg", "day"};
  if (end == value || (end && *end) || errno == ERANGE || !isfinite(v)) {
    snprintf(msg, n, "[%s] %s = '%s': expected a number in %s", section, key, value, units[k]);
    return TB_ERR_INPUT;
  }
  if (k == 3 && !(v > 0)) {
    snprintf(msg, n, "[%s] dose_mg = %s: expected a dose above 0 mg", section, value);
    return TB_ERR_INPUT;
  }
  if (k == 4 && v < 0) {
    snprintf(msg, n, "[%s] interval_days = %s: expected 0 (continuous) or a positive number of days", section, value);
    return TB_ERR_INPUT;
  }
  if ((k == 1 || k == 2) && (v < 0 || v > BIG)) {
    snprintf(msg, n, "[%s] %s = %s: expected a day from 0 to %g after t = 0", section, key, value, BIG);
    return TB_ERR_INPUT;
  }
  double *field[5] = {NULL, &t->start_day, &t->stop_day, &t->dose_mg, &t->interval_days};
  *field[k] = v;
  return TB_OK;
}

/* Every course complete and consistent; the message names its section. */
static tb_status check_treatments(const tb_params *p, const char *where) {
  tb_status st = TB_OK;
  for (int k = 0; k < p->n_treatments; k++) {
    const tb_treatment *t = &p->treatment[k];
    char sec[64];
    if (t->line > 0)
      snprintf(sec, sizeof sec, "%s:%d: [treatment.%d]", where, t->line, t->number);
    else /* made by --set treatment.N.key=value */
      snprintf(sec, sizeof sec, "--set: [treatment.%d]", t->number);
    CHECK(t->drug, TB_ERR_INPUT,
          "%s has no drug; expected drug = hormone_therapy, alendronate, zoledronate, denosumab, teriparatide or "
          "romosozumab",
          sec);
    CHECK(!isnan(t->start_day), TB_ERR_INPUT, "%s (%s) has no start_day; expected the day of the first dose", sec,
          tb_drug_name(t->drug));
    CHECK(!isnan(t->dose_mg), TB_ERR_INPUT, "%s (%s) has no dose_mg; expected the dose in mg%s", sec,
          tb_drug_name(t->drug), t->drug == TB_DRUG_HORMONE_THERAPY ? " per day (estradiol)" : "");
    CHECK(isnan(t->interval_days) || t->interval_days > 0 || t->drug == TB_DRUG_TERIPARATIDE ||
              t->drug == TB_DRUG_HORMONE_THERAPY,
          TB_ERR_INPUT,
          "%s (%s): interval_days = 0 (a continuous infusion) is modelled for teriparatide only; expected the days "
          "between doses (default %g)",
          sec, tb_drug_name(t->drug), tb_drug_default_interval(t->drug));
    CHECK(isnan(t->stop_day) || t->stop_day > t->start_day, TB_ERR_INPUT,
          "%s (%s): stop_day = %g is not after start_day = %g", sec, tb_drug_name(t->drug), t->stop_day,
          t->start_day);
  }
cleanup:
  return st;
}

int tb_params_has_drug(const tb_params *p, int32_t drug) {
  for (int k = 0; k < p->n_treatments; k++)
    if (p->treatment[k].drug == drug) return 1;
  return 0;
}

static int by_number(const void *a, const void *b) {
  return ((const tb_treatment *)a)->number - ((const tb_treatment *)b)->number;
}

void tb_params_treatments(const tb_params *p, tb_kp_treatment *kp) {
  memset(kp, 0, sizeof *kp);
  tb_treatment t[TB_MAX_TREATMENTS];
  int n = p->n_treatments;
  memcpy(t, p->treatment, (size_t)n * sizeof t[0]);
  qsort(t, (size_t)n, sizeof t[0], by_number);
  kp->n = n;
  for (int k = 0; k < n; k++) {
    tb_kp_course *c = &kp->course[k];
    c->drug = t[k].drug;
    c->start_day = (float)t[k].start_day;
    c->stop_day = isnan(t[k].stop_day) ? 3.0e38f : (float)t[k].stop_day;
    c->dose_mg = (float)t[k].dose_mg;
    c->interval_days = (float)(isnan(t[k].interval_days) ? tb_drug_default_interval(t[k].drug) : t[k].interval_days);
  }
}

tb_status tb_params_set(tb_params *p, const char *where, const char *section, const char *key, const char *value) {
  char msg[2560];
  if (!strncmp(section, "treatment.", 10)) {
    int k = 0;
    if (set_treatment(p, section, key, value, 0, &k, msg, sizeof msg) != TB_OK)
      return tb_error(TB_ERR_INPUT, "%s: %s", where, msg);
    return TB_OK;
  }
  if (set_quiet(p, section, key, value, msg, sizeof msg) != TB_OK)
    return tb_error(TB_ERR_INPUT, "%s: %s", where, msg);
  return TB_OK;
}

tb_status tb_params_set_assignment(tb_params *p, const char *assignment) {
  char buf[256];
  if (strlen(assignment) >= sizeof buf) return tb_error(TB_ERR_INPUT, "--set %s: too long", assignment);
  strcpy(buf, assignment);
  char *eq = strchr(buf, '=');
  char *dot = NULL; /* the last dot of the name: treatment.2.dose_mg */
  for (char *q = buf; eq && q < eq; q++)
    if (*q == '.') dot = q;
  if (!eq || !dot || dot > eq)
    return tb_error(TB_ERR_INPUT, "--set '%s': expected section.key=value, e.g. osteoclast.resorption_period_days=30",
                    assignment);
  *eq = '\0';
  *dot = '\0';
  return tb_params_set(p, "--set", buf, dot + 1, eq + 1);
}

/* Scenario files are parsed by inih through our own line reader, which
 * makes inih's silent choices errors: a line longer than inih's buffer is
 * an error naming the line (inih would cut it and read the tail as a
 * setting, even the tail of a comment); a section
 * that appears twice, a key given twice, a NUL byte, and a file with no
 * setting at all are errors too. */
typedef struct ini_ctx {
  tb_params *p;
  int failed;
  char msg[2560];
  const char *text;
  size_t pos, len;
  int line;       /* lines handed to inih so far */
  int bad_line;   /* a line the reader refused (msg says why) */
  int settings;   /* key = value lines */
  int *key_line;  /* per table row: the line that set it, 0 if none */
  char sections[64][128];
  int section_line[64], nsections;
  int treat_key_line[TB_MAX_TREATMENTS][5]; /* per [treatment.N], per key of treatment_keys */
} ini_ctx;

static char *scenario_reader(char *str, int num, void *user) {
  ini_ctx *c = user;
  if (c->pos >= c->len || c->bad_line || c->failed || num < 4) return NULL;
  const char *l = c->text + c->pos;
  const char *nl = memchr(l, '\n', c->len - c->pos);
  size_t n = nl ? (size_t)(nl - l) : c->len - c->pos; /* without the newline */
  c->pos += n + (nl ? 1 : 0);
  c->line++;
  if (memchr(l, '\0', n)) {
    c->bad_line = c->line;
    snprintf(c->msg, sizeof c->msg, "holds a NUL byte; expected a text file");
    return NULL;
  }
  size_t lead = 0;
  while (lead < n && (l[lead] == ' ' || l[lead] == '\t')) lead++;
  size_t room = (size_t)num - 2; /* inih's buffer holds the line, a newline and a NUL */
  if (n > room) {
    c->bad_line = c->line;
    snprintf(c->msg, sizeof c->msg,
             "line of %zu characters; at most %zu are allowed, comments included (split it or shorten it)", n, room);
    return NULL;
  }
  if (lead < n && l[lead] == '[') {
    const char *end = memchr(l + lead, ']', n - lead);
    size_t sn = end ? (size_t)(end - l - lead - 1) : 0;
    if (end && sn < sizeof c->sections[0]) {
      char name[128];
      memcpy(name, l + lead + 1, sn);
      name[sn] = '\0';
      for (int k = 0; k < c->nsections; k++)
        if (!strcmp(c->sections[k], name)) {
          c->bad_line = c->line;
          snprintf(c->msg, sizeof c->msg, "section [%s] appears again (first on line %d); give each section once",
                   name, c->section_line[k]);
          return NULL;
        }
      if (c->nsections < 64) {
        strcpy(c->sections[c->nsections], name);
        c->section_line[c->nsections++] = c->line;
      }
    }
  }
  memcpy(str, l, n);
  str[n] = '\n';
  str[n + 1] = '\0';
  return str;
}

static int scenario_line(void *user, const char *section, const char *key, const char *value) {
  ini_ctx *c = user;
  if (c->failed) return 0;
  c->settings++;
  if (!strncmp(section, "treatment.", 10)) {
    int k = -1;
    if (set_treatment(c->p, section, key, value, c->line, &k, c->msg, sizeof c->msg) != TB_OK) {
      c->failed = 1;
      return 0;
    }
    int slot = c->p->treatment[k].number - 1;
    if (c->treat_key_line[slot][k_index(key)]) {
      snprintf(c->msg, sizeof c->msg, "[%s] %s is given again (first on line %d); give each key once", section, key,
               c->treat_key_line[slot][k_index(key)]);
      c->failed = 1;
      return 0;
    }
    c->treat_key_line[slot][k_index(key)] = c->line;
    return 1;
  }
  if (set_quiet(c->p, section, key, value, c->msg, sizeof c->msg) != TB_OK) {
    c->failed = 1;
    return 0;
  }
  int row = (int)(tb_param_find(section, key) - tb_param_table);
  if (c->key_line[row]) {
    snprintf(c->msg, sizeof c->msg, "%s.%s is given again (first on line %d); give each key once", section, key,
             c->key_line[row]);
    c->failed = 1;
    return 0;
  }
  c->key_line[row] = c->line;
  return 1;
}

static tb_status load(tb_params *p, const char *name, const char *text, size_t len) {
  tb_status st = TB_OK;
  ini_ctx *c = calloc(1, sizeof *c);
  CHECK(c, TB_ERR_NOMEM, "%s: out of memory while parsing", name);
  c->key_line = calloc((size_t)tb_param_count, sizeof *c->key_line);
  CHECK(c->key_line, TB_ERR_NOMEM, "%s: out of memory while parsing", name);
  c->p = p, c->text = text, c->len = len;
  int r = ini_parse_stream(scenario_reader, c, scenario_line, c);
  CHECK(r != -2, TB_ERR_NOMEM, "%s: out of memory while parsing", name);
  CHECK(!c->failed, TB_ERR_INPUT, "%s:%d: %s", name, r > 0 ? r : c->line, c->msg);
  CHECK(r <= 0, TB_ERR_INPUT, "%s:%d: expected '[section]' or 'key = value'", name, r);
  CHECK(!c->bad_line, TB_ERR_INPUT, "%s:%d: %s", name, c->bad_line, c->msg);
  TRY(check_treatments(p, name));
  CHECK(c->settings > 0, TB_ERR_INPUT,
        "%s: holds no settings; expected [section] lines with 'key = value' under them (trabecula run --help lists "
        "them; an empty scenario would silently run the defaults)",
        name);
cleanup:
  if (c) free(c->key_line);
  free(c);
  return st;
}

tb_status tb_params_load_text(tb_params *p, const char *name, const char *text) {
  return load(p, name, text, strlen(text));
}

tb_status tb_params_load_file(tb_params *p, const char *path) {
  tb_status st = TB_OK;
  enum { MAX_BYTES = 1 << 20 };
  char *text = NULL;
  struct stat sb;
  int fd = -1;
  CHECK(path && path[0], TB_ERR_INPUT, "no scenario file name given");
  /* O_NONBLOCK: a named pipe must not make us wait for a writer. */
  fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  CHECK(fd >= 0, TB_ERR_INPUT, "%s: cannot open the scenario file: %s", path, strerror(errno));
  CHECK(fstat(fd, &sb) == 0, TB_ERR_INPUT, "%s: cannot inspect the scenario file: %s", path, strerror(errno));
  CHECK(S_ISREG(sb.st_mode), TB_ERR_INPUT, "%s: the scenario is %s, not a file; expected an INI file", path,
        S_ISDIR(sb.st_mode) ? "a directory" : "a pipe or device");
  CHECK(sb.st_size <= MAX_BYTES, TB_ERR_INPUT, "%s: the scenario file holds %lld bytes; expected at most %d", path,
        (long long)sb.st_size, (int)MAX_BYTES);
  text = malloc((size_t)sb.st_size + 1);
  CHECK(text, TB_ERR_NOMEM, "%s: out of memory reading the scenario file", path);
  size_t len = 0;
  while (len < (size_t)sb.st_size) {
    ssize_t r = read(fd, text + len, (size_t)sb.st_size - len);
    if (r < 0 && errno == EINTR) continue;
    CHECK(r >= 0, TB_ERR_INPUT, "%s: reading the scenario file failed: %s", path, strerror(errno));
    if (r == 0) break;
    len += (size_t)r;
  }
  text[len] = '\0';
  TRY(load(p, path, text, len));
cleanup:
  if (fd >= 0) close(fd);
  free(text);
  return st;
}

/* The systemic schedule is shared with the device (kernels/estrogen.cl). */
#include "../../kernels/estrogen.cl"

tb_status tb_params_validate(const tb_params *p, double voxel_um) {
  tb_status st = TB_OK;
  CHECK(isfinite(voxel_um) && voxel_um > 0, TB_ERR_INPUT, "voxel size %g um: expected a positive number", voxel_um);
  /* Team membership spreads one voxel per step, so the resorption front may
   * not outrun it. */
  double front = p->resorption_speed_um_per_day * p->dt_days;
  CHECK(front <= voxel_um, TB_ERR_INPUT,
        "run.dt_days = %g: the resorption front (%g um/day) would move %.3g um per step, more than one voxel "
        "(%g um); use dt_days <= %.3g",
        p->dt_days, p->resorption_speed_um_per_day, front, voxel_um, voxel_um / p->resorption_speed_um_per_day);
  TRY(check_treatments(p, "scenario"));
  CHECK(p->snapshot_interval_days >= p->dt_days, TB_ERR_INPUT,
        "run.snapshot_interval_days = %g is shorter than run.dt_days = %g", p->snapshot_interval_days, p->dt_days);
  CHECK(p->mineral_max_fraction >= p->mineral_primary_fraction, TB_ERR_INPUT,
        "mineral.max_fraction = %g is below mineral.primary_fraction = %g: secondary mineralisation only adds "
        "mineral",
        p->mineral_max_fraction, p->mineral_primary_fraction);
  CHECK(p->fat_baseline + p->estrogen_fat_gain < 1.0, TB_ERR_INPUT,
        "osteoblast.fat_baseline + osteoblast.estrogen_fat_gain = %g: expected below 1 (adiposity is a fraction)",
        p->fat_baseline + p->estrogen_fat_gain);
cleanup:
  return st;
}

void tb_params_schedule(const tb_params *p, tb_kp_schedule *kp) {
  memset(kp, 0, sizeof *kp);
  kp->estrogen_loss = (float)p->estrogen_loss;
  kp->menopause_day = (float)p->menopause_day;
  kp->decline_days = (float)p->decline_days;
  kp->hormone_therapy_day = (float)p->hormone_therapy_start_day;
  kp->t_start_days = (float)-p->spinup_days;
  kp->dt_days = (float)p->dt_days;
  tb_kp_treatment tr;
  tb_params_treatments(p, &tr);
  for (int k = 0; k < tr.n; k++) {
    const tb_kp_course *c = &tr.course[k];
    if (c->drug != TB_DRUG_HORMONE_THERAPY) continue;
    kp->ht_start[kp->n_ht] = c->start_day;
    kp->ht_stop[kp->n_ht] = c->stop_day;
    kp->ht_level[kp->n_ht] = (float)fmin(1.0, c->dose_mg / p->ht_full_dose_mg_per_day);
    kp->n_ht++;
  }
}

double tb_estrogen_level(const tb_params *p, double t_days) {
  tb_kp_schedule kp;
  tb_params_schedule(p, &kp);
  return estrogen_level(kp, (float)t_days);
}

tb_kstep tb_schedule_at(const tb_kp_schedule *kp, uint32_t step) { return schedule_at(*kp, step); }

/* The mineralisation law is shared with the device (kernels/mineral.cl). */
#include "../../kernels/mineral.cl"

void tb_params_mineral(const tb_params *p, tb_kp_mineral *kp) {
  memset(kp, 0, sizeof *kp);
  kp->lag_days = (float)p->mineral_lag_days;
  kp->primary_days = (float)p->mineral_primary_days;
  kp->primary_fraction = (float)p->mineral_primary_fraction;
  kp->max_fraction = (float)p->mineral_max_fraction;
  kp->secondary_rate_per_day = (float)p->mineral_secondary_rate_per_day;
}

double tb_mineral_fraction(const tb_params *p, double age_days) {
  tb_kp_mineral kp;
  tb_params_mineral(p, &kp);
  return mineral_fraction(kp, (float)age_days);
}

void tb_params_print_help(FILE *out) {
  const char *last = "";
  for (int i = 0; i < tb_param_count; i++) {
    const tb_param_info *q = &tb_param_table[i];
    if (strcmp(q->section, last)) fprintf(out, "\n  [%s]\n", q->section);
    last = q->section;
    fprintf(out, "    %-32s %-10g %-7s %s\n", q->key, q->def, q->unit, q->help);
  }
}

struct tb_embedded_scenarios_entry {
  const char *name;
  const char *source;
};
extern const struct tb_embedded_scenarios_entry tb_embedded_scenarios[];

const char *tb_scenario_builtin(const char *name) {
  for (int i = 0; tb_embedded_scenarios[i].name; i++)
    if (!strcmp(tb_embedded_scenarios[i].name, name)) return tb_embedded_scenarios[i].source;
  return NULL;
}
