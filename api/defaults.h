// Defaulting: fills in what a manifest may leave out, as documented in docs/api.md. Runs
// after parsing and before validation; never overwrites a value that was written, so an
// explicit invalid value (port: 0) still reaches validation and is reported.
// The required sysctls and modules are not copied into spec.kernel (they depend on the
// machine's role); effectiveSysctls() and effectiveModules() in cluster.h merge them.
#pragma once

#include <string_view>

#include "api/cluster.h"
#include "api/machine.h"
#include "api/virtual_ip.h"

namespace piherd {

struct ManifestSet;

inline constexpr std::string_view kDefaultServiceSubnet = "10.96.0.0/12";
inline constexpr std::string_view kDefaultDnsDomain = "cluster.local";
inline constexpr std::string_view kDefaultCgroupDriver = "systemd";
inline constexpr std::string_view kDefaultCalicoMode = "BGP";
inline constexpr int kDefaultRenewBeforeDays = 30;
inline constexpr std::string_view kDefaultSshUser = "ubuntu";
inline constexpr int kDefaultSshPort = 22;
inline constexpr std::string_view kDefaultPrivateKeyFile = "~/.ssh/id_ed25519";
inline constexpr std::string_view kDefaultKnownHostsFile = "~/.ssh/known_hosts";
inline constexpr int kDefaultApiServerPort = 6443;
inline constexpr int kDefaultVrrpVersion = 2;
inline constexpr double kDefaultAdvertIntervalSeconds = 1.0;

// Cluster: networking.serviceSubnet, networking.dnsDomain, runtime.cgroupDriver,
// packages.repository and packages.signingKey (the official per-minor repository, when the
// version parses and no repository was given), certificates.renewBeforeDays, cni.calico.mode,
// ssh.user/port/privateKeyFile/knownHostsFile. kubernetesVersion "v1.34.2" becomes "1.34.2";
// a controlPlaneEndpoint without a port gets :6443.
void applyDefaults(Cluster& cluster);
// Machine: nothing is filled in (its SSH settings inherit from the Cluster's at use, see
// effectiveSsh()); present for symmetry.
void applyDefaults(Machine& machine);
// VirtualIP: port 6443, vrrpVersion 2, advertIntervalSeconds 1.
void applyDefaults(VirtualIP& vip);
void applyDefaults(ManifestSet& set);

}  // namespace piherd
