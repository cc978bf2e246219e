#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/, PIHERD_FUZZ=ON, Debian's clang) in their own build
# directory and runs each for a fixed budget, failing on a crash, a leak, an UB report or a
# timeout. Each run starts from the checked-in seeds (tests/fuzz/<target>/, never modified)
# and keeps what it finds in the build directory. docs/fuzzing.md says how to run longer.
#   scripts/fuzz.sh                         every target, FUZZ_SECONDS (default 45) each
#   FUZZ_SECONDS=600 scripts/fuzz.sh facts  one target, ten minutes
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-45}
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(manifest facts known_hosts kubeconfig)

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ is missing (scripts/install-deps.sh)" >&2; exit 1; }
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}  # another clone of the same commit hits too
fi
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DPIHERD_FUZZ=ON -DPIHERD_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j"${JOBS:-2}" --target $(printf 'fuzz_%s ' "${TARGETS[@]}")

status=0
for target in "${TARGETS[@]}"; do
  found="$BUILD_DIR/fuzz-found/$target"       # new inputs libFuzzer keeps (grows over runs)
  artifacts="$BUILD_DIR/fuzz-artifacts/$target"
  mkdir -p "$found" "$artifacts"
  echo "== fuzz_$target: ${SECONDS_EACH}s from tests/fuzz/$target"
  # halt_on_error: the first sanitizer report ends the run with a failure; detect_leaks is
  # ASan's default and stays on. -timeout: one input taking 10 s is a finding (a hang).
  if ! ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$BUILD_DIR/fuzz_$target" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2560 \
      -max_len=20000 -print_final_stats=1 -artifact_prefix="$artifacts/" \
      "$found" "tests/fuzz/$target" 2>"$BUILD_DIR/fuzz-$target.log"; then
    tail -n 60 "$BUILD_DIR/fuzz-$target.log" >&2
    echo "fuzz.sh: fuzz_$target failed; the input is in $artifacts/ (reproduce: $BUILD_DIR/fuzz_$target FILE)" >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units|^Done" "$BUILD_DIR/fuzz-$target.log" || true
  fi
done
exit $status
