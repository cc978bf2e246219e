#include "reconcilers/action.h"

#include <chrono>
#include <sstream>
#include <thread>

#include "reconcilers/certificate_rollout.h"
#include "reconcilers/keepalived_config.h"
#include "reconcilers/unified_diff.h"

namespace piherd {
namespace {

std::string joinWords(const std::vector<std::string>& words, const char* sep = " ") {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : sep) + w;
  return out;
}

std::string lastLines(const std::string& text, size_t maxChars = 600) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t.size() > maxChars ? "..." + t.substr(t.size() - maxChars) : t;
}

// Runs a command that must succeed; a non-zero exit becomes an Internal error quoting the
// tail of stderr (commands here never carry secrets on their command line).
Status runChecked(Transport& t, const std::vector<std::string>& argv, ExecOptions opts = {}) {
  auto r = t.run(argv, opts);
  if (!r) return tl::unexpected(r.error());
  if (!r->ok()) {
    return makeError(ErrorCode::kInternal, joinWords(argv) + ": exit " +
                                               std::to_string(r->exitStatus) + ": " +
                                               lastLines(r->err.empty() ? r->out : r->err));
  }
  return okStatus();
}

std::string unitOpName(UnitAction::Op op) {
  switch (op) {
    case UnitAction::Op::kEnable: return "enable";
    case UnitAction::Op::kStart: return "start";
    case UnitAction::Op::kRestart: return "restart";
    case UnitAction::Op::kReload: return "reload";
  }
  return "?";
}

std::string describe(const WriteFileAction& a) {
  std::string head = (a.previous ? "update " : "create ") + a.file.path;
  if (!a.summary.empty()) return head + " (" + a.summary + ")";
  if (a.secret) return head + " (secret content not shown)";
  return head + "\n" + unifiedDiff(a.file.path, a.previous.value_or(""), a.file.content);
}
std::string describe(const SetSysctlAction& a) {
  return "sysctl " + a.key + ": " + (a.from.empty() ? "(unset)" : a.from) + " -> " + a.to;
}
std::string describe(const LoadModuleAction& a) { return "load kernel module " + a.name; }
std::string describe(const SwapOffAction& a) {
  std::string out = "swapoff";
  for (size_t i = 0; i < a.devices.size(); ++i) {
    out += (i ? ", " : " ") + a.devices[i];
    if (i < a.sources.size() && !a.sources[i].empty()) out += " (" + a.sources[i] + ")";
  }
  return out;
}
std::string describe(const DisableDphysSwapfileAction&) {
  return "disable dphys-swapfile (dphys-swapfile swapoff, dphys-swapfile uninstall, systemctl "
         "disable dphys-swapfile)";
}
std::string describe(const MaskUnitsAction& a) {
  return "systemctl mask " + joinWords(a.units) + (a.why.empty() ? "" : " (" + a.why + ")");
}
std::string describe(const RepairDpkgAction& a) {
  std::string out = "finish an interrupted dpkg run (dpkg --configure -a)";
  if (!a.packages.empty()) out += "\n    left unfinished: " + joinWords(a.packages, ", ");
  if (a.pendingUpdates > 0) {
    out += "\n    " + std::to_string(a.pendingUpdates) + " pending file(s) in /var/lib/dpkg/updates";
  }
  return out;
}
std::string describe(const InstallPackagesAction& a) {
  std::vector<std::string> names;
  for (const auto& p : a.packages) names.push_back(p.name);
  std::string out = "install " + joinWords(names, ", ");
  for (const auto& p : a.packages) {
    out += "\n    " + p.name + ": " + (p.from.empty() ? "(not installed)" : p.from) + " -> " +
           (p.to.empty() ? "(repository candidate)" : p.to);
    if (!p.from.empty()) out += "  [version change on an installed package]";
  }
  return out;
}
std::string describe(const HoldPackagesAction& a) { return "apt-mark hold " + joinWords(a.names); }
std::string describe(const UnitAction& a) {
  return "systemctl " + unitOpName(a.op) + " " + a.unit + (a.disruptive ? "  [disruptive]" : "");
}
std::string describe(const InstallKeyringAction& a) {
  return "install signing key " + (a.url.empty() ? std::string("(from a local file)") : a.url) +
         " as " + a.path;
}
std::string describe(const ConfigureContainerdAction& a) {
  return std::string("write ") + "/etc/containerd/config.toml: containerd's default config with " +
         "cgroup driver " + a.cgroupDriver + " (exact diff shown once containerd is installed)";
}
std::string describe(const RebootAction& a) { return "reboot the host: " + a.reason; }
std::string describe(const ApiserverCertificateRolloutAction& a) {
  return std::string(a.replacing ? "replace " : "create ") + a.certificate.path + " (" +
         a.summary + ")" + (a.key.path.empty() ? "" : " and its key " + a.key.path) +
         "; one control plane at a time, kube-apiserver restarted when running";
}
std::string describe(const KubeadmCertsRenewAction& a) {
  std::vector<std::string> pods = staticPodsReading(a.names);
  return "kubeadm certs renew " + joinWords(a.names) +
         (pods.empty() ? std::string()
                       : ", then restart the static pods that read them where they run: " +
                             joinWords(pods, ", ")) +
         "; one control plane at a time";
}
std::string describe(const RestoreStaticPodManifestsAction& a) {
  std::vector<std::string> paths;
  for (const auto& pod : a.pods) paths.push_back(std::string(kStaticPodAsideDir) + "/" + pod + ".yaml");
  return "move " + joinWords(paths) + " back to " + kStaticPodManifestDir +
         " (left aside by an interrupted restart: " + joinWords(a.pods, ", ") +
         " not running)";
}
std::string describe(const KeepalivedConfigAction& a) {
  std::string head = std::string(a.previous ? "update " : "create ") + kKeepalivedConfig +
                     " (checked with keepalived -t first)  [disruptive]";
  bool secret = a.content.find("auth_pass") != std::string::npos;
  return head + (secret ? " (VRRP password set, not shown)" : "") + "\n" +
         unifiedDiff(kKeepalivedConfig, redactKeepalivedConfig(a.previous.value_or("")),
                     redactKeepalivedConfig(a.content));
}
std::string describe(const AddAddressAction& a) {
  return "ip addr add " + a.address + " dev " + a.interface + " (the VRRP master lost its VIP)";
}

Status apply(const WriteFileAction& a, Transport& t) { return t.writeFile(a.file); }
Status apply(const SetSysctlAction& a, Transport& t) {
  return runChecked(t, {"sysctl", "-q", "-w", a.key + "=" + a.to});
}
Status apply(const LoadModuleAction& a, Transport& t) {
  return runChecked(t, {"modprobe", "--", a.name});
}
Status apply(const SwapOffAction& a, Transport& t) {
  std::string refused;
  for (const auto& dev : a.devices) {
    auto r = t.run({"swapoff", "--", dev});
    if (!r) return tl::unexpected(r.error());
    if (!r->ok()) refused += dev + ": " + lastLines(r->err.empty() ? r->out : r->err, 200) + "\n";
  }
  if (refused.empty()) return okStatus();
  // Persistently disabled already (those actions come first); only a reboot clears the rest.
  return t.writeFile({.path = kSwapRebootMarker, .content = refused});
}
Status apply(const InstallPackagesAction& a, Transport& t, const ApplyContext& ctx) {
  std::vector<std::string> specs;
  for (const auto& p : a.packages) specs.push_back(p.to.empty() ? p.name : p.name + "=" + p.to);
  return aptInstall(t, ctx, specs);
}
Status apply(const HoldPackagesAction& a, Transport& t, const ApplyContext& ctx) {
  return aptMarkHold(t, ctx, a.names);
}
Status apply(const RepairDpkgAction&, Transport& t, const ApplyContext& ctx) {
  return dpkgConfigurePending(t, ctx);
}
Status apply(const DisableDphysSwapfileAction&, Transport& t) {
  // swapoff and uninstall are no-ops without an active swap file; disable is what persists.
  for (const char* op : {"swapoff", "uninstall"}) {
    if (auto s = runChecked(t, {"dphys-swapfile", op}); !s) return s;
  }
  // --now: its oneshot unit stays "active" (RemainAfterExit) until stopped.
  return runChecked(t, {"systemctl", "disable", "--now", "dphys-swapfile.service"});
}
Status apply(const MaskUnitsAction& a, Transport& t) {
  for (const auto& unit : a.units) {
    auto r = t.run({"systemctl", "mask", "--", unit});
    if (!r) return tl::unexpected(r.error());
    if (r->ok()) continue;
    // A unit file of the admin's own in /etc/systemd/system cannot be masked (the mask is a
    // symlink in its place): disabling it is what keeps it from starting at boot.
    if (r->err.find("already exists") == std::string::npos) {
      return makeError(ErrorCode::kInternal, "systemctl mask " + unit + ": " + lastLines(r->err));
    }
    if (auto s = runChecked(t, {"systemctl", "disable", "--", unit}); !s) return s;
  }
  return okStatus();
}
Status apply(const UnitAction& a, Transport& t) {
  return runChecked(t, {"systemctl", unitOpName(a.op), "--", a.unit});
}
Status apply(const InstallKeyringAction& a, Transport& t) {
  // $1 = keyring path, $2 = URL (empty: the armored key is on stdin).
  static const std::string kScript =
      "set -e; umask 022; mkdir -p \"$(dirname \"$1\")\"; tmp=\"$1.piherd-tmp\"; "
      "if [ -n \"$2\" ]; then curl -fsSL --max-time 60 -- \"$2\"; else cat; fi "
      "| gpg --batch --yes --dearmor -o \"$tmp\"; chmod 644 \"$tmp\"; mv -f \"$tmp\" \"$1\"";
  return runChecked(t, {"sh", "-c", kScript, "piherd-keyring", a.path, a.url},
                    ExecOptions{.stdinData = a.url.empty() ? a.armoredKey : ""});
}
Status apply(const ConfigureContainerdAction& a, Transport& t) {
  auto r = t.run({"containerd", "config", "default"});
  if (!r) return tl::unexpected(r.error());
  if (!r->ok()) return makeError(ErrorCode::kInternal, "containerd config default: " + r->err);
  return apply(WriteFileAction{.file = {.path = "/etc/containerd/config.toml",
                                        .content = containerdConfigWithCgroupDriver(
                                            r->out, a.cgroupDriver)}},
               t);
}
Status apply(const RebootAction&, Transport& t) {
  auto before = t.readFile("/proc/sys/kernel/random/boot_id");
  if (!before) return tl::unexpected(before.error());
  (void)t.run({"systemctl", "reboot"});  // the connection may drop before an answer
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    auto now = t.readFile("/proc/sys/kernel/random/boot_id");
    if (now && *now != *before) return okStatus();
  }
  return makeError(ErrorCode::kDeadlineExceeded,
                   t.hostName() + ": did not come back within 10 minutes of the reboot");
}

Status apply(const ApiserverCertificateRolloutAction& a, Transport& t) {
  return rolloutApiserverCertificate(a, t);
}
Status apply(const KubeadmCertsRenewAction& a, Transport& t) { return renewKubeadmCertificates(a, t); }
Status apply(const RestoreStaticPodManifestsAction& a, Transport& t) {
  return restoreStaticPodManifests(a, t);
}
// The auth_pass values of a keepalived config, to scrub from anything keepalived prints.
std::string scrubPasswords(std::string text, const std::string& config) {
  std::istringstream in(config);
  for (std::string line; std::getline(in, line);) {
    size_t key = line.find("auth_pass ");
    if (key == std::string::npos) continue;
    std::string value = line.substr(key + 10);
    if (value.empty()) continue;
    for (size_t at; (at = text.find(value)) != std::string::npos;) text.replace(at, value.size(), "(secret)");
  }
  return text;
}

Status apply(const KeepalivedConfigAction& a, Transport& t) {
  const std::string live = kKeepalivedConfig;
  const std::string candidate = live + ".piherd-new";
  if (auto s = runChecked(t, {"mkdir", "-p", "/etc/keepalived"}); !s) return s;
  if (auto s = t.writeFile({.path = candidate, .content = a.content, .mode = 0600}); !s) return s;
  auto check = t.run({"keepalived", "-t", "-f", candidate});
  if (!check) return tl::unexpected(check.error());
  if (!check->ok()) {
    (void)t.run({"rm", "-f", "--", candidate});
    return makeError(ErrorCode::kFailedPrecondition,
                     "keepalived -t rejected the new config (the old one stays): " +
                         scrubPasswords(lastLines(check->err + check->out), a.content));
  }
  return runChecked(t, {"mv", "-f", "--", candidate, live});
}
Status apply(const AddAddressAction& a, Transport& t) {
  // $1 state file, $2 address, $3 interface. The check and the add in one command.
  static const std::string kScript =
      "[ \"$(cat -- \"$1\" 2>/dev/null)\" = MASTER ] || exit 0; ip -4 addr add \"$2\" dev \"$3\"";
  return runChecked(t, {"sh", "-c", kScript, "piherd-vip-readd", a.stateFile, a.address, a.interface});
}

}  // namespace

bool isDisruptive(const Action& action) {
  if (std::holds_alternative<KeepalivedConfigAction>(action)) return true;
  if (auto* u = std::get_if<UnitAction>(&action)) return u->disruptive;
  return false;
}

std::string describeAction(const Action& action) {
  return std::visit([](const auto& a) { return describe(a); }, action);
}

Status applyAction(const Action& action, Transport& transport, const ApplyContext& ctx) {
  return std::visit(
      [&](const auto& a) -> Status {
        if constexpr (requires { apply(a, transport, ctx); }) {
          return apply(a, transport, ctx);
        } else {
          return apply(a, transport);
        }
      },
      action);
}

Status applyAction(const Action& action, Transport& transport) {
  return applyAction(action, transport, ApplyContext{});
}

std::string containerdConfigWithCgroupDriver(const std::string& defaultConfig,
                                             const std::string& cgroupDriver) {
  const std::string want = cgroupDriver == "systemd" ? "true" : "false";
  const std::string key = "SystemdCgroup = ";
  std::string out = defaultConfig;
  size_t pos = out.find(key);
  if (pos == std::string::npos) {
    // containerd 1.x default configs carry the key; a build without it gets the section.
    out += "\n[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n  " +
           key + want + "\n";
    return out;
  }
  size_t end = out.find('\n', pos);
  out.replace(pos, (end == std::string::npos ? out.size() : end) - pos, key + want);
  return out;
}

}  // namespace piherd
