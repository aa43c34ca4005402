/* Quasi-steady reaction-diffusion of the signals (MODEL.md "Scales and
 * units"): cytokines equilibrate in minutes to hours, remodeling takes
 * months, so each step solves
 *     D lap(c) - k c + S = 0
 * inside the bone organ (labels 1 and 2) with no flux across its outer
 * boundary and the grid's faces, warm-started from the last step. D = k
 * lambda^2 sets the reach lambda of each signal. Discretisation: the 7-point
 * Laplacian on the voxel grid; solver: red-black successive over-relaxation
 * (each colour's updates are independent, so the result does not depend on
 * the launch shape). Each sweep records, per x-row, the largest update and
 * the largest value as non-negative floats via atomic_max on their bit
 * patterns (order-independent, so deterministic); the host stops when
 * max|update| <= tolerance * max|c|. */

__kernel void diffusion_sweep(__constant tb_kparams *kp, int field, int color, float omega,
                              __global const uchar *comp, __global float *c, __global const float *src,
                              __global int *rowmax) {
  const float D = kp->field_coupling[field], k = kp->field_decay[field];
  const int y = (int)get_global_id(1), z = (int)get_global_id(2);
  const int x0 = (int)get_global_id(0) * kp->row_chunk;
  if (y >= kp->ny || z >= kp->nz || x0 >= kp->nx) return;
  const int x1 = min(x0 + kp->row_chunk, kp->nx);
  const int nx = kp->nx, plane = kp->nx * kp->ny;
  float max_du = 0.0f, max_c = 0.0f;
  /* First x of this colour in [x0, x1). */
  int xs = x0 + ((x0 + y + z + color) & 1);
  for (int x = xs, i = xs + nx * (y + kp->ny * z); x < x1; x += 2, i += 2) {
    if (comp[i] == TB_COMP_OUTSIDE) continue;
    float sum = 0.0f;
    int n = 0;
    if (x > 0 && comp[i - 1]) { sum += c[i - 1]; n++; }
    if (x + 1 < nx && comp[i + 1]) { sum += c[i + 1]; n++; }
    if (y > 0 && comp[i - nx]) { sum += c[i - nx]; n++; }
    if (y + 1 < kp->ny && comp[i + nx]) { sum += c[i + nx]; n++; }
    if (z > 0 && comp[i - plane]) { sum += c[i - plane]; n++; }
    if (z + 1 < kp->nz && comp[i + plane]) { sum += c[i + plane]; n++; }
    float ci = c[i];
    float target = (src[i] + D * sum) / (k + D * (float)n);
    float cn = fmax(ci + omega * (target - ci), 0.0f);
    c[i] = cn;
    max_du = fmax(max_du, fabs(cn - ci));
    max_c = fmax(max_c, cn);
  }
  int row = y + kp->ny * z;
  if (max_du > 0.0f) atomic_max(&rowmax[2 * row], as_int(max_du));
  if (max_c > 0.0f) atomic_max(&rowmax[2 * row + 1], as_int(max_c));
}
