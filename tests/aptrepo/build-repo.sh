#!/usr/bin/env bash
# Builds the local apt repository the test fleet serves to its hosts (docs/test-packages.md):
#   OUT/debian/                 flat repository of real Debian debs (containerd, etcd, ...)
#                               and their whole dependency closure:
#                                 deb [trusted=yes] URL/debian ./
#   OUT/kubernetes/v1.NN/deb/   per-minor repositories like pkgs.k8s.io's, with the stand-in
#                               kubeadm/kubelet, a real kubectl, signed by a test key:
#                                 deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] URL/kubernetes/v1.34/deb/ /
# Idempotent and cheap when up to date: the result is cached under a hash of its inputs
# (this folder's build files, tests/standins/, the kubectl binaries, the signing key). A
# rebuild happens in OUT-work/trees/HASH.tmp; OUT is a symlink flipped atomically to the new
# tree. The signing key lives in OUT-gnupg/ and survives rebuilds. Needs root only for the
# default OUT; needs dpkg-dev, apt-utils, gnupg, and deb.debian.org on a cache miss.
#
# usage: build-repo.sh [--force] [--url URL] [OUT]   (OUT: /var/cache/piherd-fleet/repo)
#   --url only changes the source lines printed at the end (default http://10.77.0.1:8080).
# Serve it with e.g. `python3 -m http.server --directory OUT --bind ADDR PORT` (--directory,
# not a cd into OUT: OUT is a symlink that a rebuild moves).
set -euo pipefail
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
standins=$(cd "$here/../standins" && pwd)
force=0 url=http://10.77.0.1:8080 out=""
while (($#)); do
  case "$1" in
    --force) force=1; shift ;;
    --url) url=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "build-repo: unknown flag $1" >&2; exit 2 ;;
    *) out=$1; shift ;;
  esac
done
out=${out:-/var/cache/piherd-fleet/repo}
out=${out%/}
[[ "$out" == /* ]] || out=$PWD/$out
work=$out-work
gnupg_dir=$out-gnupg
start=$SECONDS

log() { echo "build-repo: $*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in apt-get apt-ftparchive dpkg-deb gpg gpgconf python3 flock sha256sum kubectl; do
  command -v "$tool" >/dev/null || die "missing $tool (scripts/install-deps.sh installs it)"
done

# shellcheck source=repo.conf
source "$here/repo.conf"
# shellcheck source=lib/private-apt.sh
source "$here/lib/private-apt.sh"
# shellcheck source=lib/debian-repo.sh
source "$here/lib/debian-repo.sh"
# shellcheck source=lib/kubernetes-repo.sh
source "$here/lib/kubernetes-repo.sh"

mkdir -p "$work/trees"
exec 9>"$work/lock"
flock 9  # one build at a time per OUT; a waiting caller then finds the cache up to date

cleanup() {
  stop_gpg_agent
  if [[ -n "${tmp_tree:-}" ]]; then rm -rf "$tmp_tree"; fi
}
trap cleanup EXIT

# Everything the result depends on. Only build inputs: editing verify-repo.sh or the docs
# does not rebuild. The kubectl binaries count by name, size and mtime.
input_hash() {
  {
    echo "format 1 $(dpkg --print-architecture) key $key_fpr"
    (cd "$here" && sha256sum build-repo.sh build-standin-debs.sh repo.conf debian-packages.list lib/*.sh)
    (cd "$standins" && find . -type f ! -name '*.pyc' -print0 | sort -z | xargs -0 sha256sum)
    local dir
    dir=$(dirname "$(readlink -f "$(command -v kubectl)")")
    stat -c '%n %s %Y' "$dir"/kubectl.1.*
  } | sha256sum | cut -c1-16
}

print_sources() {
  local minor
  echo "Hosts use (URL = where OUT is served, here $url):"
  echo "  deb [trusted=yes] $url/debian ./"
  for minor in $(minors_of_versions); do
    echo "  deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] $url/kubernetes/v$minor/deb/ /"
  done
  echo "  (keyring: curl -fsSL $url/kubernetes/v1.NN/deb/Release.key | gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg)"
}

# self_check TREE: what a host will do, minus the host: apt, on an empty system, with only
# these repositories (the Kubernetes one verified with the signing key), must be able to
# install the Debian packages plus kubeadm, kubelet, kubectl of every version; and each
# kubeadm/kubelet deb must report its own version.
self_check() {
  local tree=$1 minor v keyring=$work/check-keyring.gpg debs=()
  mapfile -t debs < <(grep -vE '^[[:space:]]*(#|$)' "$here/debian-packages.list")
  gpg --batch --yes --dearmor -o "$keyring" <"$tree/kubernetes/v$(minors_of_versions | tail -1)/deb/Release.key"
  for minor in $(minors_of_versions); do
    rm -rf "$work/apt-check"
    private_apt_init "$work/apt-check" "deb [trusted=yes] file:$tree/debian ./" \
      "deb [signed-by=$keyring] file:$tree/kubernetes/v$minor/deb/ /"
    apt-get "${PAPT[@]}" -qq update 2>"$work/check.err" || { cat "$work/check.err" >&2; die "self-check: apt-get update failed"; }
    ! grep -qE '^(W|E):' "$work/check.err" || { cat "$work/check.err" >&2; die "self-check: apt-get update warned"; }
    for v in $(versions_of_minor "$minor"); do
      private_apt_resolve "${debs[@]}" "kubeadm=$v" "kubelet=$v" "kubectl=$v" >"$work/check.out" ||
        die "self-check: cannot install the $v packages from this repository alone"
      grep -q "^kubelet $v " "$work/check.out" || die "self-check: kubelet $v not chosen"
      check_standin_versions "$tree/kubernetes/v$minor/deb/$(dpkg --print-architecture)" "$v"
    done
  done
  rm -rf "$work/apt-check" "$keyring" "$work/check.err" "$work/check.out"
}

check_standin_versions() {
  local dir=$1 v=$2 x got
  x=$(mktemp -d "$work/x.XXXXXX")
  dpkg-deb -x "$dir/kubeadm_${v}_$(dpkg --print-architecture).deb" "$x"
  dpkg-deb -x "$dir/kubelet_${v}_$(dpkg --print-architecture).deb" "$x"
  got="$("$x/usr/bin/kubeadm" version -o short) / $("$x/usr/bin/kubelet" --version)"
  rm -rf "$x"
  [[ "$got" == "v${v%%-*} / Kubernetes v${v%%-*}" ]] || die "self-check: $v debs report $got"
}

ensure_signing_key
hash=$(input_hash)
if ((!force)) && [[ -L "$out" && "$(readlink "$out")" == "$work/trees/$hash" && -f "$out/BUILD-INFO" ]]; then
  log "up to date ($hash): $out"
  print_sources
  exit 0
fi

log "building $hash into $work/trees"
tmp_tree=$work/trees/$hash.tmp
rm -rf "$tmp_tree"
mkdir -p "$tmp_tree"
build_debian_repo "$tmp_tree"
build_kubernetes_repos "$tmp_tree"
self_check "$tmp_tree"
{
  echo "inputs $hash"
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) by tests/aptrepo/build-repo.sh"
  echo "signing key $key_fpr"
  echo "kubernetes ${KUBERNETES_VERSIONS[*]}"
} >"$tmp_tree/BUILD-INFO"
chmod -R a+rX "$tmp_tree"

# Publish: rename the tree into place, then flip the symlink (rename(2) is atomic).
rm -rf "$work/trees/$hash"
mv "$tmp_tree" "$work/trees/$hash"
tmp_tree=""
if [[ -e "$out" && ! -L "$out" ]]; then
  log "replacing the directory $out by a symlink"
  mv "$out" "$work/trees/old-dir.$$"
fi
ln -sfn "$work/trees/$hash" "$out.link.$$"
mv -T "$out.link.$$" "$out"
for old in "$work/trees"/*; do
  [[ "$old" == "$work/trees/$hash" ]] || rm -rf "$old"
done
log "done in $((SECONDS - start)) s: $out -> $work/trees/$hash ($(du -shL "$out" | cut -f1))"
print_sources
