#!/usr/bin/python3
"""Compares trabecula's morphometry building blocks with scipy and skimage.

Usage: morph_compare.py DIR, where DIR holds what test_morph_reference wrote:
  shape.u8   uint8 structure, C order [nz][ny][nx]
  edt.f32    float32 squared distance transform of shape, same layout
  ball.u8    uint8 ball for the surface area
  meta.txt   "nx ny nz euler ball_n ball_area"
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


def main(d):
    nx, ny, nz, euler, bn, area = open(f"{d}/meta.txt").read().split()
    nx, ny, nz, bn = int(nx), int(ny), int(nz), int(bn)
    euler, area = float(euler), float(area)
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

    ball = np.fromfile(f"{d}/ball.u8", dtype=np.uint8).reshape(bn, bn, bn).astype(float)
    smooth = ndimage.gaussian_filter(ball, 0.7, mode="nearest", truncate=3.0 / 0.7)
    verts, faces, _, _ = measure.marching_cubes(smooth, 0.5)
    ref_area = measure.mesh_surface_area(verts, faces)
    print(f"surface area: trabecula {area:.2f}, skimage marching cubes {ref_area:.2f} voxel^2")
    ok &= abs(area / ref_area - 1) < 0.01
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
