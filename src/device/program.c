/* Kernel sources (embedded or from TRABECULA_KERNEL_DIR), program build with
 * the build log on failure, kernels, and the one-call launch. */
#include "device_impl.h"

#include <stdlib.h>
#include <string.h>

static const char *kernel_dir(void) {
  const char *v = getenv("TRABECULA_KERNEL_DIR");
  return v && v[0] ? v : NULL;
}

/* Whole file into a NUL-terminated buffer; *out stays NULL if it cannot be
 * opened. */
static tb_status read_text(const char *path, char **out) {
  tb_status st = TB_OK;
  char *buf = NULL;
  FILE *f = fopen(path, "rb");
  *out = NULL;
  if (!f) return TB_OK;
  CHECK(fseek(f, 0, SEEK_END) == 0, TB_ERR_IO, "cannot seek in kernel file %s", path);
  long n = ftell(f);
  CHECK(n >= 0 && fseek(f, 0, SEEK_SET) == 0, TB_ERR_IO, "cannot read kernel file %s", path);
  buf = malloc((size_t)n + 1);
  CHECK(buf, TB_ERR_NOMEM, "out of memory reading kernel file %s (%ld bytes)", path, n);
  CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n, TB_ERR_IO, "cannot read kernel file %s", path);
  buf[n] = '\0';
  *out = buf;
  buf = NULL;
cleanup:
  free(buf);
  fclose(f);
  return st;
}

/* The source of one kernel file as a new string. */
static tb_status load_source(const char *name, char **out) {
  tb_status st = TB_OK;
  const char *dir = kernel_dir();
  *out = NULL;
  if (dir) {
    /* shared.h lives in include/trabecula, beside kernels/ in a checkout. */
    const char *const sub[] = {"", "../include/trabecula/"};
    int nsub = strcmp(name, "shared.h") == 0 ? 2 : 1;
    char path[4096], tried[8200] = "";
    for (int i = 0; i < nsub && !*out; i++) {
      snprintf(path, sizeof path, "%s/%s%s", dir, sub[i], name);
      TRY(read_text(path, out));
      size_t used = strlen(tried);
      snprintf(tried + used, sizeof tried - used, "%s%s", i ? ", " : "", path);
    }
    CHECK(*out, TB_ERR_INPUT,
          "kernel file '%s' not found in TRABECULA_KERNEL_DIR=%s (tried %s); unset TRABECULA_KERNEL_DIR "
          "to use the kernels built into trabecula",
          name, dir, tried);
    return TB_OK;
  }
  for (const struct tb_embedded_kernels_entry *e = tb_embedded_kernels; e->name; e++) {
    if (strcmp(e->name, name) != 0) continue;
    size_t n = strlen(e->source);
    *out = malloc(n + 1);
    CHECK(*out, TB_ERR_NOMEM, "out of memory copying kernel file %s", name);
    memcpy(*out, e->source, n + 1);
    return TB_OK;
  }
  {
    char names[2048] = "";
    for (const struct tb_embedded_kernels_entry *e = tb_embedded_kernels; e->name; e++) {
      size_t used = strlen(names);
      snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", e->name);
    }
    CHECK(0, TB_ERR_INTERNAL, "no built-in kernel file '%s' (built in: %s)", name, names);
  }
cleanup:
  return st;
}

static void print_build_log(tb_program *p) {
  size_t n = 0;
  char *log = NULL;
  if (clGetProgramBuildInfo(p->prog, p->dev->id, CL_PROGRAM_BUILD_LOG, 0, NULL, &n) == CL_SUCCESS && n > 0)
    log = malloc(n + 1);
  if (log && clGetProgramBuildInfo(p->prog, p->dev->id, CL_PROGRAM_BUILD_LOG, n, log, NULL) == CL_SUCCESS) {
    log[n] = '\0';
    fprintf(stderr, "---- OpenCL build log (%s) ----\n%s\n---- end of build log ----\n", p->files, log);
  } else {
    fprintf(stderr, "trabecula: (the OpenCL driver gave no build log)\n");
  }
  free(log);
}

tb_status tb_dev_program(tb_device *d, const char *const *files, int nfiles, const char *options,
                         tb_program **out) {
  return tb_dev_program_sources(d, files, NULL, nfiles, options, out);
}

tb_status tb_dev_program_sources(tb_device *d, const char *const *files, const char *const *sources, int nfiles,
                                 const char *options, tb_program **out) {
  tb_status st = TB_OK;
  char opts[1024];
  tb_program *p = NULL;
  char **src = NULL; /* 2 per file: a #line directive, then the file */
  *out = NULL;
  CHECK(d && files && nfiles > 0, TB_ERR_INTERNAL, "tb_dev_program: no kernel files given");
  p = calloc(1, sizeof *p);
  src = calloc(2 * (size_t)nfiles, sizeof *src);
  CHECK(p && src, TB_ERR_NOMEM, "out of memory building an OpenCL program");
  p->dev = d;
  for (int i = 0; i < nfiles; i++) {
    size_t used = strlen(p->files);
    snprintf(p->files + used, sizeof p->files - used, "%s%s", i ? ", " : "", files[i]);
  }
  for (int i = 0; i < nfiles; i++) {
    size_t n = strlen(files[i]) + 32;
    src[2 * i] = malloc(n);
    CHECK(src[2 * i], TB_ERR_NOMEM, "out of memory building an OpenCL program");
    /* The leading newline ends a previous file that lacks one; #line makes
     * build messages name the right file and line. */
    snprintf(src[2 * i], n, "\n#line 1 \"%s\"\n", files[i]);
    if (sources && sources[i]) {
      size_t len = strlen(sources[i]);
      src[2 * i + 1] = malloc(len + 1);
      CHECK(src[2 * i + 1], TB_ERR_NOMEM, "out of memory building an OpenCL program");
      memcpy(src[2 * i + 1], sources[i], len + 1);
    } else {
      TRY(load_source(files[i], &src[2 * i + 1]));
    }
  }
  /* Argument info lets tb_kernel_traffic tell read-only buffers apart. */
  snprintf(opts, sizeof opts, "-cl-kernel-arg-info %s", options ? options : "");
  cl_int err = CL_SUCCESS;
  p->prog = clCreateProgramWithSource(d->ctx, (cl_uint)(2 * nfiles), (const char **)src, NULL, &err);
  CL_CHECK(err, "cannot create an OpenCL program from %s", p->files);
  err = clBuildProgram(p->prog, 1, &d->id, opts, NULL, NULL);
  if (err == CL_BUILD_PROGRAM_FAILURE || err == CL_INVALID_BUILD_OPTIONS) {
    st = tb_error(TB_ERR_DEVICE, "building the OpenCL program from %s%s%s on %s failed (%s); build log follows",
                  p->files, options && options[0] ? " with options " : "", options ? options : "", d->name,
                  tb_dev_error_name(err));
    print_build_log(p);
    goto cleanup;
  }
  CL_CHECK(err, "building the OpenCL program from %s on %s failed", p->files, d->name);
  *out = p;
  p = NULL;
cleanup:
  if (src)
    for (int i = 0; i < 2 * nfiles; i++) free(src[i]);
  free(src);
  tb_dev_program_destroy(&p);
  return st;
}

void tb_dev_program_destroy(tb_program **p) {
  if (!p || !*p) return;
  if ((*p)->prog) clReleaseProgram((*p)->prog);
  free(*p);
  *p = NULL;
}

tb_status tb_dev_kernel(tb_program *p, const char *name, tb_kernel **out) {
  tb_status st = TB_OK;
  tb_kernel *k = NULL;
  *out = NULL;
  CHECK(p && name, TB_ERR_INTERNAL, "tb_dev_kernel: no program or kernel name");
  CHECK(strlen(name) < sizeof k->name, TB_ERR_INTERNAL, "kernel name '%s' is too long", name);
  k = calloc(1, sizeof *k);
  CHECK(k, TB_ERR_NOMEM, "out of memory creating kernel %s", name);
  k->dev = p->dev;
  strcpy(k->name, name);
  cl_int err = CL_SUCCESS;
  k->kern = clCreateKernel(p->prog, name, &err);
  if (err == CL_INVALID_KERNEL_NAME) {
    char names[1024] = "?";
    clGetProgramInfo(p->prog, CL_PROGRAM_KERNEL_NAMES, sizeof names - 1, names, NULL);
    CHECK(0, TB_ERR_INTERNAL, "no kernel '%s' in the program built from %s (it has: %s)", name, p->files,
          names);
  }
  CL_CHECK(err, "cannot create kernel %s from %s", name, p->files);
  CL_CHECK(clGetKernelInfo(k->kern, CL_KERNEL_NUM_ARGS, sizeof k->nargs, &k->nargs, NULL),
           "cannot read the argument count of kernel %s", name);
  CL_CHECK(clGetKernelWorkGroupInfo(k->kern, p->dev->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof k->wg_size,
                                    &k->wg_size, NULL),
           "cannot read the work-group size of kernel %s", name);
  CHECK(k->nargs <= TB_MAX_KERNEL_ARGS, TB_ERR_INTERNAL, "kernel %s has %u arguments: at most %d are supported",
        name, (unsigned)k->nargs, TB_MAX_KERNEL_ARGS);
  for (cl_uint a = 0; a < k->nargs; a++) {
    cl_kernel_arg_type_qualifier q = 0;
    if (clGetKernelArgInfo(k->kern, a, CL_KERNEL_ARG_TYPE_QUALIFIER, sizeof q, &q, NULL) == CL_SUCCESS)
      k->arg_const[a] = (q & CL_KERNEL_ARG_TYPE_CONST) != 0;
  }
  *out = k;
  k = NULL;
cleanup:
  tb_dev_kernel_destroy(&k);
  return st;
}

void tb_dev_kernel_destroy(tb_kernel **k) {
  if (!k || !*k) return;
  if ((*k)->kern) clReleaseKernel((*k)->kern);
  free(*k);
  *k = NULL;
}

static void format_sizes(char *buf, size_t n, int32_t dims, const size_t *s) {
  if (!s) {
    snprintf(buf, n, "driver's choice");
    return;
  }
  size_t used = 0;
  buf[0] = '\0';
  for (int32_t i = 0; i < dims && used < n; i++) {
    int w = snprintf(buf + used, n - used, "%s%zu", i ? "x" : "", s[i]);
    if (w < 0) break;
    used += (size_t)w;
  }
}

static tb_status set_arg(tb_kernel *k, int32_t i, const tb_arg *a) {
  tb_status st = TB_OK;
  k->arg_bytes[i] = 0;
  switch (a->kind) {
  case TB_ARG_BUF: {
    const tb_buf *b = a->ptr;
    CHECK(b, TB_ERR_INTERNAL, "kernel %s argument %d: the buffer is NULL", k->name, (int)i);
    CHECK(b->dev == k->dev, TB_ERR_INTERNAL, "kernel %s argument %d: the buffer belongs to another device",
          k->name, (int)i);
    CL_CHECK(clSetKernelArg(k->kern, (cl_uint)i, sizeof(cl_mem), &b->mem),
             "kernel %s argument %d (a buffer of %zu bytes)", k->name, (int)i, b->size);
    k->arg_bytes[i] = b->size;
    break;
  }
  case TB_ARG_VALUE:
    CHECK(a->ptr && a->size > 0, TB_ERR_INTERNAL, "kernel %s argument %d: empty value", k->name, (int)i);
    CL_CHECK(clSetKernelArg(k->kern, (cl_uint)i, a->size, a->ptr), "kernel %s argument %d (a %u-byte value)",
             k->name, (int)i, (unsigned)a->size);
    break;
  case TB_ARG_LOCAL:
    CHECK(a->size > 0, TB_ERR_INTERNAL, "kernel %s argument %d: zero bytes of local memory", k->name, (int)i);
    CL_CHECK(clSetKernelArg(k->kern, (cl_uint)i, a->size, NULL), "kernel %s argument %d (%u bytes of local memory)",
             k->name, (int)i, (unsigned)a->size);
    break;
  default:
    CHECK(0, TB_ERR_INTERNAL, "kernel %s argument %d: unknown kind %d (use TB_BUF, TB_F32, ...)", k->name, (int)i,
          (int)a->kind);
  }
cleanup:
  return st;
}

/* Rounds the global sizes up to the local ones, checks the work-group
 * against the kernel's limit and enqueues (finishing under TRABECULA_SYNC). */
static tb_status enqueue(tb_device *d, tb_kernel *k, int32_t dims, const size_t *gws, const size_t *lws,
                         cl_event *ev) {
  tb_status st = TB_OK;
  size_t g[3] = {1, 1, 1}, l[3] = {1, 1, 1};
  char gs[64], ls[64];
  CHECK(dims >= 1 && dims <= 3, TB_ERR_INTERNAL, "kernel %s: %d dimensions, expected 1 to 3", k->name,
        (int)dims);
  size_t group = 1;
  for (int32_t i = 0; i < dims; i++) {
    CHECK(gws[i] > 0, TB_ERR_INTERNAL, "kernel %s: global size %zu in dimension %d", k->name, gws[i], (int)i);
    g[i] = gws[i];
    if (lws) {
      CHECK(lws[i] > 0, TB_ERR_INTERNAL, "kernel %s: local size 0 in dimension %d", k->name, (int)i);
      l[i] = lws[i];
      g[i] = (gws[i] + l[i] - 1) / l[i] * l[i];
      group *= l[i];
    }
  }
  /* The size strings are only for messages: formatted on failure only. */
  if (group > k->wg_size) {
    format_sizes(ls, sizeof ls, dims, l);
    CHECK(0, TB_ERR_DEVICE,
          "kernel %s: local size %s (%zu work-items) exceeds the %zu this kernel allows on %s; set "
          "TRABECULA_LOCAL_SIZE smaller, or to none",
          k->name, ls, group, k->wg_size, d->name);
  }
  cl_int err = clEnqueueNDRangeKernel(d->queue, k->kern, (cl_uint)dims, NULL, g, lws ? l : NULL, 0, NULL, ev);
  if (err == CL_SUCCESS && d->sync) err = clFinish(d->queue);
  if (err != CL_SUCCESS) {
    format_sizes(gs, sizeof gs, dims, g);
    format_sizes(ls, sizeof ls, dims, lws ? l : NULL);
    CL_CHECK(err, "kernel %s (global %s, local %s) on %s", k->name, gs, ls, d->name);
  }
cleanup:
  return st;
}

tb_status tb_dev_launch_event(tb_device *d, tb_kernel *k, int32_t dims, const size_t *gws,
                              const size_t *lws, const tb_arg *args, int32_t nargs, cl_event *ev) {
  tb_status st = TB_OK;
  CHECK(d && k && gws && (args || nargs == 0), TB_ERR_INTERNAL, "tb_dev_launch: missing argument");
  CHECK(k->dev == d, TB_ERR_INTERNAL, "kernel %s was created on another device", k->name);
  CHECK(nargs == (int32_t)k->nargs, TB_ERR_INTERNAL, "kernel %s takes %u arguments, the launch gave %d",
        k->name, (unsigned)k->nargs, (int)nargs);
  for (int32_t i = 0; i < nargs; i++) TRY(set_arg(k, i, &args[i]));
  TRY(enqueue(d, k, dims, gws, lws, ev));
cleanup:
  return st;
}

tb_status tb_dev_launch(tb_device *d, tb_kernel *k, int32_t dims, const size_t *gws, const size_t *lws,
                        const tb_arg *args, int32_t nargs) {
  return tb_dev_launch_event(d, k, dims, gws, lws, args, nargs, NULL);
}

tb_status tb_dev_finish(tb_device *d) {
  tb_status st = TB_OK;
  CL_CHECK(clFinish(d->queue), "device work failed on %s (TRABECULA_SYNC=1 names the failing kernel)",
           d->name);
cleanup:
  return st;
}


tb_status tb_dev_bind(tb_kernel *k, const tb_arg *args, int32_t nargs) {
  tb_status st = TB_OK;
  CHECK(k && (args || nargs == 0), TB_ERR_INTERNAL, "tb_dev_bind: missing argument");
  CHECK(nargs == (int32_t)k->nargs, TB_ERR_INTERNAL, "kernel %s takes %u arguments, the binding gave %d", k->name,
        (unsigned)k->nargs, (int)nargs);
  for (int32_t i = 0; i < nargs; i++) TRY(set_arg(k, i, &args[i]));
  k->bound = 1;
cleanup:
  return st;
}

tb_status tb_dev_set(tb_kernel *k, int32_t index, tb_arg arg) {
  tb_status st = TB_OK;
  CHECK(k && index >= 0 && index < (int32_t)k->nargs, TB_ERR_INTERNAL, "tb_dev_set: kernel %s has no argument %d",
        k ? k->name : "?", (int)index);
  TRY(set_arg(k, index, &arg));
cleanup:
  return st;
}

double tb_kernel_traffic(const tb_kernel *k) {
  double bytes = 0.0;
  for (cl_uint a = 0; a < k->nargs; a++) bytes += (double)k->arg_bytes[a] * (k->arg_const[a] ? 1.0 : 2.0);
  return bytes;
}

const char *tb_kernel_name(const tb_kernel *k) { return k->name; }

tb_status tb_dev_run(tb_device *d, tb_kernel *k, const tb_shape *sh) {
  tb_status st = TB_OK;
  CHECK(d && k && sh && k->dev == d, TB_ERR_INTERNAL, "tb_dev_run: missing or foreign kernel");
  CHECK(k->bound, TB_ERR_INTERNAL, "kernel %s was run before its arguments were bound (tb_dev_bind)", k->name);
  TRY(enqueue(d, k, sh->dims, sh->gws, sh->has_lws ? sh->lws : NULL, NULL));
cleanup:
  return st;
}
