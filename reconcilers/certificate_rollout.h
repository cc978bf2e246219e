// Certificate rollout on a control plane: the apply side of ApiserverCertificateRolloutAction
// and KubeadmCertsRenewAction. Both hold one process-wide lock for their whole run, so that a
// `piherd apply` reconciling hosts in parallel still disrupts one kube-apiserver at a time:
// the next control plane starts only when the previous one answers /readyz again.
//
// After `kubeadm certs renew`, the static pods that read a renewed certificate are restarted
// the way kubeadm's documentation says (Certificate Management with kubeadm, manual
// certificate renewal): each manifest is moved out of /etc/kubernetes/manifests, the kubelet
// stops the pod (it looks every fileCheckFrequency, 20 s by default), the manifest is moved
// back, and the kubelet starts the pod again with the new certificate.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "platform/status.h"
#include "platform/transport.h"
#include "reconcilers/action.h"

namespace piherd {

inline constexpr const char* kApiserverManifest = "/etc/kubernetes/manifests/kube-apiserver.yaml";
inline constexpr const char* kStaticPodManifestDir = "/etc/kubernetes/manifests";
// Where a manifest waits while its pod is stopped: outside the kubelet's staticPodPath, on the
// same filesystem (so that moving it back is a rename).
inline constexpr const char* kStaticPodAsideDir = "/etc/kubernetes/piherd-restart";

// The static pods (kubeadm's manifest names, in restart order) that read a certificate among
// `renewNames` (`kubeadm certs renew` names): etcd for etcd-server and etcd-peer,
// kube-apiserver for apiserver-kubelet-client, apiserver-etcd-client and front-proxy-client,
// kube-controller-manager for controller-manager.conf, kube-scheduler for scheduler.conf.
// admin.conf, super-admin.conf and etcd-healthcheck-client are read by no pod.
std::vector<std::string> staticPodsReading(const std::vector<std::string>& renewNames);

Status rolloutApiserverCertificate(const ApiserverCertificateRolloutAction& action,
                                   Transport& transport);
Status renewKubeadmCertificates(const KubeadmCertsRenewAction& action, Transport& transport);
Status restoreStaticPodManifests(const RestoreStaticPodManifestsAction& action,
                                 Transport& transport);

// Every static pod kubeadm runs on a control plane, in restart order.
const std::vector<std::string>& kubeadmStaticPods();
std::string staticPodManifestPath(const std::string& pod);
std::string staticPodAsidePath(const std::string& pod);

// How long a restarted kube-apiserver may take to answer /readyz, and how often it is asked
// (defaults 5 minutes and 1 second; tests shorten them).
void setApiserverReadyTimeout(std::chrono::milliseconds timeout,
                              std::chrono::milliseconds interval = std::chrono::seconds(1));
// How long a static pod's manifest stays out of the manifest directory (default 20 s, the
// kubelet's default fileCheckFrequency), and how much longer piherd waits, after that, for
// kube-apiserver and etcd to be seen stopped (default 60 s; tests shorten both).
void setStaticPodStopWait(std::chrono::milliseconds aside,
                          std::chrono::milliseconds stopTimeout = std::chrono::seconds(60));

}  // namespace piherd
