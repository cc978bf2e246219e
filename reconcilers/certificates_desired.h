// CertificatesDesired: the PKI files one machine should hold under /etc/kubernetes/pki, as
// decided on the controller (controller/cluster_pki.h: keys loaded from the PkiStore or made
// once, apiserver certificates issued or renewed) before any facet plans. Planning stays pure:
// the certificates facet only compares these bytes with what the host reports.
//
// Key bytes live here only to be sent to the host on stdin; plan output, notes, logs and
// errors name the file and at most its fingerprint.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace piherd {

inline constexpr const char* kPkiDir = "/etc/kubernetes/pki";

struct PkiFileDesired {
  std::string name;     // relative to kPkiDir: "ca.crt", "etcd/ca.key", "apiserver.crt"
  std::string content;  // PEM bytes to place
  bool secret = false;  // a key: mode 0600, observed by fingerprint only, never shown
  std::string summary;  // certificates: "SANs ...; expires 2027-12-01" (plan output)
  // Why the controller issued it anew in this run ("reissue: SANs changed"); "" when kept.
  // Shown instead of "content differs" when the host still holds the previous one.
  std::string change;
  // Part of the apiserver serving pair (apiserver.crt/.key): placed together, one control
  // plane at a time, and kube-apiserver restarted to load it once the cluster exists.
  bool apiserverPair = false;
};

struct CertificatesDesired {
  std::vector<PkiFileDesired> files;  // empty on workers: they get no key, ever
  int renewBeforeDays = 30;
  // The injected clock's reading when the desired state was built: expiry notes and the
  // renewal window of kubeadm-issued certificates are judged at this time.
  std::chrono::system_clock::time_point now{};
};

}  // namespace piherd
