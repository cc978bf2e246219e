// HostRunner: drives the HostReconciler over many machines at once (hosts in parallel, up
// to --parallel; one worker per host so a host's commands stay serialized), and renders what
// happened: the plan per host and facet, live progress, the summary table.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "reconcilers/host_reconciler.h"

namespace piherd {

struct HostTarget {
  HostDesired desired;
  std::string address;
  std::shared_ptr<Transport> transport;
};

std::vector<HostOutcome> reconcileHosts(const std::vector<HostTarget>& targets,
                                        const HostReconciler& reconciler, ReconcileMode mode,
                                        int parallel, const ProgressFn& progress);

// `piherd plan` output: per host and facet, each pending action with its diff, and notes.
std::string renderPlan(const std::vector<HostTarget>& targets,
                       const std::vector<HostOutcome>& outcomes);

// `piherd apply` summary: one row per machine, a column per facet, the result.
std::string renderSummary(const std::vector<HostTarget>& targets,
                          const std::vector<HostOutcome>& outcomes);

}  // namespace piherd
