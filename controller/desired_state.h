// DesiredState: turns a validated ManifestSet into what the host facets and the transport
// need per machine (HostDesired + SshTarget). Everything that could fail on the management
// host (an unreadable signing-key file) fails here, before any host is touched.
#pragma once

#include <string>
#include <vector>

#include "api/manifest_set.h"
#include "controller/cli.h"
#include "platform/ssh_session.h"
#include "reconcilers/host_desired.h"

namespace piherd {

struct MachineTarget {
  HostDesired desired;
  SshTarget ssh;
};

Result<std::vector<MachineTarget>> buildMachineTargets(const ManifestSet& set,
                                                       const CliOptions& options);

}  // namespace piherd
