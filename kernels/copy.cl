/* Device copy, the bandwidth reference of `trabecula bench`: a kernel that
 * moves n floats with no arithmetic shows what the memory system allows, so
 * each process kernel's time can be read as a fraction of it.
 *
 * One float4 per work-item (coalesced 16-byte accesses on GPUs); the last
 * work-item copies the 0-3 floats past the last whole float4. Launch with
 * global size copy_work_items(n) or more. */

/* Work-items copy_floats needs for n floats. */
inline uint copy_work_items(uint n) { return n / 4u + (n % 4u != 0u); }

__kernel void copy_floats(__global const float4 *restrict src, __global float4 *restrict dst, uint n) {
  uint i = (uint)get_global_id(0);
  uint n4 = n / 4u;
  if (i < n4) {
    dst[i] = src[i];
  } else if (i == n4) {
    __global const float *s = (__global const float *)src;
    __global float *d = (__global float *)dst;
    for (uint j = 4u * n4; j < n; j++) d[j] = s[j];
  }
}
