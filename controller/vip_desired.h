// VIP desired state: what each control plane's keepalived must do, from the manifests
// (docs/vip.md). The control planes in name order rank the priorities (the first is the
// init control plane); the peers of a host are all the other control planes, so adding or
// removing one changes every control plane's config. Password files are read here, on the
// management host, before any host is touched.
#pragma once

#include <string>
#include <vector>

#include "api/manifest_set.h"
#include "platform/status.h"
#include "reconcilers/vip_desired.h"

namespace piherd {

// The control planes in priority order (name order): the first is the init control plane.
std::vector<const Machine*> controlPlanesByPriority(const ManifestSet& set);

// The VipInstances for control plane `machine` (empty for a worker). `readFile` reads a
// management-host file (authPasswordFile); errors name the VirtualIP and never quote the
// password.
using ReadFileFn = Result<std::string> (*)(const std::string& path);
Result<std::vector<VipInstance>> vipInstancesFor(const ManifestSet& set, const Machine& machine,
                                                 ReadFileFn readFile);

// A VRRPv2 PASS password as keepalived takes it: 1 to 8 printable ASCII characters, none of
// which can end the token or start a comment in keepalived.conf. The message never quotes it.
Status checkVrrpPassword(const std::string& password);

}  // namespace piherd
