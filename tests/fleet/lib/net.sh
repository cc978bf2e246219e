# shellcheck shell=bash
# The fleet's network: one bridge (phf-br0, 10.77.0.1/24) on the machine, and per host a
# network namespace phf-hI holding one end of a veth pair (host0, which the host's
# systemd-networkd configures) while the other end (phf-hI-v) is a port of the bridge.
# Hosts talk only to the bridge address and to each other: no forwarding, no NAT.

phf_bridge_up() {
  if ! ip link show "$PHF_BRIDGE" >/dev/null 2>&1; then
    ip link add "$PHF_BRIDGE" address "$PHF_BRIDGE_MAC" type bridge stp_state 0 forward_delay 0
  fi
  # Bridged traffic between hosts must not meet the machine's iptables (br_netfilter).
  ip link set "$PHF_BRIDGE" type bridge nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0
  ip addr replace "$PHF_BRIDGE_IP/24" dev "$PHF_BRIDGE"
  ip link set "$PHF_BRIDGE" up
}

# Creates host NAME's network namespace and veth pair, plugged into the bridge.
phf_host_net_up() {
  local name=$1 veth
  veth=$(phf_host_veth "$name")
  [[ -e /run/netns/$name ]] || ip netns add "$name"
  ip -n "$name" link set lo up
  if ! ip link show "$veth" >/dev/null 2>&1; then
    ip link add "$veth" type veth peer name host0 netns "$name"
  fi
  ip link set "$veth" master "$PHF_BRIDGE"
  ip link set "$veth" up
}

# Cutting a host's link: its bridge port goes down, so the host sees its carrier drop,
# like an unplugged cable. Its address stays configured (IgnoreCarrierLoss=yes).
phf_cut() {
  ip link set "$(phf_host_veth "$1")" down
  phf_log "$1: link cut"
}

phf_restore() {
  ip link set "$(phf_host_veth "$1")" up
  phf_log "$1: link restored"
}

phf_link_state() {
  if ip link show "$(phf_host_veth "$1")" 2>/dev/null | grep -q '[<,]UP[,>]'; then
    printf up
  else
    printf down
  fi
}
