// PKI setup for `piherd plan` and `piherd apply`: resolves the state directory, probes the
// control planes for an initialized cluster when the store is empty, runs prepareClusterPki
// and hands each control plane its CertificatesDesired (controller/cluster_pki.h).
#pragma once

#include <string>
#include <vector>

#include "api/manifest_set.h"
#include "controller/cli.h"
#include "controller/host_runner.h"
#include "platform/pki.h"

namespace piherd {

// Fills hosts[i].desired.certificates for every control plane. In plan mode nothing is saved.
// Renewal windows and expiry notes are judged at `clock`'s time (the controller passes its
// injected Clock's wall time).
Status attachClusterPki(std::vector<HostTarget>& hosts, const ManifestSet& set,
                        const std::string& stateDir, ReconcileMode mode,
                        pki::WallClock clock = pki::systemWallClock());

}  // namespace piherd
