/* Synthetic trabecular bone samples: a deterministic rod-plate network.
 *
 * The network lives on a Voronoi tessellation of jittered-grid seed points,
 * stretched along z like a vertebral body. Every cell edge is a candidate
 * rod and every cell face a candidate plate; a hash of the seed ids keeps a
 * share of each, so the same parameters always give the same bit-identical
 * sample on any machine. One thickness T is chosen by bisection so that the
 * trabecular BV/TV hits the target; each rod and plate is T times its own
 * gain (mean 1, relative SD 0.4: real trabeculae are not all one thickness,
 * and the thin ones are those remodeling cuts through). With a
 * cortex the sample is the cross-section of a cylinder along z with a
 * porous cortical shell and the network inside.
 *
 * Targets mean what `trabecula morph --diameter corrected` reports for the trabecular
 * compartment (labels 1; src/analysis, tb_morph_compute): the generator
 * measures each try with the same local-thickness code and keeps the best,
 * so tb_th_um is Tb.Th as 2 EDT - 1 voxel (BoneJ's 2 EDT reads one voxel
 * more) and comes out at any voxel size; the rod diameter itself is about a
 * voxel thicker than the reading. bvtv is the mean bone fraction (morph's
 * thresholded BV/TV reads within about 0.002 of it).
 *
 * Three targets, three knobs. BV/TV sets the thickness (bisection). With
 * tb_n_per_mm = 0 (automatic) every candidate keeps its default share
 * (rods 85 % of edges, plates 10-70 % of faces rising with BV/TV) and the
 * cell size is found for Tb.Th; Tb.N follows (about 0.96 /mm at BV/TV
 * 0.15, Tb.Th 170 um inside a cortex). With tb_n_per_mm > 0 the cell size
 * is found for Tb.Sp = 1000/Tb.N - Tb.Th (the marrow spheres are bounded by
 * the nearest cell walls, so Tb.Sp is about 0.9 x the cell width whatever
 * is kept), and the element share, one factor on both shares (0.35 to
 * 1/0.85), is found for Tb.Th: at fixed BV/TV and cell size, fewer kept
 * elements must each be thicker. The plate-to-rod balance stays as it is,
 * about half the bone volume in plates at BV/TV 0.15 (mixed plate/rod, as
 * human bone of that density).
 *
 * What is reachable. At a given BV/TV and Tb.Th, Tb.Sp is small only if
 * the bone is spread evenly as rods, and a regular lattice is about the
 * best a connected network does: a cubic rod lattice of BV/TV 0.152 and
 * Tb.Th 172 um reads Tb.Sp 692 um, Tb.N 1.16 /mm with this morphometry. At
 * BV/TV 0.15 and Tb.Th 170 um this network spans Tb.N about 0.95 /mm
 * (element share 1/0.85: every edge a rod) to 1.2 /mm (element share 0.35,
 * a few percent of the bone in loose rods; below it the network falls
 * apart). A target outside the span warns and keeps BV/TV and Tb.Th, with
 * the nearest Tb.N (the share at its bound, the cell found for Tb.Th).
 * Reference figures such as Tb.N 1.62 /mm with Tb.Sp 0.78 mm (MODEL.md,
 * Rubin 2010) are not 1/(Tb.Th + Tb.Sp): with that definition their own
 * Tb.Th 0.17 mm and Tb.Sp 0.78 mm give 1.05 /mm, which this generator hits
 * (tb_phantom_params_human). */
#ifndef TRABECULA_PHANTOM_H
#define TRABECULA_PHANTOM_H

#include <stdint.h>

#include "trabecula/status.h"
#include "trabecula/volume.h"

typedef struct tb_phantom_params {
  int32_t size;       /* voxels per side (cube) */
  double spacing_um;  /* voxel size, µm */
  double bvtv;        /* target trabecular BV/TV in the trabecular compartment, (0,1) */
  double tb_th_um;    /* target Tb.Th as trabecula morph --diameter corrected reports it, µm (human ~170; 0 = 7.5 voxels) */
  double tb_n_per_mm; /* target Tb.N = 1/(Tb.Th + Tb.Sp) as trabecula morph --diameter corrected reports it, /mm; 0 = automatic */
  double cortex_um;   /* cortical shell thickness, µm; 0 = no cortex */
  uint64_t seed;
} tb_phantom_params;

/* What the generator chose and achieved (for the summary and the tests). */
typedef struct tb_phantom_info {
  double bvtv;            /* achieved mean bone fraction over the trabecular compartment */
  double thickness_um;    /* element thickness T found by the bisection (the mean element's rod diameter or plate thickness) */
  double cell_um[3];      /* Voronoi grid cell size along x, y, z */
  double element_share;   /* scale of the plate and rod shares (1 without a Tb.N target) */
  double plate_fraction;  /* share of cell faces kept as plates */
  double rod_fraction;    /* share of cell edges kept as rods */
  double plate_volume_share; /* share of the trabecular bone volume in plates (the rest in rods) */
  double tb_th_um, tb_sp_um, tb_n_per_mm; /* as trabecula morph --diameter corrected measures the trabecular compartment */
  double cortex_porosity; /* pore volume / cortical compartment volume; 0 without cortex */
  double radius_um;       /* outer radius of the cylinder; 0 without cortex */
} tb_phantom_info;

/* One command-line option of the generator: the table drives --help and the
 * range checks. Integer options use the same double range. */
typedef struct tb_phantom_option {
  const char *option; /* "--size" */
  const char *field;  /* struct field, "size" */
  const char *unit;   /* "voxels", "um", "" */
  double min, max;    /* inclusive range (a value of 0 is also allowed where zero_ok) */
  int zero_ok;        /* 0 means "automatic" or "none" */
  const char *help;
} tb_phantom_option;

/* The option table and its length. */
const tb_phantom_option *tb_phantom_options(int *count);

/* size 96, spacing 20 µm, bvtv 0.20, tb_th 150 µm, tb_n 0 (automatic),
 * cortex 0, seed 1. */
void tb_phantom_params_default(tb_phantom_params *p);

/* A human iliac-crest-like sample 5.12 mm across (healthy reference of
 * MODEL.md, Rubin 2010 controls): size 128, spacing 40 µm, bvtv 0.15,
 * tb_th 170 µm, tb_n 1.05 /mm (Tb.Sp about 780 µm), cortex 400 µm, seed 1.
 * Reads Tb.Th 168 um, Tb.Sp 786 um, Tb.N 1.05 /mm, Conn.D 2.6 /mm^3. */
void tb_phantom_params_human(tb_phantom_params *p);

/* Range checks: TB_ERR_INPUT naming the option (--size etc.) and the
 * expected range. */
tb_status tb_phantom_check(const tb_phantom_params *p);

/* bone: bone fraction in [0,1] with partial volume at the surface, spacing
 * set, origin 0. labels: if not NULL, receives a malloc'd nx*ny*nz array
 * (release with free()): 0 outside the bone, 1 trabecular (bone and marrow
 * inside the cortex), 2 cortical (the shell: cortical bone and its pores);
 * without a cortex every voxel is 1. */
tb_status tb_phantom_generate(const tb_phantom_params *p, tb_volume **bone, uint8_t **labels);

/* The same, also reporting what was chosen and achieved (info may be NULL). */
tb_status tb_phantom_generate_info(const tb_phantom_params *p, tb_volume **bone, uint8_t **labels,
                                   tb_phantom_info *info);

#endif
