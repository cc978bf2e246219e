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
# ccache, when present, makes a rebuild of unchanged sources take seconds; paths are hashed
# relative to the checkout, so another clone of the same commit hits the same cache.
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  -DPIHERD_WERROR="${PIHERD_WERROR:-ON}" "${launcher[@]}" ${PIHERD_CMAKE_ARGS:-} >/dev/null
# BUILD_TARGETS (e.g. "piherd piherd_unit_tests") builds only those: enough for -L unit.
# shellcheck disable=SC2086
cmake --build "$BUILD_DIR" -j"${JOBS:-2}" ${BUILD_TARGETS:+--target $BUILD_TARGETS}
# Unit tests run two at a time; fleet tests are RUN_SERIAL, so they still run one by one.
ctest --test-dir "$BUILD_DIR" -j"${JOBS:-2}" --output-on-failure --timeout 1500 "$@"
