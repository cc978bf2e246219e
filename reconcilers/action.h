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
                            DisableDphysSwapfileAction, MaskUnitsAction, RepairDpkgAction>;

// Where SwapOffAction records swaps that only a reboot clears (tmpfs: gone after boot).
inline constexpr const char* kSwapRebootMarker = "/run/piherd/swap-needs-reboot";

// One line headline ("write /etc/x", "sysctl a: 0 -> 1"), plus detail lines (a diff).
std::string describeAction(const Action& action);

// Applies an action. Package actions wait for the dpkg lock as ctx says (Unavailable when it
// stays held); ctx.progress gets live lines such as the lock wait.
Status applyAction(const Action& action, Transport& transport, const ApplyContext& ctx);
Status applyAction(const Action& action, Transport& transport);

// containerd's config with the cgroup driver set: SystemdCgroup = true|false in the runc
// options. Pure; exposed for the runtime facet and its tests.
std::string containerdConfigWithCgroupDriver(const std::string& defaultConfig,
                                             const std::string& cgroupDriver);

}  // namespace piherd
