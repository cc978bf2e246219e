#include "controller/metrics.h"

#include <prometheus/text_serializer.h>

namespace piherd {
namespace {

using prometheus::Histogram;

Histogram::BucketBoundaries reconcileBuckets() {
  return {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
}
Histogram::BucketBoundaries sshBuckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      reconcileTotal_(prometheus::BuildCounter()
                          .Name("piherd_reconcile_total")
                          .Help("Reconciles by object kind and result (success, error).")
                          .Register(*registry_)),
      reconcileDuration_(prometheus::BuildHistogram()
                             .Name("piherd_reconcile_duration_seconds")
                             .Help("Time one reconcile took, by object kind; kind=\"ResyncPass\" "
                                   "is one whole resync pass over every machine.")
                             .Register(*registry_)),
      machineReachable_(prometheus::BuildGauge()
                            .Name("piherd_machine_reachable")
                            .Help("1 when the last observation of the machine over SSH worked.")
                            .Register(*registry_)),
      machineReady_(prometheus::BuildGauge()
                        .Name("piherd_machine_ready")
                        .Help("1 when the machine's phase is Ready (every facet converged).")
                        .Register(*registry_)),
      facetConverged_(prometheus::BuildGauge()
                          .Name("piherd_facet_converged")
                          .Help("1 when the facet was converged after the last reconcile.")
                          .Register(*registry_)),
      driftCorrections_(prometheus::BuildCounter()
                            .Name("piherd_drift_corrections_total")
                            .Help("Changes made to a facet that had been converged before.")
                            .Register(*registry_)),
      sshCommandDuration_(prometheus::BuildHistogram()
                              .Name("piherd_ssh_command_duration_seconds")
                              .Help("Time each SSH operation took on its host.")
                              .Register(*registry_)
                              .Add({}, sshBuckets())),
      leader_(prometheus::BuildGauge()
                  .Name("piherd_leader")
                  .Help("1 while this controller is the one reconciling (always 1 in file mode).")
                  .Register(*registry_)
                  .Add({})) {}

void Metrics::reconciled(const std::string& kind, const std::string& result, double seconds) {
  reconcileTotal_.Add({{"kind", kind}, {"result", result}}).Increment();
  reconcileDuration_.Add({{"kind", kind}}, reconcileBuckets()).Observe(seconds);
}

void Metrics::resyncPass(double seconds) {
  reconcileDuration_.Add({{"kind", kKindResyncPass}}, reconcileBuckets()).Observe(seconds);
}

void Metrics::machine(const std::string& machine, bool reachable, bool ready) {
  machineReachable_.Add({{"machine", machine}}).Set(reachable ? 1 : 0);
  machineReady_.Add({{"machine", machine}}).Set(ready ? 1 : 0);
}

void Metrics::facetConverged(const std::string& machine, const std::string& facet,
                             bool converged) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    facetsOf_[machine][facet] = true;
  }
  facetConverged_.Add({{"machine", machine}, {"facet", facet}}).Set(converged ? 1 : 0);
}

void Metrics::driftCorrected(const std::string& machine, const std::string& facet) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    facetsOf_[machine][facet] = true;
  }
  driftCorrections_.Add({{"machine", machine}, {"facet", facet}}).Increment();
}

void Metrics::sshCommand(double seconds) { sshCommandDuration_.Observe(seconds); }

void Metrics::setLeader(bool leader) { leader_.Set(leader ? 1 : 0); }

void Metrics::forgetMachine(const std::string& machine) {
  machineReachable_.Remove(&machineReachable_.Add({{"machine", machine}}));
  machineReady_.Remove(&machineReady_.Add({{"machine", machine}}));
  std::map<std::string, bool> facets;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    facets = std::move(facetsOf_[machine]);
    facetsOf_.erase(machine);
  }
  for (const auto& [facet, _] : facets) {
    prometheus::Labels l{{"machine", machine}, {"facet", facet}};
    facetConverged_.Remove(&facetConverged_.Add(l));
    driftCorrections_.Remove(&driftCorrections_.Add(l));
  }
}

std::string Metrics::render() const {
  prometheus::TextSerializer serializer;
  return serializer.Serialize(registry_->Collect());
}

}  // namespace piherd
