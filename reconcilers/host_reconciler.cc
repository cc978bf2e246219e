#include "reconcilers/host_reconciler.h"

#include <algorithm>
#include <set>

#include "reconcilers/certificates_facet.h"
#include "reconcilers/kernel_facet.h"
#include "reconcilers/packages_facet.h"
#include "reconcilers/runtime_facet.h"
#include "reconcilers/vip_facet.h"

namespace piherd {
namespace {

std::string headline(const std::string& description) {
  return description.substr(0, description.find('\n'));
}

}  // namespace

const char* facetStateName(FacetState state) {
  switch (state) {
    case FacetState::kConverged: return "converged";
    case FacetState::kChanged: return "changed";
    case FacetState::kPending: return "pending";
    case FacetState::kFailed: return "failed";
    case FacetState::kBlocked: return "blocked";
  }
  return "?";
}

bool HostOutcome::converged() const {
  return reachable && error.empty() &&
         std::all_of(facets.begin(), facets.end(), [](const FacetOutcome& f) {
           return f.state == FacetState::kConverged || f.state == FacetState::kChanged;
         });
}

bool HostOutcome::retryable() const {
  if (!reachable) return true;
  if (!error.empty()) return false;
  bool anyRetry = false;
  for (const auto& f : facets) {
    if (f.state == FacetState::kFailed && !f.retryable()) return false;
    anyRetry = anyRetry || f.retryable();
  }
  return anyRetry;
}

bool HostOutcome::changesPending() const {
  return std::any_of(facets.begin(), facets.end(),
                     [](const FacetOutcome& f) { return f.state == FacetState::kPending; });
}

HostReconciler::HostReconciler(std::vector<std::shared_ptr<const Facet>> facets, int maxRounds,
                               std::shared_ptr<DisruptionBudget> budget)
    : facets_(std::move(facets)), maxRounds_(maxRounds), budget_(std::move(budget)) {}

std::vector<std::shared_ptr<const Facet>> HostReconciler::defaultFacets() {
  return {std::make_shared<CertificatesFacet>(), std::make_shared<KernelFacet>(),
          std::make_shared<RuntimeFacet>(), std::make_shared<PackagesFacet>(),
          std::make_shared<VipFacet>()};
}

QuerySet HostReconciler::queriesFor(const HostDesired& desired) const {
  QuerySet q;
  for (const auto& f : facets_) {
    if (f->appliesTo(desired)) f->addQueries(desired, q);
  }
  return q;
}

HostOutcome HostReconciler::reconcile(Transport& transport, const HostDesired& desired,
                                      ReconcileMode mode, const ProgressFn& progress) const {
  auto report = [&](const std::string& facet, const std::string& msg) {
    if (progress) progress(desired.machine, facet, msg);
  };
  HostOutcome out{.machine = desired.machine};
  const QuerySet queries = queriesFor(desired);
  report("", "observing");
  auto facts = observeHost(transport, queries);
  if (!facts) {
    out.reachable = facts.error().code != ErrorCode::kUnavailable &&
                    facts.error().code != ErrorCode::kDeadlineExceeded;
    out.error = facts.error().message;
    report("", "failed: " + out.error);
    return out;
  }
  std::set<std::string, std::less<>> failed;
  for (const auto& facet : facets_) {
    if (!facet->appliesTo(desired)) continue;
    const std::string name(facet->name());
    std::vector<std::string_view> deps = facet->dependsOn();
    auto blocker = std::find_if(deps.begin(), deps.end(),
                                [&](std::string_view d) { return failed.contains(d); });
    if (blocker != deps.end()) {
      out.facets.push_back({.facet = name, .state = FacetState::kBlocked,
                            .error = "blocked: " + std::string(*blocker) + " failed"});
      failed.insert(name);
      continue;
    }
    FacetPlan plan = facet->plan(desired, *facts);
    FacetOutcome outcome;
    if (plan.empty()) {
      outcome = {.facet = name, .state = FacetState::kConverged, .notes = plan.notes};
    } else if (mode == ReconcileMode::kPlan) {
      outcome = {.facet = name, .state = FacetState::kPending, .notes = plan.notes};
      for (const auto& a : plan.actions) outcome.actions.push_back(describeAction(a));
    } else {
      outcome = applyFacet(transport, desired, *facet, std::move(plan), *facts, queries, progress);
    }
    if (outcome.state == FacetState::kFailed) failed.insert(name);
    report(name, facetStateName(outcome.state));
    out.facets.push_back(std::move(outcome));
  }
  out.facts = std::move(*facts);
  return out;
}

FacetOutcome HostReconciler::applyFacet(Transport& transport, const HostDesired& desired,
                                        const Facet& facet, FacetPlan plan, HostFacts& facts,
                                        const QuerySet& queries,
                                        const ProgressFn& progress) const {
  FacetOutcome out{.facet = std::string(facet.name()), .state = FacetState::kChanged};
  // Held from the first disruptive plan to the end of this facet on this host.
  struct BudgetHold {
    DisruptionBudget* budget = nullptr;
    std::string machine;
    ~BudgetHold() {
      if (budget) budget->release(machine);
    }
  } hold;
  auto takeBudgetIfDisruptive = [&] {
    if (!budget_ || hold.budget) return;
    if (std::any_of(plan.actions.begin(), plan.actions.end(), isDisruptive)) {
      if (progress) progress(desired.machine, out.facet, "disruptive: taking the disruption budget (one host at a time)");
      budget_->acquire(desired.machine);
      hold.budget = budget_.get();
      hold.machine = desired.machine;
    }
  };
  ApplyContext ctx{.dpkgLockTimeout = std::chrono::seconds(desired.dpkgLockTimeoutSeconds)};
  if (progress) {
    ctx.progress = [&](const std::string& msg) { progress(desired.machine, out.facet, msg); };
  }
  for (int round = 0; round < maxRounds_ && !plan.empty(); ++round) {
    takeBudgetIfDisruptive();
    for (const auto& action : plan.actions) {
      std::string what = headline(describeAction(action));
      if (progress) progress(desired.machine, out.facet, what);
      if (gate_) {
        if (auto s = gate_->beforeAction(desired, action); !s) {
          out.state = FacetState::kFailed;
          out.error = what + ": not started: " + s.error().message;
          return out;
        }
      }
      if (auto s = applyAction(action, transport, ctx); !s) {
        out.state = FacetState::kFailed;
        out.error = what + ": " + s.error().message;
        out.errorCode = s.error().code;
        return out;
      }
      out.actions.push_back(what);
    }
    auto again = observeHost(transport, queries);
    if (!again) {
      out.state = FacetState::kFailed;
      out.error = "re-observing: " + again.error().message;
      out.errorCode = again.error().code;
      return out;
    }
    facts = std::move(*again);
    plan = facet.plan(desired, facts);
  }
  out.notes = plan.notes;
  if (!plan.empty()) {
    out.state = FacetState::kFailed;
    out.error = "did not converge after " + std::to_string(maxRounds_) + " rounds; still: ";
    for (const auto& a : plan.actions) out.error += headline(describeAction(a)) + "; ";
  }
  return out;
}

}  // namespace piherd
