#include "controller/vip_report.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/serialize.h"

namespace piherd {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool writeAtomically(const std::string& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!(out << content)) return false;
  }
  fs::rename(tmp, path, ec);
  return !ec;
}

}  // namespace

std::string stateDirFor(const CliOptions& o) {
  if (!o.stateDir.empty()) return o.stateDir;
  fs::path first = o.manifests.empty() ? fs::path(".") : fs::path(o.manifests.front());
  std::error_code ec;
  fs::path base = fs::is_directory(first, ec) ? first : first.parent_path();
  if (base.empty()) base = ".";
  return (base / ".piherd").string();
}

std::string vipStatusPath(const std::string& stateDir, const std::string& vipName) {
  return stateDir + "/virtualips/" + vipName + ".json";
}

std::string clusterCaPath(const std::string& stateDir) { return stateDir + "/pki/ca.crt"; }

VirtualIPStatus readVipStatus(const std::string& stateDir, const std::string& vipName) {
  std::string path = vipStatusPath(stateDir, vipName);
  std::string text = slurp(path);
  if (text.empty()) return {};
  LoadResult parsed;
  parseManifestText(text, path, parsed);
  if (parsed.set.vips.size() != 1) return {};
  return parsed.set.vips.front().status;
}

std::vector<VirtualIP> reportVips(const ManifestSet& set, const std::vector<HostOutcome>& outcomes,
                                  VipProber& prober, const std::string& stateDir,
                                  std::string* errors) {
  std::vector<VirtualIP> out;
  const std::string ca = slurp(clusterCaPath(stateDir));
  for (VirtualIP vip : set.vips) {
    std::vector<VipHostView> views;
    for (const Machine* cp : set.controlPlanes()) {
      VipHostView view{.machine = cp->metadata.name};
      for (const auto& h : outcomes) {
        if (h.machine != cp->metadata.name || !h.facts || !h.facts->addresses()) continue;
        view.observed = true;
        view.holds = h.facts->hasAddress(vipHost(vip));
      }
      views.push_back(view);
    }
    VipProbeResult probe = prober.probe(vipHost(vip), vip.spec.port.value_or(6443), ca);
    vip.status = nextVipStatus(vip, readVipStatus(stateDir, vip.metadata.name), views, probe,
                               rfc3339Now());
    if (!writeAtomically(vipStatusPath(stateDir, vip.metadata.name), toJson(vip)) && errors) {
      *errors += "cannot write " + vipStatusPath(stateDir, vip.metadata.name) + "\n";
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
