// Certificates facet (control planes only; docs/certificates.md): places the shared PKI
// (ca, front-proxy-ca, etcd/ca, sa.key/sa.pub) and this machine's apiserver serving pair in
// /etc/kubernetes/pki before kubeadm runs, and keeps them there: a missing, tampered or
// foreign file is restored. Certificates are observed whole (public) and parsed here; key
// files are observed by their SHA-256 only (QueryKind::kFileDigest), so no key byte ever
// comes back from a host. Writes are atomic, root-owned, keys 0600, key bytes on stdin.
//
// It also watches the certificates kubeadm issues (under /etc/kubernetes/pki and the client
// certificates embedded in the kubeconfigs): their expiry is reported (notes, the metric
// piherd_certificate_expiry_timestamp_seconds) and, inside renewBeforeDays, they are renewed
// with `kubeadm certs renew`, one control plane at a time, and the static pods that read them
// restarted (reconcilers/certificate_rollout.h). A static pod manifest such a restart left
// aside (piherd stopped meanwhile) whose place is empty is moved back.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "reconcilers/facet.h"

namespace piherd {

class CertificatesFacet : public Facet {
 public:
  std::string_view name() const override { return "certificates"; }
  std::vector<std::string_view> dependsOn() const override { return {}; }
  void addQueries(const HostDesired& desired, QuerySet& queries) const override;
  FacetPlan plan(const HostDesired& desired, const HostFacts& facts) const override;
};

// The certificates kubeadm issues itself, watched for expiry: files under kPkiDir
// ("apiserver-kubelet-client.crt", "etcd/server.crt", ...) and kubeconfigs under
// /etc/kubernetes ("admin.conf", ...), whose embedded client certificate is extracted on the
// host (never the client key). Each has the name `kubeadm certs renew` takes.
struct KubeadmIssuedCertificate {
  std::string label;      // metric label and note text: "etcd/server.crt", "admin.conf"
  std::string path;       // absolute path on the host
  bool kubeconfig = false;
  std::string renewName;  // `kubeadm certs renew NAME`: "etcd-server", "admin.conf"
};
const std::vector<KubeadmIssuedCertificate>& kubeadmIssuedCertificates();

// One observed certificate's expiry, for the metric
// piherd_certificate_expiry_timestamp_seconds{machine,certificate}: `certificate` is the
// label above or the placed file's name ("ca.crt", "apiserver.crt").
struct CertificateExpiry {
  std::string certificate;
  std::chrono::system_clock::time_point notAfter;
};
// Every certificate the facet's queries brought back that parses, placed ones first.
// Pure: the controller calls it with the facts of a pass.
std::vector<CertificateExpiry> observedCertificateExpiries(const HostDesired& desired,
                                                           const HostFacts& facts);

// Whether a certificate expiring at notAfter is due for renewal at `now`.
bool withinRenewWindow(std::chrono::system_clock::time_point notAfter,
                       std::chrono::system_clock::time_point now, int renewBeforeDays);

}  // namespace piherd
