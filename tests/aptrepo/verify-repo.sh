#!/usr/bin/env bash
# End-to-end check of the fleet's apt repository, as a fleet host will use it: builds (or
# finds cached) OUT with build-repo.sh, serves it on 127.0.0.1 with python3's http.server,
# and runs verify-in-host.sh inside a throwaway container of a Debian bookworm minbase (the
# fleet hosts' package set) whose only apt sources are this repository. The container is
# systemd-nspawn --volatile=overlay: its writes land in a tmpfs, the base is never modified.
# Leaves no server, container or mount behind. Needs root, systemd-container, debootstrap.
#
# usage: verify-repo.sh [--base DIR] [OUT]
#   --base DIR: a bookworm root to use read-only (e.g. the fleet's base image); by default a
#   minbase debootstrapped once and cached in OUT-work/verify-base-HASH.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
base="" out=""
while (($#)); do
  case "$1" in
    --base) base=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "verify-repo: unknown flag $1" >&2; exit 2 ;;
    *) out=$1; shift ;;
  esac
done
out=${out:-/var/cache/piherd-fleet/repo}
out=${out%/}
[[ "$out" == /* ]] || out=$PWD/$out

log() { echo "verify-repo: $*" >&2; }
die() { log "error: $*"; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, systemd-nspawn)"
for tool in systemd-nspawn debootstrap python3; do
  command -v "$tool" >/dev/null || die "missing $tool (scripts/install-deps.sh installs it)"
done

# The fleet hosts' package set: the design's debootstrap list plus what the harness adds.
base_pkgs=systemd,systemd-sysv,dbus,openssh-server,iproute2,keepalived,procps,kmod,python3,python3-apt,sudo,gnupg,curl,ca-certificates

server_pid="" tmp=""
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true  # 143: it died of our SIGTERM
  fi
  if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT

"$here/build-repo.sh" "$out" >/dev/null

if [[ -z "$base" ]]; then
  base=$out-work/verify-base-$(echo "bookworm minbase $base_pkgs" | sha256sum | cut -c1-12)
  if [[ ! -f "$base/etc/debian_version" ]]; then
    log "debootstrapping a bookworm minbase into $base (once)"
    rm -rf "$base.tmp"
    debootstrap --variant=minbase --include="$base_pkgs" bookworm "$base.tmp" \
      http://deb.debian.org/debian >"$out-work/debootstrap.log" 2>&1 ||
      die "debootstrap failed, see $out-work/debootstrap.log"
    mv "$base.tmp" "$base"
  fi
fi
[[ -f "$base/etc/debian_version" ]] || die "$base is not a Debian root"

tmp=$(mktemp -d)
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$out" >"$tmp/http.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 50); do
  port=$(sed -nE 's/^Serving HTTP on .* port ([0-9]+).*/\1/p' "$tmp/http.log")
  [[ -n "$port" ]] && break
  sleep 0.1
done
[[ -n "$port" ]] || die "http.server did not start: $(cat "$tmp/http.log")"
log "serving $out on http://127.0.0.1:$port; container over $base"

# The versions to exercise, from repo.conf: the newest two of the newest minor, and the newest
# of the minor before it.
source "$here/repo.conf"
mapfile -t versions < <(printf '%s\n' "${KUBERNETES_VERSIONS[@]}" | sort -V)
new=${versions[-1]}
new_minor=$(cut -d. -f1,2 <<<"$new")
old=$(printf '%s\n' "${versions[@]}" | grep "^$new_minor\." | tail -2 | head -1)
other=$(printf '%s\n' "${versions[@]}" | grep -v "^$new_minor\." | tail -1)
[[ "$old" != "$new" && -n "$other" ]] ||
  die "repo.conf needs two versions of the newest minor and one of another minor"

rc=0
SYSTEMD_NSPAWN_API_VFS_WRITABLE=no systemd-nspawn --quiet --register=no --keep-unit \
  --volatile=overlay --as-pid2 -D "$base" --machine="piherd-aptrepo-verify-$$" \
  --bind-ro="$here/verify-in-host.sh:/usr/local/sbin/piherd-verify-repo" \
  --setenv=REPO_URL="http://127.0.0.1:$port" \
  --setenv=NEW="$new" --setenv=OLD="$old" --setenv=OTHER="$other" \
  /bin/bash /usr/local/sbin/piherd-verify-repo || rc=$?
exit "$rc"
