// Facet: one aspect of a host that piherd converges (kernel, runtime, packages, ...).
// A facet names the facts it needs (addQueries) and turns desired state plus facts into a
// plan (pure, deterministic: table-tested without mocks). The HostReconciler drives it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reconcilers/action.h"
#include "reconcilers/host_desired.h"
#include "reconcilers/observation.h"

namespace piherd {

struct FacetPlan {
  std::vector<Action> actions;
  // Facts worth telling that are not actions: a sysctl this host cannot set (shared kernel),
  // a module it cannot load, a reboot that is required but not allowed. Never looped on.
  std::vector<std::string> notes;
  bool empty() const { return actions.empty(); }
};

class Facet {
 public:
  virtual ~Facet() = default;
  virtual std::string_view name() const = 0;
  // Facets that must be converged (not failed) on this host before this one runs.
  virtual std::vector<std::string_view> dependsOn() const = 0;
  // Whether the facet concerns this host at all (the VIP facet: control planes only). A
  // facet that does not is left out of the host's outcome.
  virtual bool appliesTo(const HostDesired&) const { return true; }
  virtual void addQueries(const HostDesired& desired, QuerySet& queries) const = 0;
  virtual FacetPlan plan(const HostDesired& desired, const HostFacts& facts) const = 0;
};

}  // namespace piherd
