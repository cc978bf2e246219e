#!/usr/bin/env bash
# Installs every build and test dependency of piherd from Debian's package archive.
# Safe to run twice: apt-get install is idempotent, and the update is skipped when
# everything is already present.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake pkg-config
  libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev libssh-dev libssl-dev
  prometheus-cpp-dev libgtest-dev libgmock-dev libexpected-dev zlib1g-dev
  ccache  # scripts/test.sh compiles through it when present: repeated builds take seconds
)
# The test fleet: nspawn hosts, their base image, the local apt repository.
FLEET_PKGS=(
  systemd-container debootstrap iproute2 openssh-client dpkg-dev apt-utils
  python3 gnupg curl procps kmod iptables
  openssl python3-yaml  # the stand-ins' unit and fleet tests (PKI, YAML configs)
  keepalived  # the VIP tests: keepalived -t judges the config, openssl is the TLS client
  prometheus  # promtool: `promtool check metrics` on a real scrape of piherd run's /metrics
)
# Checks of deploy/ (promtool) and of the .deb (cpack runs dpkg-shlibdeps and file); the
# arm64 cross build (scripts/build-arm64.sh, with --arm64).
CHECK_PKGS=(prometheus dpkg-dev file)
ARM64_PKGS=(crossbuild-essential-arm64 qemu-user-static debootstrap file)
# The fuzz leg (scripts/fuzz.sh): Debian's clang and its libFuzzer/sanitizer runtimes.
FUZZ_PKGS=(clang libclang-rt-14-dev)

want=("${BUILD_PKGS[@]}" "${CHECK_PKGS[@]}")
if [[ " $* " != *" --build-only "* ]]; then
  want+=("${FLEET_PKGS[@]}" "${FUZZ_PKGS[@]}")
fi
if [[ " $* " == *" --arm64 "* ]]; then
  want+=("${ARM64_PKGS[@]}")
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
