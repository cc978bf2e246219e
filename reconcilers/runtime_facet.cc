#include "reconcilers/runtime_facet.h"

namespace piherd {

void RuntimeFacet::addQueries(const HostDesired&, QuerySet& q) const {
  q.add(QueryKind::kPackage, "containerd");
  q.add(QueryKind::kFile, kContainerdConfig);
  q.add(QueryKind::kContainerdDefault);
  q.add(QueryKind::kUnit, "containerd");
  q.add(QueryKind::kDpkgState);
}

FacetPlan RuntimeFacet::plan(const HostDesired& d, const HostFacts& facts) const {
  FacetPlan plan;
  // The first facet that installs packages repairs dpkg first: apt installs nothing while a
  // dpkg run is left unfinished (the packages facet, which depends on this one, then finds
  // it done).
  if (facts.dpkg().interrupted()) {
    plan.actions.push_back(RepairDpkgAction{.packages = facts.dpkg().auditPackages,
                                            .pendingUpdates = facts.dpkg().pendingUpdates});
  }
  PackageFact pkg = facts.package("containerd");
  auto defaults = facts.containerdDefaultConfig();
  if (!pkg.installed || !defaults) {
    if (!pkg.installed) {
      plan.actions.push_back(InstallPackagesAction{{{.name = "containerd"}}});
    }
    plan.actions.push_back(ConfigureContainerdAction{d.cgroupDriver});
    plan.actions.push_back(UnitAction{UnitAction::Op::kEnable, "containerd"});
    plan.actions.push_back(UnitAction{UnitAction::Op::kRestart, "containerd"});
    return plan;
  }
  FileFact config = facts.file(kContainerdConfig);
  std::string want = containerdConfigWithCgroupDriver(*defaults, d.cgroupDriver);
  bool configChanges = !config.exists || config.content != want || config.mode != "644";
  if (configChanges) {
    plan.actions.push_back(WriteFileAction{
        .file = {.path = kContainerdConfig, .content = want},
        .previous = config.exists ? std::optional<std::string>(config.content) : std::nullopt});
  }
  UnitFact unit = facts.unit("containerd");
  if (unit.enabled != "enabled") {
    plan.actions.push_back(UnitAction{UnitAction::Op::kEnable, "containerd"});
  }
  if (configChanges) {
    plan.actions.push_back(UnitAction{UnitAction::Op::kRestart, "containerd"});
  } else if (unit.active != "active") {
    plan.actions.push_back(UnitAction{UnitAction::Op::kStart, "containerd"});
  }
  return plan;
}

}  // namespace piherd
