// The registry of cluster observers (cluster_observer.h): the VIP, certificate and
// control-plane health observers add their factory here as they land.
#include "controller/cluster_observer.h"

namespace piherd {

const std::vector<ClusterObserverFactory>& clusterObserverFactories() {
  static const std::vector<ClusterObserverFactory> factories = {};
  return factories;
}

}  // namespace piherd
