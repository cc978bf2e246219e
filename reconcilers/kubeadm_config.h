// kubeadm's configuration as piherd gives it (docs/bootstrap.md): the kubeadm.k8s.io/v1beta4
// documents made from the API objects, the init control plane rule, bootstrap tokens, and the
// CA certificate hash that join discovery pins. Pure: no I/O and no clock (callers pass the
// time); only BootstrapToken::generate() reads randomness (OpenSSL's RAND_bytes).
//
// Secrets: a bootstrap token's secret half leaves a BootstrapToken only inside two documents,
// the JoinConfiguration text (KubeadmJoinConfig, written to the joining host as a file over
// stdin) and the bootstrap-token Secret (bootstrapTokenSecret(), sent to the API). Neither type
// has a way to print it, and no error message here quotes it. The init config carries no
// token: kubeadm makes its own short-lived one (kInitTokenTtl) that piherd never uses.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "api/cluster.h"
#include "api/machine.h"
#include "api/virtual_ip.h"
#include "platform/pki.h"
#include "platform/status.h"

namespace piherd {

inline constexpr std::string_view kKubeadmApiVersion = "kubeadm.k8s.io/v1beta4";
inline constexpr std::string_view kKubeletConfigApiVersion = "kubelet.config.k8s.io/v1beta1";
inline constexpr std::string_view kContainerdCriSocket = "unix:///run/containerd/containerd.sock";
inline constexpr std::string_view kKubeadmCertificatesDir = "/etc/kubernetes/pki";
inline constexpr std::string_view kControlPlaneTaintKey = "node-role.kubernetes.io/control-plane";
// The lifetime of the token `kubeadm init` makes for itself (its default is 24h, and init
// prints it): piherd makes a token per join, so this one only has to outlive init.
inline constexpr std::string_view kInitTokenTtl = "15m0s";
// The group kubeadm's RBAC lets bootstrap tokens join with.
inline constexpr std::string_view kBootstrapTokenGroup =
    "system:bootstrappers:kubeadm:default-node-token";

// ---- which hosts ------------------------------------------------------------------------------

// The init control plane, where `kubeadm init` runs: the first control-plane Machine by
// metadata.name (byte order). keepalived's priorities follow the same order
// (controller/vip_desired.h), so on a fresh cluster the init host is also the VIP holder, which
// `kubeadm init` through the VIP needs. NotFound when no Machine is a control plane.
Result<const Machine*> initControlPlane(const std::vector<Machine>& machines);

// The VirtualIP that Cluster.spec.controlPlaneEndpoint names (its address and port).
// NotFound when none does.
Result<const VirtualIP*> apiserverVirtualIP(const Cluster& cluster,
                                            const std::vector<VirtualIP>& vips);

// ---- secrets ----------------------------------------------------------------------------------

class KubeadmJoinConfig;

// A bootstrap token, "[a-z0-9]{6}.[a-z0-9]{16}": its id is public (it names the Secret
// bootstrap-token-ID), its secret half is not. Copyable, comparable, never printable.
class BootstrapToken {
 public:
  // A fresh token from RAND_bytes (uniform over [a-z0-9]). Internal when OpenSSL fails.
  static Result<BootstrapToken> generate();
  // A token kept elsewhere (a file). InvalidArgument, without quoting it, when malformed.
  static Result<BootstrapToken> fromText(std::string_view text);

  const std::string& id() const { return id_; }
  // "bootstrap token abcdef (secret not shown)": what logs and plan output may say.
  std::string describe() const;
  bool operator==(const BootstrapToken&) const = default;

 private:
  BootstrapToken(std::string id, std::string secret)
      : id_(std::move(id)), secret_(std::move(secret)) {}
  std::string id_;
  std::string secret_;

  friend Result<KubeadmJoinConfig> kubeadmJoinConfig(const Cluster& cluster, const VirtualIP& vip,
                                                     const Machine& machine,
                                                     const BootstrapToken& token,
                                                     const std::string& caCertHash);
  friend nlohmann::json bootstrapTokenSecret(const BootstrapToken& token, pki::TimePoint expiration,
                                             std::string_view description);
};

// The Secret kube-system/bootstrap-token-ID that makes the token valid (what `kubeadm token
// create` writes): usages signing (cluster-info is signed for discovery) and authentication,
// the group kBootstrapTokenGroup, an RFC 3339 expiration. Send it to the API; never log it.
nlohmann::json bootstrapTokenSecret(const BootstrapToken& token, pki::TimePoint expiration,
                                    std::string_view description);

// "sha256:" + lowercase hex SHA-256 of the CA certificate's DER SubjectPublicKeyInfo: what
// `--discovery-token-ca-cert-hash` and discovery.bootstrapToken.caCertHashes take (RFC 7469
// pinning). InvalidArgument when the PEM holds no certificate. Public data.
Result<std::string> caCertHash(const std::string& caCertPem);

// ---- the documents ----------------------------------------------------------------------------

// The file `kubeadm init --config` reads on the init control plane: InitConfiguration,
// ClusterConfiguration and KubeletConfiguration, one YAML stream. Holds no secret.
// InvalidArgument (naming object and field) when the objects cannot make a valid config:
// the machine is not a control plane, the endpoint is not the VIP's, a required value is
// missing, or a label is one kubelet refuses to set on itself.
Result<std::string> kubeadmInitConfig(const Cluster& cluster, const VirtualIP& vip,
                                      const Machine& machine);

// The file `kubeadm join --config` reads on a joining host: a JoinConfiguration (with
// controlPlane.localAPIEndpoint for a control plane; no certificate key: piherd places the
// shared PKI). Secret: it carries the token. Made by kubeadmJoinConfig() only.
class KubeadmJoinConfig {
 public:
  // The file's bytes, for the host only: written over stdin, mode 0600. Never log them.
  const std::string& secretFileContent() const { return text_; }
  // "JoinConfiguration for worker01 (worker) through 192.168.3.10:6443 with bootstrap token
  // abcdef (secret not shown)": what logs and plan output may say instead.
  const std::string& describe() const { return description_; }

 private:
  KubeadmJoinConfig(std::string text, std::string description)
      : text_(std::move(text)), description_(std::move(description)) {}
  std::string text_;
  std::string description_;

  friend Result<KubeadmJoinConfig> kubeadmJoinConfig(const Cluster& cluster, const VirtualIP& vip,
                                                     const Machine& machine,
                                                     const BootstrapToken& token,
                                                     const std::string& caCertHash);
};

// The JoinConfiguration for `machine`, discovering the cluster through the VIP with `token`
// and pinning the CA by `caCertHash` (caCertHash() of the cluster CA). Same checks as
// kubeadmInitConfig (bar the role), and the hash must be "sha256:" + 64 lowercase hex.
Result<KubeadmJoinConfig> kubeadmJoinConfig(const Cluster& cluster, const VirtualIP& vip,
                                            const Machine& machine, const BootstrapToken& token,
                                            const std::string& caCertHash);

// Labels kubelet may set on its own Node (--node-labels): anything outside the kubernetes.io
// and k8s.io namespaces, plus kubelet.kubernetes.io/*, node.kubernetes.io/* and a few
// well-known labels. kubelet refuses to start with any other (node-role.kubernetes.io/...).
bool kubeletMaySetLabel(std::string_view key);

}  // namespace piherd
