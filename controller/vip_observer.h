// The VIP observer of `piherd run`: VirtualIP status and the piherd_vip_* metrics after
// every pass (vip_observer.cc lists them). Registered in clusterObserverFactories().
#pragma once

#include <memory>

#include "controller/cluster_observer.h"
#include "controller/vip_status.h"

namespace piherd {

// `prober` probes through the VIP; the default factory gives it a TlsVipProber. Tests give a
// fake one.
std::shared_ptr<ClusterObserver> makeVipObserver(prometheus::Registry& registry,
                                                 std::shared_ptr<VipProber> prober);

}  // namespace piherd
