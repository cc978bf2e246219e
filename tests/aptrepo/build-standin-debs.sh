#!/usr/bin/env bash
# Builds the Kubernetes debs of the test fleet (kubeadm, kubelet, kubectl, kubernetes-cni) for
# one Kubernetes version from tests/standins/<package>/: control.in (the control file),
# install.list (what goes where), optional maintainer scripts (postinst, prerm, postrm).
# Placeholders filled in every stand-in file (one source of truth, the version argument):
#   @VERSION@ 1.34.2   @DEB_VERSION@ 1.34.2-1.1   @MINOR@ 1.34   @ARCH@ amd64
#   @CNI_DEB_VERSION@ 1.7.1-1.1   @KUBECTL_BINARY_VERSION@ v1.33.1 (the carried kubectl's)
# Files under /etc become conffiles. dpkg-deb --root-owner-group; no debhelper.
#
# usage: build-standin-debs.sh --out DIR --version 1.34.2-1.1 [--cni-version 1.7.1-1.1]
#                              [--kubectl PATH] [PACKAGE...]   (default: all four)
# Prints the paths of the debs it wrote, one a line.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
standins=$(cd "$here/../standins" && pwd)
out="" deb_version="" cni_version="1.7.1-1.1" kubectl_bin=""
packages=()

die() { echo "build-standin-debs: $*" >&2; exit 1; }

while (($#)); do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --version) deb_version=$2; shift 2 ;;
    --cni-version) cni_version=$2; shift 2 ;;
    --kubectl) kubectl_bin=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    -*) die "unknown flag $1" ;;
    *) packages+=("$1"); shift ;;
  esac
done
[[ -n "$out" && -n "$deb_version" ]] || die "--out and --version are required"
[[ "$deb_version" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)-[0-9][0-9.]*$ ]] ||
  die "version $deb_version is not like 1.34.2-1.1"
version=${deb_version%%-*}
minor=${BASH_REMATCH[1]}.${BASH_REMATCH[2]}
[[ "$cni_version" =~ ^[0-9]+\.[0-9]+\.[0-9]+-[0-9][0-9.]*$ ]] ||
  die "CNI version $cni_version is not like 1.7.1-1.1"
((${#packages[@]})) || packages=(kubeadm kubelet kubectl kubernetes-cni)
arch=$(dpkg --print-architecture)

# The newest real kubectl the machine ships (kubectl.1.NN beside the kubectl dispatcher on
# PATH) whose minor is not above the package's. Prints its path.
pick_kubectl() {
  local dispatcher dir best="" best_minor=-1 f m want=${minor#*.}
  dispatcher=$(command -v kubectl) || die "no kubectl on PATH to take the real binary from"
  dir=$(dirname "$(readlink -f "$dispatcher")")
  for f in "$dir"/kubectl.1.*; do
    [[ -x "$f" ]] || continue
    m=${f##*/kubectl.1.}
    [[ "$m" =~ ^[0-9]+$ ]] || continue
    if ((m <= want && m > best_minor)); then best=$f best_minor=$m; fi
  done
  [[ -n "$best" ]] || die "no kubectl.1.NN with NN <= $want in $dir"
  echo "$best"
}

kubectl_binary_version=""
if [[ " ${packages[*]} " == *" kubectl "* ]]; then
  [[ -n "$kubectl_bin" ]] || kubectl_bin=$(pick_kubectl)
  [[ -x "$kubectl_bin" ]] || die "kubectl binary $kubectl_bin is not executable"
  kubectl_binary_version=$("$kubectl_bin" version --client -o json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')
fi

render() {  # render SRC DEST: copy SRC with the placeholders filled; fail on any left over
  sed -e "s|@VERSION@|$version|g" -e "s|@DEB_VERSION@|$deb_version|g" \
      -e "s|@MINOR@|$minor|g" -e "s|@ARCH@|$arch|g" \
      -e "s|@CNI_DEB_VERSION@|$cni_version|g" \
      -e "s|@KUBECTL_BINARY_VERSION@|$kubectl_binary_version|g" "$1" >"$2"
  if grep -qE '@[A-Z_]+@' "$2"; then die "unfilled placeholder in $1"; fi
}

build_one() {
  local pkg=$1 src=$standins/$1 root kind from to mode
  [[ -f "$src/control.in" && -f "$src/install.list" ]] || die "no stand-in sources for $pkg"
  root=$(mktemp -d "$out/.build-$pkg.XXXXXX")
  chmod 0755 "$root"
  install -d -m 0755 "$root/DEBIAN"
  while read -r kind from to mode; do
    [[ -z "$kind" || "$kind" == \#* ]] && continue
    [[ "$to" == /* && "$mode" =~ ^0[0-7]{3}$ ]] || die "$pkg/install.list: bad line: $kind $from $to $mode"
    case "$kind" in
      dir) install -d -m "$mode" "$root$to" ;;
      file) install -d -m 0755 "$(dirname "$root$to")"
            render "$src/$from" "$root$to"; chmod "$mode" "$root$to" ;;
      kubectl) install -d -m 0755 "$(dirname "$root$to")"
               install -m "$mode" "$kubectl_bin" "$root$to" ;;
      *) die "$pkg/install.list: unknown kind $kind" ;;
    esac
  done <"$src/install.list"
  for script in preinst postinst prerm postrm; do
    if [[ -f "$src/$script" ]]; then
      render "$src/$script" "$root/DEBIAN/$script"
      chmod 0755 "$root/DEBIAN/$script"
      sh -n "$root/DEBIAN/$script" || die "$pkg/$script: syntax error"
    fi
  done
  render "$src/control.in" "$root/DEBIAN/control.tmp"
  {
    grep -v '^#' "$root/DEBIAN/control.tmp"
    echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
  } >"$root/DEBIAN/control"
  rm "$root/DEBIAN/control.tmp"
  if [[ -d "$root/etc" ]]; then
    (cd "$root" && find etc -type f | sed 's|^|/|' | sort) >"$root/DEBIAN/conffiles"
  fi
  local name pkgver
  name=$(sed -n 's/^Package: //p' "$root/DEBIAN/control")
  pkgver=$(sed -n 's/^Version: //p' "$root/DEBIAN/control")
  [[ "$name" == "$pkg" ]] || die "$pkg/control.in names package $name"
  local deb="$out/${name}_${pkgver}_${arch}.deb"
  # gzip: xz takes ~30 s for the 60 MB kubectl on this machine, gzip ~2 s.
  SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600} \
    dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >/dev/null
  rm -rf "$root"
  echo "$deb"
}

mkdir -p "$out"
for p in "${packages[@]}"; do build_one "$p"; done
