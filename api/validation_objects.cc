// The rules of one object alone; see validation.h. Cross-object rules: validation_set.cc.
#include <cmath>

#include "api/field_checker.h"
#include "api/ipv4.h"
#include "api/kubernetes_version.h"
#include "api/name_formats.h"
#include "api/validation.h"

namespace piherd {
namespace {

const char* kLabelRule =
    "must be an RFC 1123 label: at most 63 lowercase letters, digits and '-', starting and "
    "ending with a letter or digit";

void checkMetadata(const ObjectMeta& meta, DiagnosticReporter& r) {
  if (!meta.name.empty() && !isDnsLabel(meta.name)) {
    r.error("metadata.name", quoteValue(meta.name) + " is not a valid name: " + kLabelRule);
  }
  if (!meta.namespaceName.empty() && !isDnsLabel(meta.namespaceName)) {
    r.error("metadata.namespace", quoteValue(meta.namespaceName) + " " + kLabelRule);
  }
}

void checkLabels(const std::map<std::string, std::string>& labels, const std::string& path,
                 DiagnosticReporter& r) {
  for (const auto& [key, value] : labels) {
    std::string at = path + "[" + key + "]";
    if (!isLabelKey(key)) {
      r.error(at, quoteValue(key) +
                      " is not a valid label key ([prefix/]name, name at most 63 "
                      "letters, digits, '-', '_', '.')");
    } else if (!isLabelValue(value)) {
      r.error(at, quoteValue(value) +
                      " is not a valid label value (at most 63 letters, digits, "
                      "'-', '_', '.', starting and ending with a letter or digit)");
    }
  }
}

void checkReference(const std::string& cluster, const std::string& path, DiagnosticReporter& r) {
  if (!cluster.empty() && !isDnsLabel(cluster)) {
    r.error(path, quoteValue(cluster) + " is not a valid Cluster name: " + kLabelRule);
  }
}

void checkSingleLine(const std::string& value, const std::string& path, DiagnosticReporter& r) {
  if (!isSingleLine(value)) r.error(path, quoteValue(value) + " must be one line of text");
}

void checkUser(const std::string& user, const std::string& path, DiagnosticReporter& r) {
  if (!user.empty() && !isUserName(user)) {
    r.error(path, quoteValue(user) + " is not a valid user name ([a-z_][a-z0-9_-]*)");
  }
}

// A network CIDR such as a pod or service subnet: parses, and has no host bits set.
std::optional<Ipv4Prefix> checkSubnet(const std::string& value, const std::string& path,
                                      DiagnosticReporter& r) {
  if (value.empty()) return std::nullopt;
  auto prefix = parseIPv4Prefix(value);
  if (!prefix) {
    r.error(path, quoteValue(value) + " is not an IPv4 CIDR (A.B.C.D/N)");
    return std::nullopt;
  }
  if (prefix->hasHostBits()) {
    r.error(path,
            quoteValue(value) + " has host bits set; the network is " + prefix->networkText());
    return std::nullopt;
  }
  return prefix;
}

void checkKubernetesVersion(const std::string& value, DiagnosticReporter& r) {
  if (value.empty()) return;
  const std::string path = "spec.kubernetesVersion";
  auto version = parseKubernetesVersion(value);
  if (!version) {
    r.error(path, quoteValue(value) + " is not a Kubernetes version: write X.Y.Z, e.g. \"1.34.2\"");
  } else if (!version->supported()) {
    r.error(path, quoteValue(value) + " is not supported: piherd supports Kubernetes 1." +
                      std::to_string(kMinSupportedMinor) + " and newer (kubeadm config v1beta4)");
  }
}

void checkEndpoint(const std::string& value, DiagnosticReporter& r) {
  if (value.empty()) return;
  const std::string path = "spec.controlPlaneEndpoint";
  auto endpoint = parseHostPort(value);
  if (!endpoint || !parseIPv4(endpoint->host)) {
    r.error(path, quoteValue(value) +
                      " is not IPv4-ADDRESS:PORT, e.g. \"192.168.3.10:6443\" (a VirtualIP's "
                      "address and port)");
  } else if (endpoint->port < 1 || endpoint->port > 65535) {
    r.error(path, "port " + std::to_string(endpoint->port) + " is out of range: must be 1-65535");
  }
}

void checkNetworking(const ClusterNetworking& n, DiagnosticReporter& r) {
  auto pods = checkSubnet(n.podSubnet, "spec.networking.podSubnet", r);
  auto services = checkSubnet(n.serviceSubnet, "spec.networking.serviceSubnet", r);
  if (pods && pods->length > 24) {
    r.error("spec.networking.podSubnet",
            quoteValue(n.podSubnet) +
                " is too small: each node gets a /24 of it, so it must be "
                "/24 or larger");
  }
  if (services && services->length < 12) {
    r.error("spec.networking.serviceSubnet",
            quoteValue(n.serviceSubnet) +
                " is too large: kube-apiserver accepts a service subnet of /12 or smaller");
  }
  if (pods && services && pods->overlaps(*services)) {
    r.error("spec.networking.serviceSubnet",
            n.serviceSubnet + " overlaps podSubnet " + n.podSubnet);
  }
  if (!n.dnsDomain.empty() && !isDnsSubdomain(n.dnsDomain)) {
    r.error("spec.networking.dnsDomain",
            quoteValue(n.dnsDomain) + " is not a DNS domain (lowercase labels separated by '.')");
  }
}

void checkKernel(const KernelSpec& k, DiagnosticReporter& r) {
  auto required = requiredSysctls(kRoleControlPlane);
  for (const auto& [key, value] : k.sysctls) {
    std::string at = "spec.kernel.sysctls[" + key + "]";
    if (!isSysctlName(key)) {
      r.error(at, quoteValue(key) + " is not a sysctl name (e.g. net.ipv4.ip_forward)");
    } else if (!isSysctlValue(value)) {
      r.error(at, quoteValue(value) + " is not a sysctl value (one line, not empty)");
    } else if (auto it = required.find(key); it != required.end() && it->second != value) {
      r.error(at, "must be " + it->second + ": Kubernetes needs it (remove it or set it to " +
                      it->second + ")");
    }
  }
  for (size_t i = 0; i < k.modules.size(); ++i) {
    std::string at = "spec.kernel.modules[" + std::to_string(i) + "]";
    if (!isModuleName(k.modules[i])) {
      r.error(at, quoteValue(k.modules[i]) + " is not a kernel module name ([A-Za-z0-9_-]+)");
    }
    for (size_t j = 0; j < i; ++j) {
      if (k.modules[j] == k.modules[i]) r.error(at, quoteValue(k.modules[i]) + " is listed twice");
    }
  }
}

void checkPackages(const PackagesSpec& p, DiagnosticReporter& r) {
  if (!p.repository.empty() && !isHttpUrl(p.repository)) {
    r.error("spec.packages.repository",
            quoteValue(p.repository) + " is not an http:// or https:// URL");
  }
  if (!p.repository.empty() && p.signingKey.empty()) {
    r.error("spec.packages.signingKey",
            "required field is not set: a custom repository needs its signing key (URL or "
            "path); unsigned repositories are not used");
  }
  checkSingleLine(p.signingKey, "spec.packages.signingKey", r);
  if (p.signingKey.find_first_of(" \t") != std::string::npos) {
    r.error("spec.packages.signingKey", quoteValue(p.signingKey) + " must not contain spaces");
  }
}

void checkCertificates(const CertificatesSpec& c, DiagnosticReporter& r) {
  for (size_t i = 0; i < c.extraSANs.size(); ++i) {
    const std::string& san = c.extraSANs[i];
    std::string_view host = san;
    if (host.rfind("*.", 0) == 0) host.remove_prefix(2);
    if (!parseIPv4(san) && !isDnsSubdomain(host)) {
      r.error("spec.certificates.extraSANs[" + std::to_string(i) + "]",
              quoteValue(san) + " is neither an IPv4 address nor a DNS name");
    }
  }
}

}  // namespace

void validateCluster(const Cluster& c, std::vector<Diagnostic>& out) {
  DiagnosticReporter r(out, c.source, c.kind, c.metadata.name);
  checkFields(c, "", r);
  checkMetadata(c.metadata, r);
  checkKubernetesVersion(c.spec.kubernetesVersion, r);
  checkEndpoint(c.spec.controlPlaneEndpoint, r);
  checkNetworking(c.spec.networking, r);
  checkKernel(c.spec.kernel, r);
  checkPackages(c.spec.packages, r);
  checkCertificates(c.spec.certificates, r);
  checkSingleLine(c.spec.cni.calico.manifest, "spec.cni.calico.manifest", r);
  checkUser(c.spec.ssh.user, "spec.ssh.user", r);
  checkSingleLine(c.spec.ssh.privateKeyFile, "spec.ssh.privateKeyFile", r);
  checkSingleLine(c.spec.ssh.knownHostsFile, "spec.ssh.knownHostsFile", r);
}

void validateMachine(const Machine& m, std::vector<Diagnostic>& out) {
  DiagnosticReporter r(out, m.source, m.kind, m.metadata.name);
  checkFields(m, "", r);
  checkMetadata(m.metadata, r);
  checkReference(m.spec.cluster, "spec.cluster", r);
  if (!m.spec.address.empty()) {
    auto address = parseIPv4(m.spec.address);
    if (!address) {
      r.error("spec.address", quoteValue(m.spec.address) + " is not an IPv4 address");
    } else if (!isUsableHostAddress(*address)) {
      r.error("spec.address", quoteValue(m.spec.address) +
                                  " is not a usable host address (loopback, multicast, "
                                  "reserved)");
    }
  }
  checkUser(m.spec.ssh.user, "spec.ssh.user", r);
  checkSingleLine(m.spec.ssh.privateKeyFile, "spec.ssh.privateKeyFile", r);
  checkSingleLine(m.spec.ssh.knownHostsFile, "spec.ssh.knownHostsFile", r);
  if (!m.spec.ssh.hostKey.empty() && !isSshPublicKey(m.spec.ssh.hostKey)) {
    r.error("spec.ssh.hostKey", quoteValue(m.spec.ssh.hostKey) +
                                    " is not an SSH public key (\"ssh-ed25519 AAAA...\", as in "
                                    "/etc/ssh/ssh_host_ed25519_key.pub)");
  }
  checkLabels(m.spec.labels, "spec.labels", r);
  for (size_t i = 0; i < m.spec.taints.size(); ++i) {
    const Taint& t = m.spec.taints[i];
    std::string at = "spec.taints[" + std::to_string(i) + "]";
    if (!t.key.empty() && !isLabelKey(t.key)) {
      r.error(at + ".key", quoteValue(t.key) + " is not a valid taint key ([prefix/]name)");
    }
    if (!isLabelValue(t.value)) {
      r.error(at + ".value", quoteValue(t.value) + " is not a valid taint value");
    }
  }
}

namespace {

void checkVipAddress(const std::string& value, DiagnosticReporter& r) {
  if (value.empty()) return;
  const std::string path = "spec.address";
  auto prefix = parseIPv4Prefix(value);
  if (!prefix) {
    if (parseIPv4(value)) {
      r.error(path, quoteValue(value) + " needs the prefix length of its subnet, e.g. \"" + value +
                        "/24\"");
    } else {
      r.error(path, quoteValue(value) +
                        " is not an IPv4 address with a prefix length "
                        "(A.B.C.D/N)");
    }
    return;
  }
  if (!isUsableHostAddress(prefix->address)) {
    r.error(path, quoteValue(value) +
                      " is not a usable host address (loopback, multicast, "
                      "reserved)");
  } else if (prefix->length > 30) {
    r.error(path, quoteValue(value) +
                      ": the prefix length must be that of the machines' subnet "
                      "(30 or less), so the address lies in a subnet with them");
  } else if (prefix->address == prefix->network() || prefix->address == prefix->broadcast()) {
    r.error(path, quoteValue(value) + " is the " +
                      (prefix->address == prefix->network() ? "network" : "broadcast") +
                      " address of " + prefix->networkText() +
                      "; the VIP must be a host address inside its subnet");
  }
}

void checkVrrp(const VirtualIPSpec& s, DiagnosticReporter& r) {
  int version = s.vrrpVersion.value_or(2);
  if (version == 3 && !s.authPasswordFile.empty()) {
    r.error("spec.authPasswordFile",
            "VRRPv3 has no authentication (keepalived's auth_type PASS is VRRPv2 only): remove "
            "authPasswordFile or use vrrpVersion 2");
  }
  checkSingleLine(s.authPasswordFile, "spec.authPasswordFile", r);
  if (!s.advertIntervalSeconds) return;
  double interval = *s.advertIntervalSeconds;
  const std::string path = "spec.advertIntervalSeconds";
  std::string shown = formatNumber(interval);
  if (interval <= 0) return;  // out of range; reported from the field table
  if (version == 2 && interval < 1) {
    r.error(path, shown +
                      " needs vrrpVersion 3: VRRPv2 adverts are whole seconds (sub-second "
                      "adverts are VRRPv3 only)");
  } else if (version == 2 && interval != std::floor(interval)) {
    r.error(path, shown +
                      " is not a whole number of seconds, as VRRPv2 needs (fractions need "
                      "vrrpVersion 3)");
  } else if (version == 3 && interval > 40.95) {
    r.error(path, shown + " is out of range for VRRPv3: must be 0.01-40.95");
  } else if (version == 3 && std::fabs(interval * 100 - std::round(interval * 100)) > 1e-6) {
    r.error(path, shown + " is not a multiple of 0.01 s (VRRPv3's resolution)");
  }
}

}  // namespace

void validateVirtualIP(const VirtualIP& v, std::vector<Diagnostic>& out) {
  DiagnosticReporter r(out, v.source, v.kind, v.metadata.name);
  checkFields(v, "", r);
  checkMetadata(v.metadata, r);
  checkReference(v.spec.cluster, "spec.cluster", r);
  checkVipAddress(v.spec.address, r);
  if (!v.spec.interface.empty() && !isInterfaceName(v.spec.interface)) {
    r.error("spec.interface", quoteValue(v.spec.interface) +
                                  " is not a network interface name (1-15 of A-Z a-z 0-9 _ . -)");
  }
  checkVrrp(v.spec, r);
}

std::vector<Diagnostic> validate(const ManifestSet& set) {
  std::vector<Diagnostic> out;
  for (const auto& c : set.clusters) validateCluster(c, out);
  for (const auto& m : set.machines) validateMachine(m, out);
  for (const auto& v : set.vips) validateVirtualIP(v, out);
  validateRelations(set, out);
  return out;
}

}  // namespace piherd
