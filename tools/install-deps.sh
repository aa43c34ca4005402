#!/usr/bin/env bash
# Installs what trabecula needs to build and test on Debian 12 (bookworm):
# compiler and CMake, OpenCL headers and loader with PoCL as a CPU device,
# HDF5, libpng, zlib, inih, libtiff, GDCM (DICOM series; optional at build
# time), the Python packages the tests compare with, Chromium (headless, for
# the compare report test), and clang with its libFuzzer runtime (tools/fuzz.sh).
# Idempotent: packages already installed are left alone, and the package
# lists are only updated when something is missing.
#
# usage: tools/install-deps.sh [--with-paraview]
#   --with-paraview   also install python3-paraview (large; one I/O test
#                     checks the XDMF files with it and is skipped without it)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
  libhdf5-dev hdf5-tools libpng-dev zlib1g-dev libinih-dev libtiff-dev libgdcm-dev
  python3 python3-numpy python3-scipy python3-skimage python3-h5py python3-matplotlib
  chromium # headless, by the test that loads the 'trabecula compare' report
  clang libclang-rt-14-dev
)

die() {
  echo "install-deps: error: $*" >&2
  exit 1
}

for arg in "$@"; do
  case "$arg" in
    --with-paraview) packages+=(python3-paraview) ;;
    -h | --help)
      sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
      exit 0
      ;;
    *)
      echo "install-deps: error: unknown option '$arg' (expected --with-paraview)" >&2
      exit 2
      ;;
  esac
done

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
  die "this script needs Debian's apt-get and dpkg-query; on another system install the equivalents of: ${packages[*]}"
fi
if [[ -r /etc/os-release ]]; then
  # shellcheck source=/dev/null
  os_id=$(. /etc/os-release && echo "${ID:-}")
  # shellcheck source=/dev/null
  os_like=$(. /etc/os-release && echo "${ID_LIKE:-}")
  # shellcheck source=/dev/null
  os_version=$(. /etc/os-release && echo "${VERSION_ID:-}")
  if [[ "$os_id" != debian && " $os_like " != *" debian "* ]]; then
    die "expected Debian 12 (found '$os_id' in /etc/os-release); install the equivalents of: ${packages[*]}"
  fi
  if [[ "$os_id" == debian && "$os_version" != 12 ]]; then
    echo "install-deps: warning: written for Debian 12, this is Debian $os_version; trying anyway" >&2
  fi
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages are already installed"
  exit 0
fi

if ((EUID == 0)); then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  die "not root and no sudo: run as root to install: ${missing[*]}"
fi

echo "install-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
