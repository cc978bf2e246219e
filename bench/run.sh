#!/bin/sh
# The pass-cost benchmark (docs/BENCHMARKS.md), one command, as root:
#   sudo bench/run.sh                      # fleets of 3, 10 and 30 hosts; writes docs/BENCHMARKS.md
#   sudo bench/run.sh --sizes 3 --runs 3 --out /tmp/bench.md
# It boots the test fleet (instance $PIHERD_FLEET_INSTANCE, default 2) for each size, so it
# must not run beside fleet tests of the same instance. `bench/bench.py --help` lists the
# options. Builds piherd and the probe first when the build directory lacks them.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=$src/build
prev=
for a in "$@"; do
  [ "$prev" = --build ] && build=$a
  prev=$a
done
if [ ! -x "$build/piherd" ] || [ ! -x "$build/tests/piherd_bench_observe" ]; then
  [ -f "$build/CMakeCache.txt" ] || cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release
  cmake --build "$build" -j"$(nproc)" --target piherd piherd_bench_observe
fi
exec python3 "$here/bench.py" --build "$build" "$@"
