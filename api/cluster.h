// Cluster: one Kubernetes cluster as its owner declares it (docs/api.md), and
// the controller's observations of it in status. Plain data plus its field table; parsing,
// defaulting and validation live in manifest_set.h, defaults.h and validation.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/conditions.h"
#include "api/diagnostic.h"
#include "api/field_schema.h"
#include "api/object_meta.h"

namespace piherd {

struct ClusterNetworking {
  std::string podSubnet;      // required
  std::string serviceSubnet;  // default 10.96.0.0/12
  std::string dnsDomain;      // default cluster.local
  bool operator==(const ClusterNetworking&) const = default;
};

struct KernelSpec {
  std::map<std::string, std::string> sysctls;  // extras; see effectiveSysctls()
  std::vector<std::string> modules;            // extras; see effectiveModules()
  bool operator==(const KernelSpec&) const = default;
};

struct RuntimeSpec {
  std::string cgroupDriver;  // default systemd
  bool operator==(const RuntimeSpec&) const = default;
};

struct PackagesSpec {
  std::string repository;  // default: the official repository of the version's minor
  std::string signingKey;  // default: that repository's Release.key
  bool operator==(const PackagesSpec&) const = default;
};

struct CertificatesSpec {
  std::vector<std::string> extraSANs;
  std::optional<int> renewBeforeDays;  // default 30
  bool operator==(const CertificatesSpec&) const = default;
};

struct CalicoSpec {
  std::string manifest;  // path or URL; empty: the CNI facet's choice
  std::string mode;      // BGP | VXLAN | IPIP; default BGP
  bool operator==(const CalicoSpec&) const = default;
};

struct CniSpec {
  CalicoSpec calico;
  bool operator==(const CniSpec&) const = default;
};

// SSH settings every Machine inherits unless it overrides them.
struct ClusterSsh {
  std::string user;            // default ubuntu
  std::optional<int> port;     // default 22
  std::string privateKeyFile;  // default ~/.ssh/id_ed25519
  std::string knownHostsFile;  // default ~/.ssh/known_hosts
  bool operator==(const ClusterSsh&) const = default;
};

struct ClusterSpec {
  std::string kubernetesVersion;     // X.Y.Z, 1.31 or newer
  std::string controlPlaneEndpoint;  // VIP:port
  ClusterNetworking networking;
  KernelSpec kernel;
  RuntimeSpec runtime;
  PackagesSpec packages;
  CertificatesSpec certificates;
  CniSpec cni;
  ClusterSsh ssh;
  bool operator==(const ClusterSpec&) const = default;
};

struct ClusterStatus {
  std::string phase;  // Bootstrapping | Ready | Degraded
  std::optional<bool> initialized;
  std::string controlPlaneReady;  // "2/3"
  std::string etcdHealthy;        // "3/3"
  std::vector<Condition> conditions;
  int64_t observedGeneration = 0;
  bool operator==(const ClusterStatus&) const = default;
};

struct Cluster {
  std::string apiVersion = std::string(kApiVersion);
  std::string kind = std::string(kKindCluster);
  ObjectMeta metadata;
  ClusterSpec spec;
  ClusterStatus status;
  SourceRef source;  // where it was read from; not serialized
  bool operator==(const Cluster&) const = default;
};

// ---- field tables -------------------------------------------------------------------------

template <class V, SameStruct<ClusterNetworking> S>
void visitFields(V& v, S& s) {
  v.field("podSubnet", s.podSubnet,
          {.required = true,
           .format = StringFormat::kIPv4Network, .description = "Pod network CIDR (kubeadm networking.podSubnet, Calico's IPv4 pool)."});
  v.field("serviceSubnet", s.serviceSubnet,
          {.format = StringFormat::kIPv4Network, .description = "Service network CIDR. Default 10.96.0.0/12."});
  v.field("dnsDomain", s.dnsDomain, {.format = StringFormat::kDnsSubdomain, .description = "Cluster DNS domain. Default cluster.local."});
}

template <class V, SameStruct<KernelSpec> S>
void visitFields(V& v, S& s) {
  v.field("sysctls", s.sysctls,
          {.format = StringFormat::kSysctlValue, .keyFormat = StringFormat::kSysctlName, .description = "Extra sysctls, merged over the required ones (which cannot be "
                          "changed)."});
  v.field("modules", s.modules,
          {.format = StringFormat::kModuleName, .description = "Extra kernel modules, loaded besides overlay and br_netfilter."});
}

template <class V, SameStruct<RuntimeSpec> S>
void visitFields(V& v, S& s) {
  v.field("cgroupDriver", s.cgroupDriver,
          {.enumValues = {"systemd", "cgroupfs"},
           .description = "containerd's and kubelet's cgroup driver. Default systemd."});
}

template <class V, SameStruct<PackagesSpec> S>
void visitFields(V& v, S& s) {
  v.field("repository", s.repository,
          {.format = StringFormat::kHttpUrl, .description = "apt repository of kubeadm, kubelet, kubectl. Default: "
                          "https://pkgs.k8s.io/core:/stable:/v1.NN/deb/ for the version's "
                          "minor."});
  v.field("signingKey", s.signingKey,
          {.format = StringFormat::kPathOrUrl, .description = "URL or path of the repository's signing key. Default: the "
                          "official repository's Release.key."});
}

template <class V, SameStruct<CertificatesSpec> S>
void visitFields(V& v, S& s) {
  v.field("extraSANs", s.extraSANs,
          {.format = StringFormat::kSubjectAltName, .description = "Extra subject alternative names (IPv4 addresses or DNS names) of "
                          "the apiserver certificate."});
  v.field("renewBeforeDays", s.renewBeforeDays,
          {.minimum = 1,
           .maximum = 3650,
           .description = "Renew certificates this many days before they expire. Default 30."});
}

template <class V, SameStruct<CalicoSpec> S>
void visitFields(V& v, S& s) {
  v.field("manifest", s.manifest, {.format = StringFormat::kPathOrUrl, .description = "Path or URL of the Calico manifest."});
  v.field("mode", s.mode,
          {.enumValues = {"BGP", "VXLAN", "IPIP"},
           .description = "Calico's IPv4 pool mode: BGP, VXLAN or IPIP. Default BGP."});
}

template <class V, SameStruct<CniSpec> S>
void visitFields(V& v, S& s) {
  v.field("calico", s.calico, {.description = "Calico, the cluster's CNI."});
}

template <class V, SameStruct<ClusterSsh> S>
void visitFields(V& v, S& s) {
  v.field("user", s.user, {.format = StringFormat::kUserName, .description = "SSH user. Default ubuntu."});
  v.field("port", s.port, {.minimum = 1, .maximum = 65535, .description = "SSH port. Default 22."});
  v.field("privateKeyFile", s.privateKeyFile,
          {.format = StringFormat::kFilePath, .description = "Private key file on the controller's host. Default "
                          "~/.ssh/id_ed25519."});
  v.field("knownHostsFile", s.knownHostsFile,
          {.format = StringFormat::kFilePath, .description = "known_hosts file on the controller's host. Default "
                          "~/.ssh/known_hosts."});
}

template <class V, SameStruct<ClusterSpec> S>
void visitFields(V& v, S& s) {
  v.field("kubernetesVersion", s.kubernetesVersion,
          {.required = true,
           .format = StringFormat::kKubernetesVersion, .description = "Kubernetes version X.Y.Z (1.31 or newer); kubeadm, kubelet and "
                          "kubectl are pinned to it."});
  v.field("controlPlaneEndpoint", s.controlPlaneEndpoint,
          {.required = true,
           .format = StringFormat::kEndpoint, .description = "HOST:PORT of the apiserver: a VirtualIP's address and port."});
  v.field("networking", s.networking, {.required = true, .description = "Cluster networks."});
  v.field("kernel", s.kernel, {.description = "Kernel settings of every machine."});
  v.field("runtime", s.runtime, {.description = "Container runtime (containerd)."});
  v.field("packages", s.packages, {.description = "Where kubeadm, kubelet, kubectl come from."});
  v.field("certificates", s.certificates, {.description = "Cluster certificates."});
  v.field("cni", s.cni, {.description = "Pod network (CNI)."});
  v.field("ssh", s.ssh, {.description = "SSH defaults for every Machine."});
}

template <class V, SameStruct<ClusterStatus> S>
void visitFields(V& v, S& s) {
  v.field("phase", s.phase,
          {.enumValues = {"Bootstrapping", "Ready", "Degraded"},
           .description = "Bootstrapping, Ready or Degraded."});
  v.field("initialized", s.initialized, {.description = "Whether kubeadm init has run."});
  v.field("controlPlaneReady", s.controlPlaneReady,
          {.description = "Ready control planes out of all, e.g. 2/3."});
  v.field("etcdHealthy", s.etcdHealthy,
          {.description = "Healthy etcd members out of all, e.g. 3/3."});
  v.field("conditions", s.conditions, {.description = "Latest observations."});
  v.field("observedGeneration", s.observedGeneration,
          {.description = "metadata.generation the status was computed from."});
}

template <class V, SameStruct<Cluster> S>
void visitFields(V& v, S& s) {
  v.field("apiVersion", s.apiVersion, {.required = true});
  v.field("kind", s.kind, {.required = true});
  v.field("metadata", s.metadata, {.required = true});
  v.field("spec", s.spec, {.required = true, .description = "The cluster as declared."});
  v.field("status", s.status, {.description = "Observed by the controller; never edit."});
}

// ---- effective values ---------------------------------------------------------------------

inline constexpr std::string_view kRoleControlPlane = "control-plane";
inline constexpr std::string_view kRoleWorker = "worker";

// The sysctls a machine of `role` needs: the required ones (bridge-nf-call-iptables,
// bridge-nf-call-ip6tables, ip_forward; ip_nonlocal_bind on control planes, for the VIP)
// with spec.kernel.sysctls merged over them.
std::map<std::string, std::string> effectiveSysctls(const Cluster& cluster, std::string_view role);
// The required sysctls alone (what validation forbids changing).
std::map<std::string, std::string> requiredSysctls(std::string_view role);

// overlay and br_netfilter, then spec.kernel.modules (duplicates dropped, order kept).
std::vector<std::string> effectiveModules(const Cluster& cluster);
std::vector<std::string> requiredModules();

// The first address of the service subnet (the `kubernetes` Service's ClusterIP, a SAN of
// the apiserver certificate): 10.96.0.1 for 10.96.0.0/12. "" when the subnet is invalid.
std::string firstServiceIP(const Cluster& cluster);

// controlPlaneEndpoint split into host and port; nullopt when it is not HOST:PORT.
struct HostPort {
  std::string host;
  int port = 0;
};
std::optional<HostPort> parseHostPort(std::string_view endpoint);

}  // namespace piherd
