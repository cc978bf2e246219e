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
#include "reconcilers/package_commands.h"

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
// static pod manifest exists), restarts it by rewriting the manifest (an annotation with the
// certificate's fingerprint), and waits until https://127.0.0.1:6443/readyz answers. Process-wide, one control plane at a time.
struct ApiserverCertificateRolloutAction {
  FileSpec key;          // empty path: the key is already in place
  FileSpec certificate;
  std::string summary;   // "SANs ...; expires ..."
  bool replacing = false;
};

// `kubeadm certs renew NAME...` for kubeadm-issued certificates inside the renewal window,
// then kubeadm's documented restart of the static pods that read them (manifest moved out of
// /etc/kubernetes/manifests and back, /readyz awaited); one control plane at a time (same
// lock as the apiserver rollout).
struct KubeadmCertsRenewAction {
  std::vector<std::string> names;  // "apiserver-kubelet-client", "admin.conf", ...
};

// Static pod manifests that a restart after `kubeadm certs renew` left in kStaticPodAsideDir
// while their place in /etc/kubernetes/manifests is empty (piherd was stopped in between):
// moved back, so the kubelet starts the pods again; health awaited as after a restart.
struct RestoreStaticPodManifestsAction {
  std::vector<std::string> pods;  // "etcd", "kube-apiserver", ...
};

struct SetSysctlAction {
  std::string key;
  std::string from;  // empty when unknown
  std::string to;
};

struct LoadModuleAction {
  std::string name;
};

// Turns active swaps off now (each device on its own). A swap the host refuses to turn off
// (a container, a kernel that says no) is recorded in kSwapRebootMarker, on tmpfs: planning
// then reports "reboot required" instead of trying again, and a reboot clears both.
struct SwapOffAction {
  std::vector<std::string> devices;
  std::vector<std::string> sources;  // where each comes from, for the plan ("fstab", ...)
};

// dphys-swapfile (Raspberry Pi OS up to bookworm) the way its docs say: swapoff, uninstall
// (removes the swap file), and its service disabled so it does not make one at the next boot.
struct DisableDphysSwapfileAction {};

// systemctl mask: the unit can never start again (a .swap unit). A unit file in
// /etc/systemd/system cannot be masked (the mask would take its place): it is disabled.
struct MaskUnitsAction {
  std::vector<std::string> units;
  std::string why;
};

// dpkg was interrupted (killed, power lost mid-install): dpkg --configure -a, before any
// install, since apt refuses to do anything until it is done.
struct RepairDpkgAction {
  std::vector<std::string> packages;  // what dpkg --audit listed
  int pendingUpdates = 0;             // files left in /var/lib/dpkg/updates
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
  enum class Op { kEnable, kStart, kRestart, kReload };
  Op op;
  std::string unit;
  bool disruptive = false;  // see isDisruptive()
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

// keepalived's config (VIP facet): written beside the live one, checked with
// `keepalived -t -f`, and only then renamed over it; a config keepalived rejects never
// replaces a working one. The content (which may hold the VRRP password) travels on stdin;
// describeAction() shows the diff with the password redacted.
struct KeepalivedConfigAction {
  std::string content;
  std::optional<std::string> previous;
};

// Puts an address back on an interface: a VRRP master whose VIP was removed by hand
// (keepalived itself does not notice, acassen/keepalived#534).
// Applied only if the state file still says MASTER at that moment: a host that has just
// handed the VIP over must not take it back.
struct AddAddressAction {
  std::string address;  // CIDR, "192.168.3.10/32"
  std::string interface;
  std::string stateFile;  // the notify script's state file of the instance
};

using Action = std::variant<WriteFileAction, SetSysctlAction, LoadModuleAction, SwapOffAction,
                            InstallPackagesAction, HoldPackagesAction, UnitAction,
                            InstallKeyringAction, ConfigureContainerdAction, RebootAction,
                            ApiserverCertificateRolloutAction, KubeadmCertsRenewAction,
                            RestoreStaticPodManifestsAction,
                            KeepalivedConfigAction, AddAddressAction,
                            DisableDphysSwapfileAction, MaskUnitsAction, RepairDpkgAction>;

// Where SwapOffAction records swaps that only a reboot clears (tmpfs: gone after boot).
inline constexpr const char* kSwapRebootMarker = "/run/piherd/swap-needs-reboot";

// One line headline ("write /etc/x", "sysctl a: 0 -> 1"), plus detail lines (a diff).
std::string describeAction(const Action& action);

// Applies an action. Package actions wait for the dpkg lock as ctx says (Unavailable when it
// stays held); ctx.progress gets live lines such as the lock wait.
Status applyAction(const Action& action, Transport& transport, const ApplyContext& ctx);
Status applyAction(const Action& action, Transport& transport);

// Whether the action can interrupt a service others depend on (keepalived's config, reload,
// start: the VIP may move). The disruption budget lets one control plane at a time run
// disruptive actions (reconcilers/disruption_budget.h).
bool isDisruptive(const Action& action);

// containerd's config with the cgroup driver set: SystemdCgroup = true|false in the runc
// options. Pure; exposed for the runtime facet and its tests.
std::string containerdConfigWithCgroupDriver(const std::string& defaultConfig,
                                             const std::string& cgroupDriver);

}  // namespace piherd
