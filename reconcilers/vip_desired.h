// VipInstance: what one control plane's keepalived must do for one VirtualIP (the VIP facet's
// part of HostDesired). The controller builds it from the manifests (controller/vip_desired.cc):
// the peers are the other control planes, the priority comes from the control planes' order.
// The password is secret material: it reaches the host only inside the keepalived config,
// written over stdin; describeAction() and logs never show it.
#pragma once

#include <string>
#include <vector>

namespace piherd {

struct VipInstance {
  std::string name;                 // the VirtualIP's metadata.name
  std::string address;              // the VIP without prefix, "192.168.3.10"
  int port = 6443;                  // the apiserver port the VIP serves
  std::string interface;            // where keepalived puts it
  int virtualRouterId = 0;
  int vrrpVersion = 2;
  double advertIntervalSeconds = 1;
  std::string sourceAddress;        // this host's address (unicast_src_ip)
  std::vector<std::string> peers;   // the other control planes' addresses (unicast_peer)
  int priority = 100;               // higher holds the VIP; see vipPriority()
  std::string authPassword;         // VRRPv2 PASS; empty: no authentication. SECRET.
  bool operator==(const VipInstance&) const = default;
};

// Deterministic priorities: the control planes in name order, the first (the init control
// plane, where `kubeadm init` runs) highest. Rank r gets 200 - r; a failing apiserver check
// subtracts kVipTrackWeight, which puts every host with a dead apiserver below every host
// with a live one, while keeping the order among the dead: on a fresh cluster (no apiserver
// anywhere) the init host still holds the VIP (kube-vip#684).
inline constexpr int kVipTopPriority = 200;
inline constexpr int kVipTrackWeight = 100;
inline constexpr int kVipMaxControlPlanes = 99;  // so every priority stays within 1..254
inline int vipPriority(int rank) { return kVipTopPriority - rank; }

}  // namespace piherd
