// HostReconciler: the one driver of STYLE.md rule 1 for a host's facets. It observes every
// facet in one round trip, plans each facet in dependency order, and (in apply mode) runs the
// actions, re-observes and re-plans until the plan is empty, for a bounded number of rounds:
// a plan still non-empty after that is reported as not converging, never looped on.
// Plan mode is the same path stopped before apply. A failed facet blocks the facets that
// depend on it on this host only.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reconcilers/disruption_budget.h"
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
  // The failing action's code (kFailed only). Unavailable (e.g. the dpkg lock stayed held by
  // another package manager, a repository unreachable) means: nothing is wrong with the
  // facet, retry later with backoff.
  ErrorCode errorCode = ErrorCode::kInternal;
  bool retryable() const {
    return state == FacetState::kFailed && Error{errorCode, ""}.retryable();
  }
};

struct HostOutcome {
  std::string machine;
  bool reachable = true;
  std::string error;  // set when the host could not be observed at all
  std::vector<FacetOutcome> facets;
  // The host's last observation (after apply: the last re-observation), for what is
  // computed across hosts, such as which hosts hold a VIP. Unset when not observed.
  std::optional<HostFacts> facts;
  bool converged() const;       // reachable and every facet converged or changed
  bool changesPending() const;  // plan mode: some facet is pending
  // Not converged only for reasons that retrying later may clear (host unreachable, a facet
  // failed with a retryable code): the controller backs off rather than alerting.
  bool retryable() const;
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
  // `budget` (optional) gates facets whose plan holds disruptive actions: the facet applies
  // only while the host holds it, and gives it back once the facet is done on that host.
  explicit HostReconciler(std::vector<std::shared_ptr<const Facet>> facets, int maxRounds = 3,
                          std::shared_ptr<DisruptionBudget> budget = nullptr);
  HostOutcome reconcile(Transport& transport, const HostDesired& desired, ReconcileMode mode,
                        const ProgressFn& progress = nullptr) const;

  // Optional; without one every action may run (plan and apply do that).
  void setActionGate(std::shared_ptr<ActionGate> gate) { gate_ = std::move(gate); }

  // The host facets in their order: certificates (needs nothing), kernel -> runtime ->
  // packages -> vip.
  static std::vector<std::shared_ptr<const Facet>> defaultFacets();

 private:
  QuerySet queriesFor(const HostDesired& desired) const;
  FacetOutcome applyFacet(Transport& transport, const HostDesired& desired, const Facet& facet,
                          FacetPlan plan, HostFacts& facts, const QuerySet& queries,
                          const ProgressFn& progress) const;

  std::vector<std::shared_ptr<const Facet>> facets_;
  int maxRounds_;
  std::shared_ptr<DisruptionBudget> budget_;
  std::shared_ptr<ActionGate> gate_;
};

}  // namespace piherd
