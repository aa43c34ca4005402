#!/usr/bin/python3
"""Compares trabecula's morphometry building blocks with scipy and skimage.

Usage: morph_compare.py DIR, where DIR holds what test_morph_reference wrote:
  shape.u8   uint8 structure, C order [nz][ny][nx]
  edt.f32    float32 squared distance transform of shape, same layout
  ball.u8    uint8 ball for the surface area
  meta.txt   "nx ny nz euler ball_n ball_area delta_chi"
  lt_P_E_D.f32  float32 local thickness (voxels) of shape (P = 0) or its
             complement (P = 1), edge E (0 continue, 1 background), diameter
             D (0 bonej, 1 corrected)
The local thickness is recomputed here by brute force, independently of
trabecula's distance ridge and painting: every voxel's sphere, grouped by
squared radius and painted with a binary dilation, then for bonej Fiji's
surface clean-up and the mask (the steps of Fiji's LocalThicknessWrapper).
BoneJ's edge-corrected delta chi is recounted as BoneJ's
Connectivity.correctForEdges counts it (vertices, edges and faces of the
outer voxel layers).
Exit 0 when all agree, 1 on a mismatch, 77 when scipy or skimage is missing.
"""
import sys

try:
    import numpy as np
    from scipy import ndimage
    from skimage import measure
except ImportError as e:  # Debian's python3-scipy / python3-skimage absent
    print(f"skipped: {e}")
    sys.exit(77)


def local_thickness(mask, edge_bg, bonej):
    """Brute-force local thickness in voxels, 0 outside mask."""
    m = np.pad(mask, 1, constant_values=False) if edge_bg else mask
    s = np.rint(ndimage.distance_transform_edt(m) ** 2).astype(np.int64)
    if edge_bg:
        s = s[1:-1, 1:-1, 1:-1]
    out = np.zeros(mask.shape)
    for sq in np.unique(s[mask]):
        r = int(np.sqrt(sq)) + 1
        g = np.arange(-r, r + 1)
        d2 = g[:, None, None] ** 2 + g[None, :, None] ** 2 + g[None, None, :] ** 2
        ball = d2 <= sq if bonej else d2 < sq
        covered = ndimage.binary_dilation(mask & (s == sq), structure=ball)
        value = 2 * np.sqrt(sq) if bonej else 2 * np.sqrt(sq) - 1
        out = np.where(covered, np.maximum(out, value), out)
    if bonej:  # Clean_Up_Local_Thickness: outside the image neither zero nor interior
        zero_nb = ndimage.maximum_filter((out == 0).astype(np.uint8), size=3, mode="constant", cval=0) > 0
        flag = np.where(out == 0, 0.0, np.where(zero_nb, -1.0, out))
        interior = flag > 0
        k = np.ones((3, 3, 3))
        total = ndimage.convolve(np.where(interior, flag, 0.0), k, mode="constant", cval=0.0)
        count = ndimage.convolve(interior.astype(float), k, mode="constant", cval=0.0)
        avg = np.divide(total, count, out=out.copy(), where=count > 0)
        out = np.where(flag == -1, avg, out)
    return np.where(mask, out, 0.0)


def bonej_edge_correction(m):
    """chiTwo/2 + chiOne/4 + chiZero/8 as BoneJ's Connectivity counts them."""
    d, h, w = m.shape

    def g(x, y, z):
        return 0 <= x < w and 0 <= y < h and 0 <= z < d and bool(m[z, y, x])

    xi, yi, zi = max(1, w - 1), max(1, h - 1), max(1, d - 1)
    X, Y, Z = range(0, w, xi), range(0, h, yi), range(0, d, zi)
    f = sum(g(x, y, z) for z in Z for y in Y for x in X)
    se = sum(g(x, y, z) for z in Z for y in Y for x in range(1, w - 1))
    se += sum(g(x, y, z) for z in Z for x in X for y in range(1, h - 1))
    se += sum(g(x, y, z) for y in Y for x in X for z in range(1, d - 1))
    sf = sum(g(x, y, z) for z in Z for y in range(1, h - 1) for x in range(1, w - 1))
    sf += sum(g(x, y, z) for y in Y for z in range(1, d - 1) for x in range(1, w - 1))
    sf += sum(g(x, y, z) for x in X for y in range(1, h - 1) for z in range(1, d - 1))
    fv = sum(g(x, y, z) or g(x, y - 1, z) or g(x - 1, y - 1, z) or g(x - 1, y, z)
             for z in Z for y in range(h + 1) for x in range(w + 1))
    fv += sum(g(x, y, z) or g(x, y - 1, z) or g(x, y - 1, z - 1) or g(x, y, z - 1)
              for x in X for y in range(h + 1) for z in range(1, d))
    fv += sum(g(x, y, z) or g(x, y, z - 1) or g(x - 1, y, z - 1) or g(x - 1, y, z)
              for y in Y for x in range(1, w) for z in range(1, d))
    fe = sum(2 if g(x, y, z) else g(x, y - 1, z) + g(x - 1, y, z)
             for z in Z for y in range(h + 1) for x in range(w + 1))
    fe += sum(g(x, y, z) or g(x, y, z - 1) for y in Y for z in range(1, d) for x in range(w))
    fe += sum(g(x, y, z) or g(x - 1, y, z) for y in Y for z in range(d) for x in range(w + 1))
    fe += sum(g(x, y, z) or g(x, y, z - 1) for x in X for z in range(1, d) for y in range(h))
    fe += sum(g(x, y, z) or g(x, y - 1, z) for x in X for z in range(d) for y in range(1, h))
    ev = sum(g(x, y, z) or g(x - 1, y, z) for z in Z for y in Y for x in range(1, w))
    ev += sum(g(x, y, z) or g(x, y - 1, z) for z in Z for x in X for y in range(1, h))
    ev += sum(g(x, y, z) or g(x, y, z - 1) for x in X for y in Y for z in range(1, d))
    e = se + 3 * f
    c = sf + 2 * e - 3 * f
    return (fv - fe + c) / 2 + (ev + f - e) / 4 + f / 8


def known_shapes():
    """BoneJ's delta chi (skimage Euler number, BoneJ's edge correction) on
    the shapes test_morph and test_morph_bonej give closed-form answers for:
    the same numbers come out of BoneJ's formulas."""
    z, y, x = np.ogrid[:20, :40, :40]
    torus = (np.sqrt((x - 19.5) ** 2 + (y - 19.5) ** 2) - 12) ** 2 + (z - 9.5) ** 2 <= 4.5 ** 2
    z, y, x = np.ogrid[:16, :30, :64]
    two = ((np.sqrt((x - 15.5) ** 2 + (y - 14.5) ** 2) - 9) ** 2 + (z - 7.5) ** 2 <= 3.5 ** 2) | (
        (np.sqrt((x - 47.5) ** 2 + (y - 14.5) ** 2) - 9) ** 2 + (z - 7.5) ** 2 <= 3.5 ** 2)
    cube = np.zeros((20, 20, 20), bool)
    cube[:8, 5:15, 5:15] = True
    full = np.ones((9, 9, 9), bool)
    p, k, w = 10, 2, 3
    g = (np.arange(k * p + 1) + 1) % p < w
    lattice = (g[:, None, None].astype(int) + g[None, :, None] + g[None, None, :]) >= 2
    ok = True
    for name, m, want in (("torus", torus, 0), ("two tori", two, 0), ("cube on a face", cube, 0.5),
                          ("filled image", full, 0), ("rod lattice, 2^3 cells", lattice, -2 * k ** 3)):
        got = measure.euler_number(m, connectivity=3) - bonej_edge_correction(m)
        print(f"BoneJ delta chi of the {name}: {got:g} (connectivity {1 - got:g}), expected {want:g}")
        ok &= abs(got - want) < 1e-9
    return ok


def main(d):
    nx, ny, nz, euler, bn, area, delta = open(f"{d}/meta.txt").read().split()
    nx, ny, nz, bn = int(nx), int(ny), int(nz), int(bn)
    euler, area, delta = float(euler), float(area), float(delta)
    shape = np.fromfile(f"{d}/shape.u8", dtype=np.uint8).reshape(nz, ny, nx) > 0
    edt = np.sqrt(np.fromfile(f"{d}/edt.f32", dtype=np.float32).reshape(nz, ny, nx))
    ok = True

    ref = ndimage.distance_transform_edt(shape)
    err = float(np.max(np.abs(ref - edt)))
    print(f"distance transform: max |trabecula - scipy| = {err:.3g} voxel")
    ok &= err < 1e-4

    ref_euler = measure.euler_number(shape, connectivity=3)
    print(f"Euler number: trabecula {euler:g}, skimage {ref_euler}")
    ok &= ref_euler == euler

    ref_delta = ref_euler - bonej_edge_correction(shape)
    print(f"delta chi: trabecula {delta:g}, BoneJ's edge correction {ref_delta:g}")
    ok &= abs(ref_delta - delta) < 1e-9
    ok &= known_shapes()

    for phase in (0, 1):
        mask = shape if phase == 0 else ~shape
        for edge in (0, 1):
            for diam in (0, 1):
                ours = np.fromfile(f"{d}/lt_{phase}_{edge}_{diam}.f32", dtype=np.float32).reshape(nz, ny, nx)
                ref = local_thickness(mask, edge == 1, diam == 0)
                err = float(np.max(np.abs(ref - ours)))
                print(f"local thickness ({'marrow' if phase else 'structure'}, edge "
                      f"{'background' if edge else 'continue'}, diameter {'corrected' if diam else 'bonej'}): "
                      f"max |trabecula - brute force| = {err:.3g} voxel, mean {ours[mask].mean():.4f}")
                ok &= err < 1e-4

    ball = np.fromfile(f"{d}/ball.u8", dtype=np.uint8).reshape(bn, bn, bn).astype(float)
    smooth = ndimage.gaussian_filter(ball, 0.7, mode="nearest", truncate=3.0 / 0.7)
    verts, faces, _, _ = measure.marching_cubes(smooth, 0.5)
    ref_area = measure.mesh_surface_area(verts, faces)
    print(f"surface area: trabecula {area:.2f}, skimage marching cubes {ref_area:.2f} voxel^2")
    ok &= abs(area / ref_area - 1) < 0.01
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
