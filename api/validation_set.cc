// The rules between objects of a set; see validation.h.
#include <map>
#include <optional>

#include "api/ipv4.h"
#include "api/validation.h"

namespace piherd {
namespace {

DiagnosticReporter reporterFor(const Cluster& c, std::vector<Diagnostic>& out) {
  return DiagnosticReporter(out, c.source, c.kind, c.metadata.name);
}
DiagnosticReporter reporterFor(const Machine& m, std::vector<Diagnostic>& out) {
  return DiagnosticReporter(out, m.source, m.kind, m.metadata.name);
}
DiagnosticReporter reporterFor(const VirtualIP& v, std::vector<Diagnostic>& out) {
  return DiagnosticReporter(out, v.source, v.kind, v.metadata.name);
}

template <class T>
std::string describe(const T& object) {
  std::string where = object.source.file.empty() ? "" : " in " + object.source.file;
  return object.kind + "/" + object.metadata.name + where;
}

template <class T>
void checkUniqueNames(const std::vector<T>& objects, std::vector<Diagnostic>& out) {
  std::map<std::string, const T*> seen;
  for (const auto& o : objects) {
    if (o.metadata.name.empty()) continue;
    auto [it, fresh] = seen.emplace(o.metadata.name, &o);
    if (!fresh) {
      reporterFor(o, out).error(
          "metadata.name",
          "name " + quoteValue(o.metadata.name) + " is already used by " + describe(*it->second));
    }
  }
}

// Where the set's pod and service networks are, when they parse.
struct ClusterNetworks {
  std::optional<Ipv4Prefix> pods;
  std::optional<Ipv4Prefix> services;
};

ClusterNetworks networksOf(const Cluster* c) {
  if (!c) return {};
  return {parseIPv4Prefix(c->spec.networking.podSubnet),
          parseIPv4Prefix(c->spec.networking.serviceSubnet)};
}

// An address must not lie in the pod or service network.
void checkOutsideClusterNetworks(uint32_t address, const ClusterNetworks& n,
                                 const std::string& path, DiagnosticReporter& r) {
  if (n.pods && n.pods->contains(address)) {
    r.error(path, formatIPv4(address) + " lies in the pod subnet " + n.pods->networkText());
  }
  if (n.services && n.services->contains(address)) {
    r.error(path, formatIPv4(address) + " lies in the service subnet " + n.services->networkText());
  }
}

void checkReferences(const ManifestSet& set, std::vector<Diagnostic>& out) {
  if (set.clusters.size() != 1) return;  // reported once, as a set problem
  const std::string& name = set.clusters.front().metadata.name;
  auto check = [&](const auto& object) {
    const std::string& ref = object.spec.cluster;
    if (ref.empty() || ref == name) return;
    reporterFor(object, out)
        .error("spec.cluster", "no Cluster named " + quoteValue(ref) + " (the Cluster is " +
                                   quoteValue(name) + ")");
  };
  for (const auto& m : set.machines) check(m);
  for (const auto& v : set.vips) check(v);
}

void checkClusterCount(const ManifestSet& set, std::vector<Diagnostic>& out) {
  if (set.clusters.empty()) {
    out.push_back(Diagnostic{"", "", "", 0, "",
                             "no Cluster: a manifest set needs exactly one Cluster object"});
  }
  for (size_t i = 1; i < set.clusters.size(); ++i) {
    reporterFor(set.clusters[i], out)
        .error("", "a manifest set holds exactly one Cluster; " + describe(set.clusters[0]) +
                       " is already defined");
  }
}

void checkVirtualIPs(const ManifestSet& set, const ClusterNetworks& n,
                     std::vector<Diagnostic>& out) {
  std::map<uint32_t, const VirtualIP*> byAddress;
  std::map<int, const VirtualIP*> byRouterID;
  for (const auto& v : set.vips) {
    auto r = reporterFor(v, out);
    if (auto prefix = parseIPv4Prefix(v.spec.address)) {
      auto [it, fresh] = byAddress.emplace(prefix->address, &v);
      if (!fresh)
        r.error("spec.address", formatIPv4(prefix->address) + " is already the address of " +
                                    describe(*it->second));
      checkOutsideClusterNetworks(prefix->address, n, "spec.address", r);
      for (const auto* other : {n.pods ? &*n.pods : nullptr, n.services ? &*n.services : nullptr}) {
        if (other && prefix->length <= 30 && prefix->overlaps(*other) &&
            !other->contains(prefix->address)) {
          r.error("spec.address", "its subnet " + prefix->networkText() + " overlaps the " +
                                      (other == &*n.pods ? "pod" : "service") + " subnet " +
                                      other->networkText());
        }
      }
    }
    // Every VirtualIP lives on the control planes' keepalived, so each must be in their
    // subnet (for the apiserver's VIP, checkMachines reports it on the Machine instead).
    auto subnet = parseIPv4Prefix(v.spec.address);
    if (subnet && subnet->length <= 30 && &v != set.apiServerVip()) {
      for (const Machine* cp : set.controlPlanes()) {
        auto a = parseIPv4(cp->spec.address);
        if (a && !subnet->contains(*a)) {
          r.error("spec.address", "its subnet " + subnet->networkText() + " does not hold control plane " +
                                      describe(*cp) + " (" + cp->spec.address +
                                      "); keepalived on the control planes holds every VIP");
          break;
        }
      }
    }
    if (v.spec.virtualRouterID) {
      auto [it, fresh] = byRouterID.emplace(*v.spec.virtualRouterID, &v);
      if (!fresh) {
        r.error("spec.virtualRouterID", std::to_string(*v.spec.virtualRouterID) +
                                            " is already used by " + describe(*it->second) +
                                            "; VRRP instances on one network need distinct IDs");
      }
    }
  }
}

void checkMachines(const ManifestSet& set, const ClusterNetworks& n, std::vector<Diagnostic>& out) {
  std::map<uint32_t, const Machine*> byAddress;
  const VirtualIP* apiVip = set.apiServerVip();
  auto apiSubnet = apiVip ? parseIPv4Prefix(apiVip->spec.address) : std::nullopt;
  for (const auto& m : set.machines) {
    auto address = parseIPv4(m.spec.address);
    if (!address) continue;
    auto r = reporterFor(m, out);
    auto [it, fresh] = byAddress.emplace(*address, &m);
    if (!fresh) {
      r.error("spec.address",
              m.spec.address + " is already the address of " + describe(*it->second));
    }
    for (const auto& v : set.vips) {
      auto vip = parseIPv4Prefix(v.spec.address);
      if (vip && vip->address == *address) {
        r.error("spec.address", m.spec.address + " is the virtual address of " + describe(v) +
                                    "; a machine needs an address of its own");
      }
    }
    checkOutsideClusterNetworks(*address, n, "spec.address", r);
    if (m.isControlPlane() && apiSubnet && apiSubnet->length <= 30 &&
        !apiSubnet->contains(*address)) {
      r.error("spec.address", m.spec.address + " is not in " + describe(*apiVip) + "'s subnet " +
                                  apiSubnet->networkText() +
                                  "; control planes must share the VIP's network segment");
    }
  }
}

void checkEndpoint(const ManifestSet& set, std::vector<Diagnostic>& out) {
  if (set.clusters.empty()) return;
  const Cluster& c = set.clusters.front();
  auto endpoint = parseHostPort(c.spec.controlPlaneEndpoint);
  if (!endpoint || !parseIPv4(endpoint->host) || endpoint->port < 1 || endpoint->port > 65535) {
    return;  // reported by validateCluster
  }
  auto r = reporterFor(c, out);
  const VirtualIP* vip = set.apiServerVip();
  if (!vip) {
    r.error("spec.controlPlaneEndpoint",
            endpoint->host + " is not the address of any VirtualIP" +
                (set.vips.empty() ? " (there is none)" : "") +
                "; the endpoint must be a VirtualIP's address and port");
  } else if (vip->spec.port && *vip->spec.port != endpoint->port) {
    r.error("spec.controlPlaneEndpoint", "port " + std::to_string(endpoint->port) +
                                             " differs from " + describe(*vip) + "'s port " +
                                             std::to_string(*vip->spec.port));
  }
}

void checkControlPlaneCount(const ManifestSet& set, std::vector<Diagnostic>& out) {
  if (set.clusters.empty()) return;
  auto r = reporterFor(set.clusters.front(), out);
  size_t count = set.controlPlanes().size();
  if (count == 0) {
    r.error("", "no Machine has role control-plane; at least one is needed");
  } else if (count % 2 == 0) {
    r.warning("", std::to_string(count) +
                      " control-plane machines: an even number tolerates no more failures than "
                      "one fewer (etcd needs a majority); an odd number is recommended");
  }
}

}  // namespace

void validateRelations(const ManifestSet& set, std::vector<Diagnostic>& out) {
  checkClusterCount(set, out);
  checkUniqueNames(set.clusters, out);
  checkUniqueNames(set.machines, out);
  checkUniqueNames(set.vips, out);
  checkReferences(set, out);
  ClusterNetworks networks = networksOf(set.cluster());
  checkVirtualIPs(set, networks, out);
  checkMachines(set, networks, out);
  checkEndpoint(set, out);
  checkControlPlaneCount(set, out);
}

}  // namespace piherd
