// Metrics: the controller's Prometheus metrics (the contract in docs/controller.md), on one
// prometheus-cpp Registry. The engine reports through the typed methods here; cluster
// observers (VIP, certificates, control-plane health) register their own families on
// registry() when they are built (cluster_observer.h), so adding one needs no change here.
// Label values are machine, facet, kind and result names: never secret material.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace piherd {

// reconcile_duration_seconds{kind} of one whole resync pass over every machine.
inline constexpr const char* kKindResyncPass = "ResyncPass";

class Metrics {
 public:
  Metrics();

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> registryPtr() { return registry_; }

  // kind: Machine | Cluster | VirtualIP; result: success | error.
  void reconciled(const std::string& kind, const std::string& result, double seconds);
  void resyncPass(double seconds);
  void machine(const std::string& machine, bool reachable, bool ready);
  void facetConverged(const std::string& machine, const std::string& facet, bool converged);
  void driftCorrected(const std::string& machine, const std::string& facet);
  void sshCommand(double seconds);
  void setLeader(bool leader);
  // The machine left the desired state: its series go away.
  void forgetMachine(const std::string& machine);

  // The text exposition format (what /metrics serves).
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& reconcileTotal_;
  prometheus::Family<prometheus::Histogram>& reconcileDuration_;
  prometheus::Family<prometheus::Gauge>& machineReachable_;
  prometheus::Family<prometheus::Gauge>& machineReady_;
  prometheus::Family<prometheus::Gauge>& facetConverged_;
  prometheus::Family<prometheus::Counter>& driftCorrections_;
  prometheus::Histogram& sshCommandDuration_;
  prometheus::Gauge& leader_;

  std::mutex mutex_;  // Family::Add is thread-safe; the bookkeeping below is not
  std::map<std::string, std::map<std::string, bool>> facetsOf_;  // machine -> facets seen
};

}  // namespace piherd
