/* Device reductions in a fixed order, so totals are bit-identical on any
 * launch shape: partial sums (m columns of `rows` floats each, column k at
 * k * rows) are added
 * in two levels, each a Kahan-compensated sum over a fixed range (float
 * error ~ eps independent of the count, so the mass balance holds to 1e-7
 * on large samples). reduce_partial: item (g, k) sums rows
 * [g chunk, (g + 1) chunk) of column k; reduce_final: item k sums the
 * groups' results. The host reads m numbers. */

inline void kahan_add(float *sum, float *comp, float v) {
  float y = v - *comp;
  float t = *sum + y;
  *comp = (t - *sum) - y;
  *sum = t;
}

__kernel void reduce_partial(__global const float *in, int rows, int m, int chunk, int groups,
                             __global float *partial) {
  int id = (int)get_global_id(0);
  if (id >= groups * m) return;
  int g = id / m, k = id % m;
  int r0 = g * chunk, r1 = min(rows, r0 + chunk);
  float s = 0.0f, c = 0.0f;
  for (int r = r0; r < r1; r++) kahan_add(&s, &c, in[(size_t)k * (size_t)rows + (size_t)r]);
  partial[id] = s;
}

__kernel void reduce_final(__global const float *partial, int m, int groups, __global float *out) {
  int k = (int)get_global_id(0);
  if (k >= m) return;
  float s = 0.0f, c = 0.0f;
  for (int g = 0; g < groups; g++) kahan_add(&s, &c, partial[g * m + k]);
  out[k] = s;
}
