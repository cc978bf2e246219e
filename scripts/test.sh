#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, and runs every test (unit and
# fleet). Fleet tests boot real hosts in systemd-nspawn containers and need root.
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    only the fast hermetic tests (any ctest arguments pass through)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}

if [[ $(id -u) -ne 0 && "$*" != *"-L unit"* ]]; then
  echo "test.sh: the fleet tests need root; run 'sudo scripts/test.sh', or 'scripts/test.sh -L unit'" >&2
  exit 1
fi
scripts/install-deps.sh $([[ "$*" == *"-L unit"* ]] && echo --build-only)
# PIHERD_CMAKE_ARGS adds configure options, e.g. -DPIHERD_SANITIZE=ON (ASan + UBSan).
# Release, the build type users pick, with warnings as errors (PIHERD_WERROR=OFF turns that
# off); BUILD_TYPE picks another (docs/building.md).
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  -DPIHERD_WERROR="${PIHERD_WERROR:-ON}" ${PIHERD_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"${JOBS:-2}"
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 1500 "$@"
