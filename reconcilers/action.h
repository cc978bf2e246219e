// Actions: the typed changes a facet's plan asks for (STYLE.md rule 2). Each describes itself
// for `piherd plan` (file changes as unified diffs, sysctls old -> new, packages old -> new)
// and applies itself through a Transport. Planning only creates actions for work an
// observation showed is not done yet.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "platform/status.h"
#include "platform/transport.h"

namespace piherd {

struct WriteFileAction {
  FileSpec file;
  std::optional<std::string> previous;  // nullopt: the file does not exist yet
  bool secret = false;                  // never show content
  // When set, shown instead of a diff ("SANs ...; expires 2027-12-01"): certificates, whose
  // PEM diff says nothing to a reader.
  std::string summary;
};

// The certificates facet's apiserver serving pair for one control plane (docs/certificates.md):
// writes the key (stdin, 0600) and the certificate, then, when kube-apiserver runs there (its
// static pod manifest exists), restarts it by moving the manifest out and back, and waits
// until https://127.0.0.1:6443/readyz answers. Process-wide, one control plane at a time.
struct ApiserverCertificateRolloutAction {
  FileSpec key;          // empty path: the key is already in place
  FileSpec certificate;
  std::string summary;   // "SANs ...; expires ..."
  bool replacing = false;
};

// `kubeadm certs renew NAME...` for kubeadm-issued certificates inside the renewal window,
// one control plane at a time (same lock as the apiserver rollout).
struct KubeadmCertsRenewAction {
  std::vector<std::string> names;  // "apiserver-kubelet-client", "admin.conf", ...
};

struct SetSysctlAction {
  std::string key;
  std::string from;  // empty when unknown
  std::string to;
};

struct LoadModuleAction {
  std::string name;
};

struct SwapOffAction {
  std::vector<std::string> devices;
};

struct PackageChange {
  std::string name;
  std::string from;  // installed version, empty when not installed
  std::string to;    // apt version spec: "" (candidate), "1.34.2-*"
};

struct InstallPackagesAction {
  std::vector<PackageChange> packages;
};

struct HoldPackagesAction {
  std::vector<std::string> names;
};

struct UnitAction {
  enum class Op { kEnable, kStart, kRestart };
  Op op;
  std::string unit;
};

// Installs a repository signing key as a binary keyring: fetched on the host from a URL, or
// an ASCII-armored key given here (from a file on the management host), dearmored there.
struct InstallKeyringAction {
  std::string url;          // or
  std::string armoredKey;   // content, sent over stdin
  std::string path;         // keyring path on the host
};

// containerd's own default configuration (`containerd config default` on the host), with the
// cgroup driver set. Planned before containerd is installed; concrete diffs come after.
struct ConfigureContainerdAction {
  std::string cgroupDriver;
};

struct RebootAction {
  std::string reason;
};

using Action = std::variant<WriteFileAction, SetSysctlAction, LoadModuleAction, SwapOffAction,
                            InstallPackagesAction, HoldPackagesAction, UnitAction,
                            InstallKeyringAction, ConfigureContainerdAction, RebootAction,
                            ApiserverCertificateRolloutAction, KubeadmCertsRenewAction>;

// One line headline ("write /etc/x", "sysctl a: 0 -> 1"), plus detail lines (a diff).
std::string describeAction(const Action& action);

Status applyAction(const Action& action, Transport& transport);

// containerd's config with the cgroup driver set: SystemdCgroup = true|false in the runc
// options. Pure; exposed for the runtime facet and its tests.
std::string containerdConfigWithCgroupDriver(const std::string& defaultConfig,
                                             const std::string& cgroupDriver);

}  // namespace piherd
