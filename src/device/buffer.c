/* Device buffers, transfers and the copy-bandwidth reference. */
#include "device_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *pocl_hint(const tb_device *d) {
  return d->is_pocl ? " (PoCL derives these limits from the RAM; POCL_MEMORY_LIMIT can only lower them)" : "";
}

/* Enqueues a zero fill with the widest pattern that divides the size. */
static tb_status enqueue_zero(tb_device *d, tb_buf *b) {
  tb_status st = TB_OK;
  static const unsigned char zeros[16] = {0};
  size_t pattern = b->size % 16 == 0 ? 16 : b->size % 4 == 0 ? 4 : 1;
  CL_CHECK(clEnqueueFillBuffer(d->queue, b->mem, zeros, pattern, 0, b->size, 0, NULL, NULL),
           "zero-filling a buffer of %zu bytes on %s", b->size, d->name);
cleanup:
  return st;
}

tb_status tb_dev_alloc(tb_device *d, size_t bytes, tb_buf **out) {
  tb_status st = TB_OK;
  tb_buf *b = NULL;
  char want[32], most[32], total[32], used[32];
  *out = NULL;
  CHECK(d, TB_ERR_INTERNAL, "tb_dev_alloc: no device");
  CHECK(bytes > 0, TB_ERR_INTERNAL, "tb_dev_alloc: a buffer of 0 bytes was requested");
  tb_dev_format_bytes(bytes, want, sizeof want);
  tb_dev_format_bytes(d->max_alloc, most, sizeof most);
  tb_dev_format_bytes(d->global_mem, total, sizeof total);
  tb_dev_format_bytes(d->allocated, used, sizeof used);
  CHECK(bytes <= d->max_alloc, TB_ERR_NOMEM,
        "cannot allocate a buffer of %s (%zu bytes) on %s: the device allows at most %s (%llu bytes) in one "
        "buffer, with %s of global memory. Use a smaller volume or another device (see 'trabecula "
        "devices')%s",
        want, bytes, d->name, most, (unsigned long long)d->max_alloc, total, pocl_hint(d));
  CHECK(bytes <= d->global_mem - d->allocated, TB_ERR_NOMEM,
        "cannot allocate a buffer of %s on %s: %s of its %s of global memory are already in use. Use a "
        "smaller volume or another device (see 'trabecula devices')%s",
        want, d->name, used, total, pocl_hint(d));
  b = calloc(1, sizeof *b);
  CHECK(b, TB_ERR_NOMEM, "out of host memory allocating a device buffer of %s", want);
  b->dev = d;
  b->size = bytes;
  cl_int err = CL_SUCCESS;
  b->mem = clCreateBuffer(d->ctx, CL_MEM_READ_WRITE, bytes, NULL, &err);
  CL_CHECK(err, "allocating a buffer of %s on %s (%s of %s in use)", want, d->name, used, total);
  d->allocated += bytes;
  TRY(enqueue_zero(d, b));
  /* Drivers allocate lazily: finishing here makes an allocation failure show
   * up now, with the sizes, rather than at some later kernel. */
  CL_CHECK(clFinish(d->queue), "allocating a buffer of %s on %s (%s of %s in use)", want, d->name, used,
           total);
  *out = b;
  b = NULL;
cleanup:
  tb_dev_free(&b);
  return st;
}

void tb_dev_free(tb_buf **b) {
  if (!b || !*b) return;
  if ((*b)->mem) {
    clReleaseMemObject((*b)->mem);
    if (!(*b)->sub) (*b)->dev->allocated -= (*b)->size;
  }
  free(*b);
  *b = NULL;
}

size_t tb_buf_size(const tb_buf *b) { return b ? b->size : 0; }

size_t tb_dev_base_align(const tb_device *d) {
  cl_uint bits = 0;
  if (clGetDeviceInfo(d->id, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof bits, &bits, NULL) != CL_SUCCESS || bits < 8)
    bits = 4096 * 8;
  return bits / 8;
}

uint64_t tb_dev_allocated(const tb_device *d) { return d->allocated; }

tb_status tb_dev_sub_buffer(tb_device *d, tb_buf *parent, size_t offset, size_t bytes, tb_buf **out) {
  tb_status st = TB_OK;
  tb_buf *b = NULL;
  *out = NULL;
  CHECK(parent && !parent->sub && bytes > 0 && offset + bytes <= parent->size, TB_ERR_INTERNAL,
        "tb_dev_sub_buffer: bytes %zu at %zu do not lie inside a buffer of %zu", bytes, offset,
        parent ? parent->size : 0);
  CHECK(offset % tb_dev_base_align(d) == 0, TB_ERR_INTERNAL,
        "tb_dev_sub_buffer: offset %zu is not a multiple of the device's base alignment %zu", offset,
        tb_dev_base_align(d));
  b = calloc(1, sizeof *b);
  CHECK(b, TB_ERR_NOMEM, "out of memory");
  b->dev = d;
  b->size = bytes;
  b->sub = 1;
  cl_buffer_region region = {offset, bytes};
  cl_int err = CL_SUCCESS;
  b->mem = clCreateSubBuffer(parent->mem, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
  CL_CHECK(err, "creating a sub-buffer of %zu bytes at %zu on %s", bytes, offset, d->name);
  *out = b;
  b = NULL;
cleanup:
  tb_dev_free(&b);
  return st;
}

static tb_status check_range(const tb_device *d, const tb_buf *b, size_t offset, size_t bytes,
                             const void *host, const char *what) {
  tb_status st = TB_OK;
  CHECK(d && b && (host || bytes == 0), TB_ERR_INTERNAL, "%s: missing argument", what);
  CHECK(b->dev == d, TB_ERR_INTERNAL, "%s: the buffer belongs to another device", what);
  CHECK(offset <= b->size && bytes <= b->size - offset, TB_ERR_INTERNAL,
        "%s: bytes %zu to %zu lie outside a buffer of %zu bytes", what, offset, offset + bytes, b->size);
cleanup:
  return st;
}

tb_status tb_dev_write(tb_device *d, tb_buf *b, size_t offset, size_t bytes, const void *src) {
  tb_status st = TB_OK;
  TRY(check_range(d, b, offset, bytes, src, "writing to the device"));
  if (bytes == 0) goto cleanup;
  CL_CHECK(clEnqueueWriteBuffer(d->queue, b->mem, CL_TRUE, offset, bytes, src, 0, NULL, NULL),
           "writing %zu bytes to %s", bytes, d->name);
cleanup:
  return st;
}

tb_status tb_dev_read(tb_device *d, const tb_buf *b, size_t offset, size_t bytes, void *dst) {
  tb_status st = TB_OK;
  TRY(check_range(d, b, offset, bytes, dst, "reading from the device"));
  if (bytes == 0) goto cleanup;
  CL_CHECK(clEnqueueReadBuffer(d->queue, b->mem, CL_TRUE, offset, bytes, dst, 0, NULL, NULL),
           "reading %zu bytes from %s (a kernel before it may have failed)", bytes, d->name);
cleanup:
  return st;
}

tb_status tb_dev_fill_zero(tb_device *d, tb_buf *b) {
  tb_status st = TB_OK;
  TRY(check_range(d, b, 0, 0, NULL, "zero-filling a buffer"));
  TRY(enqueue_zero(d, b));
cleanup:
  return st;
}

tb_status tb_dev_copy(tb_device *d, const tb_buf *src, tb_buf *dst, size_t bytes) {
  tb_status st = TB_OK;
  TRY(check_range(d, src, 0, bytes, src, "copying on the device (source)"));
  TRY(check_range(d, dst, 0, bytes, dst, "copying on the device (destination)"));
  CHECK(src != dst, TB_ERR_INTERNAL, "copying on the device: source and destination are the same buffer");
  if (bytes == 0) goto cleanup;
  CL_CHECK(clEnqueueCopyBuffer(d->queue, src->mem, dst->mem, 0, 0, bytes, 0, NULL, NULL),
           "copying %zu bytes on %s", bytes, d->name);
cleanup:
  return st;
}

tb_status tb_dev_copy_bandwidth(tb_device *d, size_t bytes, int reps, double *gbps) {
  tb_status st = TB_OK;
  tb_program *p = NULL;
  tb_kernel *k = NULL;
  tb_buf *a = NULL, *b = NULL;
  cl_event *ev = NULL;
  int nev = 0;
  *gbps = 0;
  CHECK(d && bytes >= sizeof(float) && reps >= 1, TB_ERR_INTERNAL,
        "copy bandwidth: need at least 4 bytes and 1 repetition (got %zu bytes, %d)", bytes, reps);
  size_t n = bytes / sizeof(float);
  CHECK(n <= UINT32_MAX, TB_ERR_INPUT, "copy bandwidth: %zu bytes is more than the 16 GiB the kernel indexes",
        bytes);
  TRY(tb_dev_program(d, (const char *const[]){"copy.cl"}, 1, NULL, &p));
  TRY(tb_dev_kernel(p, "copy_floats", &k));
  TRY(tb_dev_alloc(d, n * sizeof(float), &a));
  TRY(tb_dev_alloc(d, n * sizeof(float), &b));
  ev = calloc((size_t)reps, sizeof *ev);
  CHECK(ev, TB_ERR_NOMEM, "out of memory for %d events", reps);
  /* GPUs: 256 work-items per group (NULL would let some drivers pick a poor
   * divisor of the global size); CPUs: the driver's choice. */
  size_t gws[1] = {n / 4 + (n % 4 != 0)};
  size_t lws[1] = {256 < k->wg_size ? 256 : k->wg_size};
  const size_t *l = tb_dev_is_gpu(d) ? lws : NULL;
  const uint32_t n32 = (uint32_t)n;
  TRY(TB_LAUNCH(d, k, 1, gws, l, TB_BUF(a), TB_BUF(b), TB_U32(n32))); /* untimed warm-up */
  for (; nev < reps; nev++)
    TRY(tb_dev_launch_event(d, k, 1, gws, l, (const tb_arg[]){TB_BUF(a), TB_BUF(b), TB_U32(n32)}, 3, &ev[nev]));
  TRY(tb_dev_finish(d));
  double ns = 0;
  for (int i = 0; i < nev; i++) {
    cl_ulong t0 = 0, t1 = 0;
    CL_CHECK(clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL),
             "reading the profile of copy_floats on %s", d->name);
    CL_CHECK(clGetEventProfilingInfo(ev[i], CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL),
             "reading the profile of copy_floats on %s", d->name);
    ns += (double)(t1 - t0);
  }
  CHECK(ns > 0 && isfinite(ns), TB_ERR_DEVICE, "copy bandwidth: %s reported no kernel time", d->name);
  *gbps = 2.0 * (double)(n * sizeof(float)) * (double)reps / ns; /* bytes per ns = GB/s */
cleanup:
  for (int i = 0; i < nev; i++)
    if (ev[i]) clReleaseEvent(ev[i]);
  free(ev);
  tb_dev_free(&a);
  tb_dev_free(&b);
  tb_dev_kernel_destroy(&k);
  tb_dev_program_destroy(&p);
  return st;
}

tb_status tb_dev_launch_seconds(tb_device *d, int reps, double *seconds) {
  tb_status st = TB_OK;
  tb_program *p = NULL;
  tb_kernel *k = NULL;
  tb_buf *a = NULL, *b = NULL;
  *seconds = 0;
  CHECK(d && reps >= 1, TB_ERR_INTERNAL, "launch cost: need a device and at least 1 launch (got %d)", reps);
  TRY(tb_dev_program(d, (const char *const[]){"copy.cl"}, 1, NULL, &p));
  TRY(tb_dev_kernel(p, "copy_floats", &k));
  TRY(tb_dev_alloc(d, 16 * sizeof(float), &a));
  TRY(tb_dev_alloc(d, 16 * sizeof(float), &b));
  const size_t gws[1] = {1};
  const uint32_t n32 = 4; /* one float4 */
  TRY(TB_LAUNCH(d, k, 1, gws, NULL, TB_BUF(a), TB_BUF(b), TB_U32(n32))); /* untimed */
  TRY(tb_dev_finish(d));
  double t0 = tb_dev_now();
  for (int i = 0; i < reps; i++) TRY(TB_LAUNCH(d, k, 1, gws, NULL, TB_BUF(a), TB_BUF(b), TB_U32(n32)));
  TRY(tb_dev_finish(d));
  *seconds = (tb_dev_now() - t0) / reps;
cleanup:
  tb_dev_free(&a);
  tb_dev_free(&b);
  tb_dev_kernel_destroy(&k);
  tb_dev_program_destroy(&p);
  return st;
}
