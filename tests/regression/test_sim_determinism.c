/* Reproducibility of a simulation run (MODEL.md mechanism 2: initiation
 * and osteocyte apoptosis come from a counter-based generator keyed by seed,
 * step and voxel, so results are independent of the device, the work-group
 * size and the launch shape).
 *
 * What these tests show, on a 24^3 phantom at 20 um run for 60 steps of
 * 4 days with every process active (remodeling at 20/yr, estrogen falling
 * from day 60, osteocyte apoptosis):
 *  - the same seed gives bit-identical outputs (every output volume and the
 *    TB_STAT_* sums) whatever the row chunk (TRABECULA_ROW_CHUNK unset, 1,
 *    7, which does not divide the grid, and 20, which mixes the field
 *    solver's vector blocks with its scalar loop in one row);
 *  - the same at one voxel per work-item with work-groups of 8x2x1 and 5x3x2
 *    (TRABECULA_LOCAL_SIZE), the GPU launch shape;
 *  - the same seed gives the same result twice in one process;
 *  - on a 40^3 phantom (12 steps), whose multigrid levels are wide enough
 *    for the field solver's vector blocks, whole rows per work-item give
 *    the same bits as one voxel per work-item;
 *  - a different seed gives a different result.
 * 60 steps (240 days) cover resorption, reversal and formation, including
 * steps in which no team is resorbing (the TGF-beta field decays to zero).
 * Every test skips (77) when no OpenCL device can be opened. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>

#include "tb_test.h"
#include "trabecula/device.h"
#include "trabecula/params.h"
#include "trabecula/phantom.h"
#include "trabecula/sim.h"
#include "trabecula/volume.h"

/* Everything a run produces, for memcmp. */
typedef struct run_result {
  size_t n;
  int32_t nout;
  char names[64][64];
  float *out[64];
  double stats[TB_NSTATS];
} run_result;

static void result_free(run_result *r) {
  for (int k = 0; k < r->nout; k++) free(r->out[k]);
  memset(r, 0, sizeof *r);
}

/* Runs the phantom with the given seed and TRABECULA_ROW_CHUNK (NULL: unset;
 * it is read when the device is created, and unset again afterwards).
 * Returns 0, TB_SKIP without a device, or 1 on failure. */
static int treated; /* the runs schedule every drug (treated_runs_are_bit_identical_across_launch_shapes) */
static int phantom_size = 24, phantom_steps = 60; /* coarse_vector_blocks_match_the_scalar_loop: 40, 12 */

static int run_phantom_shaped(const char *seed, const char *row_chunk, const char *local_size, run_result *res) {
  int rc = 1;
  tb_device *dev = NULL;
  tb_volume *v = NULL;
  tb_sim *s = NULL;
  tb_params p;
  memset(res, 0, sizeof *res);
  if (row_chunk) setenv("TRABECULA_ROW_CHUNK", row_chunk, 1);
  else unsetenv("TRABECULA_ROW_CHUNK");
  if (local_size) setenv("TRABECULA_LOCAL_SIZE", local_size, 1);
  else unsetenv("TRABECULA_LOCAL_SIZE");
  tb_status st = tb_dev_create(NULL, &dev);
  unsetenv("TRABECULA_ROW_CHUNK");
  unsetenv("TRABECULA_LOCAL_SIZE");
  if (st != TB_OK) {
    fprintf(stderr, "no OpenCL device: skipped\n");
    return TB_SKIP;
  }
  char seed_set[64];
  snprintf(seed_set, sizeof seed_set, "run.seed=%s", seed);
  const char *set[] = {"run.spinup_days=0",        "run.dt_days=4",
                       seed_set,                   "osteoclast.activation_frequency_per_year=20",
                       "estrogen.loss=0.9",        "estrogen.menopause_day=60",
                       "estrogen.decline_days=60", "osteocyte.apoptosis_per_year=5"};
  tb_params_default(&p);
  for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
    if (tb_params_set_assignment(&p, set[i]) != TB_OK) goto done;
  /* Every drug process with per-voxel or team state at once: zoledronate
   * (bound drug, uptake by teams, apoptosis draws), denosumab, teriparatide
   * (lining-cell formation), romosozumab. */
  const char *courses[] = {"treatment.1.drug=zoledronate",  "treatment.1.start_day=20", "treatment.1.dose_mg=5",
                           "treatment.2.drug=denosumab",    "treatment.2.start_day=60", "treatment.2.dose_mg=60",
                           "treatment.3.drug=teriparatide", "treatment.3.start_day=40", "treatment.3.dose_mg=0.02",
                           "treatment.4.drug=romosozumab",  "treatment.4.start_day=80", "treatment.4.dose_mg=210"};
  for (size_t i = 0; treated && i < sizeof courses / sizeof courses[0]; i++)
    if (tb_params_set_assignment(&p, courses[i]) != TB_OK) goto done;
  tb_phantom_params pp;
  tb_phantom_params_default(&pp);
  pp.size = phantom_size;
  pp.spacing_um = 20.0;
  pp.tb_th_um = 60.0;
  if (tb_phantom_generate(&pp, &v, NULL) != TB_OK) goto done;
  if (tb_sim_create(dev, &p, v, NULL, &s) != TB_OK) goto done;
  for (int k = 0; k < phantom_steps; k++)
    if (tb_sim_step(s) != TB_OK) {
      double sums[TB_NSTATS];
      if (tb_sim_stats(s, 0, sums) == TB_OK)
        fprintf(stderr, "step %d (day %g) failed: %.0f BMUs active, %.0f eroded surface voxels, bone %.1f\n", k,
                tb_sim_time_days(s), sums[TB_STAT_ACTIVE_BMU], sums[TB_STAT_ERODED], sums[TB_STAT_BONE_ALL]);
      goto done;
    }
  if (tb_sim_stats(s, 0, res->stats) != TB_OK) goto done;
  res->n = tb_volume_count(v);
  res->nout = tb_sim_output_count(s);
  for (int k = 0; k < res->nout; k++) {
    snprintf(res->names[k], sizeof res->names[k], "%s", tb_sim_output_name(s, k));
    res->out[k] = malloc(sizeof(float) * res->n);
    if (!res->out[k] || tb_sim_read_output(s, k, res->out[k]) != TB_OK) goto done;
  }
  rc = 0;
done:
  if (rc) {
    fprintf(stderr, "run with seed %s, row chunk %s failed\n", seed, row_chunk ? row_chunk : "(unset)");
    result_free(res);
  }
  tb_sim_destroy(&s);
  tb_volume_destroy(&v);
  tb_dev_destroy(&dev);
  return rc;
}

static int run_phantom(const char *seed, const char *row_chunk, run_result *res) {
  return run_phantom_shaped(seed, row_chunk, NULL, res);
}

/* Number of outputs (and the stats, counted as one) that differ bytewise;
 * names them. */
static int count_differences(const run_result *a, const run_result *b, int verbose) {
  int diff = 0;
  for (int k = 0; k < a->nout; k++)
    if (memcmp(a->out[k], b->out[k], sizeof(float) * a->n) != 0) {
      if (verbose) {
        size_t first = 0;
        while (first < a->n && !memcmp(&a->out[k][first], &b->out[k][first], sizeof(float))) first++;
        fprintf(stderr, "  %s differs (first at voxel %zu: %.9g vs %.9g)\n", a->names[k], first,
                a->out[k][first], b->out[k][first]);
      }
      diff++;
    }
  if (memcmp(a->stats, b->stats, sizeof a->stats) != 0) {
    if (verbose) fprintf(stderr, "  stats differ\n");
    diff++;
  }
  return diff;
}

/* The reference run (seed 1, row chunk unset), made once. */
static run_result reference;
static int reference_rc = -1;

static int get_reference(void) {
  if (reference_rc < 0) reference_rc = run_phantom("1", NULL, &reference);
  return reference_rc;
}

static int same_seed_is_bit_identical_across_row_chunks(void) {
  int r = get_reference();
  if (r) return r;
  /* The run must have done something for the comparison to mean anything. */
  EXPECT(reference.stats[TB_STAT_ACTIVE_BMU] > 0);
  /* 1 and 7: the scalar paths of the field solver; 20: one block of its
   * sixteen-voxel vector path and a scalar rest in the same row. */
  const char *chunks[] = {"1", "7", "20"};
  for (int c = 0; c < 3; c++) {
    run_result other;
    r = run_phantom("1", chunks[c], &other);
    if (r) return r;
    int diff = count_differences(&reference, &other, 1);
    printf("  row chunk %s vs default: %d of %d outputs differ\n", chunks[c], diff, reference.nout + 1);
    result_free(&other);
    EXPECT(diff == 0);
  }
  return 0;
}

/* The field solver's fine level one field per launch (the CPU default) or
 * every field in each launch (the GPU schedule, TRABECULA_FIELD_PASSES=0). */
static int same_seed_is_bit_identical_with_every_field_per_launch(void) {
  int r = get_reference();
  if (r) return r;
  run_result other;
  setenv("TRABECULA_FIELD_PASSES", "0", 1);
  r = run_phantom("1", NULL, &other);
  unsetenv("TRABECULA_FIELD_PASSES");
  if (r) return r;
  int diff = count_differences(&reference, &other, 1);
  printf("  every field per launch vs default: %d of %d outputs differ\n", diff, reference.nout + 1);
  result_free(&other);
  EXPECT(diff == 0);
  return 0;
}

/* One voxel per work-item, as on a GPU, in work-groups of different shapes
 * (local sizes that do not divide the 24^3 grid are rounded up, and the
 * kernels bounds-check). */
static int same_seed_is_bit_identical_across_work_group_sizes(void) {
  int r = get_reference();
  if (r) return r;
  const char *sizes[] = {"8,2,1", "5,3,2"};
  for (int c = 0; c < 2; c++) {
    run_result other;
    r = run_phantom_shaped("1", "1", sizes[c], &other);
    if (r) return r;
    int diff = count_differences(&reference, &other, 1);
    printf("  one voxel per work-item, work-groups %s vs default: %d of %d outputs differ\n", sizes[c], diff,
           reference.nout + 1);
    result_free(&other);
    EXPECT(diff == 0);
  }
  return 0;
}

static int same_seed_same_result_twice(void) {
  int r = get_reference();
  if (r) return r;
  run_result again;
  r = run_phantom("1", NULL, &again);
  if (r) return r;
  int diff = count_differences(&reference, &again, 1);
  result_free(&again);
  EXPECT(diff == 0);
  return 0;
}

/* The same with every drug scheduled: their kernels keep the guarantees. */
static int treated_runs_are_bit_identical_across_launch_shapes(void) {
  run_result a, b, c;
  int r = get_reference();
  if (r) return r;
  treated = 1;
  r = run_phantom("1", NULL, &a);
  if (!r) r = run_phantom("1", "7", &b);
  if (!r) r = run_phantom_shaped("1", "1", "5,3,2", &c);
  treated = 0;
  if (r) return r;
  int d1 = count_differences(&a, &b, 1), d2 = count_differences(&a, &c, 1);
  /* bone_fraction is output 0 of both (the treated run has more outputs). */
  int against_untreated = memcmp(reference.out[0], a.out[0], sizeof(float) * a.n) != 0;
  printf("  treated (%d outputs): row chunk 7 %d, work-groups 5x3x2 %d differ; bone differs from the untreated run: %d\n",
         a.nout, d1, d2, against_untreated);
  result_free(&a);
  result_free(&b);
  result_free(&c);
  EXPECT(d1 == 0 && d2 == 0);
  EXPECT(against_untreated > 0); /* the drugs did something */
  return 0;
}

/* On the 24^3 phantom the field solver's coarse levels (12^3 and less)
 * have rows too short for its sixteen-cell vector blocks. At 40^3 level 1
 * has rows of 20 (a block and a scalar rest) and level 2 rows of 10, and
 * the prolongation onto level 1 takes a block: a whole-row run against one
 * voxel per work-item (the scalar loops everywhere). */
static int coarse_vector_blocks_match_the_scalar_loop(void) {
  run_result a, b;
  phantom_size = 40;
  phantom_steps = 12;
  int r = run_phantom("1", NULL, &a);
  if (!r) r = run_phantom("1", "1", &b);
  phantom_size = 24;
  phantom_steps = 60;
  if (r) return r;
  int d = count_differences(&a, &b, 1);
  printf("  40^3, 12 steps: whole rows vs one voxel per work-item: %d of %d outputs differ\n", d, a.nout + 1);
  result_free(&a);
  result_free(&b);
  EXPECT(d == 0);
  return 0;
}

static int different_seed_differs(void) {
  int r = get_reference();
  if (r) return r;
  run_result other;
  r = run_phantom("2", NULL, &other);
  if (r) return r;
  int bone_differs = memcmp(reference.out[0], other.out[0],
                            sizeof(float) * reference.n) != 0;
  int diff = count_differences(&reference, &other, 0);
  printf("  seed 2 vs seed 1: %d of %d outputs differ; BMUs active %.0f vs %.0f\n", diff, reference.nout + 1,
         other.stats[TB_STAT_ACTIVE_BMU], reference.stats[TB_STAT_ACTIVE_BMU]);
  result_free(&other);
  EXPECT(bone_differs);
  return 0;
}

int main(void) {
  int rc = TB_RUN(same_seed_is_bit_identical_across_row_chunks, same_seed_is_bit_identical_with_every_field_per_launch,
                  same_seed_is_bit_identical_across_work_group_sizes, same_seed_same_result_twice,
                  treated_runs_are_bit_identical_across_launch_shapes, coarse_vector_blocks_match_the_scalar_loop,
                  different_seed_differs);
  result_free(&reference);
  return rc;
}
