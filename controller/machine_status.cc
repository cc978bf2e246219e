#include "controller/machine_status.h"

#include <algorithm>
#include <cctype>

namespace piherd {

std::string conditionTypeForFacet(std::string_view facet) {
  static const std::pair<std::string_view, std::string_view> table[] = {
      {"kernel", kConditionKernelConfigured},
      {"runtime", kConditionRuntimeReady},
      {"packages", kConditionPackagesInstalled},
      {"certificates", kConditionCertificatesReady},
      {"vip", kConditionVIPConfigured},
      {"keepalived", kConditionVIPConfigured},
      {"join", kConditionJoined},
      {"bootstrap", kConditionJoined},
      {"node", kConditionNodeReady},
  };
  for (const auto& [f, type] : table) {
    if (f == facet) return std::string(type);
  }
  std::string out(facet);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out + "Ready";
}

const Condition* findCondition(const std::vector<Condition>& conditions, std::string_view type) {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const Condition& c) { return c.type == type; });
  return it == conditions.end() ? nullptr : &*it;
}

void setCondition(std::vector<Condition>& conditions, std::string_view type, std::string_view status,
                  std::string reason, std::string message, const std::string& now,
                  int64_t generation) {
  auto it = std::find_if(conditions.begin(), conditions.end(),
                         [&](const Condition& c) { return c.type == type; });
  if (it == conditions.end()) {
    conditions.push_back({.type = std::string(type)});
    it = conditions.end() - 1;
  }
  if (it->status != status || it->lastTransitionTime.empty()) it->lastTransitionTime = now;
  it->status = std::string(status);
  it->reason = std::move(reason);
  it->message = std::move(message);
  it->observedGeneration = generation;
}

MachineStatus machineStatusFrom(const MachineStatus& previous, const HostOutcome& outcome,
                                const std::string& now, int64_t generation) {
  MachineStatus s = previous;
  s.observedGeneration = generation;
  s.lastReconcileTime = now;
  if (!outcome.reachable) {
    setCondition(s.conditions, kConditionReachable, kConditionFalse, "Unreachable", outcome.error,
                 now, generation);
    s.phase = std::string(kPhaseUnreachable);
    return s;  // the facet conditions stay as last observed
  }
  if (!outcome.error.empty()) {
    setCondition(s.conditions, kConditionReachable, kConditionFalse, "ObservationFailed",
                 outcome.error, now, generation);
    s.phase = std::string(kPhaseFailed);
    return s;
  }
  setCondition(s.conditions, kConditionReachable, kConditionTrue, "Connected", "", now, generation);
  bool allGood = true;
  for (const FacetOutcome& f : outcome.facets) {
    std::string type = conditionTypeForFacet(f.facet);
    switch (f.state) {
      case FacetState::kConverged:
        setCondition(s.conditions, type, kConditionTrue, "Converged", "", now, generation);
        break;
      case FacetState::kChanged:
        setCondition(s.conditions, type, kConditionTrue, "Applied",
                     std::to_string(f.actions.size()) + " change(s) applied", now, generation);
        break;
      case FacetState::kPending:
        allGood = false;
        setCondition(s.conditions, type, kConditionFalse, "ChangesPending", "", now, generation);
        break;
      case FacetState::kFailed:
        allGood = false;
        setCondition(s.conditions, type, kConditionFalse, "Failed", f.error, now, generation);
        break;
      case FacetState::kBlocked:
        allGood = false;
        setCondition(s.conditions, type, kConditionFalse, "Blocked", f.error, now, generation);
        break;
    }
  }
  bool wasUp = previous.phase == kPhaseReady || previous.phase == kPhaseDegraded;
  s.phase = std::string(allGood ? kPhaseReady : wasUp ? kPhaseDegraded : kPhaseFailed);
  return s;
}

nlohmann::json observedFacts(const HostOutcome& outcome, const std::string& now) {
  nlohmann::json j;
  j["time"] = now;
  j["reachable"] = outcome.reachable;
  j["error"] = outcome.error;
  j["facets"] = nlohmann::json::object();
  for (const auto& f : outcome.facets) {
    j["facets"][f.facet] = {{"state", facetStateName(f.state)},
                            {"error", f.error},
                            {"notes", f.notes},
                            {"actions", f.actions}};
  }
  return j;
}

bool facetWasConverged(const nlohmann::json& observed, const std::string& facet) {
  if (!observed.is_object() || !observed.contains("facets")) return false;
  const auto& facets = observed["facets"];
  if (!facets.is_object() || !facets.contains(facet)) return false;
  const auto& f = facets[facet];
  if (!f.is_object() || !f.contains("state") || !f["state"].is_string()) return false;
  std::string state = f["state"];
  return state == "converged" || state == "changed";
}

}  // namespace piherd
