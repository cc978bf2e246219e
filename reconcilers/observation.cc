#include "reconcilers/observation.h"

#include <cstdlib>
#include <sstream>

#include "platform/base64.h"
#include "reconcilers/apt_output.h"

namespace piherd {
namespace {

const char* kindNameOf(QueryKind kind) {
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

}  // namespace

std::string_view queryKindName(QueryKind kind) { return kindNameOf(kind); }

std::string QuerySet::toStdin() const {
  std::string out;
  for (const Query& q : queries_) out += std::string(kindNameOf(q.kind)) + " " + q.arg + "\n";
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

Result<HostFacts> observeHost(Transport& transport, const QuerySet& queries) {
  auto r = transport.run({"sh", "-c", observationScript(), "piherd-observe"},
                         ExecOptions{.stdinData = queries.toStdin(),
                                     .maxOutputBytes = kMaxObservationBytes});
  if (!r) return tl::unexpected(r.error());
  if (!r->ok()) {
    return makeError(ErrorCode::kInternal, transport.hostName() + ": observation failed (exit " +
                                               std::to_string(r->exitStatus) +
                                               "): " + printableExcerpt(r->err));
  }
  auto facts = HostFacts::parse(r->out, &queries);
  if (!facts) {
    return makeError(facts.error().code, transport.hostName() + ": " + facts.error().message);
  }
  return facts;
}

}  // namespace piherd
