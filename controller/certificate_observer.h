// The certificate observer of `piherd run`: after every pass, the expiry of every certificate
// the certificates facet observed on each control plane (the ones piherd places and the ones
// kubeadm issues, observedCertificateExpiries()) as
//   piherd_certificate_expiry_timestamp_seconds{machine,certificate}
// (Unix seconds of notAfter; the alert rules compare it with time()). A machine gone from the
// desired state, or a certificate no longer there, loses its series. Registered in
// clusterObserverFactories().
#pragma once

#include <memory>

#include "controller/cluster_observer.h"

namespace piherd {

std::shared_ptr<ClusterObserver> makeCertificateObserver(prometheus::Registry& registry);

}  // namespace piherd
