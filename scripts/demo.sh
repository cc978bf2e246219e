#!/usr/bin/env bash
# The README's "run" command: piherd's main job on its embedded default, a local demo fleet.
# It boots a few throwaway Debian hosts (systemd-nspawn containers with real systemd and
# sshd, tests/fleet/fleet), writes a Cluster, its Machines and its VirtualIP for them (three
# control planes behind the VIP, two workers), then shows `piherd plan`, runs `piherd apply`,
# which prepares the hosts and builds the cluster (kubeadm init, Calico, one join at a time),
# plans once more to show nothing is left to do, and ends with `kubectl get nodes` through
# the VIP. On the demo fleet, test stand-ins play kubeadm, kubelet and the apiserver
# (tests/standins/, docs/test-packages.md); etcd, keepalived and containerd are real.
# The hosts stay up afterwards so you can look around; tear them down with
#   tests/fleet/fleet down
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "demo.sh boots test hosts in containers and needs root: sudo scripts/demo.sh" >&2
  exit 1
fi
HOSTS=${PIHERD_DEMO_HOSTS:-5}
DEMO_DIR=${PIHERD_DEMO_DIR:-/var/tmp/piherd-demo}
# PIHERD_FLEET_INSTANCE=N boots the demo beside the test fleet (docs/fleet.md).
_instance=${PIHERD_FLEET_INSTANCE:-0}
export PIHERD_FLEET_RUN=${PIHERD_FLEET_RUN:-/var/tmp/piherd-fleet/run$([[ $_instance == 0 ]] || echo "$_instance")}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Installing dependencies and building piherd"
scripts/install-deps.sh
# The build directory and type scripts/test.sh uses, so running both builds once.
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build "$BUILD_DIR" -j"${JOBS:-2}" --target piherd
PIHERD=$PWD/$BUILD_DIR/piherd

step "Booting a demo fleet of $HOSTS hosts (the first run builds a base image: about 2 minutes)"
tests/fleet/fleet up "$HOSTS"

step "Writing manifests for the fleet to $DEMO_DIR"
rm -rf "$DEMO_DIR" && mkdir -p "$DEMO_DIR"
# Calico: a trimmed copy of the official calico.yaml (outside DEMO_DIR: piherd reads every
# manifest there as its own).
python3 scripts/demo_manifests.py "$PIHERD_FLEET_RUN/inventory.json" "$DEMO_DIR" \
  "$PWD/tests/unit/testdata/calico.yaml"
ls "$DEMO_DIR"
"$PIHERD" validate -f "$DEMO_DIR"

step "piherd plan: what would change (nothing is changed yet)"
rc=0; "$PIHERD" plan -f "$DEMO_DIR" || rc=$?
[[ $rc -eq 2 ]] || { echo "demo: expected pending changes (exit 2), got exit $rc" >&2; exit 1; }

step "piherd apply: converging every host, then building the cluster"
echo "(on the demo fleet, test stand-ins play kubeadm, kubelet and the apiserver: tests/standins/)"
"$PIHERD" apply -f "$DEMO_DIR"

# keepalived elects its master a few seconds after it starts: wait (up to 20 s) until a host
# holds the VIP, so the plan below reports its holder.
vip=$(sed -n 's#^ *address: *\([0-9.]*\)/.*#\1#p' "$DEMO_DIR/vip.yaml")
hosts=$(python3 -c 'import json,sys; print(" ".join(h["name"] for h in json.load(open(sys.argv[1]))["hosts"]))' "$PIHERD_FLEET_RUN/inventory.json")
for _ in $(seq 20); do
  for h in $hosts; do
    tests/fleet/fleet exec "$h" ip -4 -o addr show 2>/dev/null | grep -q " $vip/" && break 2
  done
  sleep 1
done

step "piherd plan again: nothing left to change"
"$PIHERD" plan -f "$DEMO_DIR"

first=${hosts%% *}
step "kubectl get nodes through the VIP $vip (the real kubectl, on $first; stand-in kubelets)"
tests/fleet/fleet exec "$first" kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes -o wide

cat <<EOT

Done. The demo hosts are still running:
  tests/fleet/fleet status              list them
  tests/fleet/fleet ssh phf-h1          log in to one
  $PIHERD plan -f $DEMO_DIR   try some drift (e.g. sysctl -w net.ipv4.ip_forward=0 on a host)
  tests/fleet/fleet down                tear the demo fleet down
EOT
