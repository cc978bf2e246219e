#include "reconcilers/vip_facet.h"

#include "reconcilers/keepalived_config.h"

namespace piherd {
namespace {

constexpr const char* kPackages[] = {"keepalived", "curl"};

std::optional<std::string> previousOf(const FileFact& f) {
  return f.exists ? std::optional<std::string>(f.content) : std::nullopt;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

void VipFacet::addQueries(const HostDesired& d, QuerySet& q) const {
  for (const char* p : kPackages) q.add(QueryKind::kPackage, p);
  q.add(QueryKind::kUnit, kKeepalivedUnit);
  q.add(QueryKind::kFile, kKeepalivedConfig);
  q.add(QueryKind::kFile, kKeepalivedNotifyScript);
  q.add(QueryKind::kAddresses);
  for (const auto& v : d.vips) q.add(QueryKind::kFile, vrrpStateFile(v.name));
}

FacetPlan VipFacet::plan(const HostDesired& d, const HostFacts& facts) const {
  FacetPlan plan;
  InstallPackagesAction install;
  for (const char* p : kPackages) {
    if (!facts.package(p).installed) install.packages.push_back({.name = p});
  }
  if (!install.packages.empty()) plan.actions.push_back(install);

  // The notify script first: keepalived -t checks that the scripts it names are secure.
  FileFact notify = facts.file(kKeepalivedNotifyScript);
  const std::string wantNotify = keepalivedNotifyScript();
  bool notifyChanges = !notify.exists || notify.content != wantNotify || notify.mode != "755" ||
                       notify.owner != "root";
  if (notifyChanges) {
    plan.actions.push_back(WriteFileAction{
        .file = {.path = kKeepalivedNotifyScript, .content = wantNotify, .mode = 0755},
        .previous = previousOf(notify)});
  }
  FileFact config = facts.file(kKeepalivedConfig);
  const std::string wantConfig = keepalivedConfig(d.vips);
  bool configChanges = !config.exists || config.content != wantConfig || config.mode != "600";
  if (configChanges) {
    plan.actions.push_back(
        KeepalivedConfigAction{.content = wantConfig, .previous = previousOf(config)});
  }
  UnitFact unit = facts.unit(kKeepalivedUnit);
  if (unit.enabled != "enabled") {
    plan.actions.push_back(UnitAction{UnitAction::Op::kEnable, kKeepalivedUnit});
  }
  if (unit.active != "active") {
    // Also after a fresh install: Debian's package starts keepalived without a config.
    plan.actions.push_back(UnitAction{UnitAction::Op::kStart, kKeepalivedUnit, true});
    return plan;
  }
  if (configChanges || notifyChanges) {
    // A reload (SIGHUP) applies everything this facet writes (instances, peers, priorities,
    // versions, scripts) without dropping the VIP where it stays; no restart is needed.
    plan.actions.push_back(UnitAction{UnitAction::Op::kReload, kKeepalivedUnit, true});
    return plan;
  }
  // Running with the right config: a master must hold its address. keepalived does not
  // notice an address removed by hand (acassen/keepalived#534), so piherd puts it back.
  for (const auto& v : d.vips) {
    FileFact state = facts.file(vrrpStateFile(v.name));
    if (state.exists && trimmed(state.content) == "MASTER" && facts.addresses() &&
        !facts.hasAddress(v.address, v.interface)) {
      plan.actions.push_back(AddAddressAction{.address = v.address + "/32",
                                              .interface = v.interface,
                                              .stateFile = vrrpStateFile(v.name)});
    }
  }
  return plan;
}

}  // namespace piherd
