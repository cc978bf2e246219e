// ClusterPki: the controller's side of the cluster's PKI (docs/certificates.md). Before any
// facet plans, it loads the shared PKI from the PkiStore, or makes it once when the store
// is empty (refusing when a control plane already shows an initialized cluster), and decides
// each control plane's apiserver serving certificate: kept while it is signed by the CA,
// carries exactly the expected SANs and is outside the renewal window; issued again (same
// key) otherwise. The result is each machine's CertificatesDesired; workers get none.
//
// In plan mode nothing is saved: new keys and certificates exist only in memory, to be
// described ("create apiserver.crt (SANs ...; expires 2027-12-01)").
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/cluster.h"
#include "platform/pki.h"
#include "platform/pki_store.h"
#include "reconcilers/certificates_desired.h"

namespace piherd {

struct ControlPlaneRef {
  std::string name;     // Machine name (a DNS SAN)
  std::string address;  // Machine address (an IP SAN)
};

struct ApiserverSans {
  std::vector<std::string> dnsNames;
  std::vector<std::string> ipAddresses;
  bool operator==(const ApiserverSans&) const = default;
};

// The issue's SAN list exactly: 127.0.0.1, the first service IP, the VIP (the host part of
// controlPlaneEndpoint: an IP SAN, or a DNS SAN when it is a name), every control plane's
// address and name, kubernetes, kubernetes.default, kubernetes.default.svc,
// kubernetes.default.svc.cluster, kubernetes.default.svc.<dnsDomain>, then
// certificates.extraSANs (IPv4 text as IP SANs, anything else as DNS). Deduplicated, in
// that order. Expects a defaulted, validated Cluster.
ApiserverSans expectedApiserverSans(const Cluster& cluster,
                                    const std::vector<ControlPlaneRef>& controlPlanes);

enum class ApiserverDecision {
  kKeep,        // signed by the CA, SANs exact, outside the renewal window
  kIssue,       // none stored (or its key is unusable): new key and certificate
  kReissueSans, // SANs differ (a control plane was added or removed): same key, new cert
  kRenew,       // inside renewBeforeDays of expiry: same key, new cert
  kReissueCa,   // not signed by the stored CA: same key, new cert
};
const char* apiserverDecisionName(ApiserverDecision decision);

// Pure; `now` from the injected clock.
ApiserverDecision decideApiserverCertificate(const std::optional<KeyAndCertificate>& stored,
                                             const ApiserverSans& want,
                                             const std::string& caCertPem, pki::TimePoint now,
                                             int renewBeforeDays);

// Makes a new shared PKI (three CAs valid kCaValidityDays from now, an sa key pair).
Result<SharedPki> makeSharedPki(pki::TimePoint now);

// Says whether a control plane already carries an initialized cluster: the evidence
// ("/etc/kubernetes/admin.conf exists"), nullopt when it does not, or an error when it cannot
// tell (unreachable). The controller implements it over the hosts' transports.
using InitializedProbe =
    std::function<Result<std::optional<std::string>>(const ControlPlaneRef& controlPlane)>;

struct ClusterPkiOptions {
  bool save = true;  // false in plan mode: nothing is written to the store
  pki::WallClock clock = pki::systemWallClock();
};

struct ClusterPkiResult {
  std::map<std::string, CertificatesDesired> byMachine;  // control planes only
  bool sharedCreated = false;                            // the shared PKI was made this run
  std::map<std::string, ApiserverDecision> apiserver;    // per control plane
};

// FailedPrecondition, naming the host and its evidence, when the store has no shared PKI
// but a control plane already carries an initialized cluster.
Result<ClusterPkiResult> prepareClusterPki(PkiStore& store, const Cluster& cluster,
                                           const std::vector<ControlPlaneRef>& controlPlanes,
                                           const InitializedProbe& probe,
                                           const ClusterPkiOptions& options);

// The files kubeadm init/join leave on a control plane, checked by the probe. Files under
// /etc/kubernetes/pki are not evidence: piherd places them before kubeadm runs, and a CA no
// kubeadm has used yet breaks nothing when it is replaced.
const std::vector<std::string>& initializedClusterEvidence();

}  // namespace piherd
