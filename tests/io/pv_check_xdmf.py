"""Opens an XDMF file written by tb_io_write_xdmf with ParaView's XDMF reader
and checks the grid ParaView sees. Run by test_io_xdmf with pvpython:

  pvpython pv_check_xdmf.py FILE NX NY NZ SX SY SZ CX CY CZ NSTEPS

(C = the corner of voxel 0, i.e. the image's minimum bounds). Exit 0 if all
checks pass, 1 with a message otherwise, 77 if no XDMF reader is available.
"""
import sys

from paraview import servermanager
import paraview.simple as pv

path = sys.argv[1]
nx, ny, nz = (int(a) for a in sys.argv[2:5])
sp = [float(a) for a in sys.argv[5:8]]
corner = [float(a) for a in sys.argv[8:11]]
nsteps = int(sys.argv[11])

reader = None
for name, prop in (("XDMFReader", "FileNames"), ("Xdmf3ReaderS", "FileName")):
    ctor = getattr(pv, name, None)
    if ctor is None:
        continue
    try:
        reader = ctor(**{prop: [path]})
        used = name
        break
    except Exception as e:  # a reader that is not built in this ParaView
        print(f"{name} unavailable: {e}", file=sys.stderr)
if reader is None:
    print("no XDMF reader in this ParaView", file=sys.stderr)
    sys.exit(77)

times = list(reader.TimestepValues) if reader.TimestepValues is not None else []
if isinstance(reader.TimestepValues, float):
    times = [reader.TimestepValues]
reader.UpdatePipeline(times[-1] if times else 0.0)
data = servermanager.Fetch(reader)
if data.IsA("vtkMultiBlockDataSet"):
    data = data.GetBlock(0)

errors = []
if len(times) != nsteps:
    errors.append(f"{len(times)} time steps, expected {nsteps}")
if not data.IsA("vtkImageData"):
    errors.append(f"output is {data.GetClassName()}, expected vtkImageData")
else:
    dims = data.GetDimensions()
    if tuple(dims) != (nx + 1, ny + 1, nz + 1):
        errors.append(f"point dimensions {dims}, expected {(nx + 1, ny + 1, nz + 1)}")
    spacing = data.GetSpacing()
    if any(abs(a - b) > 1e-6 * abs(b) for a, b in zip(spacing, sp)):
        errors.append(f"spacing {spacing}, expected {sp}")
b = data.GetBounds()
want = [corner[0], corner[0] + nx * sp[0], corner[1], corner[1] + ny * sp[1], corner[2], corner[2] + nz * sp[2]]
if any(abs(x - y) > 1e-6 * (1 + abs(y)) for x, y in zip(b, want)):
    errors.append(f"bounds {b}, expected {want}")
cd = data.GetCellData()
for name in ("bone_fraction", "compartment"):
    arr = cd.GetArray(name)
    if arr is None:
        errors.append(f"cell array {name} missing")
    elif arr.GetNumberOfTuples() != nx * ny * nz:
        errors.append(f"cell array {name} has {arr.GetNumberOfTuples()} values, expected {nx * ny * nz}")
if errors:
    print(f"{used}: " + "; ".join(errors), file=sys.stderr)
    sys.exit(1)
print(f"{used}: {len(times)} steps, dims ok")
