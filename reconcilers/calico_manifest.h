// Calico, the cluster's CNI, as piherd installs and watches it (docs/bootstrap.md): the
// objects of a Calico manifest (multi-document YAML in the shape of the official calico.yaml)
// made ready for server-side apply, with calico-node's env carrying the pod subnet and the
// pool mode, and a pure check of what the cluster runs against that. Pure: the caller fetches
// the manifest (file or URL) and the live objects (KubeClient), and applies.
//
// calico-node creates its default IPv4 pool from CALICO_IPV4POOL_CIDR only when no pool exists:
// after that the env no longer moves the pool, so a pool that differs is reported, never
// "fixed" by deleting it (its pods would lose their addresses; Kubespray's check.yml rule).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/cluster.h"
#include "platform/status.h"

namespace piherd {

inline constexpr std::string_view kCalicoNamespace = "kube-system";
inline constexpr std::string_view kCalicoNodeName = "calico-node";  // DaemonSet and container
inline constexpr std::string_view kCalicoConfigMapName = "calico-config";
inline constexpr std::string_view kCalicoDefaultPoolName = "default-ipv4-ippool";

// What piherd wants of Calico, from Cluster.spec (networking.podSubnet, cni.calico.mode).
struct CalicoDesired {
  std::string podSubnet;  // CALICO_IPV4POOL_CIDR, the default pool's spec.cidr
  std::string mode;       // BGP | VXLAN | IPIP
  bool operator==(const CalicoDesired&) const = default;
};
// InvalidArgument, naming the field, when podSubnet is empty or the mode unknown. An empty
// mode is BGP (the default).
Result<CalicoDesired> calicoDesired(const Cluster& cluster);

// The pool mode as Calico's settings say it:
//   BGP:   IPIP Never,  VXLAN Never,  backend bird  (plain routes, exchanged over BGP)
//   IPIP:  IPIP Always, VXLAN Never,  backend bird  (the official manifest's default)
//   VXLAN: IPIP Never,  VXLAN Always, backend vxlan (no BGP: BIRD does not run)
struct CalicoModeSettings {
  std::string ipipMode;   // CALICO_IPV4POOL_IPIP, the pool's spec.ipipMode
  std::string vxlanMode;  // CALICO_IPV4POOL_VXLAN, the pool's spec.vxlanMode
  std::string backend;    // CALICO_NETWORKING_BACKEND, calico-config's calico_backend
};
Result<CalicoModeSettings> calicoModeSettings(std::string_view mode);

// The env calico-node must carry, in this order: CALICO_IPV4POOL_CIDR, CALICO_IPV4POOL_IPIP,
// CALICO_IPV4POOL_VXLAN, CALICO_NETWORKING_BACKEND. desired must have passed calicoDesired().
std::vector<std::pair<std::string, std::string>> calicoNodeEnv(const CalicoDesired& desired);

// The manifest's objects, in manifest order (CRDs first where the manifest puts them first),
// to server-side apply one by one. In the calico-node DaemonSet's calico-node container, each
// calicoNodeEnv() variable is set to its literal value: added where the manifest leaves it
// out or commented out (the official calico.yaml comments CALICO_IPV4POOL_CIDR out), replaced
// where it has another value or a valueFrom. calico-config's calico_backend, where present,
// says the same backend. In VXLAN mode, the -bird-live and -bird-ready probe checks are
// dropped (BIRD does not run; the probes would never pass).
// InvalidArgument, before anything could be applied, when the text is not YAML, a document
// is not a Kubernetes object (apiVersion, kind, metadata.name), or there is no calico-node
// DaemonSet (or more than one) or it has no calico-node container. `Kind: List` documents
// contribute their items.
Result<std::vector<nlohmann::json>> calicoObjects(std::string_view manifestText,
                                                  const CalicoDesired& desired);

// Observation: the live calico-node DaemonSet and the live default IPPool (nullopt: not
// found) against what piherd wants. One line per mismatch, empty when all is as wanted:
// the DaemonSet or its container missing, an env variable unset or different, VXLAN probes
// that still check BIRD, the pool missing, its cidr or encapsulation different. Lines never
// propose deleting a pool.
std::vector<std::string> checkCalico(const std::optional<nlohmann::json>& daemonSet,
                                     const std::optional<nlohmann::json>& defaultPool,
                                     const CalicoDesired& desired);

}  // namespace piherd
