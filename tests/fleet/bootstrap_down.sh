#!/usr/bin/env bash
# ctest's cleanup of the bootstrap suite (fixture bootstrap_cluster, tests/fleet/fleet.cmake):
# once its last test is done, `kubeadm reset -f` on its hosts (the ninth to fourteenth of the
# fleet), so the cluster's etcd and API stand-ins stop loading the machine while the other
# suites run their timed tests, and the hosts are bare for the next run.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
inv=${PIHERD_FLEET_INVENTORY:?PIHERD_FLEET_INVENTORY must name the fleet inventory}
mapfile -t names < <(python3 -c 'import json,sys; print("\n".join(h["name"] for h in json.load(open(sys.argv[1]))["hosts"][8:14]))' "$inv")
for name in "${names[@]}"; do
  "$here/fleet" exec "$name" sh -c 'command -v kubeadm >/dev/null && kubeadm reset -f >/dev/null 2>&1; true' &
done
wait
echo "bootstrap hosts reset: ${names[*]}"
