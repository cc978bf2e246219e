// Certificate rollout on a control plane: the apply side of ApiserverCertificateRolloutAction
// and KubeadmCertsRenewAction. Both hold one process-wide lock for their whole run, so that a
// `piherd apply` reconciling hosts in parallel still disrupts one kube-apiserver at a time:
// the next control plane starts only when the previous one answers /readyz again.
#pragma once

#include <chrono>

#include "platform/status.h"
#include "platform/transport.h"
#include "reconcilers/action.h"

namespace piherd {

inline constexpr const char* kApiserverManifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";

Status rolloutApiserverCertificate(const ApiserverCertificateRolloutAction& action,
                                   Transport& transport);
Status renewKubeadmCertificates(const KubeadmCertsRenewAction& action, Transport& transport);

// How long a restarted kube-apiserver may take to answer /readyz, and how often it is asked
// (defaults 5 minutes and 1 second; tests shorten them).
void setApiserverReadyTimeout(std::chrono::milliseconds timeout,
                              std::chrono::milliseconds interval = std::chrono::seconds(1));

}  // namespace piherd
