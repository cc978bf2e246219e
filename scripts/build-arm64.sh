#!/usr/bin/env bash
# Cross-compiles piherd and its unit tests for aarch64 (the Raspberry Pi's architecture),
# checks the binary is an aarch64 ELF, and runs the unit tests under qemu-user.
#   scripts/build-arm64.sh               sysroot (cached), build, file check, unit tests
#   scripts/build-arm64.sh --no-test     sysroot and build only (e.g. to make the .deb)
#   scripts/build-arm64.sh --sysroot-only  sysroot only; prints its path
# The target libraries come from an arm64 sysroot unpacked from Debian's archive with
# debootstrap (cached under /var/cache/piherd-arm64, keyed by its package list), never from
# the build machine: the native packages stay as they are. Needs root (debootstrap, apt).
# Environment: BUILD_DIR (default build-arm64), JOBS (default 2), PIHERD_CMAKE_ARGS,
# PIHERD_ARM64_CACHE, CTEST_ARGS (extra ctest arguments, e.g. -R to run a subset).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-arm64}
CACHE=${PIHERD_ARM64_CACHE:-/var/cache/piherd-arm64}
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
# The -dev packages of scripts/install-deps.sh's BUILD_PKGS, for arm64 (debootstrap adds
# their dependencies).
SYSROOT_PKGS=libcpp-httplib-dev,nlohmann-json3-dev,libyaml-cpp-dev,libssh-dev,libssl-dev,prometheus-cpp-dev,libgtest-dev,libgmock-dev,libexpected-dev,zlib1g-dev
SYSROOT_VERSION=1  # bump when the way the sysroot is made changes

log() { printf 'build-arm64: %s\n' "$*" >&2; }

scripts/install-deps.sh --build-only --arm64 >&2  # stdout: the sysroot path of --sysroot-only

# Unpacks every package (no maintainer scripts, which cannot run for a foreign
# architecture), then makes absolute symlinks relative so that they resolve inside the
# sysroot instead of on the build machine. $2 is where the sysroot will finally live.
make_sysroot() {
  local dir=$1 final=$2 deb link target
  mkdir -p "$CACHE/debs"  # kept: a remake downloads nothing
  debootstrap --foreign --arch=arm64 --variant=minbase --include="$SYSROOT_PKGS" \
    --cache-dir="$CACHE/debs" "$SUITE" "$dir" "$MIRROR"
  for deb in "$dir"/var/cache/apt/archives/*.deb; do
    dpkg-deb -x "$deb" "$dir"
    add_to_admindir "$deb" "$dir/$ADMINDIR" "$final"
  done
  rm -f "$dir"/var/cache/apt/archives/*.deb
  while IFS= read -r link; do
    target=$(readlink "$link")
    if [[ $target == /* ]]; then
      ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$dir$target")" "$link"
    fi
  done < <(find "$dir" -type l)
}

# dpkg-shlibdeps (CPack's Depends of the arm64 .deb) asks dpkg which package owns each
# library and reads that package's symbols or shlibs file. The sysroot's packages are in no
# dpkg database, so this builds one for them (DPKG_ADMINDIR): a status entry per package,
# its file list with the sysroot's path in front, and its control files.
ADMINDIR=var/lib/piherd-dpkg
add_to_admindir() {
  local deb=$1 admin=$2 final=$3 pkg name ctrl
  mkdir -p "$admin/info" "$admin/updates"
  printf 'amd64\narm64\n' >"$admin/arch"
  echo 1 >"$admin/info/format"  # multiarch layout: info/PKG:arm64.list for Multi-Arch: same
  pkg=$(dpkg-deb -f "$deb" Package)
  name=$pkg
  if [[ $(dpkg-deb -f "$deb" Multi-Arch) == same ]]; then name=$pkg:arm64; fi
  { dpkg-deb -f "$deb" Package Version Architecture Multi-Arch Maintainer Source Depends Provides Description
    printf 'Status: install ok installed\n\n'; } >>"$admin/status"
  dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's#^\./#/#' -e 's#/$##' -e '/^$/d' \
    -e "s#^#$final#" >"$admin/info/$name.list"
  ctrl=$(mktemp -d)
  dpkg-deb -e "$deb" "$ctrl"
  for f in symbols shlibs; do
    if [[ -f $ctrl/$f ]]; then cp "$ctrl/$f" "$admin/info/$name.$f"; fi
  done
  rm -rf "$ctrl"
}

ensure_sysroot() {
  local hash dir tmp start
  hash=$(printf '%s\n' "$SYSROOT_VERSION" "$SUITE" "$MIRROR" "$SYSROOT_PKGS" \
    "$(declare -f make_sysroot add_to_admindir)" | sha256sum | cut -c1-16)
  dir=$CACHE/sysroot-$hash
  if [[ ! -d $dir ]]; then
    mkdir -p "$CACHE"
    rm -rf "$CACHE"/sysroot-*.tmp.*
    tmp=$dir.tmp.$$
    start=$SECONDS
    log "making the arm64 sysroot $dir (debootstrap, a few minutes; log: $CACHE/sysroot.log)"
    if ! make_sysroot "$tmp" "$dir" >"$CACHE/sysroot.log" 2>&1; then
      tail -n 20 "$CACHE/sysroot.log" >&2
      rm -rf "$tmp"
      log "making the sysroot failed"
      exit 1
    fi
    mv -T "$tmp" "$dir"
    log "sysroot made in $((SECONDS - start)) s"
    local old
    for old in "$CACHE"/sysroot-*; do
      [[ $old == "$dir" || $old == *.tmp.* ]] || rm -rf "$old"
    done
  fi
  printf '%s' "$dir"
}

SYSROOT=$(ensure_sysroot)
[[ ${1:-} == --sysroot-only ]] && { echo "$SYSROOT"; exit 0; }

start=$SECONDS
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
fi
cmake -S . -B "$BUILD_DIR" --toolchain cmake/aarch64-linux-gnu.cmake \
  -DPIHERD_ARM64_SYSROOT="$SYSROOT" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" \
  "${launcher[@]}" ${PIHERD_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"${JOBS:-2}" --target piherd piherd_unit_tests
log "cross build took $((SECONDS - start)) s"

# The binaries must be aarch64 ELF files, not something the native compiler made.
for bin in "$BUILD_DIR/piherd" "$BUILD_DIR/tests/piherd_unit_tests"; do
  desc=$(file -b "$bin")
  if [[ $desc != *"ELF 64-bit LSB"*"ARM aarch64"* ]]; then
    log "$bin is not an aarch64 ELF: $desc"
    exit 1
  fi
  log "$(basename "$bin"): $desc"
done
[[ ${1:-} == --no-test ]] && exit 0

# The unit tests under qemu-user (the toolchain file's CMAKE_CROSSCOMPILING_EMULATOR:
# qemu-aarch64-static -L SYSROOT), through ctest like the native ones.
start=$SECONDS
# shellcheck disable=SC2086
ctest --test-dir "$BUILD_DIR" -L unit -j"${JOBS:-2}" --output-on-failure --timeout 600 ${CTEST_ARGS:-}
log "unit tests under qemu took $((SECONDS - start)) s"
