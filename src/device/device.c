/* Platform and device choice, the device list, device info and the launch
 * shape defaults. */
#define _POSIX_C_SOURCE 200809L

#include "device_impl.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "trabecula/log.h"

/* One row of the flat device list. */
typedef struct entry {
  cl_platform_id platform;
  cl_device_id device;
  char pname[256], dname[256], clc[128];
  cl_device_type type;
  cl_uint units;
  cl_ulong global_mem, max_alloc;
  int is_pocl;
} entry;

static const char no_platform_msg[] =
    "no OpenCL platform found: install an OpenCL driver (ICD), e.g. 'apt install pocl-opencl-icd' "
    "for the CPU or the GPU vendor's driver, then check with 'trabecula devices'";

static void trim(char *s) {
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
  size_t lead = strspn(s, " \t");
  if (lead) memmove(s, s + lead, n - lead + 1);
}

static const char *type_name(cl_device_type t) {
  if (t & CL_DEVICE_TYPE_GPU) return "GPU";
  if (t & CL_DEVICE_TYPE_CPU) return "CPU";
  if (t & CL_DEVICE_TYPE_ACCELERATOR) return "accel";
  return "other";
}

static tb_status fill_entry(cl_platform_id p, cl_device_id dev, entry *e) {
  tb_status st = TB_OK;
  char pversion[256] = "";
  memset(e, 0, sizeof *e);
  e->platform = p;
  e->device = dev;
  CL_CHECK(clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof e->pname - 1, e->pname, NULL),
           "cannot read an OpenCL platform name");
  CL_CHECK(clGetPlatformInfo(p, CL_PLATFORM_VERSION, sizeof pversion - 1, pversion, NULL),
           "cannot read the version of OpenCL platform '%s'", e->pname);
  CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof e->dname - 1, e->dname, NULL),
           "cannot read a device name on platform '%s'", e->pname);
  trim(e->pname);
  trim(e->dname);
  CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_OPENCL_C_VERSION, sizeof e->clc - 1, e->clc, NULL),
           "cannot read the OpenCL C version of '%s / %s'", e->pname, e->dname);
  trim(e->clc);
  CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof e->type, &e->type, NULL),
           "cannot read the type of '%s / %s'", e->pname, e->dname);
  CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof e->units, &e->units, NULL),
           "cannot read the compute units of '%s / %s'", e->pname, e->dname);
  CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof e->global_mem, &e->global_mem, NULL),
           "cannot read the global memory of '%s / %s'", e->pname, e->dname);
  CL_CHECK(clGetDeviceInfo(dev, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof e->max_alloc, &e->max_alloc, NULL),
           "cannot read the max allocation of '%s / %s'", e->pname, e->dname);
  e->is_pocl = strstr(e->pname, "Portable Computing Language") != NULL || strstr(pversion, "PoCL") != NULL;
cleanup:
  return st;
}

/* All devices of all platforms, in the order of `trabecula devices`. */
static tb_status enumerate(entry **out, int *count) {
  tb_status st = TB_OK;
  cl_platform_id *plats = NULL;
  cl_device_id *devs = NULL;
  entry *list = NULL;
  int n = 0;
  cl_uint np = 0;
  *out = NULL;
  *count = 0;
  cl_int err = clGetPlatformIDs(0, NULL, &np);
  CHECK(err == CL_SUCCESS || err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */, TB_ERR_DEVICE,
        "listing OpenCL platforms failed: %s (%d)", tb_dev_error_name(err), (int)err);
  CHECK(np > 0, TB_ERR_DEVICE, "%s", no_platform_msg);
  plats = calloc(np, sizeof *plats);
  CHECK(plats, TB_ERR_NOMEM, "out of memory listing %u OpenCL platforms", np);
  CL_CHECK(clGetPlatformIDs(np, plats, NULL), "listing OpenCL platforms failed");
  for (cl_uint i = 0; i < np; i++) {
    cl_uint nd = 0;
    err = clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
    if (err == CL_DEVICE_NOT_FOUND || nd == 0) continue; /* a platform with no device is not an error */
    CL_CHECK(err, "listing the devices of OpenCL platform %u failed", i);
    free(devs);
    devs = calloc(nd, sizeof *devs);
    entry *grown = realloc(list, (size_t)(n + (int)nd) * sizeof *list);
    if (grown) list = grown;
    CHECK(devs && grown, TB_ERR_NOMEM, "out of memory listing %u OpenCL devices", nd);
    CL_CHECK(clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, nd, devs, NULL),
             "listing the devices of OpenCL platform %u failed", i);
    for (cl_uint j = 0; j < nd; j++) TRY(fill_entry(plats[i], devs[j], &list[n++]));
  }
  CHECK(n > 0, TB_ERR_DEVICE,
        "%u OpenCL platform(s) found but no device: check the driver installation with 'clinfo'", np);
  *out = list;
  *count = n;
  list = NULL;
cleanup:
  free(plats);
  free(devs);
  free(list);
  return st;
}

static int contains_nocase(const char *hay, const char *needle) {
  size_t m = strlen(needle);
  for (; *hay; hay++) {
    size_t k = 0;
    while (k < m && hay[k] && tolower((unsigned char)hay[k]) == tolower((unsigned char)needle[k])) k++;
    if (k == m) return 1;
  }
  return m == 0;
}

/* Index of the device spec names, or -1. spec NULL/"" is the first GPU,
 * else device 0. */
static int match(const entry *list, int n, const char *spec) {
  if (!spec || !spec[0]) {
    for (int i = 0; i < n; i++)
      if (list[i].type & CL_DEVICE_TYPE_GPU) return i;
    return 0;
  }
  if (strspn(spec, "0123456789") == strlen(spec)) {
    errno = 0;
    long v = strtol(spec, NULL, 10);
    return errno == 0 && v < n ? (int)v : -1;
  }
  for (int i = 0; i < n; i++) {
    char full[520];
    snprintf(full, sizeof full, "%s / %s", list[i].pname, list[i].dname);
    if (contains_nocase(full, spec)) return i;
  }
  return -1;
}

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v && v[0] ? v : NULL;
}

static tb_status parse_env(tb_device *d) {
  tb_status st = TB_OK;
  const char *v = env("TRABECULA_ROW_CHUNK");
  if (v) {
    char *end = NULL;
    errno = 0;
    long c = strtol(v, &end, 10);
    CHECK(end != v && *end == '\0' && errno == 0 && c >= 1 && c <= INT32_MAX, TB_ERR_INPUT,
          "TRABECULA_ROW_CHUNK='%s': expected a positive integer (x voxels per work-item)", v);
    d->row_chunk = (int32_t)c;
  }
  v = env("TRABECULA_SYNC");
  d->sync = v && strcmp(v, "0") != 0;
  d->field_passes = (d->type & CL_DEVICE_TYPE_CPU) != 0;
  v = env("TRABECULA_FIELD_PASSES");
  if (v) {
    CHECK(!strcmp(v, "0") || !strcmp(v, "1"), TB_ERR_INPUT,
          "TRABECULA_FIELD_PASSES='%s': expected 1 (one field per launch) or 0 (every field in each launch)", v);
    d->field_passes = v[0] == '1';
  }

  /* Default local size: one warp along x and 4 rows on GPUs, none on CPUs
   * (small groups cost scheduling overhead there; row launches take a
   * plane's rows per group instead, plane_groups). */
  d->has_lws = (d->type & CL_DEVICE_TYPE_CPU) == 0;
  d->lws[0] = 32;
  d->lws[1] = 4;
  d->lws[2] = 1;
  for (int i = 0; i < 3; i++)
    if (d->lws[i] > d->max_item[i]) d->lws[i] = d->max_item[i];
  while (d->lws[0] * d->lws[1] > d->max_wg && d->lws[1] > 1) d->lws[1] /= 2;
  while (d->lws[0] * d->lws[1] > d->max_wg && d->lws[0] > 1) d->lws[0] /= 2;

  v = env("TRABECULA_LOCAL_SIZE");
  /* CPUs, unless TRABECULA_LOCAL_SIZE says otherwise: row launches in
   * work-groups of a plane's rows (tb_dev_shape_rows). */
  d->plane_groups = (d->type & CL_DEVICE_TYPE_CPU) != 0 && !v;
  if (v && !strcmp(v, "none")) {
    d->has_lws = 0;
  } else if (v) {
    size_t l[3] = {1, 1, 1};
    const char *p = v;
    int k = 0;
    for (; k < 3; k++) {
      char *end = NULL;
      errno = 0;
      long x = strtol(p, &end, 10);
      CHECK(end != p && errno == 0 && x >= 1, TB_ERR_INPUT,
            "TRABECULA_LOCAL_SIZE='%s': expected 'none' or up to 3 positive integers, e.g. '32,4,1'", v);
      l[k] = (size_t)x;
      p = end;
      if (*p != ',') break;
      p++;
    }
    CHECK(*p == '\0', TB_ERR_INPUT,
          "TRABECULA_LOCAL_SIZE='%s': expected 'none' or up to 3 positive integers, e.g. '32,4,1'", v);
    CHECK(l[0] <= d->max_item[0] && l[1] <= d->max_item[1] && l[2] <= d->max_item[2] &&
              l[0] * l[1] * l[2] <= d->max_wg,
          TB_ERR_INPUT,
          "TRABECULA_LOCAL_SIZE='%s' exceeds the limits of %s: at most %zu,%zu,%zu per dimension and "
          "%zu work-items in all",
          v, d->name, d->max_item[0], d->max_item[1], d->max_item[2], d->max_wg);
    memcpy(d->lws, l, sizeof l);
    d->has_lws = 1;
  }
cleanup:
  return st;
}

static void CL_CALLBACK context_notify(const char *errinfo, const void *info, size_t cb, void *user) {
  (void)info;
  (void)cb;
  (void)user;
  fprintf(stderr, "trabecula: OpenCL: %s\n", errinfo);
}

/* The device list as text for an error message. */
static void list_text(const entry *list, int n, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < n && used < size; i++) {
    int w = snprintf(buf + used, size - used, "\n  %d: %s / %s (%s)", i, list[i].pname, list[i].dname,
                     type_name(list[i].type));
    if (w < 0) break;
    used += (size_t)w;
  }
}

tb_status tb_dev_create(const char *spec, tb_device **out) {
  tb_status st = TB_OK;
  entry *list = NULL;
  tb_device *d = NULL;
  int n = 0;
  char listbuf[2048];
  *out = NULL;
  const char *source = "device";
  if (!spec || !spec[0]) {
    spec = env("TRABECULA_DEVICE");
    if (spec) source = "TRABECULA_DEVICE";
  }
  TRY(enumerate(&list, &n));
  int i = match(list, n, spec);
  if (i < 0) list_text(list, n, listbuf, sizeof listbuf);
  CHECK(i >= 0, TB_ERR_INPUT,
        "%s '%s' matches no OpenCL device; give an index or part of the name of one of:%s", source, spec,
        listbuf);
  d = calloc(1, sizeof *d);
  CHECK(d, TB_ERR_NOMEM, "out of memory opening an OpenCL device");
  const entry *e = &list[i];
  d->platform = e->platform;
  d->id = e->device;
  snprintf(d->name, sizeof d->name, "%s / %s", e->pname, e->dname);
  d->type = e->type;
  d->is_pocl = e->is_pocl;
  d->global_mem = e->global_mem;
  d->max_alloc = e->max_alloc;
  CL_CHECK(clGetDeviceInfo(d->id, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof d->max_wg, &d->max_wg, NULL),
           "cannot read the max work-group size of %s", d->name);
  CL_CHECK(clGetDeviceInfo(d->id, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof d->max_item, d->max_item, NULL),
           "cannot read the max work-item sizes of %s", d->name);
  TRY(parse_env(d));

  cl_int err = CL_SUCCESS;
  cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)d->platform, 0};
  d->ctx = clCreateContext(props, 1, &d->id, context_notify, NULL, &err);
  CL_CHECK(err, "cannot create an OpenCL context on %s", d->name);
  d->queue = clCreateCommandQueue(d->ctx, d->id, CL_QUEUE_PROFILING_ENABLE, &err);
  CL_CHECK(err, "cannot create a command queue on %s", d->name);
  *out = d;
  d = NULL;
cleanup:
  tb_dev_destroy(&d);
  free(list);
  return st;
}

void tb_dev_destroy(tb_device **d) {
  if (!d || !*d) return;
  tb_device *x = *d;
  if (x->queue) {
    clFinish(x->queue);
    clReleaseCommandQueue(x->queue);
  }
  if (x->ctx) clReleaseContext(x->ctx);
  free(x);
  *d = NULL;
}

tb_status tb_dev_print_list(FILE *out) {
  tb_status st = TB_OK;
  entry *list = NULL;
  int n = 0;
  TRY(enumerate(&list, &n));
  const char *spec = env("TRABECULA_DEVICE");
  int def = match(list, n, spec);
  int wp = (int)strlen("platform"), wd = (int)strlen("device");
  int any_pocl = 0;
  for (int i = 0; i < n; i++) {
    int a = (int)strlen(list[i].pname), b = (int)strlen(list[i].dname);
    wp = a > wp ? a : wp;
    wd = b > wd ? b : wd;
    any_pocl |= list[i].is_pocl;
  }
  fprintf(out, "     #  %-*s  %-*s  %-5s  %4s  %10s  %13s  %s\n", wp, "platform", wd, "device", "type", "CUs",
          "global MiB", "max alloc MiB", "OpenCL C");
  for (int i = 0; i < n; i++) {
    const entry *e = &list[i];
    const char *clc = e->clc;
    if (!strncmp(clc, "OpenCL C ", 9)) clc += 9;
    fprintf(out, "%s %3d  %-*s  %-*s  %-5s  %4u  %10llu  %13llu  %s\n", i == def ? " *" : "  ", i, wp,
            e->pname, wd, e->dname, type_name(e->type), (unsigned)e->units,
            (unsigned long long)(e->global_mem >> 20), (unsigned long long)(e->max_alloc >> 20), clc);
  }
  if (def >= 0)
    fprintf(out, "\n* the default device (%s). Choose another with TRABECULA_DEVICE=<index or part of "
                 "the name>.\n",
            spec ? "set by TRABECULA_DEVICE" : "the first GPU, else the first device");
  else
    fprintf(out, "\nTRABECULA_DEVICE='%s' matches no device above: give an index or part of a name.\n", spec);
  if (any_pocl) {
    /* PoCL sizes its global memory from the RAM; POCL_MEMORY_LIMIT (GiB) can
     * only lower it (a larger value is ignored), so it cannot make room. */
    const char *lim = getenv("POCL_MEMORY_LIMIT");
    fprintf(out,
            "PoCL: global memory and the largest buffer above are what PoCL allows on this machine "
            "(derived from the RAM); POCL_MEMORY_LIMIT=<GiB> can only lower them%s%s%s.\n",
            lim ? " (now set to " : "", lim ? lim : "", lim ? ")" : "");
  }
cleanup:
  free(list);
  return st;
}

const char *tb_dev_name(const tb_device *d) { return d->name; }
int tb_dev_is_gpu(const tb_device *d) { return (d->type & CL_DEVICE_TYPE_GPU) != 0; }

int tb_dev_field_passes(const tb_device *d) { return d->field_passes; }
uint64_t tb_dev_global_mem(const tb_device *d) { return d->global_mem; }
uint64_t tb_dev_max_alloc(const tb_device *d) { return d->max_alloc; }

int32_t tb_dev_row_chunk(const tb_device *d, int32_t nx) {
  if (nx < 1) return 1;
  if (d->row_chunk > 0) return d->row_chunk < nx ? d->row_chunk : nx;
  return (d->type & CL_DEVICE_TYPE_CPU) ? nx : 1;
}

const size_t *tb_dev_local_size(const tb_device *d) { return d->has_lws ? d->lws : NULL; }

/* CPUs' grouping (plane_groups): every work-item along dimension dim in one
 * work-group, as far as the device allows; the global size rounded up. */
static void group_along(const tb_device *d, int dim, tb_shape *sh) {
  size_t w = sh->gws[dim];
  if (w > d->max_wg) w = d->max_wg;
  if (w > d->max_item[dim]) w = d->max_item[dim];
  sh->has_lws = 1;
  sh->lws[dim] = w;
  sh->gws[dim] = (sh->gws[dim] + w - 1) / w * w;
}

void tb_dev_shape_rows(const tb_device *d, int32_t nx, int32_t ny, int32_t nz, tb_shape *sh) {
  memset(sh, 0, sizeof *sh);
  int32_t chunk = tb_dev_row_chunk(d, nx);
  sh->dims = 3;
  sh->gws[0] = (size_t)((nx + chunk - 1) / chunk);
  sh->gws[1] = (size_t)(ny > 0 ? ny : 1);
  sh->gws[2] = (size_t)(nz > 0 ? nz : 1);
  sh->has_lws = d->has_lws;
  for (int i = 0; i < 3; i++) sh->lws[i] = d->has_lws ? d->lws[i] : 1;
  if (d->plane_groups) group_along(d, 1, sh);
}

void tb_dev_shape_planes(const tb_device *d, int32_t nx, int32_t ny, int32_t nz, tb_shape *sh) {
  tb_dev_shape_rows(d, nx, ny, nz, sh);
  if (d->type & CL_DEVICE_TYPE_CPU) { /* a plane per work-item: the driver groups them */
    sh->gws[1] = 1;
    sh->has_lws = d->has_lws;
    sh->lws[1] = 1;
  }
}

void tb_dev_shape_1d(const tb_device *d, size_t n, tb_shape *sh) {
  memset(sh, 0, sizeof *sh);
  sh->dims = 1;
  sh->gws[0] = n > 0 ? n : 1;
  sh->lws[0] = sh->lws[1] = sh->lws[2] = 1;
  if (tb_dev_is_gpu(d)) {
    sh->has_lws = 1;
    sh->lws[0] = d->max_wg >= 64 ? 64 : d->max_wg;
  }
}

void tb_dev_shape_items(const tb_device *d, int32_t n0, int32_t n1, int32_t n2, tb_shape *sh) {
  memset(sh, 0, sizeof *sh);
  sh->dims = 3;
  sh->gws[0] = (size_t)(n0 > 0 ? n0 : 1);
  sh->gws[1] = (size_t)(n1 > 0 ? n1 : 1);
  sh->gws[2] = (size_t)(n2 > 0 ? n2 : 1);
  sh->lws[0] = sh->lws[1] = sh->lws[2] = 1;
  if (d->plane_groups) group_along(d, 0, sh);
}

void tb_dev_shape_group(const tb_device *d, size_t items, tb_shape *sh) {
  memset(sh, 0, sizeof *sh);
  if (items > d->max_wg) items = d->max_wg;
  if (items > d->max_item[0]) items = d->max_item[0];
  sh->dims = 1;
  sh->gws[0] = items;
  sh->lws[0] = items;
  sh->lws[1] = sh->lws[2] = 1;
  sh->has_lws = 1;
}

double tb_dev_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *tb_dev_format_bytes(uint64_t bytes, char *buf, size_t n) {
  if (bytes >= (1ull << 30))
    snprintf(buf, n, "%.2f GiB", (double)bytes / (double)(1ull << 30));
  else if (bytes >= (1ull << 20))
    snprintf(buf, n, "%.1f MiB", (double)bytes / (double)(1ull << 20));
  else
    snprintf(buf, n, "%llu bytes", (unsigned long long)bytes);
  return buf;
}
