#!/usr/bin/env bash
# Self-test of the test fleet (ctest "fleet_selftest", fixture "fleet"): checks against the
# real hosts of a running fleet that each one is what the inventory says, and that every
# fault tool does what it claims. Leaves the fleet as it found it (link up, no netem, all
# hosts running; a rekeyed host keeps its new key, which inventory and known_hosts carry).
set -uo pipefail

FLEET=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/fleet
INVENTORY=${PIHERD_FLEET_INVENTORY:-${PIHERD_FLEET_RUN:-/var/tmp/piherd-fleet/run}/inventory.json}
PY=/usr/bin/python3
[[ -x $PY ]] || PY=python3
passed=0
failed=0

check() {
  local what=$1
  shift
  if "$@"; then
    printf 'ok - %s\n' "$what"
    passed=$((passed + 1))
  else
    printf 'FAIL - %s\n' "$what"
    failed=$((failed + 1))
  fi
}

inv() { "$PY" -c 'import json,sys; print(eval(sys.argv[2], {"i": json.load(open(sys.argv[1]))}))' "$INVENTORY" "$1"; }

[[ -f $INVENTORY ]] || {
  echo "no inventory at $INVENTORY: is the fleet up?" >&2
  exit 1
}
KEY=$(inv 'i["sshPrivateKey"]')
KNOWN=$(inv 'i["knownHosts"]')
mapfile -t NAMES < <(inv '"\n".join(h["name"] for h in i["hosts"])')
mapfile -t ADDRS < <(inv '"\n".join(h["address"] for h in i["hosts"])')
((${#NAMES[@]} >= 2)) || {
  echo "the self-test needs at least 2 hosts" >&2
  exit 1
}

ssh_to() { # USER ADDR KNOWN_HOSTS CMD...
  local user=$1 addr=$2 known=$3
  shift 3
  ssh -i "$KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5 \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$known" "$user@$addr" "$@"
}

# Prints the TCP connect time to ADDR:22 in ms, or "fail" (timeout 3 s).
connect_ms() {
  "$PY" -c '
import socket, sys, time
s = socket.socket(); s.settimeout(3); t = time.monotonic()
try:
    s.connect((sys.argv[1], 22)); print(int((time.monotonic() - t) * 1000))
except OSError:
    print("fail")' "$1"
}

contract_keys() {
  "$PY" - "$INVENTORY" <<'EOF'
import json, os, sys
i = json.load(open(sys.argv[1]))
top = {"prefix", "bridge", "bridgeAddress", "network", "aptBaseUrl", "sshUser", "sshPrivateKey",
       "knownHosts", "hosts"}
host = {"name", "address", "hostKey", "netns", "veth"}
assert top <= set(i), top - set(i)
k = int(os.environ.get("PIHERD_FLEET_INSTANCE", "0"))
p, net = ("phf" if k == 0 else f"phf{k}"), f"10.{77 + k}.0"
assert i["prefix"] == p and i["bridge"] == f"{p}-br0" and i["bridgeAddress"] == f"{net}.1"
for n, h in enumerate(i["hosts"], 1):
    assert host <= set(h), host - set(h)
    assert h["name"] == f"{p}-h{n}" and h["address"] == f"{net}.{10 + n}", h
    assert h["hostKey"].startswith("ssh-ed25519 AAAA"), h
EOF
}

identity_ok() { # NAME ADDR
  local out
  out=$(ssh_to root "$2" "$KNOWN" 'hostname; ip -4 -o addr show dev host0') || return 1
  [[ $(head -n 1 <<<"$out") == "$1" && $out == *"inet $2/24"* ]]
}

sudo_ok() { [[ $(ssh_to piherd "$1" "$KNOWN" sudo -n id -u) == 0 ]]; }
exec_ok() { [[ $("$FLEET" exec "$1" hostname) == "$1" ]]; }
apt_ok() { ssh_to root "$1" "$KNOWN" 'apt-get update -q >/dev/null && cat /etc/apt/sources.list' | grep -qF "$(inv 'i["aptBaseUrl"]')/debian"; }
peer_ok() { ssh_to root "$1" "$KNOWN" ping -c 1 -W 2 "$2" >/dev/null; }
unreachable() { [[ $(connect_ms "$1") == fail ]]; }
reachable() { [[ $(connect_ms "$1") != fail ]]; }
slower_than() { local ms; ms=$(connect_ms "$1"); [[ $ms != fail ]] && ((ms >= $2)); }
faster_than() { local ms; ms=$(connect_ms "$1"); [[ $ms != fail ]] && ((ms < $2)); }
stopped() { "$FLEET" status | grep -qE "^$1 +[0-9.]+ +stopped"; }
file_is() { [[ $(ssh_to root "$1" "$KNOWN" cat "$2") == "$3" ]]; }
mismatch_refused() { # ADDR KNOWN_HOSTS
  local out rc=0
  out=$(ssh_to root "$1" "$2" true 2>&1) || rc=$?
  ((rc != 0)) && [[ $out == *"HOST IDENTIFICATION HAS CHANGED"* ]]
}

A=${NAMES[0]} AA=${ADDRS[0]}
B=${NAMES[-1]} BA=${ADDRS[-1]}
# Whatever happens, leave the fleet whole for the tests that follow.
trap '"$FLEET" restore "$A" >/dev/null 2>&1; "$FLEET" netem "$A" clear >/dev/null 2>&1;
      "$FLEET" start "$B" >/dev/null 2>&1' EXIT

check "inventory follows the contract" contract_keys
for n in "${!NAMES[@]}"; do
  check "${NAMES[n]} answers ssh as itself at ${ADDRS[n]}" identity_ok "${NAMES[n]}" "${ADDRS[n]}"
  check "${NAMES[n]}: piherd has passwordless sudo" sudo_ok "${ADDRS[n]}"
  check "${NAMES[n]}: fleet exec runs inside the host" exec_ok "${NAMES[n]}"
done
check "$A: apt-get update works against the local repository only" apt_ok "$AA"
check "$A reaches $B across the bridge" peer_ok "$AA" "$BA"

ssh_to root "$BA" "$KNOWN" 'echo kept >/root/phf-selftest'
"$FLEET" stop "$B" 2>/dev/null
check "stop: $B is powered off" unreachable "$BA"
check "stop: status shows $B stopped" stopped "$B"
"$FLEET" start "$B" 2>/dev/null
check "start: $B is back as itself" identity_ok "$B" "$BA"
check "start: $B kept its disk" file_is "$BA" /root/phf-selftest kept

"$FLEET" cut "$A" 2>/dev/null
check "cut: $A is unreachable" unreachable "$AA"
"$FLEET" restore "$A" 2>/dev/null
check "restore: $A answers ssh again" identity_ok "$A" "$AA"

"$FLEET" netem "$A" delay 200ms 2>/dev/null
check "netem delay 200ms: connecting to $A takes >= 180 ms" slower_than "$AA" 180
"$FLEET" netem "$A" loss 100% 2>/dev/null
check "netem loss 100%: $A is unreachable" unreachable "$AA"
"$FLEET" netem "$A" clear 2>/dev/null
check "netem clear: connecting to $A takes < 100 ms" faster_than "$AA" 100

old_known=$(mktemp)
cp "$KNOWN" "$old_known"
old_key=$(grep "^$B," "$KNOWN" | cut -d' ' -f2-)
new_key=$("$FLEET" rekey "$B" 2>/dev/null)
check "rekey: $B has a new host key" test -n "$new_key" -a "$new_key" != "$old_key"
# shellcheck disable=SC2016 # the inner script expands its own arguments
check "rekey: known_hosts and inventory carry it" \
  bash -c '[[ $(grep "^$1," "$2" | cut -d" " -f2-) == "$3" ]] && grep -qF "$3" "$4"' _ \
  "$B" "$KNOWN" "$new_key" "$INVENTORY"
check "rekey: ssh with the new known_hosts works" identity_ok "$B" "$BA"
check "rekey: ssh with the old known_hosts is refused (host key mismatch)" mismatch_refused "$BA" "$old_known"
rm -f "$old_known"

printf '%d passed, %d failed\n' "$passed" "$failed"
((failed == 0))
