#include "reconcilers/kubeadm_config.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <set>

#include "api/defaults.h"
#include "api/document_text.h"
#include "api/json.h"
#include "api/kubernetes_version.h"
#include "platform/base64.h"

namespace piherd {
namespace {

constexpr std::string_view kTokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr size_t kTokenIdLength = 6;
constexpr size_t kTokenSecretLength = 16;

bool isTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string where(std::string_view kind, const std::string& name, std::string_view field) {
  return std::string(kind) + "/" + name + ": " + std::string(field) + ": ";
}

tl::unexpected<Error> invalid(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message));
}

// The parts every document shares, checked once: the objects belong together, the endpoint
// is the VIP's, the values kubeadm needs are there.
struct Common {
  std::string endpoint;  // VIP:port, controlPlaneEndpoint and discovery's apiServerEndpoint
  int port = kDefaultApiServerPort;
  Json nodeRegistration;
};

Result<std::string> endpointOf(const Cluster& cluster, const VirtualIP& vip) {
  const std::string host = vipHost(vip);
  const int port = vip.spec.port.value_or(kDefaultApiServerPort);
  if (host.empty()) {
    return invalid(where("VirtualIP", vip.metadata.name, "spec.address") + "is empty");
  }
  const std::string endpoint = host + ":" + std::to_string(port);
  auto declared = parseHostPort(cluster.spec.controlPlaneEndpoint);
  if (!declared || declared->host != host || declared->port != port) {
    return invalid(where("Cluster", cluster.metadata.name, "spec.controlPlaneEndpoint") + "\"" +
                   cluster.spec.controlPlaneEndpoint + "\" is not VirtualIP/" + vip.metadata.name +
                   "'s address and port " + endpoint +
                   " (kubeadm's controlPlaneEndpoint must be the VIP)");
  }
  return endpoint;
}

Json taintsFor(const Machine& machine) {
  Json taints = Json::array();
  auto render = [](const Taint& t) {
    Json j = {{"key", t.key}};
    if (!t.value.empty()) j["value"] = t.value;
    j["effect"] = t.effect;
    return j;
  };
  // A control plane keeps kubeadm's control-plane taint unless the Machine declares a taint
  // of that key itself (to change its effect, say): the list given replaces kubeadm's default.
  const bool ownsControlPlaneTaint =
      std::any_of(machine.spec.taints.begin(), machine.spec.taints.end(),
                  [](const Taint& t) { return t.key == kControlPlaneTaintKey; });
  if (machine.isControlPlane() && !ownsControlPlaneTaint) {
    taints.push_back(render({std::string(kControlPlaneTaintKey), "", "NoSchedule"}));
  }
  for (const Taint& t : machine.spec.taints) taints.push_back(render(t));
  return taints;
}

Result<Json> nodeRegistrationFor(const Machine& machine) {
  const std::string& name = machine.metadata.name;
  if (name.empty()) return invalid("Machine: metadata.name is empty (it becomes the Node's name)");
  if (machine.spec.address.empty()) {
    return invalid(where("Machine", name, "spec.address") + "is empty");
  }
  std::string labels;
  for (const auto& [key, value] : machine.spec.labels) {
    if (!kubeletMaySetLabel(key)) {
      return invalid(where("Machine", name, "spec.labels." + key) +
                     "kubelet refuses to set labels in the kubernetes.io and k8s.io namespaces "
                     "on its own Node (except kubelet.kubernetes.io/, node.kubernetes.io/ and a "
                     "few well-known ones), and would not start");
    }
    if (!labels.empty()) labels += ",";
    labels += key + "=" + value;
  }
  for (const Taint& t : machine.spec.taints) {
    if (t.key.empty() || t.effect.empty()) {
      return invalid(where("Machine", name, "spec.taints") + "a taint needs a key and an effect");
    }
  }
  // v1beta4 kubeletExtraArgs: a list of {name, value}, sorted by name. node-ip makes kubelet
  // report the address piherd reaches the host at, not whichever interface has the default
  // route (a Pi with Wi-Fi and Ethernet has two).
  Json args = Json::array({{{"name", "node-ip"}, {"value", machine.spec.address}}});
  if (!labels.empty()) args.push_back({{"name", "node-labels"}, {"value", labels}});
  return Json{{"name", name},
              {"criSocket", std::string(kContainerdCriSocket)},
              {"kubeletExtraArgs", args},
              {"taints", taintsFor(machine)}};
}

Result<Common> commonParts(const Cluster& cluster, const VirtualIP& vip, const Machine& machine) {
  const std::string& clusterName = cluster.metadata.name;
  if (!machine.spec.cluster.empty() && machine.spec.cluster != clusterName) {
    return invalid(where("Machine", machine.metadata.name, "spec.cluster") + "names \"" +
                   machine.spec.cluster + "\", not Cluster/" + clusterName);
  }
  if (!vip.spec.cluster.empty() && vip.spec.cluster != clusterName) {
    return invalid(where("VirtualIP", vip.metadata.name, "spec.cluster") + "names \"" +
                   vip.spec.cluster + "\", not Cluster/" + clusterName);
  }
  Common c;
  auto endpoint = endpointOf(cluster, vip);
  if (!endpoint) return tl::unexpected(endpoint.error());
  c.endpoint = *endpoint;
  c.port = vip.spec.port.value_or(kDefaultApiServerPort);
  auto reg = nodeRegistrationFor(machine);
  if (!reg) return tl::unexpected(reg.error());
  c.nodeRegistration = std::move(*reg);
  return c;
}

Json localApiEndpoint(const Machine& machine, int port) {
  return {{"advertiseAddress", machine.spec.address}, {"bindPort", port}};
}

Result<Json> clusterConfiguration(const Cluster& cluster, const VirtualIP& vip,
                                  const std::string& endpoint) {
  const std::string& name = cluster.metadata.name;
  auto version = parseKubernetesVersion(cluster.spec.kubernetesVersion);
  if (!version || !version->supported()) {
    return invalid(where("Cluster", name, "spec.kubernetesVersion") + "\"" +
                   cluster.spec.kubernetesVersion +
                   "\" is not a supported X.Y.Z version (1.31 or newer: kubeadm config v1beta4)");
  }
  const ClusterNetworking& net = cluster.spec.networking;
  if (net.podSubnet.empty()) {
    return invalid(where("Cluster", name, "spec.networking.podSubnet") +
                   "is empty (kubeadm would allocate no pod CIDRs and Calico would pick "
                   "192.168.0.0/16)");
  }
  // certSANs: the VIP and the extra SANs. The certificates facet's apiserver certificate holds
  // these and more (every control plane, the service IP): kubeadm checks a pre-placed
  // certificate against this list, so it must be a subset of what piherd issues.
  Json sans = Json::array({vipHost(vip)});
  for (const std::string& extra : cluster.spec.certificates.extraSANs) {
    if (std::find(sans.begin(), sans.end(), Json(extra)) == sans.end()) sans.push_back(extra);
  }
  return Json{
      {"apiVersion", std::string(kKubeadmApiVersion)},
      {"kind", "ClusterConfiguration"},
      {"clusterName", name},
      {"kubernetesVersion", "v" + version->text()},
      {"controlPlaneEndpoint", endpoint},
      {"certificatesDir", std::string(kKubeadmCertificatesDir)},
      // At the top level of networking, never under apiServer: kubeadm ignores it there.
      {"networking",
       {{"podSubnet", net.podSubnet},
        {"serviceSubnet",
         net.serviceSubnet.empty() ? std::string(kDefaultServiceSubnet) : net.serviceSubnet},
        {"dnsDomain", net.dnsDomain.empty() ? std::string(kDefaultDnsDomain) : net.dnsDomain}}},
      {"apiServer", {{"certSANs", sans}}},
  };
}

Result<Json> kubeletConfiguration(const Cluster& cluster) {
  std::string driver = cluster.spec.runtime.cgroupDriver.empty()
                           ? std::string(kDefaultCgroupDriver)
                           : cluster.spec.runtime.cgroupDriver;
  if (driver != "systemd" && driver != "cgroupfs") {
    return invalid(where("Cluster", cluster.metadata.name, "spec.runtime.cgroupDriver") + "\"" +
                   driver + "\" is neither systemd nor cgroupfs");
  }
  return Json{{"apiVersion", std::string(kKubeletConfigApiVersion)},
              {"kind", "KubeletConfiguration"},
              {"cgroupDriver", driver}};
}

std::string yamlStream(const std::vector<Json>& documents) {
  std::string out;
  for (const Json& d : documents) {
    if (!out.empty()) out += "---\n";
    out += emitYaml(d);
  }
  return out;
}

bool isLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string rfc3339(pki::TimePoint t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

}  // namespace

// ---- which hosts ------------------------------------------------------------------------------

Result<const Machine*> initControlPlane(const std::vector<Machine>& machines) {
  const Machine* first = nullptr;
  for (const Machine& m : machines) {
    if (m.isControlPlane() && (!first || m.metadata.name < first->metadata.name)) first = &m;
  }
  if (!first) {
    return makeError(ErrorCode::kNotFound,
                     "no control-plane Machine: kubeadm init needs one (spec.role: control-plane)");
  }
  return first;
}

Result<const VirtualIP*> apiserverVirtualIP(const Cluster& cluster,
                                            const std::vector<VirtualIP>& vips) {
  auto declared = parseHostPort(cluster.spec.controlPlaneEndpoint);
  if (declared) {
    for (const VirtualIP& v : vips) {
      if (vipHost(v) == declared->host &&
          v.spec.port.value_or(kDefaultApiServerPort) == declared->port) {
        return &v;
      }
    }
  }
  return makeError(ErrorCode::kNotFound,
                   where("Cluster", cluster.metadata.name, "spec.controlPlaneEndpoint") + "\"" +
                       cluster.spec.controlPlaneEndpoint + "\" is no VirtualIP's address and port");
}

bool kubeletMaySetLabel(std::string_view key) {
  const size_t slash = key.find('/');
  if (slash == std::string_view::npos) return true;
  const std::string_view ns = key.substr(0, slash);
  const bool kubernetesNamespace = ns == "kubernetes.io" || endsWith(ns, ".kubernetes.io") ||
                                   ns == "k8s.io" || endsWith(ns, ".k8s.io");
  if (!kubernetesNamespace) return true;
  for (std::string_view allowed : {"kubelet.kubernetes.io", "node.kubernetes.io"}) {
    if (ns == allowed || endsWith(ns, "." + std::string(allowed))) return true;
  }
  // kubelet's well-known labels (k8s.io/kubelet/pkg/apis: kubeletLabels).
  static const std::set<std::string_view> kWellKnown = {
      "kubernetes.io/hostname",
      "kubernetes.io/arch",
      "kubernetes.io/os",
      "beta.kubernetes.io/arch",
      "beta.kubernetes.io/os",
      "beta.kubernetes.io/instance-type",
      "failure-domain.beta.kubernetes.io/region",
      "failure-domain.beta.kubernetes.io/zone",
      "topology.kubernetes.io/region",
      "topology.kubernetes.io/zone",
  };
  return kWellKnown.count(key) > 0;
}

// ---- secrets ----------------------------------------------------------------------------------

Result<BootstrapToken> BootstrapToken::generate() {
  std::string chars;
  // Rejection sampling keeps every character equally likely: 252 = 7 * 36.
  while (chars.size() < kTokenIdLength + kTokenSecretLength) {
    std::array<unsigned char, 32> buf{};
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
      return makeError(ErrorCode::kInternal, "RAND_bytes failed: no bootstrap token made");
    }
    for (unsigned char b : buf) {
      if (b < 252 && chars.size() < kTokenIdLength + kTokenSecretLength) {
        chars += kTokenAlphabet[b % kTokenAlphabet.size()];
      }
    }
  }
  return BootstrapToken(chars.substr(0, kTokenIdLength), chars.substr(kTokenIdLength));
}

Result<BootstrapToken> BootstrapToken::fromText(std::string_view text) {
  const bool ok = text.size() == kTokenIdLength + 1 + kTokenSecretLength &&
                  text[kTokenIdLength] == '.' &&
                  std::all_of(text.begin(), text.begin() + kTokenIdLength, isTokenChar) &&
                  std::all_of(text.begin() + kTokenIdLength + 1, text.end(), isTokenChar);
  if (!ok) {
    return invalid("not a bootstrap token (want [a-z0-9]{6}.[a-z0-9]{16}; value not shown)");
  }
  return BootstrapToken(std::string(text.substr(0, kTokenIdLength)),
                        std::string(text.substr(kTokenIdLength + 1)));
}

std::string BootstrapToken::describe() const {
  return "bootstrap token " + id_ + " (secret not shown)";
}

nlohmann::json bootstrapTokenSecret(const BootstrapToken& token, pki::TimePoint expiration,
                                    std::string_view description) {
  nlohmann::json data = {
      {"token-id", base64Encode(token.id_)},
      {"token-secret", base64Encode(token.secret_)},
      {"expiration", base64Encode(rfc3339(expiration))},
      {"usage-bootstrap-authentication", base64Encode("true")},
      {"usage-bootstrap-signing", base64Encode("true")},
      {"auth-extra-groups", base64Encode(kBootstrapTokenGroup)},
  };
  if (!description.empty()) data["description"] = base64Encode(description);
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"name", "bootstrap-token-" + token.id_}, {"namespace", "kube-system"}}},
          {"type", "bootstrap.kubernetes.io/token"},
          {"data", data}};
}

Result<std::string> caCertHash(const std::string& caCertPem) {
  auto info = pki::parseCertificate(caCertPem);
  if (!info) return invalid("the cluster CA certificate: " + info.error().message);
  return "sha256:" + info->publicKeySha256;
}

// ---- the documents ----------------------------------------------------------------------------

Result<std::string> kubeadmInitConfig(const Cluster& cluster, const VirtualIP& vip,
                                      const Machine& machine) {
  if (!machine.isControlPlane()) {
    return invalid(where("Machine", machine.metadata.name, "spec.role") + "is \"" +
                   machine.spec.role + "\": kubeadm init runs on a control plane");
  }
  auto common = commonParts(cluster, vip, machine);
  if (!common) return tl::unexpected(common.error());
  auto clusterDoc = clusterConfiguration(cluster, vip, common->endpoint);
  if (!clusterDoc) return tl::unexpected(clusterDoc.error());
  auto kubeletDoc = kubeletConfiguration(cluster);
  if (!kubeletDoc) return tl::unexpected(kubeletDoc.error());
  // No token here: kubeadm makes one for the entry without a token (it must make one), and
  // this entry only shortens its life from kubeadm's 24h.
  Json initDoc = {
      {"apiVersion", std::string(kKubeadmApiVersion)},
      {"kind", "InitConfiguration"},
      {"bootstrapTokens",
       Json::array({{{"description", "made by kubeadm init; piherd makes its own per join"},
                     {"ttl", std::string(kInitTokenTtl)},
                     {"usages", Json::array({"signing", "authentication"})},
                     {"groups", Json::array({std::string(kBootstrapTokenGroup)})}}})},
      {"localAPIEndpoint", localApiEndpoint(machine, common->port)},
      {"nodeRegistration", common->nodeRegistration},
  };
  return yamlStream({initDoc, *clusterDoc, *kubeletDoc});
}

Result<KubeadmJoinConfig> kubeadmJoinConfig(const Cluster& cluster, const VirtualIP& vip,
                                            const Machine& machine, const BootstrapToken& token,
                                            const std::string& caCertHash) {
  constexpr std::string_view kPrefix = "sha256:";
  if (caCertHash.size() != kPrefix.size() + 64 || caCertHash.rfind(kPrefix, 0) != 0 ||
      !isLowerHex(std::string_view(caCertHash).substr(kPrefix.size()))) {
    return invalid("the CA certificate hash \"" + caCertHash +
                   "\" is not sha256: and 64 lowercase hex digits");
  }
  if (machine.spec.role != kRoleControlPlane && machine.spec.role != kRoleWorker) {
    return invalid(where("Machine", machine.metadata.name, "spec.role") + "is \"" +
                   machine.spec.role + "\", neither control-plane nor worker");
  }
  auto common = commonParts(cluster, vip, machine);
  if (!common) return tl::unexpected(common.error());
  Json joinDoc = {
      {"apiVersion", std::string(kKubeadmApiVersion)},
      {"kind", "JoinConfiguration"},
      {"discovery",
       {{"bootstrapToken",
         {{"apiServerEndpoint", common->endpoint},
          {"token", token.id_ + "." + token.secret_},
          {"caCertHashes", Json::array({caCertHash})}}}}},
      {"nodeRegistration", common->nodeRegistration},
  };
  if (machine.isControlPlane()) {
    joinDoc["controlPlane"] = {{"localAPIEndpoint", localApiEndpoint(machine, common->port)}};
  }
  std::string description = "JoinConfiguration for " + machine.metadata.name + " (" +
                            machine.spec.role + ") through " + common->endpoint + " with " +
                            token.describe();
  return KubeadmJoinConfig(yamlStream({joinDoc}), std::move(description));
}

}  // namespace piherd
