#include "controller/vip_report.h"

#include <fstream>
#include <sstream>

#include "api/serialize.h"
#include "controller/file_store.h"

namespace piherd {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

// Where FileStore::updateStatus keeps a VirtualIP (file_store.h).
std::string vipStatusPath(const std::string& stateDir, const std::string& vipName) {
  return stateDir + "/status/virtualips/" + vipName + ".json";
}

std::string clusterCaPath(const std::string& stateDir) { return stateDir + "/pki/ca.crt"; }

std::string readClusterCa(const std::string& stateDir) { return slurp(clusterCaPath(stateDir)); }

VirtualIPStatus readVipStatus(const std::string& stateDir, const std::string& vipName) {
  std::string path = vipStatusPath(stateDir, vipName);
  std::string text = slurp(path);
  if (text.empty()) return {};
  LoadResult parsed;
  parseManifestText(text, path, parsed);
  if (parsed.set.vips.size() != 1) return {};
  return parsed.set.vips.front().status;
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
  for (VirtualIP vip : set.vips) {
    vip.status = observeVipStatus(set, vip, readVipStatus(stateDir, vip.metadata.name), outcomeOf,
                                  prober, ca);
    const std::string path = vipStatusPath(stateDir, vip.metadata.name);
    if (auto s = writeFileAtomically(path, toJson(vip)); !s && errors) {
      *errors += "cannot write " + path + ": " + s.error().message + "\n";
    }
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
