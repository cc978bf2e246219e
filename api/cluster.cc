#include "api/cluster.h"

#include <algorithm>
#include <charconv>

#include "api/ipv4.h"

namespace piherd {

std::map<std::string, std::string> requiredSysctls(std::string_view role) {
  std::map<std::string, std::string> sysctls = {
      {"net.bridge.bridge-nf-call-iptables", "1"},
      {"net.bridge.bridge-nf-call-ip6tables", "1"},
      {"net.ipv4.ip_forward", "1"},
  };
  // keepalived's VIP and the apiserver bound to it must work on whichever host holds it.
  if (role == kRoleControlPlane) sysctls.emplace("net.ipv4.ip_nonlocal_bind", "1");
  return sysctls;
}

std::map<std::string, std::string> effectiveSysctls(const Cluster& cluster, std::string_view role) {
  std::map<std::string, std::string> sysctls = requiredSysctls(role);
  for (const auto& [key, value] : cluster.spec.kernel.sysctls) sysctls[key] = value;
  return sysctls;
}

std::vector<std::string> requiredModules() {
  return {"overlay", "br_netfilter"};
}

std::vector<std::string> effectiveModules(const Cluster& cluster) {
  std::vector<std::string> modules = requiredModules();
  for (const auto& m : cluster.spec.kernel.modules) {
    if (std::find(modules.begin(), modules.end(), m) == modules.end()) modules.push_back(m);
  }
  return modules;
}

std::string firstServiceIP(const Cluster& cluster) {
  auto prefix = parseIPv4Prefix(cluster.spec.networking.serviceSubnet);
  if (!prefix || prefix->length > 30) return "";
  return formatIPv4(prefix->network() + 1);
}

std::optional<HostPort> parseHostPort(std::string_view endpoint) {
  size_t colon = endpoint.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view portText = endpoint.substr(colon + 1);
  int port = 0;
  auto [end, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (portText.empty() || ec != std::errc() || end != portText.data() + portText.size()) {
    return std::nullopt;
  }
  return HostPort{std::string(endpoint.substr(0, colon)), port};
}

}  // namespace piherd
