// After each pass of `piherd plan` / `piherd apply`, and in `piherd run`'s VIP observer
// (vip_observer.cc): every VirtualIP's status from the control planes' observations and a
// probe through the VIP. plan and apply keep it where the controller's FileStore does
// (STATE_DIR/status/virtualips/NAME.json, the VirtualIP with its status), so `piherd status`
// shows it, and print it. The cluster CA the probe trusts is STATE_DIR/pki/ca.crt
// (docs/vip.md).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/manifest_set.h"
#include "controller/cli.h"
#include "controller/vip_status.h"
#include "reconcilers/host_reconciler.h"

namespace piherd {

std::string clusterCaPath(const std::string& stateDir);
// The cluster CA certificate in the state directory; empty when there is none.
std::string readClusterCa(const std::string& stateDir);

// One VirtualIP's next status: each control plane of `set` holds it or not as its last
// observation says (`outcomeOf` gives a machine's last outcome, or null when it has none,
// which counts as not observed), and the probe through the VIP trusts caPem.
VirtualIPStatus observeVipStatus(
    const ManifestSet& set, const VirtualIP& vip, const VirtualIPStatus& previous,
    const std::function<const HostOutcome*(const std::string& machine)>& outcomeOf,
    VipProber& prober, const std::string& caPem);

// Computes, writes and returns each VirtualIP with its new status. `outcomes` are the
// pass's hosts; a control plane missing from them or not observed counts as not observed.
std::vector<VirtualIP> reportVips(const ManifestSet& set, const std::vector<HostOutcome>& outcomes,
                                  VipProber& prober, const std::string& stateDir,
                                  std::string* errors);

// One line per VirtualIP for the plan/apply output.
std::string renderVipStatus(const std::vector<VirtualIP>& vips);

}  // namespace piherd
