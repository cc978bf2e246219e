#include "controller/vip_desired.h"

#include <algorithm>

namespace piherd {

std::vector<const Machine*> controlPlanesByPriority(const ManifestSet& set) {
  std::vector<const Machine*> cps = set.controlPlanes();
  std::sort(cps.begin(), cps.end(),
            [](const Machine* a, const Machine* b) { return a->metadata.name < b->metadata.name; });
  return cps;
}

Status checkVrrpPassword(const std::string& password) {
  if (password.empty()) return makeError(ErrorCode::kInvalidArgument, "the password file is empty");
  if (password.size() > 8) {
    return makeError(ErrorCode::kInvalidArgument,
                     "the password is longer than 8 characters (VRRPv2 PASS carries 8; "
                     "keepalived would cut it silently)");
  }
  for (unsigned char c : password) {
    if (c < 0x21 || c > 0x7e || c == '"' || c == '\'' || c == '#' || c == '!' || c == '\\' ||
        c == '{' || c == '}') {
      return makeError(ErrorCode::kInvalidArgument,
                       "the password holds a space, a control character, a quote or one of "
                       "# ! \\ { } (keepalived.conf cannot carry them in auth_pass)");
    }
  }
  return okStatus();
}

Result<std::vector<VipInstance>> vipInstancesFor(const ManifestSet& set, const Machine& machine,
                                                 ReadFileFn readFile) {
  std::vector<VipInstance> out;
  if (!machine.isControlPlane()) return out;
  std::vector<const Machine*> cps = controlPlanesByPriority(set);
  int rank = 0;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps[i]->metadata.name == machine.metadata.name) rank = static_cast<int>(i);
  }
  for (const VirtualIP& v : set.vips) {
    VipInstance in;
    in.name = v.metadata.name;
    in.address = vipHost(v);
    in.port = v.spec.port.value_or(6443);
    in.interface = v.spec.interface;
    in.virtualRouterId = v.spec.virtualRouterID.value_or(0);
    in.vrrpVersion = v.spec.vrrpVersion.value_or(2);
    in.advertIntervalSeconds = v.spec.advertIntervalSeconds.value_or(1);
    in.sourceAddress = machine.spec.address;
    for (const Machine* cp : cps) {
      if (cp != &machine && cp->metadata.name != machine.metadata.name) {
        in.peers.push_back(cp->spec.address);
      }
    }
    in.priority = vipPriority(std::min(rank, kVipMaxControlPlanes));
    if (!v.spec.authPasswordFile.empty()) {
      const std::string where = "VirtualIP/" + v.metadata.name + ": spec.authPasswordFile";
      std::string path = resolveManifestPath(v.source, v.spec.authPasswordFile);
      auto content = readFile(path);
      if (!content) {
        return makeError(ErrorCode::kInvalidArgument, where + ": cannot read " + path);
      }
      std::string password = *content;
      while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
        password.pop_back();
      }
      if (auto s = checkVrrpPassword(password); !s) {
        return makeError(ErrorCode::kInvalidArgument, where + " (" + path + "): " + s.error().message);
      }
      in.authPassword = password;
    }
    out.push_back(std::move(in));
  }
  return out;
}

}  // namespace piherd
