// Machine status from what a reconcile found (the status contract of docs/api.md): one
// condition per facet (kernel -> KernelConfigured, runtime -> RuntimeReady, packages ->
// PackagesInstalled, ...) plus Reachable, and the phase. Pure: table-tested.
//
// Also the observed facts kept beside the status (facet states), from which the engine tells
// a drift correction (a change to a facet that had converged before) from first provisioning.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api/machine.h"
#include "reconcilers/host_reconciler.h"

namespace piherd {

// The Machine condition type a facet reports as; facets not in the table get
// "<Facet>Ready" ("calico" -> "CalicoReady").
std::string conditionTypeForFacet(std::string_view facet);

// Sets condition `type` in `conditions`; lastTransitionTime changes only with the status.
void setCondition(std::vector<Condition>& conditions, std::string_view type, std::string_view status,
                  std::string reason, std::string message, const std::string& now,
                  int64_t generation);
const Condition* findCondition(const std::vector<Condition>& conditions, std::string_view type);

MachineStatus machineStatusFrom(const MachineStatus& previous, const HostOutcome& outcome,
                                const std::string& now, int64_t generation);

// Facts worth keeping: {"reachable": bool, "error": str, "facets": {name: {"state": str,
// "error": str, "notes": [...], "actions": [...]}}}.
nlohmann::json observedFacts(const HostOutcome& outcome, const std::string& now);

// Whether the facet was converged in `observed` (the facts written after the last reconcile).
bool facetWasConverged(const nlohmann::json& observed, const std::string& facet);

}  // namespace piherd
