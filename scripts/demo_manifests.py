#!/usr/bin/env python3
"""Writes piherd manifests for the hosts of a test fleet (tests/fleet/fleet's inventory).

Usage: demo_manifests.py INVENTORY.json OUTDIR CALICO_MANIFEST

The first three hosts are control planes behind the VIP (the first one alone when there are
fewer than three), the rest are workers; packages come from the fleet's local, signed
Kubernetes-style repository (kubeadm, kubelet and the apiserver are test stand-ins there,
tests/standins/); Calico is CALICO_MANIFEST (an absolute path: a manifest in OUTDIR would be
read as one of piherd's); SSH uses the
fleet's key and known_hosts, with strict host-key checking.
"""
import ipaddress
import json
import sys


def main():
    inventory_path, out, calico = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(inventory_path) as f:
        inv = json.load(f)
    network = ipaddress.ip_network(inv["network"])
    vip = str(network.network_address + 100)
    repo = inv["aptBaseUrl"] + "/kubernetes/v1.34/deb/"
    with open(f"{out}/cluster.yaml", "w") as f:
        f.write(f"""# A demo cluster on the local test fleet (scripts/demo.sh).
apiVersion: piherd.io/v1alpha1
kind: Cluster
metadata:
  name: demo
spec:
  kubernetesVersion: "1.34.2"
  controlPlaneEndpoint: "{vip}:6443"
  networking:
    podSubnet: 10.244.0.0/16
  cni:
    calico:
      manifest: {calico}
      mode: VXLAN
  packages:
    repository: {repo}
    signingKey: {repo}Release.key
  ssh:
    user: {inv["sshUser"]}
    privateKeyFile: {inv["sshPrivateKey"]}
    knownHostsFile: {inv["knownHosts"]}
""")
    with open(f"{out}/vip.yaml", "w") as f:
        f.write(f"""apiVersion: piherd.io/v1alpha1
kind: VirtualIP
metadata:
  name: apiserver
spec:
  cluster: demo
  address: {vip}/{network.prefixlen}
  port: 6443
  interface: host0
  virtualRouterID: 51
""")
    with open(f"{out}/machines.yaml", "w") as f:
        control_planes = 3 if len(inv["hosts"]) >= 3 else 1
        for i, host in enumerate(inv["hosts"]):
            role = "control-plane" if i < control_planes else "worker"
            f.write(f"""---
apiVersion: piherd.io/v1alpha1
kind: Machine
metadata:
  name: {host["name"]}
spec:
  cluster: demo
  role: {role}
  address: {host["address"]}
""")


if __name__ == "__main__":
    main()
