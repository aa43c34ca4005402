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
#define TB_NSTATS 22

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
  float pad_[2];
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
  float pad_[2];
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
  float pad_;
} tb_kp_formation;

/* Osteocytes (mechanism 7). */
typedef struct tb_kp_osteocyte {
  float apoptosis_per_day;           /* in health */
  float apoptosis_estrogen_gain;
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

/* Immune cells in marrow (mechanism 8, systemic today). */
typedef struct tb_kp_immune {
  float marrow_rankl_pM_per_day; /* T and B cell RANKL in marrow at full estrogen loss, x (1 - E) */
  float pad_[3];
} tb_kp_immune;

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

#endif
