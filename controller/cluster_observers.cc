// The registry of cluster observers (cluster_observer.h): one line per observer. The
// control-plane health observers (apiserver, etcd) add their factory here as they land.
#include "controller/certificate_observer.h"
#include "controller/cluster_observer.h"
#include "controller/vip_observer.h"

namespace piherd {

const std::vector<ClusterObserverFactory>& clusterObserverFactories() {
  static const std::vector<ClusterObserverFactory> factories = {
      [](prometheus::Registry& r) { return makeVipObserver(r, std::make_shared<TlsVipProber>()); },
      [](prometheus::Registry& r) { return makeCertificateObserver(r); },
  };
  return factories;
}

}  // namespace piherd
