/* The parameter table, the scenario files and the shared schedule:
 * every scenario file sets every parameter of the table (so the files stay a
 * complete record), the built-in scenarios load, the Philox generator matches
 * the Random123 known-answer vectors, and the estrogen schedule compiled for
 * the device gives the host's values. */
#include "tb_test.h"
#include "trabecula/device.h"
#include "trabecula/params.h"

static int scenario_files_set_every_parameter(void) {
  const char *files[] = {"healthy.ini", "postmenopausal.ini"};
  for (int f = 0; f < 2; f++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/data/scenarios/%s", TB_SOURCE_DIR, files[f]);
    FILE *in = fopen(path, "r");
    EXPECT(in);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[n] = '\0';
    for (int i = 0; i < tb_param_count; i++) {
      char key[128];
      snprintf(key, sizeof key, "\n%s = ", tb_param_table[i].key);
      if (!strstr(text, key)) {
        fprintf(stderr, "%s does not set %s.%s\n", files[f], tb_param_table[i].section, tb_param_table[i].key);
        return 1;
      }
    }
    tb_params p;
    tb_params_default(&p);
    EXPECT(tb_params_load_file(&p, path) == TB_OK);
  }
  return 0;
}

static int builtin_scenarios_match_the_files(void) {
  tb_params a, b;
  tb_params_default(&a);
  tb_params_default(&b);
  EXPECT(tb_scenario_builtin("postmenopausal") != NULL);
  EXPECT(tb_params_load_text(&a, "built-in", tb_scenario_builtin("postmenopausal")) == TB_OK);
  char path[1024];
  snprintf(path, sizeof path, "%s/data/scenarios/postmenopausal.ini", TB_SOURCE_DIR);
  EXPECT(tb_params_load_file(&b, path) == TB_OK);
  EXPECT(memcmp(&a, &b, sizeof a) == 0);
  EXPECT(a.estrogen_loss > 0.5);
  return 0;
}

static int bad_values_are_rejected_with_their_key(void) {
  tb_params p;
  tb_params_default(&p);
  EXPECT(tb_params_set_assignment(&p, "osteoblast.mar_um_per_day=-1") == TB_ERR_INPUT);
  EXPECT(tb_params_set_assignment(&p, "osteoblast.mar_um_per_day=abc") == TB_ERR_INPUT);
  EXPECT(tb_params_set_assignment(&p, "osteoblast.mar_um_per_day=inf") == TB_ERR_INPUT);
  EXPECT(tb_params_set_assignment(&p, "run.seed=1.5") == TB_ERR_INPUT);
  EXPECT(tb_params_set_assignment(&p, "nosuch.key=1") == TB_ERR_INPUT);
  EXPECT(tb_params_set_assignment(&p, "mar_um_per_day") == TB_ERR_INPUT);
  EXPECT(tb_params_set_assignment(&p, "osteoblast.mar_um_per_day=0.7") == TB_OK);
  EXPECT_NEAR(p.mar_um_per_day, 0.7, 0);
  /* The resorption front may not outrun one voxel per step. */
  EXPECT(tb_params_validate(&p, 2.0) == TB_ERR_INPUT);
  EXPECT(tb_params_validate(&p, 20.0) == TB_OK);
  return 0;
}

static int philox_matches_random123_known_answers(void) {
  /* Random123 kat_vectors, philox4x32-10. */
  tb_philox4 r = tb_philox4x32(0, 0, 0, 0, 0, 0);
  EXPECT(r.v[0] == 0x6627e8d5u && r.v[1] == 0xe169c58du && r.v[2] == 0xbc57ac4cu && r.v[3] == 0x9b00dbd8u);
  r = tb_philox4x32(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu);
  EXPECT(r.v[0] == 0x408f276du && r.v[1] == 0x41c83b0eu && r.v[2] == 0xa20bc7c6u && r.v[3] == 0x6d5451fdu);
  r = tb_philox4x32(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u);
  EXPECT(r.v[0] == 0xd16cfe09u && r.v[1] == 0x94fdccebu && r.v[2] == 0x5001e420u && r.v[3] == 0x24126ea1u);
  return 0;
}

static int estrogen_falls_after_menopause_and_hormone_therapy_restores_it(void) {
  tb_params p;
  tb_params_default(&p);
  p.estrogen_loss = 0.9;
  p.menopause_day = 365;
  p.decline_days = 250;
  EXPECT_NEAR(tb_estrogen_level(&p, 0), 1.0, 0);
  EXPECT_NEAR(tb_estrogen_level(&p, 365 + 250), 1.0 - 0.9 * (1.0 - exp(-1.0)), 1e-6);
  EXPECT_NEAR(tb_estrogen_level(&p, 1e5), 0.1, 1e-6);
  p.hormone_therapy_start_day = 2000;
  EXPECT_NEAR(tb_estrogen_level(&p, 2000), 1.0, 0);
  return 0;
}

static int device_schedule_equals_host_schedule(void) {
  tb_device *d = NULL;
  if (tb_dev_create(NULL, &d) != TB_OK) return TB_SKIP;
  tb_params p;
  tb_params_default(&p);
  p.estrogen_loss = 0.9;
  p.menopause_day = 100;
  p.hormone_therapy_start_day = 900;
  tb_kp_schedule kp;
  tb_params_schedule(&p, &kp);
  enum { N = 64 };
  float t[N], e[N];
  for (int i = 0; i < N; i++) t[i] = -50.0f + 20.0f * (float)i;
  const char *files[] = {"shared.h", "common.h", "estrogen.cl"};
  tb_program *prog = NULL;
  tb_kernel *k = NULL;
  tb_buf *bkp = NULL, *bt = NULL, *be = NULL;
  EXPECT(tb_dev_program(d, files, 3, "-cl-std=CL1.2", &prog) == TB_OK);
  EXPECT(tb_dev_kernel(prog, "estrogen_series", &k) == TB_OK);
  EXPECT(tb_dev_alloc(d, sizeof kp, &bkp) == TB_OK);
  EXPECT(tb_dev_alloc(d, sizeof t, &bt) == TB_OK);
  EXPECT(tb_dev_alloc(d, sizeof e, &be) == TB_OK);
  EXPECT(tb_dev_write(d, bkp, 0, sizeof kp, &kp) == TB_OK);
  EXPECT(tb_dev_write(d, bt, 0, sizeof t, t) == TB_OK);
  size_t gws[1] = {N};
  EXPECT(TB_LAUNCH(d, k, 1, gws, NULL, TB_BUF(bkp), TB_BUF(bt), TB_BUF(be), TB_I32(N)) == TB_OK);
  EXPECT(tb_dev_read(d, be, 0, sizeof e, e) == TB_OK);
  for (int i = 0; i < N; i++) {
    /* The step constants at the step nearest t agree too. */
    tb_kstep ks = tb_schedule_at(&kp, (uint32_t)((t[i] - kp.t_start_days) / kp.dt_days + 0.5f));
    EXPECT_NEAR(ks.t_days, t[i], 0.5 * kp.dt_days + 1e-3);
    EXPECT_NEAR(e[i], tb_estrogen_level(&p, t[i]), 1e-6);
  }
  tb_dev_free(&bkp);
  tb_dev_free(&bt);
  tb_dev_free(&be);
  tb_dev_kernel_destroy(&k);
  tb_dev_program_destroy(&prog);
  tb_dev_destroy(&d);
  return 0;
}

/* inih would cut a long line and read its tail as a setting, and take the
 * last of two values; every such file is refused, with its line. */
static int scenario_text_that_inih_would_misread_is_refused(void) {
  tb_params p, d;
  tb_params_default(&d);
  char longc[400] = "[estrogen]\n; ";
  while (strlen(longc) < 260) strcat(longc, ".");
  strcat(longc, "loss = 0.9\n");
  const char *bad[] = {longc, "", "; only a comment\n[run]\n", "[estrogen]\nloss = 0.9\nloss = 0.1\n",
                       "[run]\nyears = 1\n[estrogen]\nloss = 0.5\n[run]\nseed = 2\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tb_params_default(&p);
    EXPECT(tb_params_load_text(&p, "bad.ini", bad[i]) == TB_ERR_INPUT);
  }
  tb_params_default(&p);
  EXPECT(tb_params_load_text(&p, "ok.ini", "[estrogen]\n; a comment\nloss = 0.25\n[run]\nseed = 3\n") == TB_OK);
  EXPECT_NEAR(p.estrogen_loss, 0.25, 0);
  /* A directory is not a scenario. */
  tb_params_default(&p);
  EXPECT(tb_params_load_file(&p, TB_SOURCE_DIR "/data") == TB_ERR_INPUT);
  EXPECT(memcmp(&p, &d, sizeof p) == 0);
  return 0;
}

int main(void) {
  return TB_RUN(scenario_files_set_every_parameter, builtin_scenarios_match_the_files,
                bad_values_are_rejected_with_their_key, scenario_text_that_inih_would_misread_is_refused, philox_matches_random123_known_answers,
                estrogen_falls_after_menopause_and_hormone_therapy_restores_it, device_schedule_equals_host_schedule);
}
