// After each pass of `piherd plan` / `piherd apply`: every VirtualIP's status from the
// control planes' observations and a probe through the VIP, kept in the state directory
// (file mode: STATE_DIR/virtualips/NAME.json, the VirtualIP with its status) and printed.
// The cluster CA the probe trusts is STATE_DIR/pki/ca.crt (docs/vip.md).
#pragma once

#include <string>
#include <vector>

#include "api/manifest_set.h"
#include "controller/cli.h"
#include "controller/vip_status.h"
#include "reconcilers/host_reconciler.h"

namespace piherd {

// --state-dir, else ".piherd" beside the (first) manifest path.
std::string stateDirFor(const CliOptions& options);
std::string vipStatusPath(const std::string& stateDir, const std::string& vipName);
std::string clusterCaPath(const std::string& stateDir);

// The status the state directory holds for `vipName`; empty when there is none.
VirtualIPStatus readVipStatus(const std::string& stateDir, const std::string& vipName);

// Computes, writes and returns each VirtualIP with its new status. `outcomes` are the
// pass's hosts; a control plane missing from them or not observed counts as not observed.
std::vector<VirtualIP> reportVips(const ManifestSet& set, const std::vector<HostOutcome>& outcomes,
                                  VipProber& prober, const std::string& stateDir,
                                  std::string* errors);

// One line per VirtualIP for the plan/apply output.
std::string renderVipStatus(const std::vector<VirtualIP>& vips);

}  // namespace piherd
