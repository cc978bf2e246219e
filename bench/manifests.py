#!/usr/bin/env python3
"""Writes the bench's manifests for the first N hosts of a fleet inventory: phf*-h1 is the
control plane (with the VIP), the others are workers; the same Cluster as the facet tests
(tests/fleet/facets_test.cc), pointing at the fleet's local repositories.

usage: manifests.py INVENTORY N DIR [FIRST]   (FIRST: the 1-based index of the first host, default 1)
"""
import ipaddress
import json
import os
import sys


def main():
    inventory, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    first = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    with open(inventory) as f:
        inv = json.load(f)
    hosts = inv["hosts"][first - 1:first - 1 + n]
    if len(hosts) < n:
        sys.exit(f"manifests.py: the fleet has {len(inv['hosts'])} hosts, {n} asked")
    net = ipaddress.ip_network(inv["network"])
    vip = str(net.network_address + 100)
    repo = inv["aptBaseUrl"] + "/kubernetes/v1.34/deb/"
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cluster.yaml"), "w") as f:
        f.write(f"""apiVersion: piherd.io/v1alpha1
kind: Cluster
metadata: {{name: bench}}
spec:
  kubernetesVersion: "1.34.2"
  controlPlaneEndpoint: "{vip}:6443"
  networking: {{podSubnet: 10.244.0.0/16}}
  packages:
    repository: {repo}
    signingKey: {repo}Release.key
  ssh: {{user: {inv['sshUser']}, privateKeyFile: {inv['sshPrivateKey']}, knownHostsFile: {inv['knownHosts']}}}
---
apiVersion: piherd.io/v1alpha1
kind: VirtualIP
metadata: {{name: apiserver}}
spec: {{cluster: bench, address: {vip}/{net.prefixlen}, interface: host0, virtualRouterID: 51}}
""")
    with open(os.path.join(out, "machines.yaml"), "w") as f:
        for i, h in enumerate(hosts):
            role = "control-plane" if i == 0 else "worker"
            f.write(f"""---
apiVersion: piherd.io/v1alpha1
kind: Machine
metadata: {{name: {h['name']}}}
spec: {{cluster: bench, role: {role}, address: {h['address']}}}
""")


if __name__ == "__main__":
    main()
