/* Bone morphometry on host volumes, with BoneJ's definitions and the micro-CT
 * reporting guideline (Bouxsein et al. 2010, JBMR 25:1468).
 *
 * Definitions used (all lengths from the voxel size of the volume, which must
 * be isotropic to 1e-3 relative):
 *   TV      voxels of the region of interest (the compartment) x voxel volume.
 *   BV/TV   bone voxels (value > 0.5) in the region / region voxels.
 *   BS      marching-cubes area (iso 0.5, linear interpolation, ambiguous
 *           faces resolved by the face-centre average, so the surface is
 *           closed) of the bone indicator smoothed by a Gaussian of
 *           sigma 0.7 voxel (edges replicated). Binary marching cubes without
 *           smoothing overestimates a sphere by about 9 % (Lindblad 2005);
 *           with it a sphere of radius >= 8 voxels is within about 2 %.
 *           The surface runs to the image faces without closing there (a
 *           cut through bone at the edge of the sample is not bone
 *           surface): half cells along the faces, with the field
 *           replicated, so a plate across the image has exactly the face's
 *           area. A cell counts in proportion to its corners in the region.
 *           Checked against skimage's marching cubes (within 0.2 %).
 *   Tb.Th   local thickness (Hildebrand & Ruegsegger 1997, J Microsc 185:67):
 *           the diameter of the largest sphere that lies inside the bone of
 *           the region and contains the voxel, averaged over those voxels
 *           (mean, SD, max). Exact Euclidean distance transform (Felzenszwalb
 *           & Huttenlocher 2012, separable, linear time) EDT(c) from each
 *           voxel centre c to the nearest centre of a voxel not in the
 *           structure. Two conventions, chosen in tb_morph_options (BoneJ's
 *           are the defaults; see "BoneJ's conventions" below):
 *           edge      continue (BoneJ): voxels outside the image are not
 *                     background, the phase runs on past the image edge;
 *                     background: the image is as if padded with one layer
 *                     of background, so the edge bounds every sphere.
 *           diameter  bonej: the sphere at c holds the voxels p with
 *                     |p - c| <= EDT(c) and its diameter is 2 EDT(c); the
 *                     map's voxels that touch an unpainted voxel then take
 *                     the mean of their interior neighbours (Fiji's
 *                     clean-up). A plate or rod n voxels across reads n + 1
 *                     (n odd) or n (n even) voxels.
 *                     corrected: the sphere holds |p - c| < EDT(c) and its
 *                     diameter is 2 EDT(c) - 1 voxel, the sphere reaching
 *                     the voxel faces: a plate n voxels across (n odd) reads
 *                     exactly n, n even n - 1, a curved surface up to about
 *                     a voxel thin. One voxel less than bonej on plates.
 *           SD is the sample SD over the voxels (n - 1, as BoneJ's
 *           ImageJ StackStatistics).
 *   Tb.Sp   the same on the marrow (non-bone voxels of the region).
 *   Tb.N    1 / (Tb.Th + Tb.Sp) (exact for parallel plates).
 *   euler   Euler characteristic of the bone of the region as an object on
 *           its own: bone 26-connected, marrow 6-connected (the union of
 *           closed voxel cubes: V - E + F - C, summed over 2x2x2 octants
 *           as Toriwaki & Yonekura 2002 and BoneJ's Connectivity do).
 *   Conn.D  (1 - delta_chi) / TV, delta_chi the sample's contribution to the
 *           Euler characteristic of the structure it was cut from (Odgaard &
 *           Gundersen 1993, Bone 14:173): euler minus half the 2-D Euler
 *           numbers of the 6 boundary faces, plus a quarter of those of the
 *           12 boundary edges, minus an eighth of the 8 corner voxels. Exact
 *           for a periodic structure whose period divides (n - 1) voxels.
 *           The correction uses the image box, also with labels.
 *   DA      from the mean intercept length (Harrigan & Mann 1984): 128
 *           deterministic directions on a hemisphere, parallel test lines
 *           (1 voxel apart, wider on volumes above 400 000 voxels) traced
 *           voxel by voxel through the region (exact lengths),
 *           MIL(d) = line length / bone-marrow interfaces crossed. The
 *           quadric d' M d = 1/MIL(d)^2 is fitted by least squares; its
 *           radii are 1/sqrt(eig(M)). da = 1 - r_min/r_max (BoneJ);
 *           da_eigen_ratio = r_max/r_min, the eigenvalue ratio of the fabric
 *           tensor H = M^(-1/2) (1 = isotropic, infinite for ideal plates);
 *           da_axis is the unit direction of the longest MIL (along plates
 *           or rods).
 *   Ct.Th   mean local thickness of the bone in the cortical compartment.
 *   Ct.Po   non-bone voxels / voxels of the cortical compartment.
 * Units as BoneJ reports them: µm for thicknesses, mm, mm², mm³ otherwise.
 *
 * BoneJ's conventions, from the sources (BoneJ2 master, Fiji LocalThickness
 * master; read 2026-12-01):
 *   BoneJ2 Modern/wrapperPlugins/.../ThicknessWrapper.java (Plugins > BoneJ
 *     > Thickness) runs sc.fiji.localThickness.LocalThicknessWrapper with
 *     maskThicknessMap = true ("Mask thickness maps", on by default),
 *     inverse = true for Tb.Sp; reports StackStatistics mean, SD and max of
 *     the calibrated map (background NaN). Legacy ThicknessHelper does the
 *     same. LocalThicknessWrapper.processImage runs, in order:
 *   EDT_S1D.java: Saito-Toriwaki squared EDT. Step1Thread starts a row with
 *     no background at noResult = 3 (n + 1)^2 (n the largest dimension) and
 *     only looks inside the image: the edge is NOT background ("continue");
 *     an image without any background gets a large finite distance (ours:
 *     infinite, reported as NaN).
 *   Distance_Ridge.java: ridge points; createTemplate/scanCube count the
 *     grid points with k^2 + j^2 + i^2 <= r^2: closed spheres.
 *   Local_Thickness_Parallel.java: LTThread paints every voxel with
 *     r1Squared <= rSquared (closed, background too) with the largest r^2;
 *     then "apply factor of 2": value 2 sqrt(r^2) = 2 EDT, no -1.
 *   Clean_Up_Local_Thickness.java: setFlag/averageInteriorNeighbors, the
 *     clean-up described under diameter bonej (look() returns -1 outside
 *     the image, so the image edge does not make a voxel a surface voxel).
 *   MaskThicknessMapWithOriginal.trimOverhang: zero outside the structure.
 * So BoneJ = edge continue + diameter bonej. Checked by hand against these
 * Fiji classes compiled with ImageJ 1.52i (Debian's imagej) on slabs, the
 * irregular shape of test_morph_reference (maps equal to 2e-6 voxel), the
 * built-in phantom and the shrew sample (mean, SD, max equal to the digits
 * printed); tests/physics/morph_compare.py is the independent
 * re-computation that CI runs.
 *   BoneJ2 Legacy/bonej/.../plugins/Connectivity.java (Plugins > BoneJ >
 *     Connectivity): getSumEuler sums Toriwaki's 26-connected delta-Euler
 *     LUT over 2x2x2 octants (outside the image is background), getDeltaChi
 *     = sumEuler - correctForEdges (chiTwo/2 + chiOne/4 + chiZero/8 from
 *     vertex, edge and face counts of the outer voxel layers), connectivity
 *     = 1 - deltaChi, Conn.D = connectivity / (w h d voxel volume). Our
 *     euler and delta_chi equal BoneJ's on every volume at least 2 voxels
 *     in each dimension (morph_compare.py); on a 1-voxel-thin image BoneJ
 *     counts the one layer once, we twice. Conn.D divides by TV, which is
 *     BoneJ's stack volume when no labels are given.
 *
 * Threads: the heavy passes run on TRABECULA_THREADS threads (default: the
 * online CPUs, at most 16); every result is identical for any thread count. */
#ifndef TRABECULA_MORPH_H
#define TRABECULA_MORPH_H

#include <stdint.h>

#include "trabecula/status.h"
#include "trabecula/volume.h"

typedef struct tb_morph_result {
  double tv_mm3, bv_mm3, bv_tv, bs_mm2, bs_bv_per_mm;
  double tb_th_um, tb_th_sd_um, tb_th_max_um, tb_sp_um, tb_sp_sd_um, tb_sp_max_um, tb_n_per_mm;
  double euler, conn_d_per_mm3, da, da_eigen_ratio, da_axis[3];
  int32_t has_cortex;
  double ct_th_um, ct_po;
  /* Additional fields. */
  double delta_chi;    /* Odgaard-Gundersen edge-corrected Euler contribution */
  double connectivity; /* 1 - delta_chi */
  double bs_tv_per_mm; /* BS / TV */
  double ct_th_sd_um;  /* SD of the cortical local thickness */
  double spacing_um;   /* voxel size used */
  double seconds;      /* wall time of tb_morph_compute */
} tb_morph_result;

/* Local thickness conventions (see Tb.Th above); the zeros are BoneJ's. */
enum { TB_MORPH_EDGE_CONTINUE = 0, TB_MORPH_EDGE_BACKGROUND = 1 };
enum { TB_MORPH_DIAMETER_BONEJ = 0, TB_MORPH_DIAMETER_CORRECTED = 1 };

typedef struct tb_morph_options {
  int32_t compartment;    /* 1 trabecular (default), 2 cortical, 0 whole volume (every voxel) */
  int32_t edge;           /* TB_MORPH_EDGE_CONTINUE (default, BoneJ) or TB_MORPH_EDGE_BACKGROUND */
  int32_t diameter;       /* TB_MORPH_DIAMETER_BONEJ (default) or TB_MORPH_DIAMETER_CORRECTED */
  int32_t skip_da;        /* nonzero: da* are NaN */
  int32_t skip_thickness; /* nonzero: Tb.Th, Tb.Sp, Tb.N, Ct.Th are NaN (unless a map is asked for) */
} tb_morph_options;

void tb_morph_options_default(tb_morph_options *opt);

/* bone: bone fraction or binary (bone where value > 0.5); the voxel size is
 * bone->spacing_um. labels: NULL (the whole volume is the region) or per
 * voxel 0 outside, 1 trabecular, 2 cortical; the indices are computed within
 * labels == compartment, and Ct.Th/Ct.Po whenever some voxel has label 2.
 * thickness_map: if not NULL receives the Tb.Th local thickness map in µm
 * (0 outside the bone of the region), with bone's geometry.
 * Values that cannot be defined (no bone, no marrow) are NaN. */
tb_status tb_morph_compute(const tb_volume *bone, const uint8_t *labels, const tb_morph_options *opt,
                           tb_morph_result *out, tb_volume **thickness_map);

/* ---- building blocks (voxel units; mask: nonzero = structure) ----------
 * dims = {nx, ny, nz}, x fastest. Exposed for the tests and the device
 * version. */

/* Squared Euclidean distance from each structure voxel to the nearest voxel
 * with mask == 0 (0 on those). edge TB_MORPH_EDGE_CONTINUE: voxels outside
 * the image are not background, so a row without background holds
 * INFINITY; TB_MORPH_EDGE_BACKGROUND: they are. tb_morph_edt_sq is the
 * continue case. */
tb_status tb_morph_edt_sq_edge(const uint8_t *mask, const int32_t dims[3], int32_t edge, float *dist_sq);
tb_status tb_morph_edt_sq(const uint8_t *mask, const int32_t dims[3], float *dist_sq);

/* Local thickness in voxels with the edge and diameter conventions above,
 * 0 outside the structure; INFINITY on the structure when no sphere is
 * bounded (edge continue, no background voxel). tb_morph_local_thickness is
 * edge continue, diameter corrected (what the phantom generator calibrates
 * with). */
tb_status tb_morph_local_thickness_conv(const uint8_t *mask, const int32_t dims[3], int32_t edge, int32_t diameter,
                                        float *thickness);
tb_status tb_morph_local_thickness(const uint8_t *mask, const int32_t dims[3], float *thickness);

/* Euler characteristic of the structure (26-connected, complement
 * 6-connected) and its Odgaard-Gundersen edge-corrected contribution. */
tb_status tb_morph_euler(const uint8_t *mask, const int32_t dims[3], double *euler, double *delta_chi);

/* Marching-cubes surface area in voxel face units (see BS above). bone is
 * the binary bone indicator; region (NULL = every voxel) is nonzero for the
 * voxels of the region; each cell counts by its share of region corners. */
tb_status tb_morph_surface_area(const uint8_t *bone, const uint8_t *region, const int32_t dims[3],
                                double *area);

/* Mean-intercept-length fabric: da, da_eigen_ratio, axis (see DA above).
 * region may be NULL (every voxel). */
tb_status tb_morph_mil(const uint8_t *bone, const uint8_t *region, const int32_t dims[3], double *da,
                       double *eigen_ratio, double axis[3]);

/* Runs fn(ctx, i) for every i in [0, n), spread over the worker threads.
 * Callers make each i write its own output, so results do not depend on the
 * thread count. */
tb_status tb_morph_parallel_for(int64_t n, void (*fn)(void *ctx, int64_t i), void *ctx);
/* Worker thread count: TRABECULA_THREADS, else online CPUs, 1..16. */
int tb_morph_thread_count(void);

#endif
