/* Structs shared by the host and the OpenCL kernels. Fixed-width types only
 * (no long, size_t or bool) so both sides agree on the layout. This file is
 * embedded into the kernel program ahead of the kernel sources. */
#ifndef TRABECULA_SHARED_H
#define TRABECULA_SHARED_H

#ifdef __OPENCL_VERSION__
typedef uint tb_u32;
typedef int tb_i32;
typedef uchar tb_u8;
#else
#include <stdint.h>
typedef uint32_t tb_u32;
typedef int32_t tb_i32;
typedef uint8_t tb_u8;
#endif

#endif
