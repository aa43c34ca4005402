/* The OpenCL device: platform and device choice, program build, buffers and
 * one-call kernel launch. This module is the only code that includes CL/cl.h;
 * everything else sees the opaque handles below.
 *
 * Lifetimes: programs, kernels and buffers belong to the device they were made
 * on and must be destroyed before it. A kernel stays valid after its program
 * is destroyed (OpenCL keeps the program alive for it).
 *
 * Environment:
 *   TRABECULA_DEVICE       device used when the spec is NULL or ""
 *   TRABECULA_KERNEL_DIR   read kernel files from this directory instead of
 *                          the copies embedded at build time (development)
 *   TRABECULA_ROW_CHUNK    x voxels per work-item for row-structured kernels
 *   TRABECULA_LOCAL_SIZE   "a", "a,b" or "a,b,c" local size, or "none"
 *   TRABECULA_SYNC=1       finish the queue after every launch, so that an
 *                          execution error is reported for the kernel that
 *                          caused it (slow; for debugging)
 * Bad values of these are reported by tb_dev_create as TB_ERR_INPUT. */
#ifndef TRABECULA_DEVICE_H
#define TRABECULA_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trabecula/status.h"

typedef struct tb_device tb_device;   /* context, in-order profiling queue, device info */
typedef struct tb_program tb_program; /* a built program and the files it came from */
typedef struct tb_kernel tb_kernel;   /* one kernel entry point and its name */
typedef struct tb_buf tb_buf;         /* a device buffer and its size in bytes */

/* Opens a device. spec NULL or "": TRABECULA_DEVICE if set, else the first
 * GPU, else the first device. Otherwise spec is an index into the flat list
 * of `trabecula devices` ("0", "1", ...) or a case-insensitive substring of
 * "platform name / device name". No match: TB_ERR_INPUT with the list of
 * devices. No OpenCL platform: TB_ERR_DEVICE telling how to install one. */
tb_status tb_dev_create(const char *spec, tb_device **out);
/* Accepts NULL and *d == NULL; sets *d to NULL. */
void tb_dev_destroy(tb_device **d);

/* Prints the flat device list: index, platform, device, type, compute units,
 * global memory MiB, max single allocation MiB, OpenCL C version; marks the
 * default device and notes PoCL's memory limit. */
tb_status tb_dev_print_list(FILE *out);

const char *tb_dev_name(const tb_device *d); /* "platform / device" */
int tb_dev_is_gpu(const tb_device *d);
uint64_t tb_dev_global_mem(const tb_device *d);
uint64_t tb_dev_max_alloc(const tb_device *d);

/* Name of an OpenCL error code ("CL_OUT_OF_RESOURCES"); covers every
 * OpenCL 1.2 code and the common extension codes. Never NULL. */
const char *tb_dev_error_name(int32_t cl_code);

/* Builds one program from kernel files concatenated in the given order, e.g.
 * {"shared.h", "common.h", "diffusion.cl"}; a `#line 1 "file"` ahead of each
 * makes build messages name the right file. Files come from the copies
 * embedded at build time, or from TRABECULA_KERNEL_DIR when it is set
 * (shared.h is also looked up in <dir>/../include/trabecula there). options
 * (may be NULL) go to clBuildProgram unchanged. A failed build prints the
 * build log on stderr and returns TB_ERR_DEVICE naming the files. */
tb_status tb_dev_program(tb_device *d, const char *const *files, int nfiles, const char *options,
                         tb_program **out);
/* The same, where sources[i] (when sources and sources[i] are not NULL) is
 * the text of file i instead of the embedded copy: a process outside the
 * library brings its own kernels this way. */
tb_status tb_dev_program_sources(tb_device *d, const char *const *files, const char *const *sources, int nfiles,
                                 const char *options, tb_program **out);
void tb_dev_program_destroy(tb_program **p);
/* An unknown name gives TB_ERR_INTERNAL listing the program's kernels. */
tb_status tb_dev_kernel(tb_program *p, const char *name, tb_kernel **out);
void tb_dev_kernel_destroy(tb_kernel **k);

/* A zero-filled buffer of bytes (> 0). A request above the device's largest
 * single allocation, or one the device cannot hold, gives TB_ERR_NOMEM with
 * the sizes involved. */
tb_status tb_dev_alloc(tb_device *d, size_t bytes, tb_buf **out);
void tb_dev_free(tb_buf **b);
size_t tb_buf_size(const tb_buf *b);
/* Blocking transfers of bytes at offset; the range must lie inside b. */
tb_status tb_dev_write(tb_device *d, tb_buf *b, size_t offset, size_t bytes, const void *src);
tb_status tb_dev_read(tb_device *d, const tb_buf *b, size_t offset, size_t bytes, void *dst);
/* Enqueued in order with launches; not blocking. */
tb_status tb_dev_fill_zero(tb_device *d, tb_buf *b);
tb_status tb_dev_copy(tb_device *d, const tb_buf *src, tb_buf *dst, size_t bytes);

/* Kernel arguments as a tagged array, built with the macros below. */
enum { TB_ARG_BUF = 1, TB_ARG_VALUE = 2, TB_ARG_LOCAL = 3 };
typedef struct tb_arg {
  int32_t kind;     /* TB_ARG_* */
  uint32_t size;    /* bytes of the value, or of the local allocation */
  const void *ptr;  /* the tb_buf *, or the value */
} tb_arg;
#define TB_BUF(b) ((tb_arg){TB_ARG_BUF, 0, (b)}) /* a tb_buf * */
#define TB_F32(v) ((tb_arg){TB_ARG_VALUE, 4, &(float){(v)}})
#define TB_I32(v) ((tb_arg){TB_ARG_VALUE, 4, &(int32_t){(v)}})
#define TB_U32(v) ((tb_arg){TB_ARG_VALUE, 4, &(uint32_t){(v)}})
#define TB_LOCAL(bytes) ((tb_arg){TB_ARG_LOCAL, (bytes), NULL})

/* Sets all nargs arguments (their number must match the kernel's) and
 * enqueues a dims-dimensional NDRange. gws are the logical global sizes; with
 * lws (local sizes, may be NULL) they are rounded up to multiples of lws, so
 * kernels must bounds-check. Errors name the kernel, the argument index where
 * relevant, and the OpenCL error. Not blocking (see TRABECULA_SYNC). */
tb_status tb_dev_launch(tb_device *d, tb_kernel *k, int32_t dims, const size_t *gws, const size_t *lws,
                        const tb_arg *args, int32_t nargs);
#define TB_LAUNCH(d, k, dims, gws, lws, ...)                                             \
  tb_dev_launch((d), (k), (dims), (gws), (lws), (const tb_arg[]){__VA_ARGS__},           \
                (int32_t)(sizeof((const tb_arg[]){__VA_ARGS__}) / sizeof(tb_arg)))
/* Kernel objects keep their arguments (FluidX3D's Kernel, darktable's
 * per-iop kernels): bind every argument once after creating the kernel,
 * change a scalar with tb_dev_set, and run with a launch shape. */
#define TB_MAX_KERNEL_ARGS 40
tb_status tb_dev_bind(tb_kernel *k, const tb_arg *args, int32_t nargs);
#define TB_BIND(k, ...) \
  tb_dev_bind((k), (const tb_arg[]){__VA_ARGS__}, (int32_t)(sizeof((const tb_arg[]){__VA_ARGS__}) / sizeof(tb_arg)))
tb_status tb_dev_set(tb_kernel *k, int32_t index, tb_arg arg);
const char *tb_kernel_name(const tb_kernel *k);
/* Bytes one launch moves if it reads every bound buffer once and writes
 * every non-const one once (the compulsory traffic for `trabecula bench`;
 * kernels that skip most voxels move less). */
double tb_kernel_traffic(const tb_kernel *k);

/* A launch shape: dims, logical global sizes and optional local sizes
 * (global sizes are rounded up to multiples of them). The device layer
 * chooses shapes; kernels only bounds-check. */
typedef struct tb_shape {
  int32_t dims;
  int32_t has_lws;
  size_t gws[3];
  size_t lws[3];
} tb_shape;
/* Row-structured kernels over nx x ny x nz (see tb_dev_row_chunk). On CPUs
 * (unless TRABECULA_LOCAL_SIZE is set) a work-group takes the rows of one
 * plane: with PoCL's own choice of group the coarse multigrid restriction
 * ran 30 % slower. Kernels bounds-check (the rows are rounded up). */
void tb_dev_shape_rows(const tb_device *d, int32_t nx, int32_t ny, int32_t nz, tb_shape *sh);
/* As tb_dev_shape_rows, but on CPUs one work-item walks every row of its
 * plane (a kernel that loops over fields outside its rows keeps one
 * field's planes in cache); on GPUs the same as rows. */
void tb_dev_shape_planes(const tb_device *d, int32_t nx, int32_t ny, int32_t nz, tb_shape *sh);
/* n independent work-items. */
void tb_dev_shape_1d(const tb_device *d, size_t n, tb_shape *sh);
/* n0 x n1 x n2 work-items that each walk a line of work of their own (the
 * fine residual: a level-1 row each). On CPUs (unless TRABECULA_LOCAL_SIZE
 * is set) the items along n0 form one work-group, which one thread takes
 * in order (neighbouring lines share cache lines; PoCL's own choice of
 * group ran the fine residual 20 % slower); otherwise the driver's
 * choice. Kernels bounds-check. */
void tb_dev_shape_items(const tb_device *d, int32_t n0, int32_t n1, int32_t n2, tb_shape *sh);
/* Whether a kernel that runs over several fields should run one field per
 * launch, each field's passes one after another: on CPUs, where a field's
 * arrays then stay in the last-level cache from one pass to the next
 * (1); not on GPUs, where launches cost more than the traffic saved (0).
 * TRABECULA_FIELD_PASSES=0|1 overrides. The fields are independent within
 * a pass, so results do not depend on it. */
int tb_dev_field_passes(const tb_device *d);
/* One work-group of up to `items` work-items (kernels that use barriers). */
void tb_dev_shape_group(const tb_device *d, size_t items, tb_shape *sh);
/* Enqueues a bound kernel; not blocking. */
tb_status tb_dev_run(tb_device *d, tb_kernel *k, const tb_shape *sh);

/* A view of bytes of parent starting at offset (a multiple of
 * tb_dev_base_align); freed with tb_dev_free before its parent. */
tb_status tb_dev_sub_buffer(tb_device *d, tb_buf *parent, size_t offset, size_t bytes, tb_buf **out);
size_t tb_dev_base_align(const tb_device *d);
/* Bytes in live buffers on the device. */
uint64_t tb_dev_allocated(const tb_device *d);

/* Waits for all enqueued work; reports execution errors. */
tb_status tb_dev_finish(tb_device *d);

/* Launch shape of row-structured stencil kernels: consecutive x voxels per
 * work-item. CPU devices get the whole row (nx): on PoCL one voxel per
 * work-item ran at 7-9 % of plain C, one row per work-item at ~90 %. GPUs get
 * 1 (one voxel per work-item, coalesced). TRABECULA_ROW_CHUNK overrides
 * (clamped to [1, nx]); tests use it to check that results do not depend on
 * the launch shape. */
int32_t tb_dev_row_chunk(const tb_device *d, int32_t nx);
/* Local size for such launches (3 entries): NULL on CPU, {32,4,1} on GPU
 * (a warp along x; fits any 16-wide or wider grid), clamped to the device's
 * limits. TRABECULA_LOCAL_SIZE overrides ("none" gives NULL). */
const size_t *tb_dev_local_size(const tb_device *d);

/* Copy bandwidth: runs the copy_floats kernel (kernels/copy.cl) over bytes
 * bytes reps times and gives GB/s = 2 * bytes * reps / kernel time / 1e9,
 * the kernel time from event profiling (queue time excluded). One untimed
 * launch comes first. */
tb_status tb_dev_copy_bandwidth(tb_device *d, size_t bytes, int reps, double *gbps);

/* What one kernel launch costs beyond its work: wall-clock seconds per
 * launch of copy_floats on 16 floats (one work-item), reps launches
 * enqueued back to back and waited for together, after one untimed. The
 * host's enqueue, the runtime's dispatch and the device's start and end
 * of a kernel, as a step's launches pay them. */
tb_status tb_dev_launch_seconds(tb_device *d, int reps, double *seconds);

/* Monotonic wall-clock seconds. Timing a span of device work is
 * tb_dev_finish, t0 = tb_dev_now(), enqueue, tb_dev_finish, tb_dev_now() - t0:
 * it includes launch overhead, which is part of what a time step costs. */
double tb_dev_now(void);

#endif
