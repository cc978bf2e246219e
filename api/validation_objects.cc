// The rules of one object alone; see validation.h. Cross-object rules: validation_set.cc.
#include <cmath>

#include "api/field_checker.h"
#include "api/ipv4.h"
#include "api/name_formats.h"
#include "api/validation.h"

namespace piherd {
namespace {

// A subnet that is in its format (field table), else nullopt (reported there).
std::optional<Ipv4Prefix> validSubnet(const std::string& value) {
  auto prefix = parseIPv4Prefix(value);
  if (!prefix || prefix->hasHostBits()) return std::nullopt;
  return prefix;
}

// The syntax of every field (addresses, names, paths, URLs, sysctls...) is the field
// table's format (string_formats.h), checked by checkFields; what follows are the rules
// between fields and values beyond syntax.
void checkNetworking(const ClusterNetworking& n, DiagnosticReporter& r) {
  auto pods = validSubnet(n.podSubnet);
  auto services = validSubnet(n.serviceSubnet);
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
}

void checkKernel(const KernelSpec& k, DiagnosticReporter& r) {
  auto required = requiredSysctls(kRoleControlPlane);
  for (const auto& [key, value] : k.sysctls) {
    std::string at = "spec.kernel.sysctls[" + key + "]";
    if (!isSysctlName(key) || (!value.empty() && !isSysctlValue(value))) continue;  // format
    if (value.empty()) {
      r.error(at, "a sysctl value cannot be empty");
    } else if (auto it = required.find(key); it != required.end() && it->second != value) {
      r.error(at, "must be " + it->second + ": Kubernetes needs it (remove it or set it to " +
                      it->second + ")");
    }
  }
  for (size_t i = 0; i < k.modules.size(); ++i) {
    std::string at = "spec.kernel.modules[" + std::to_string(i) + "]";
    for (size_t j = 0; j < i; ++j) {
      if (k.modules[j] == k.modules[i]) r.error(at, quoteValue(k.modules[i]) + " is listed twice");
    }
  }
}

void checkPackages(const PackagesSpec& p, DiagnosticReporter& r) {
  if (!p.repository.empty() && p.signingKey.empty()) {
    r.error("spec.packages.signingKey",
            "required field is not set: a custom repository needs its signing key (URL or "
            "path); unsigned repositories are not used");
  }
}

}  // namespace

void validateCluster(const Cluster& c, std::vector<Diagnostic>& out) {
  DiagnosticReporter r(out, c.source, c.kind, c.metadata.name);
  checkFields(c, "", r);  // required, enums, ranges and every string's format
  checkNetworking(c.spec.networking, r);
  checkKernel(c.spec.kernel, r);
  checkPackages(c.spec.packages, r);
}

void validateMachine(const Machine& m, std::vector<Diagnostic>& out) {
  DiagnosticReporter r(out, m.source, m.kind, m.metadata.name);
  checkFields(m, "", r);
}

namespace {

void checkVrrp(const VirtualIPSpec& s, DiagnosticReporter& r) {
  int version = s.vrrpVersion.value_or(2);
  if (version == 3 && !s.authPasswordFile.empty()) {
    r.error("spec.authPasswordFile",
            "VRRPv3 has no authentication (keepalived's auth_type PASS is VRRPv2 only): remove "
            "authPasswordFile or use vrrpVersion 2");
  }
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
