#include "reconcilers/observation.h"

#include <cstdlib>
#include <sstream>

#include "platform/base64.h"
#include "reconcilers/apt_output.h"

namespace piherd {
namespace {

const char* kindName(QueryKind kind) {
  switch (kind) {
    case QueryKind::kFile: return "file";
    case QueryKind::kSysctl: return "sysctl";
    case QueryKind::kModule: return "module";
    case QueryKind::kPackage: return "package";
    case QueryKind::kUnit: return "unit";
    case QueryKind::kHolds: return "holds";
    case QueryKind::kSwaps: return "swaps";
    case QueryKind::kCapEff: return "capeff";
    case QueryKind::kContainerdDefault: return "containerd-default";
    case QueryKind::kFileDigest: return "digest";
    case QueryKind::kKubeconfigCert: return "kubeconfig-cert";
    case QueryKind::kAddresses: return "addrs";
    case QueryKind::kDpkgState: return "dpkg";
    case QueryKind::kSwapSources: return "swap-sources";
  }
  return "?";
}

// Values arrive as data on stdin and are only ever used quoted ("$arg"), so no value can
// become code. Every answer is "kind<TAB>arg<TAB>field<TAB>value"; file bytes are base64.
const char* const kScript = R"SH(
set -u
export LC_ALL=C
emit() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; }
while IFS=' ' read -r kind arg; do
  case "$kind" in
  file)
    if [ -f "$arg" ]; then
      emit file "$arg" stat "$(stat -c '%a %U %G' -- "$arg")"
      emit file "$arg" content "$(base64 -w0 < "$arg")"
    else
      emit file "$arg" missing 1
    fi ;;
  digest)
    if [ -f "$arg" ]; then
      emit digest "$arg" stat "$(stat -c '%a %U %G' -- "$arg")"
      emit digest "$arg" sha256 "$(sha256sum < "$arg" | cut -d' ' -f1)"
    else
      emit digest "$arg" missing 1
    fi ;;
  kubeconfig-cert)
    if [ -f "$arg" ]; then
      emit kubeconfig-cert "$arg" data "$(sed -n 's|^[[:space:]]*client-certificate-data:[[:space:]]*\([A-Za-z0-9+/=]*\)[[:space:]]*$|\1|p' -- "$arg" | head -n 1)"
    fi ;;
  sysctl)
    p="/proc/sys/$(printf '%s' "$arg" | tr . /)"
    if [ -f "$p" ] && v=$(cat -- "$p" 2>/dev/null); then
      emit sysctl "$arg" value "$(printf '%s' "$v" | tr -s '\t ' '  ')"
      if [ -w "$p" ]; then emit sysctl "$arg" writable 1; else emit sysctl "$arg" writable 0; fi
    else
      emit sysctl "$arg" missing 1
    fi ;;
  module)
    if [ -d "/sys/module/$arg" ]; then emit module "$arg" loaded 1
    elif [ -d /sys/module ]; then emit module "$arg" loaded 0
    else emit module "$arg" loaded unknown; fi ;;
  package)
    emit package "$arg" status "$(dpkg-query -W -f='${db:Status-Status} ${Version}' -- "$arg" 2>/dev/null)" ;;
  unit)
    emit unit "$arg" active "$(systemctl is-active -- "$arg" 2>/dev/null)"
    emit unit "$arg" enabled "$(systemctl is-enabled -- "$arg" 2>/dev/null)" ;;
  holds)
    emit holds - list "$(apt-mark showhold 2>/dev/null | tr '\n' ' ')" ;;
  swaps)
    emit swaps - list "$(tail -n +2 /proc/swaps | while read -r dev rest; do printf '%s ' "$dev"; done)" ;;
  capeff)
    emit capeff - value "$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)" ;;
  containerd-default)
    if command -v containerd >/dev/null 2>&1; then
      emit containerd-default - content "$(containerd config default 2>/dev/null | base64 -w0)"
    fi ;;
  addrs)
    emit addrs - observed 1
    ip -o -4 addr show 2>/dev/null | while read -r _ ifname _ cidr _; do
      emit addr "${ifname%%@*}" inet "$cidr"
    done ;;
  dpkg)
    n=0
    for f in /var/lib/dpkg/updates/*; do [ -e "$f" ] && n=$((n + 1)); done
    emit dpkg - updates "$n"
    emit dpkg - audit "$(dpkg --audit 2>/dev/null | base64 -w0)" ;;
  swap-sources)
    emit swap-sources - units "$(systemctl list-unit-files --type=swap --no-legend --no-pager 2>/dev/null | base64 -w0)"
    for f in /run/systemd/zram-generator.conf /etc/systemd/zram-generator.conf \
        /usr/local/lib/systemd/zram-generator.conf /usr/lib/systemd/zram-generator.conf \
        /run/systemd/zram-generator.conf.d/*.conf /etc/systemd/zram-generator.conf.d/*.conf \
        /usr/local/lib/systemd/zram-generator.conf.d/*.conf \
        /usr/lib/systemd/zram-generator.conf.d/*.conf; do
      [ -f "$f" ] || continue
      if grep -q '^[[:space:]]*\[zram' -- "$f" 2>/dev/null; then
        emit swap-sources "$f" zram-config "$(base64 -w0 < "$f")"
      else
        emit swap-sources "$f" zram-file 1
      fi
    done ;;
  esac
done
emit end - - -
)SH";

std::vector<std::string> splitTabs(const std::string& line) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    size_t tab = line.find('\t', start);
    if (tab == std::string::npos) break;
    parts.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
  parts.push_back(line.substr(start));
  return parts;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

Result<std::string> decode(const std::string& where, const std::string& value) {
  auto bytes = base64Decode(value);
  if (!bytes) return makeError(ErrorCode::kInvalidArgument, where + ": bad base64");
  return *bytes;
}

}  // namespace

std::string QuerySet::toStdin() const {
  std::string out;
  for (const Query& q : queries_) out += std::string(kindName(q.kind)) + " " + q.arg + "\n";
  return out;
}

const std::string& observationScript() {
  static const std::string script(kScript);
  return script;
}

FileFact HostFacts::file(const std::string& path) const {
  auto it = files_.find(path);
  return it == files_.end() ? FileFact{} : it->second;
}
FileDigestFact HostFacts::fileDigest(const std::string& path) const {
  auto it = digests_.find(path);
  return it == digests_.end() ? FileDigestFact{} : it->second;
}
std::optional<std::string> HostFacts::kubeconfigCert(const std::string& path) const {
  auto it = kubeconfigCerts_.find(path);
  if (it == kubeconfigCerts_.end()) return std::nullopt;
  return it->second;
}
SysctlFact HostFacts::sysctl(const std::string& key) const {
  auto it = sysctls_.find(key);
  return it == sysctls_.end() ? SysctlFact{} : it->second;
}
bool HostFacts::moduleLoaded(const std::string& name) const {
  auto it = modules_.find(name);
  return it != modules_.end() && it->second;
}
PackageFact HostFacts::package(const std::string& name) const {
  auto it = packages_.find(name);
  return it == packages_.end() ? PackageFact{} : it->second;
}
UnitFact HostFacts::unit(const std::string& name) const {
  auto it = units_.find(name);
  return it == units_.end() ? UnitFact{} : it->second;
}
bool HostFacts::hasAddress(const std::string& address, const std::string& interface) const {
  if (!addresses_) return false;
  for (const auto& a : *addresses_) {
    if (a.cidr.substr(0, a.cidr.find('/')) == address &&
        (interface.empty() || a.interface == interface)) {
      return true;
    }
  }
  return false;
}
bool HostFacts::canLoadModules() const {
  constexpr unsigned long long kCapSysModule = 1ULL << 16;
  return (capEff_ & kCapSysModule) != 0;
}

Result<HostFacts> HostFacts::parse(const std::string& output) {
  HostFacts f;
  bool ended = false;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto p = splitTabs(line);
    if (p.size() != 4) {
      return makeError(ErrorCode::kInvalidArgument, "observation: malformed line \"" + line + "\"");
    }
    const std::string &kind = p[0], &arg = p[1], &field = p[2], &value = p[3];
    if (kind == "end") {
      ended = true;
    } else if (kind == "file") {
      FileFact& ff = f.files_[arg];
      if (field == "stat") {
        auto w = words(value);
        ff.exists = true;
        if (w.size() == 3) ff.mode = w[0], ff.owner = w[1], ff.group = w[2];
      } else if (field == "content") {
        auto bytes = decode("file " + arg, value);
        if (!bytes) return tl::unexpected(bytes.error());
        ff.exists = true;
        ff.content = *bytes;
      }
    } else if (kind == "digest") {
      FileDigestFact& d = f.digests_[arg];
      if (field == "stat") {
        auto w = words(value);
        d.exists = true;
        if (w.size() == 3) d.mode = w[0], d.owner = w[1], d.group = w[2];
      } else if (field == "sha256") {
        d.sha256 = value;
      }
    } else if (kind == "kubeconfig-cert") {
      if (value.empty()) continue;
      auto bytes = decode("kubeconfig " + arg, value);
      if (!bytes) return tl::unexpected(bytes.error());
      f.kubeconfigCerts_[arg] = *bytes;
    } else if (kind == "sysctl") {
      SysctlFact& s = f.sysctls_[arg];
      if (field == "value") s.exists = true, s.value = value;
      if (field == "writable") s.writable = value == "1";
    } else if (kind == "module") {
      if (value == "unknown") {
        f.modules_.erase(arg);
        f.unknownModules_.insert(arg);
      } else {
        f.modules_[arg] = value == "1";
      }
    } else if (kind == "package") {
      auto w = words(value);  // "installed 1.34.2-1.1" or "config-files 1.2" or ""
      PackageFact& pf = f.packages_[arg];
      pf.installed = w.size() == 2 && w[0] == "installed";
      if (pf.installed) pf.version = w[1];
    } else if (kind == "unit") {
      (field == "active" ? f.units_[arg].active : f.units_[arg].enabled) = value;
    } else if (kind == "holds") {
      f.holds_.clear();
      for (auto& w : words(value)) f.holds_.insert(w);
    } else if (kind == "swaps") {
      f.swaps_ = words(value);
    } else if (kind == "capeff") {
      f.capEff_ = std::strtoull(value.c_str(), nullptr, 16);
    } else if (kind == "addrs") {
      if (!f.addresses_) f.addresses_.emplace();
    } else if (kind == "addr") {
      if (!f.addresses_) f.addresses_.emplace();
      f.addresses_->push_back({.interface = arg, .cidr = value});
    } else if (kind == "dpkg") {
      if (field == "updates") f.dpkg_.pendingUpdates = std::atoi(value.c_str());
      if (field == "audit") {
        auto text = decode("dpkg --audit", value);
        if (!text) return tl::unexpected(text.error());
        f.dpkg_.auditPackages = parseDpkgAudit(*text);
      }
    } else if (kind == "swap-sources") {
      if (field == "units") {
        auto text = decode("swap units", value);
        if (!text) return tl::unexpected(text.error());
        std::istringstream units(*text);
        for (std::string l; std::getline(units, l);) {
          auto w = words(l);
          if (w.size() >= 2 && w[0].ends_with(".swap")) f.swapUnits_.push_back({w[0], w[1]});
        }
      } else if (field == "zram-config") {
        auto text = decode("zram-generator config " + arg, value);
        if (!text) return tl::unexpected(text.error());
        f.zramConfigs_.push_back({arg, true, *text});
      } else if (field == "zram-file") {
        f.zramConfigs_.push_back({arg, false, ""});
      }
    } else if (kind == "containerd-default") {
      auto bytes = decode("containerd config default", value);
      if (!bytes) return tl::unexpected(bytes.error());
      f.containerdDefault_ = *bytes;
    }
  }
  if (!ended) {
    return makeError(ErrorCode::kUnavailable, "observation: output cut short (no end marker)");
  }
  return f;
}

Result<HostFacts> observeHost(Transport& transport, const QuerySet& queries) {
  auto r = transport.run({"sh", "-c", observationScript(), "piherd-observe"},
                         ExecOptions{.stdinData = queries.toStdin()});
  if (!r) return tl::unexpected(r.error());
  if (!r->ok()) {
    return makeError(ErrorCode::kInternal, transport.hostName() + ": observation failed (exit " +
                                               std::to_string(r->exitStatus) + "): " + r->err);
  }
  return HostFacts::parse(r->out);
}

}  // namespace piherd
