// HostReconciler: the one driver of STYLE.md rule 1 for a host's facets. It observes every
// facet in one round trip, plans each facet in dependency order, and (in apply mode) runs the
// actions, re-observes and re-plans until the plan is empty, for a bounded number of rounds:
// a plan still non-empty after that is reported as not converging, never looped on.
// Plan mode is the same path stopped before apply. A failed facet blocks the facets that
// depend on it on this host only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "reconcilers/facet.h"

namespace piherd {

enum class FacetState {
  kConverged,  // nothing to do
  kChanged,    // apply changed it and it is converged now
  kPending,    // plan mode: changes would be made
  kFailed,     // an action failed or it did not converge
  kBlocked,    // a facet it depends on failed
};
const char* facetStateName(FacetState state);

struct FacetOutcome {
  std::string facet;
  FacetState state = FacetState::kConverged;
  std::vector<std::string> actions;  // described: planned (plan) or applied (apply)
  std::vector<std::string> notes;
  std::string error;
};

struct HostOutcome {
  std::string machine;
  bool reachable = true;
  std::string error;  // set when the host could not be observed at all
  std::vector<FacetOutcome> facets;
  bool converged() const;       // reachable and every facet converged or changed
  bool changesPending() const;  // plan mode: some facet is pending
};

enum class ReconcileMode { kPlan, kApply };

// Progress callback: (machine, facet, message). Called from the host's worker thread.
using ProgressFn = std::function<void(const std::string&, const std::string&, const std::string&)>;

// Consulted before each action in apply mode (the controller's disruption budget, join lock
// and shutdown live behind it: controller/coordination.h). A refusal fails the facet with
// the refusal's error, before the action starts; the action in flight is never cut short.
class ActionGate {
 public:
  virtual ~ActionGate() = default;
  virtual Status beforeAction(const HostDesired& desired, const Action& action) = 0;
};

class HostReconciler {
 public:
  explicit HostReconciler(std::vector<std::shared_ptr<const Facet>> facets, int maxRounds = 3);
  HostOutcome reconcile(Transport& transport, const HostDesired& desired, ReconcileMode mode,
                        const ProgressFn& progress = nullptr) const;

  // Optional; without one every action may run (plan and apply do that).
  void setActionGate(std::shared_ptr<ActionGate> gate) { gate_ = std::move(gate); }

  // The host facets in their order: kernel -> runtime -> packages.
  static std::vector<std::shared_ptr<const Facet>> defaultFacets();

 private:
  QuerySet queriesFor(const HostDesired& desired) const;
  FacetOutcome applyFacet(Transport& transport, const HostDesired& desired, const Facet& facet,
                          FacetPlan plan, HostFacts& facts, const QuerySet& queries,
                          const ProgressFn& progress) const;

  std::vector<std::shared_ptr<const Facet>> facets_;
  int maxRounds_;
  std::shared_ptr<ActionGate> gate_;
};

}  // namespace piherd
