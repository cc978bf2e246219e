#include "controller/vip_report.h"

#include <sstream>

#include "controller/file_store.h"

namespace piherd {

std::string clusterCaPath(const std::string& stateDir) { return stateDir + "/pki/ca.crt"; }

std::string readClusterCa(const std::string& stateDir) {
  return readWhole(clusterCaPath(stateDir)).value_or("");
}

VirtualIPStatus observeVipStatus(
    const ManifestSet& set, const VirtualIP& vip, const VirtualIPStatus& previous,
    const std::function<const HostOutcome*(const std::string& machine)>& outcomeOf,
    VipProber& prober, const std::string& caPem) {
  std::vector<VipHostView> views;
  for (const Machine* cp : set.controlPlanes()) {
    VipHostView view{.machine = cp->metadata.name};
    const HostOutcome* h = outcomeOf(cp->metadata.name);
    if (h != nullptr && h->facts && h->facts->addresses()) {
      view.observed = true;
      view.holds = h->facts->hasAddress(vipHost(vip));
    }
    views.push_back(view);
  }
  VipProbeResult probe = prober.probe(vipHost(vip), vip.spec.port.value_or(6443), caPem);
  return nextVipStatus(vip, previous, views, probe, rfc3339Now());
}

std::vector<VirtualIP> reportVips(const ManifestSet& set, const std::vector<HostOutcome>& outcomes,
                                  VipProber& prober, const std::string& stateDir,
                                  std::string* errors) {
  std::vector<VirtualIP> out;
  const std::string ca = readClusterCa(stateDir);
  auto outcomeOf = [&](const std::string& machine) -> const HostOutcome* {
    for (const auto& h : outcomes) {
      if (h.machine == machine) return &h;
    }
    return nullptr;
  };
  // The FileStore's VirtualIP status: where `piherd run` keeps it and `piherd status` reads it.
  FileStore store({.stateDir = stateDir});
  auto prior = store.readStatus();
  for (VirtualIP vip : set.vips) {
    VirtualIPStatus previous;
    if (prior) {
      if (auto it = prior->vips.find(vip.metadata.name); it != prior->vips.end()) previous = it->second.status;
    }
    vip.status = observeVipStatus(set, vip, previous, outcomeOf, prober, ca);
    if (auto s = store.updateStatus(vip); !s && errors) *errors += s.error().message + "\n";
    out.push_back(std::move(vip));
  }
  return out;
}

std::string renderVipStatus(const std::vector<VirtualIP>& vips) {
  std::ostringstream out;
  for (const auto& v : vips) {
    std::string holders;
    for (const auto& h : v.status.holders) holders += (holders.empty() ? "" : ",") + h;
    out << "VirtualIP " << v.metadata.name << " " << vipHost(v) << ": holders "
        << (holders.empty() ? "none" : holders) << ", reachable "
        << (v.status.reachable.value_or(false) ? "yes" : "no") << ", failovers "
        << v.status.failovers;
    for (const auto& c : v.status.conditions) {
      out << "; " << c.type << "=" << c.status << " (" << c.reason << ": " << c.message << ")";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace piherd
