// ClusterObserver: how cluster-wide health checks plug into the controller without changes
// to the engine (VIP holders and reachability, certificate expiry, apiserver and etcd health:
// piherd_vip_*, piherd_certificate_expiry_timestamp_seconds, piherd_apiserver_up,
// piherd_etcd_member_healthy). Each observer:
// - is built once by a factory in clusterObserverFactories() (cluster_observers.cc: one line
//   per observer), which registers its own metric families on the Registry it is given;
// - runs after every resync pass (and when the Cluster or a VirtualIP changes), on a worker
//   thread of the controller, with the desired state, the last outcome of every machine and
//   a transport per machine;
// - fills in the Cluster and VirtualIP status it knows about (the engine writes them), and
//   may report unhealthy control planes, which the disruption budget then counts.
// Observers never put secret material into metrics, status or logs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/registry.h>

#include "api/manifest_set.h"
#include "platform/transport.h"
#include "reconcilers/host_reconciler.h"

namespace piherd {

struct ObserverContext {
  const ManifestSet& desired;
  const std::map<std::string, HostOutcome>& outcomes;  // last outcome by machine
  std::function<std::shared_ptr<Transport>(const std::string& machine)> transport;
  std::string clusterCaPem;  // the cluster CA certificate (public), empty when none is stored
  const std::map<std::string, HostDesired>& hostDesired;  // each machine's desired state
};

// What observers found this pass. The engine fills in defaults first (from the machines'
// phases); observers overwrite what they know better.
struct ClusterReport {
  ClusterStatus cluster;
  std::map<std::string, VirtualIPStatus> vips;  // by VirtualIP name
  std::set<std::string> unhealthyControlPlanes;
};

class ClusterObserver {
 public:
  virtual ~ClusterObserver() = default;
  virtual std::string_view name() const = 0;
  virtual void observe(const ObserverContext& context, ClusterReport& report) = 0;
};

using ClusterObserverFactory =
    std::function<std::shared_ptr<ClusterObserver>(prometheus::Registry& registry)>;
const std::vector<ClusterObserverFactory>& clusterObserverFactories();

}  // namespace piherd
