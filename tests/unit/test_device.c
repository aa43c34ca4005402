/* The device module on whatever OpenCL platform is installed (PoCL in CI);
 * every test skips (77) when there is none. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tb_test.h"
#include "trabecula/device.h"

/* Opens the default device with the environment cleared of overrides;
 * TB_SKIP when no OpenCL platform exists. */
static int open_device(const char *spec, tb_device **d) {
  unsetenv("TRABECULA_DEVICE");
  unsetenv("TRABECULA_KERNEL_DIR");
  unsetenv("TRABECULA_ROW_CHUNK");
  unsetenv("TRABECULA_LOCAL_SIZE");
  unsetenv("TRABECULA_FIELD_PASSES");
  tb_status st = tb_dev_create(spec, d);
  if (st == TB_ERR_DEVICE) return TB_SKIP;
  return st == TB_OK ? 0 : 1;
}

/* A directory under the build tree for one test's files (files in it are
 * overwritten, so an old one can stay). */
static const char *test_dir(const char *name) {
  static char buf[512];
  snprintf(buf, sizeof buf, "%s/test-tmp", TB_BINARY_DIR);
  if (mkdir(buf, 0755) != 0 && errno != EEXIST) return NULL;
  snprintf(buf, sizeof buf, "%s/test-tmp/%s", TB_BINARY_DIR, name);
  if (mkdir(buf, 0755) != 0 && errno != EEXIST) return NULL;
  return buf;
}

/* Sends stderr to path until stderr_back; NULL on failure. */
static FILE *stderr_to(const char *path, int *saved) {
  fflush(stderr);
  *saved = dup(fileno(stderr));
  if (!freopen(path, "w", stderr)) return NULL;
  return stderr;
}

static void stderr_back(int saved) {
  fflush(stderr);
  dup2(saved, fileno(stderr));
  close(saved);
}

static int file_contains(const char *path, const char *needle) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  static char buf[1 << 16];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strstr(buf, needle) != NULL;
}

static int null_spec_opens_a_device(void) {
  tb_device *d = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  EXPECT(strstr(tb_dev_name(d), " / ") != NULL);
  EXPECT(tb_dev_global_mem(d) > 0);
  EXPECT(tb_dev_max_alloc(d) > 0 && tb_dev_max_alloc(d) <= tb_dev_global_mem(d));
  tb_dev_destroy(&d);
  EXPECT(d == NULL);
  tb_dev_destroy(&d);
  tb_dev_destroy(NULL);
  return 0;
}

static int spec_by_index_and_by_substring_open_that_device(void) {
  tb_device *d0 = NULL, *d1 = NULL, *d2 = NULL;
  int r = open_device("0", &d0);
  if (r) return r;
  /* A piece of the device name in the other case, e.g. "THREAD-S". */
  char piece[16] = "";
  const char *dev = strstr(tb_dev_name(d0), " / ") + 3;
  size_t len = strlen(dev) < 8 ? strlen(dev) : 8;
  for (size_t i = 0; i < len; i++) {
    char c = dev[i];
    piece[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  EXPECT(tb_dev_create(piece, &d1) == TB_OK);
  EXPECT(strcmp(tb_dev_name(d0), tb_dev_name(d1)) == 0);
  setenv("TRABECULA_DEVICE", "0", 1);
  EXPECT(tb_dev_create("", &d2) == TB_OK);
  unsetenv("TRABECULA_DEVICE");
  EXPECT(strcmp(tb_dev_name(d0), tb_dev_name(d2)) == 0);
  tb_dev_destroy(&d0);
  tb_dev_destroy(&d1);
  tb_dev_destroy(&d2);
  return 0;
}

static int unknown_spec_is_bad_input(void) {
  tb_device *d = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  tb_dev_destroy(&d);
  EXPECT(tb_dev_create("no-such-device-xyz", &d) == TB_ERR_INPUT);
  EXPECT(d == NULL);
  EXPECT(tb_dev_create("999", &d) == TB_ERR_INPUT);
  EXPECT(d == NULL);
  setenv("TRABECULA_DEVICE", "no-such-device-xyz", 1);
  EXPECT(tb_dev_create(NULL, &d) == TB_ERR_INPUT);
  unsetenv("TRABECULA_DEVICE");
  EXPECT(d == NULL);
  return 0;
}

/* Copies n floats with copy_floats at the given local size and checks every
 * value and that nothing past n was written. */
static int copy_round_trip(tb_device *d, tb_kernel *k, uint32_t n, const size_t *lws) {
  tb_buf *src = NULL, *dst = NULL;
  float *host = malloc((n + 8) * sizeof(float));
  EXPECT(host);
  for (uint32_t i = 0; i < n; i++) host[i] = (float)i * 0.5f - 3.0f;
  EXPECT(tb_dev_alloc(d, n * sizeof(float), &src) == TB_OK);
  EXPECT(tb_dev_alloc(d, (n + 8) * sizeof(float), &dst) == TB_OK);
  EXPECT(tb_buf_size(dst) == (n + 8) * sizeof(float));
  EXPECT(tb_dev_write(d, src, 0, n * sizeof(float), host) == TB_OK);
  memset(host, 0xff, (n + 8) * sizeof(float));
  size_t gws[1] = {n / 4 + (n % 4 != 0)};
  EXPECT(TB_LAUNCH(d, k, 1, gws, lws, TB_BUF(src), TB_BUF(dst), TB_U32(n)) == TB_OK);
  EXPECT(tb_dev_finish(d) == TB_OK);
  EXPECT(tb_dev_read(d, dst, 0, (n + 8) * sizeof(float), host) == TB_OK);
  for (uint32_t i = 0; i < n; i++) EXPECT(host[i] == (float)i * 0.5f - 3.0f);
  for (uint32_t i = n; i < n + 8; i++) EXPECT(host[i] == 0.0f);
  tb_dev_free(&src);
  tb_dev_free(&dst);
  EXPECT(src == NULL && dst == NULL);
  free(host);
  return 0;
}

static int copy_kernel_copies_a_buffer(void) {
  tb_device *d = NULL;
  tb_program *p = NULL;
  tb_kernel *k = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  EXPECT(tb_dev_program(d, (const char *const[]){"shared.h", "copy.cl"}, 2, "-cl-mad-enable", &p) == TB_OK);
  EXPECT(tb_dev_kernel(p, "copy_floats", &k) == TB_OK);
  tb_dev_program_destroy(&p); /* the kernel keeps working without it */
  EXPECT(copy_round_trip(d, k, 1001, NULL) == 0);
  EXPECT(copy_round_trip(d, k, 1 << 18, NULL) == 0);
  EXPECT(copy_round_trip(d, k, 3, (const size_t[]){64}) == 0); /* global rounded up to 64 */
  EXPECT(copy_round_trip(d, k, 100003, (const size_t[]){16}) == 0);
  tb_dev_kernel_destroy(&k);
  tb_dev_destroy(&d);
  return 0;
}

static int buffer_copy_and_zero_fill_work(void) {
  tb_device *d = NULL;
  tb_buf *a = NULL, *b = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  int32_t v[10], w[10];
  for (int i = 0; i < 10; i++) v[i] = i + 1;
  EXPECT(tb_dev_alloc(d, sizeof v, &a) == TB_OK);
  EXPECT(tb_dev_alloc(d, sizeof v + 2, &b) == TB_OK); /* an odd size takes the 1-byte fill */
  EXPECT(tb_dev_read(d, b, 0, sizeof w, w) == TB_OK);
  for (int i = 0; i < 10; i++) EXPECT(w[i] == 0);
  EXPECT(tb_dev_write(d, a, 0, sizeof v, v) == TB_OK);
  EXPECT(tb_dev_copy(d, a, b, sizeof v) == TB_OK);
  EXPECT(tb_dev_read(d, b, 2 * sizeof(int32_t), 3 * sizeof(int32_t), w) == TB_OK);
  EXPECT(w[0] == 3 && w[1] == 4 && w[2] == 5);
  EXPECT(tb_dev_fill_zero(d, b) == TB_OK);
  EXPECT(tb_dev_read(d, b, 0, sizeof w, w) == TB_OK);
  for (int i = 0; i < 10; i++) EXPECT(w[i] == 0);
  EXPECT(tb_dev_read(d, a, 4, sizeof v, w) == TB_ERR_INTERNAL); /* past the end */
  tb_dev_free(&a);
  tb_dev_free(&b);
  tb_dev_free(&b);
  tb_dev_free(NULL);
  tb_dev_destroy(&d);
  return 0;
}

static int broken_kernel_source_fails_with_build_log(void) {
  tb_device *d = NULL;
  tb_program *p = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  const char *dir = test_dir("device_broken_kernel");
  EXPECT(dir);
  char path[1200], log[1200];
  snprintf(path, sizeof path, "%s/broken.cl", dir);
  snprintf(log, sizeof log, "%s/stderr.txt", dir);
  FILE *f = fopen(path, "w");
  EXPECT(f);
  fputs("__kernel void broken_run(__global float *x) {\n  x[0] = undeclared_name;\n}\n", f);
  fclose(f);
  setenv("TRABECULA_KERNEL_DIR", dir, 1);
  int saved = -1;
  EXPECT(stderr_to(log, &saved));
  tb_status st = tb_dev_program(d, (const char *const[]){"broken.cl"}, 1, NULL, &p);
  tb_status missing = tb_dev_program(d, (const char *const[]){"absent.cl"}, 1, NULL, &p);
  stderr_back(saved);
  unsetenv("TRABECULA_KERNEL_DIR");
  EXPECT(st == TB_ERR_DEVICE);
  EXPECT(missing == TB_ERR_INPUT);
  EXPECT(p == NULL);
  EXPECT(file_contains(log, "build log"));
  EXPECT(file_contains(log, "broken.cl"));
  EXPECT(file_contains(log, "undeclared_name"));
  EXPECT(file_contains(log, "absent.cl"));
  tb_dev_destroy(&d);
  return 0;
}

static int kernel_dir_override_finds_shared_header(void) {
  tb_device *d = NULL;
  tb_program *p = NULL;
  tb_kernel *k = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  setenv("TRABECULA_KERNEL_DIR", TB_SOURCE_DIR "/kernels", 1);
  tb_status st = tb_dev_program(d, (const char *const[]){"shared.h", "copy.cl"}, 2, NULL, &p);
  unsetenv("TRABECULA_KERNEL_DIR");
  EXPECT(st == TB_OK);
  EXPECT(tb_dev_kernel(p, "copy_floats", &k) == TB_OK);
  tb_dev_kernel_destroy(&k);
  EXPECT(tb_dev_kernel(p, "no_such_kernel", &k) == TB_ERR_INTERNAL);
  EXPECT(k == NULL);
  tb_dev_program_destroy(&p);
  EXPECT(p == NULL);
  tb_dev_destroy(&d);
  return 0;
}

static int launch_checks_its_arguments(void) {
  tb_device *d = NULL;
  tb_program *p = NULL;
  tb_kernel *k = NULL;
  tb_buf *a = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  EXPECT(tb_dev_program(d, (const char *const[]){"copy.cl"}, 1, NULL, &p) == TB_OK);
  EXPECT(tb_dev_kernel(p, "copy_floats", &k) == TB_OK);
  EXPECT(tb_dev_alloc(d, 64, &a) == TB_OK);
  size_t gws[1] = {4};
  EXPECT(TB_LAUNCH(d, k, 1, gws, NULL, TB_BUF(a), TB_BUF(a)) == TB_ERR_INTERNAL); /* 2 of 3 */
  EXPECT(TB_LAUNCH(d, k, 1, gws, NULL, TB_BUF(a), TB_BUF(NULL), TB_U32(16)) == TB_ERR_INTERNAL);
  EXPECT(TB_LAUNCH(d, k, 4, gws, NULL, TB_BUF(a), TB_BUF(a), TB_U32(16)) == TB_ERR_INTERNAL);
  EXPECT(TB_LAUNCH(d, k, 1, gws, (const size_t[]){1u << 20}, TB_BUF(a), TB_BUF(a), TB_U32(16)) == TB_ERR_DEVICE);
  tb_dev_free(&a);
  tb_dev_kernel_destroy(&k);
  tb_dev_program_destroy(&p);
  tb_dev_destroy(&d);
  return 0;
}

static int alloc_beyond_max_alloc_is_refused_with_sizes(void) {
  tb_device *d = NULL;
  tb_buf *b = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  const char *dir = test_dir("device_alloc");
  EXPECT(dir);
  char log[1200];
  snprintf(log, sizeof log, "%s/stderr.txt", dir);
  int saved = -1;
  EXPECT(stderr_to(log, &saved));
  tb_status st = tb_dev_alloc(d, (size_t)tb_dev_max_alloc(d) + 1, &b);
  stderr_back(saved);
  EXPECT(st == TB_ERR_NOMEM);
  EXPECT(b == NULL);
  EXPECT(file_contains(log, "at most"));
  EXPECT(file_contains(log, "in one buffer"));
  tb_dev_destroy(&d);
  return 0;
}

static int copy_bandwidth_is_positive_and_finite(void) {
  tb_device *d = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  double gbps = 0;
  EXPECT(tb_dev_copy_bandwidth(d, 8u << 20, 3, &gbps) == TB_OK);
  printf("  copy bandwidth on %s: %.2f GB/s\n", tb_dev_name(d), gbps);
  EXPECT(isfinite(gbps) && gbps > 0);
  tb_dev_destroy(&d);
  return 0;
}

static int launch_shape_follows_device_and_environment(void) {
  tb_device *d = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  if (tb_dev_is_gpu(d)) {
    EXPECT(tb_dev_row_chunk(d, 100) == 1);
    EXPECT(tb_dev_local_size(d) != NULL);
    EXPECT(!tb_dev_field_passes(d));
  } else {
    EXPECT(tb_dev_row_chunk(d, 100) == 100);
    EXPECT(tb_dev_local_size(d) == NULL);
    EXPECT(tb_dev_field_passes(d));
    /* Work-items walking lines: those along the first dimension in one group. */
    tb_shape sh;
    tb_dev_shape_items(d, 48, 5, 7, &sh);
    EXPECT(sh.dims == 3 && sh.has_lws && sh.lws[1] == 1 && sh.lws[2] == 1);
    EXPECT(sh.lws[0] >= 1 && sh.lws[0] <= 48 && sh.gws[0] % sh.lws[0] == 0 && sh.gws[0] >= 48);
    EXPECT(sh.gws[1] == 5 && sh.gws[2] == 7);
    /* Row launches: a plane's rows per group. */
    tb_dev_shape_rows(d, 30, 20, 3, &sh);
    EXPECT(sh.gws[0] == 1 && sh.has_lws && sh.lws[0] == 1 && sh.lws[2] == 1);
    EXPECT(sh.lws[1] >= 1 && sh.lws[1] <= 20 && sh.gws[1] % sh.lws[1] == 0 && sh.gws[1] >= 20 && sh.gws[2] == 3);
  }
  tb_dev_destroy(&d);
  setenv("TRABECULA_FIELD_PASSES", "0", 1);
  EXPECT(tb_dev_create(NULL, &d) == TB_OK);
  EXPECT(!tb_dev_field_passes(d));
  tb_dev_destroy(&d);
  setenv("TRABECULA_FIELD_PASSES", "yes", 1);
  EXPECT(tb_dev_create(NULL, &d) == TB_ERR_INPUT);
  unsetenv("TRABECULA_FIELD_PASSES");
  setenv("TRABECULA_ROW_CHUNK", "7", 1);
  setenv("TRABECULA_LOCAL_SIZE", "16,2", 1);
  EXPECT(tb_dev_create(NULL, &d) == TB_OK);
  EXPECT(tb_dev_row_chunk(d, 100) == 7);
  EXPECT(tb_dev_row_chunk(d, 3) == 3);
  const size_t *l = tb_dev_local_size(d);
  EXPECT(l && l[0] == 16 && l[1] == 2 && l[2] == 1);
  tb_dev_destroy(&d);
  setenv("TRABECULA_LOCAL_SIZE", "none", 1);
  EXPECT(tb_dev_create(NULL, &d) == TB_OK);
  EXPECT(tb_dev_local_size(d) == NULL);
  tb_dev_destroy(&d);
  setenv("TRABECULA_ROW_CHUNK", "zero", 1);
  EXPECT(tb_dev_create(NULL, &d) == TB_ERR_INPUT);
  unsetenv("TRABECULA_ROW_CHUNK");
  setenv("TRABECULA_LOCAL_SIZE", "16,,1", 1);
  EXPECT(tb_dev_create(NULL, &d) == TB_ERR_INPUT);
  unsetenv("TRABECULA_LOCAL_SIZE");
  EXPECT(d == NULL);
  return 0;
}

static int device_list_prints_every_column(void) {
  tb_device *d = NULL;
  int r = open_device(NULL, &d);
  if (r) return r;
  tb_dev_destroy(&d);
  const char *dir = test_dir("device_list");
  EXPECT(dir);
  char path[1200];
  snprintf(path, sizeof path, "%s/list.txt", dir);
  FILE *f = fopen(path, "w");
  EXPECT(f);
  EXPECT(tb_dev_print_list(f) == TB_OK);
  fclose(f);
  EXPECT(file_contains(path, "global MiB"));
  EXPECT(file_contains(path, "max alloc MiB"));
  EXPECT(file_contains(path, " *   0") || file_contains(path, "* the default device"));
  return 0;
}

static int error_names_cover_opencl_codes(void) {
  EXPECT(strcmp(tb_dev_error_name(0), "CL_SUCCESS") == 0);
  EXPECT(strcmp(tb_dev_error_name(-5), "CL_OUT_OF_RESOURCES") == 0);
  EXPECT(strcmp(tb_dev_error_name(-11), "CL_BUILD_PROGRAM_FAILURE") == 0);
  EXPECT(strcmp(tb_dev_error_name(-54), "CL_INVALID_WORK_GROUP_SIZE") == 0);
  EXPECT(strcmp(tb_dev_error_name(-68), "CL_INVALID_DEVICE_PARTITION_COUNT") == 0);
  for (int32_t c = -68; c <= -30; c++) EXPECT(strncmp(tb_dev_error_name(c), "CL_", 3) == 0);
  for (int32_t c = -19; c <= 0; c++) EXPECT(strncmp(tb_dev_error_name(c), "CL_", 3) == 0);
  EXPECT(strcmp(tb_dev_error_name(12345), "unknown OpenCL error") == 0);
  return 0;
}

int main(void) {
  tb_device *d = NULL;
  if (open_device(NULL, &d) == TB_SKIP) {
    printf("no OpenCL platform: every device test skipped\n");
    return TB_SKIP;
  }
  tb_dev_destroy(&d);
  return TB_RUN(null_spec_opens_a_device, spec_by_index_and_by_substring_open_that_device,
                unknown_spec_is_bad_input, copy_kernel_copies_a_buffer, buffer_copy_and_zero_fill_work,
                broken_kernel_source_fails_with_build_log, kernel_dir_override_finds_shared_header,
                launch_checks_its_arguments, alloc_beyond_max_alloc_is_refused_with_sizes,
                copy_bandwidth_is_positive_and_finite, launch_shape_follows_device_and_environment,
                device_list_prints_every_column, error_names_cover_opencl_codes);
}
