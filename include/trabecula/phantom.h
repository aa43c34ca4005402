/* Synthetic trabecular bone samples: a deterministic rod-plate network.
 *
 * The network lives on a Voronoi tessellation of jittered-grid seed points,
 * stretched along z like a vertebral body. Every cell edge is a candidate
 * rod and every cell face a candidate plate; a hash of the seed ids keeps a
 * fixed share of each, so the same parameters always give the same
 * bit-identical sample on any machine. One thickness (rod diameter = plate
 * thickness) is then chosen by bisection so that the trabecular BV/TV hits
 * the target, and the cell size is chosen so that the mean local thickness
 * (Tb.Th as BoneJ measures it) comes out close to tb_th_um. With a cortex
 * the sample is the cross-section of a cylinder along z with a porous
 * cortical shell and the network inside. */
#ifndef TRABECULA_PHANTOM_H
#define TRABECULA_PHANTOM_H

#include <stdint.h>

#include "trabecula/status.h"
#include "trabecula/volume.h"

typedef struct tb_phantom_params {
  int32_t size;       /* voxels per side (cube) */
  double spacing_um;  /* voxel size, µm */
  double bvtv;        /* target trabecular BV/TV in the trabecular compartment, (0,1) */
  double tb_th_um;    /* target mean trabecular thickness, µm (human ~150; 0 = 7.5 voxels) */
  double cortex_um;   /* cortical shell thickness, µm; 0 = no cortex */
  uint64_t seed;
} tb_phantom_params;

/* What the generator chose and achieved (for the summary and the tests). */
typedef struct tb_phantom_info {
  double bvtv;            /* achieved mean bone fraction over the trabecular compartment */
  double thickness_um;    /* rod diameter = plate thickness found by the bisection */
  double cell_um[3];      /* Voronoi grid cell size along x, y, z */
  double plate_fraction;  /* share of cell faces kept as plates */
  double rod_fraction;    /* share of cell edges kept as rods */
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

/* size 96, spacing 20 µm, bvtv 0.20, tb_th 150 µm, cortex 0, seed 1. */
void tb_phantom_params_default(tb_phantom_params *p);

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
