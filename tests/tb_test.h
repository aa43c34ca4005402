/* A minimal test harness: each test is a function returning 0 on success.
 *
 *   static int front_recedes_at_configured_speed(void) { ...; EXPECT(x); return 0; }
 *   int main(void) { return TB_RUN(front_recedes_at_configured_speed, other); }
 *
 * Prints "N passed, N failed" at the end. A test returning TB_SKIP (77) is
 * counted as skipped; if every test skipped, the program exits 77. */
#ifndef TB_TEST_H
#define TB_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TB_SKIP 77

#define EXPECT(cond)                                                          \
  do {                                                                        \
    if (!(cond)) {                                                            \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);     \
      return 1;                                                               \
    }                                                                         \
  } while (0)

#define EXPECT_NEAR(a, b, tol)                                                \
  do {                                                                        \
    double tb_a_ = (a), tb_b_ = (b), tb_t_ = (tol);                           \
    if (!(fabs(tb_a_ - tb_b_) <= tb_t_)) {                                    \
      fprintf(stderr, "%s:%d: %s = %.9g, expected %s = %.9g within %.3g\n",    \
              __FILE__, __LINE__, #a, tb_a_, #b, tb_b_, tb_t_);               \
      return 1;                                                               \
    }                                                                         \
  } while (0)

/* REQUIRE and REQUIRE_NEAR go to the test's `done:` label instead of
 * returning, so that a test's device objects and buffers are still released
 * (the sanitizer build checks for leaks). */
#define REQUIRE(cond)                                                     \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
      goto done;                                                          \
    }                                                                     \
  } while (0)

#define REQUIRE_NEAR(a, b, tol)                                                                     \
  do {                                                                                              \
    double rq_a_ = (a), rq_b_ = (b), rq_t_ = (tol);                                                 \
    if (!(fabs(rq_a_ - rq_b_) <= rq_t_)) {                                                          \
      fprintf(stderr, "%s:%d: %s = %.9g, expected %s = %.9g within %.3g\n", __FILE__, __LINE__, #a, \
              rq_a_, #b, rq_b_, rq_t_);                                                             \
      goto done;                                                                                    \
    }                                                                                               \
  } while (0)

typedef int (*tb_test_fn)(void);
typedef struct { const char *name; tb_test_fn fn; } tb_test_case;

static inline int tb_run_tests(const tb_test_case *cases, int n) {
  int passed = 0, failed = 0, skipped = 0;
  for (int i = 0; i < n; i++) {
    int r = cases[i].fn();
    const char *word = r == 0 ? "ok" : r == TB_SKIP ? "skipped" : "FAILED";
    printf("%-8s %s\n", word, cases[i].name);
    fflush(stdout);
    if (r == 0) passed++;
    else if (r == TB_SKIP) skipped++;
    else failed++;
  }
  printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  if (failed) return 1;
  return passed == 0 && skipped > 0 ? TB_SKIP : 0;
}

#define TB_CASE(fn) {#fn, fn}
#define TB_RUN(...)                                                           \
  tb_run_tests((const tb_test_case[]){TB_CASES_(__VA_ARGS__)},                \
               (int)(sizeof((const tb_test_case[]){TB_CASES_(__VA_ARGS__)}) / \
                     sizeof(tb_test_case)))
/* Up to 16 tests per TB_RUN. */
#define TB_CASES_(...) TB_MAP_(TB_CASE, __VA_ARGS__)
#define TB_MAP_(m, ...) TB_MAP_N_(__VA_ARGS__, 16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1)(m, __VA_ARGS__)
#define TB_MAP_N_(_1,_2,_3,_4,_5,_6,_7,_8,_9,_10,_11,_12,_13,_14,_15,_16,N,...) TB_MAP_##N
#define TB_MAP_1(m,a) m(a)
#define TB_MAP_2(m,a,...) m(a), TB_MAP_1(m,__VA_ARGS__)
#define TB_MAP_3(m,a,...) m(a), TB_MAP_2(m,__VA_ARGS__)
#define TB_MAP_4(m,a,...) m(a), TB_MAP_3(m,__VA_ARGS__)
#define TB_MAP_5(m,a,...) m(a), TB_MAP_4(m,__VA_ARGS__)
#define TB_MAP_6(m,a,...) m(a), TB_MAP_5(m,__VA_ARGS__)
#define TB_MAP_7(m,a,...) m(a), TB_MAP_6(m,__VA_ARGS__)
#define TB_MAP_8(m,a,...) m(a), TB_MAP_7(m,__VA_ARGS__)
#define TB_MAP_9(m,a,...) m(a), TB_MAP_8(m,__VA_ARGS__)
#define TB_MAP_10(m,a,...) m(a), TB_MAP_9(m,__VA_ARGS__)
#define TB_MAP_11(m,a,...) m(a), TB_MAP_10(m,__VA_ARGS__)
#define TB_MAP_12(m,a,...) m(a), TB_MAP_11(m,__VA_ARGS__)
#define TB_MAP_13(m,a,...) m(a), TB_MAP_12(m,__VA_ARGS__)
#define TB_MAP_14(m,a,...) m(a), TB_MAP_13(m,__VA_ARGS__)
#define TB_MAP_15(m,a,...) m(a), TB_MAP_14(m,__VA_ARGS__)
#define TB_MAP_16(m,a,...) m(a), TB_MAP_15(m,__VA_ARGS__)

/* Path of the shared real sample, or NULL when ../shared is absent. */
static inline const char *tb_test_shared_sample(void) {
  static const char *p = TB_SOURCE_DIR "/../shared/data/samples/shrew_4um.nrrd";
  FILE *f = fopen(p, "rb");
  if (!f) return NULL;
  fclose(f);
  return p;
}

/* A fresh empty directory under the build tree for one test's files. */
static inline const char *tb_test_tmpdir(const char *name) {
  static char buf[1024];
  snprintf(buf, sizeof buf, "%s/test-tmp/%s", TB_BINARY_DIR, name);
  char cmd[2200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", buf, buf);
  if (system(cmd) != 0) return NULL;
  return buf;
}

#endif
