// HostDesired: what one machine should look like, for the host facets. The controller builds
// it from the API objects (Cluster defaults merged with the Machine); reconcilers never read
// manifests themselves, so planning stays pure and table-testable.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "reconcilers/certificates_desired.h"
#include "reconcilers/vip_desired.h"

namespace piherd {

struct HostDesired {
  std::string machine;  // Machine name, for messages
  bool controlPlane = false;
  bool allowReboot = false;
  // How long apt/dpkg actions wait for another process to release the dpkg lock
  // (`--dpkg-lock-timeout`); then the facet's result is retryable (Unavailable).
  int dpkgLockTimeoutSeconds = 300;

  // Kernel facet. Keys and module names were validated at the API boundary.
  std::map<std::string, std::string> sysctls;  // required + Cluster extras, role applied
  std::vector<std::string> modules;            // overlay, br_netfilter + extras
  bool swapOff = true;

  // Runtime facet.
  std::string cgroupDriver = "systemd";

  // Packages facet.
  std::string kubernetesVersion;  // "1.34.2"
  std::string repositoryUrl;      // deb repository, flat "/" suite (pkgs.k8s.io layout)
  std::string signingKeyUrl;      // URL of the ASCII-armored key, fetched on the host, or
  std::string signingKeyContent;  // the armored key itself (read from a management-host file)

  // Certificates facet (control planes; empty on workers). Built by controller/cluster_pki.
  CertificatesDesired certificates;
  // VIP facet (control planes only): one keepalived vrrp_instance per VirtualIP.
  std::vector<VipInstance> vips;
};

// Where the facets keep their files on a host (one place, so docs and tests agree).
inline constexpr const char* kSysctlFile = "/etc/sysctl.d/99-piherd-kubernetes.conf";
inline constexpr const char* kModulesFile = "/etc/modules-load.d/piherd-kubernetes.conf";
inline constexpr const char* kFstabFile = "/etc/fstab";
inline constexpr const char* kPiModelFile = "/proc/device-tree/model";
inline constexpr const char* kPiCmdlineFile = "/boot/firmware/cmdline.txt";
inline constexpr const char* kProcCmdlineFile = "/proc/cmdline";
inline constexpr const char* kContainerdConfig = "/etc/containerd/config.toml";
inline constexpr const char* kKubernetesSourcesFile = "/etc/apt/sources.list.d/kubernetes.list";
inline constexpr const char* kKubernetesKeyring = "/etc/apt/keyrings/kubernetes-apt-keyring.gpg";

}  // namespace piherd
