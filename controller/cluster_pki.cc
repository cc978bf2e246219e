#include "controller/cluster_pki.h"

#include <algorithm>
#include <set>

#include "api/ipv4.h"
#include "reconcilers/certificates_facet.h"

namespace piherd {
namespace {

using std::chrono::hours;

void addUnique(std::vector<std::string>& list, const std::string& value) {
  if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(value);
  }
}

bool isIPv4(const std::string& s) { return parseIPv4(s).has_value(); }

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

Result<KeyAndCertificate> makeCa(const std::string& commonName, pki::TimePoint now) {
  auto key = pki::generatePrivateKey();
  if (!key) return tl::unexpected(key.error());
  auto cert = pki::selfSignedCaCertificate(
      *key, {.commonName = commonName, .usage = pki::CertificateUsage::kCa, .notBefore = now - hours(1),
             .notAfter = now + hours(24) * pki::kCaValidityDays});
  if (!cert) return tl::unexpected(cert.error());
  return KeyAndCertificate{*key, *cert};
}

Result<std::string> issueApiserver(const std::string& keyPem, const ApiserverSans& sans,
                                   const KeyAndCertificate& ca, pki::TimePoint now) {
  return pki::signCertificate({.commonName = "kube-apiserver",
                               .dnsNames = sans.dnsNames,
                               .ipAddresses = sans.ipAddresses,
                               .usage = pki::CertificateUsage::kServer,
                               .notBefore = now - hours(1),
                               .notAfter = now + hours(24) * pki::kServingValidityDays},
                              keyPem, ca.certPem, ca.keyPem);
}

std::string describeCert(const std::string& pem) {
  auto info = pki::parseCertificate(pem);
  if (!info) return "unparseable certificate";
  std::vector<std::string> sans = info->ipAddresses;
  sans.insert(sans.end(), info->dnsNames.begin(), info->dnsNames.end());
  std::string s = sans.empty() ? "" : "SANs " + join(sans) + "; ";
  return s + "expires " + pki::formatDate(info->notAfter);
}

std::vector<PkiFileDesired> filesFor(const SharedPki& shared, const KeyAndCertificate& apiserver,
                                     ApiserverDecision decision) {
  auto cert = [](const char* name, const std::string& pem) {
    return PkiFileDesired{.name = name, .content = pem, .summary = describeCert(pem)};
  };
  auto key = [](const char* name, const std::string& pem) {
    return PkiFileDesired{.name = name, .content = pem, .secret = true};
  };
  std::vector<PkiFileDesired> files = {
      cert("ca.crt", shared.ca.certPem),
      key("ca.key", shared.ca.keyPem),
      cert("front-proxy-ca.crt", shared.frontProxyCa.certPem),
      key("front-proxy-ca.key", shared.frontProxyCa.keyPem),
      cert("etcd/ca.crt", shared.etcdCa.certPem),
      key("etcd/ca.key", shared.etcdCa.keyPem),
      key("sa.key", shared.saKeyPem),
      PkiFileDesired{.name = "sa.pub", .content = shared.saPubPem, .summary = "service-account public key"},
  };
  PkiFileDesired c = cert("apiserver.crt", apiserver.certPem);
  c.apiserverPair = true;
  if (decision != ApiserverDecision::kKeep && decision != ApiserverDecision::kIssue) {
    c.change = apiserverDecisionName(decision);
  }
  PkiFileDesired k = key("apiserver.key", apiserver.keyPem);
  k.apiserverPair = true;
  files.push_back(c);
  files.push_back(k);
  return files;
}

// Loads the shared PKI, or makes it when the store is empty and no control plane shows an
// initialized cluster.
Result<std::pair<SharedPki, bool>> sharedPki(PkiStore& store,
                                             const std::vector<ControlPlaneRef>& controlPlanes,
                                             const InitializedProbe& probe,
                                             const ClusterPkiOptions& o, pki::TimePoint now) {
  auto loaded = store.loadShared();
  if (!loaded) return tl::unexpected(loaded.error());
  if (*loaded) return std::pair{std::move(**loaded), false};
  for (const auto& cp : controlPlanes) {
    auto evidence = probe ? probe(cp) : Result<std::optional<std::string>>(std::nullopt);
    if (!evidence) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "the state directory holds no cluster keys, and " + cp.name +
                           " cannot be checked for an existing cluster (" +
                           evidence.error().message + "); piherd makes a new CA only when "
                           "every control plane is reachable and none is initialized");
    }
    if (*evidence) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "the cluster is already initialized on " + cp.name + " (" + **evidence +
                           ") but its keys are missing from the state directory: restore the "
                           "state directory's pki/ from a backup; piherd will not make a new "
                           "CA for a live cluster");
    }
  }
  SharedPki pki;
  auto ca = makeCa("kubernetes", now);
  if (!ca) return tl::unexpected(ca.error());
  auto fp = makeCa("front-proxy-ca", now);
  if (!fp) return tl::unexpected(fp.error());
  auto etcd = makeCa("etcd-ca", now);
  if (!etcd) return tl::unexpected(etcd.error());
  auto sa = pki::generatePrivateKey();
  if (!sa) return tl::unexpected(sa.error());
  auto pub = pki::publicKeyPem(*sa);
  if (!pub) return tl::unexpected(pub.error());
  pki = {*ca, *fp, *etcd, *sa, *pub};
  if (o.save) {
    if (auto s = store.createShared(pki); !s) return tl::unexpected(s.error());
  }
  return std::pair{std::move(pki), true};
}

}  // namespace

const char* apiserverDecisionName(ApiserverDecision d) {
  switch (d) {
    case ApiserverDecision::kKeep: return "keep";
    case ApiserverDecision::kIssue: return "issue";
    case ApiserverDecision::kReissueSans: return "reissue: SANs changed";
    case ApiserverDecision::kRenew: return "renew: inside the renewal window";
    case ApiserverDecision::kReissueCa: return "reissue: not signed by the cluster CA";
  }
  return "?";
}

ApiserverSans expectedApiserverSans(const Cluster& cluster,
                                    const std::vector<ControlPlaneRef>& controlPlanes) {
  ApiserverSans s;
  auto add = [&](const std::string& v) { addUnique(isIPv4(v) ? s.ipAddresses : s.dnsNames, v); };
  addUnique(s.ipAddresses, "127.0.0.1");
  addUnique(s.ipAddresses, firstServiceIP(cluster));
  if (auto hp = parseHostPort(cluster.spec.controlPlaneEndpoint)) add(hp->host);
  for (const auto& cp : controlPlanes) {
    add(cp.address);
    addUnique(s.dnsNames, cp.name);
  }
  const std::string domain = cluster.spec.networking.dnsDomain.empty()
                                 ? "cluster.local"
                                 : cluster.spec.networking.dnsDomain;
  for (const char* n : {"kubernetes", "kubernetes.default", "kubernetes.default.svc",
                        "kubernetes.default.svc.cluster"}) {
    addUnique(s.dnsNames, n);
  }
  addUnique(s.dnsNames, "kubernetes.default.svc." + domain);
  for (const auto& extra : cluster.spec.certificates.extraSANs) add(extra);
  return s;
}

ApiserverDecision decideApiserverCertificate(const std::optional<KeyAndCertificate>& stored,
                                             const ApiserverSans& want,
                                             const std::string& caCertPem, pki::TimePoint now,
                                             int renewBeforeDays) {
  if (!stored || stored->keyPem.empty() || !pki::publicKeyPem(stored->keyPem)) {
    return ApiserverDecision::kIssue;
  }
  auto info = pki::parseCertificate(stored->certPem);
  auto matches = pki::keyMatchesCertificate(stored->keyPem, stored->certPem);
  if (!info || !matches || !*matches) return ApiserverDecision::kIssue;
  // Signed by this CA? Checked at a time inside the certificate's own validity, so that an
  // expired certificate counts as due for renewal, not as foreign; and inside the CA's, whose
  // notBefore can be later than a backdated leaf's (a CA made elsewhere without backdating).
  pki::TimePoint at = info->notBefore;
  if (auto caInfo = pki::parseCertificate(caCertPem); caInfo && caInfo->notBefore > at) {
    at = caInfo->notBefore;
  }
  if (!pki::verifyCertificate(stored->certPem, caCertPem, at + std::chrono::seconds(1))) {
    return ApiserverDecision::kReissueCa;
  }
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  if (sorted(info->dnsNames) != sorted(want.dnsNames) ||
      sorted(info->ipAddresses) != sorted(want.ipAddresses)) {
    return ApiserverDecision::kReissueSans;
  }
  if (withinRenewWindow(info->notAfter, now, renewBeforeDays)) return ApiserverDecision::kRenew;
  return ApiserverDecision::kKeep;
}

Result<SharedPki> makeSharedPki(pki::TimePoint now) {
  class Empty : public PkiStore {
    Result<std::optional<SharedPki>> loadShared() override { return std::optional<SharedPki>{}; }
    Status createShared(const SharedPki&) override { return okStatus(); }
    Result<std::optional<KeyAndCertificate>> loadApiserver(const std::string&) override {
      return std::optional<KeyAndCertificate>{};
    }
    Status saveApiserver(const std::string&, const KeyAndCertificate&) override { return okStatus(); }
  } empty;
  auto r = sharedPki(empty, {}, nullptr, {.save = false}, now);
  if (!r) return tl::unexpected(r.error());
  return r->first;
}

const std::vector<std::string>& initializedClusterEvidence() {
  static const std::vector<std::string> files = {
      "/etc/kubernetes/admin.conf", "/etc/kubernetes/kubelet.conf",
      "/etc/kubernetes/manifests/kube-apiserver.yaml"};
  return files;
}

Result<ClusterPkiResult> prepareClusterPki(PkiStore& store, const Cluster& cluster,
                                           const std::vector<ControlPlaneRef>& controlPlanes,
                                           const InitializedProbe& probe,
                                           const ClusterPkiOptions& o) {
  const pki::TimePoint now = o.clock();
  const int renewBefore = cluster.spec.certificates.renewBeforeDays.value_or(30);
  auto shared = sharedPki(store, controlPlanes, probe, o, now);
  if (!shared) return tl::unexpected(shared.error());
  ClusterPkiResult result;
  result.sharedCreated = shared->second;
  const SharedPki& pki = shared->first;
  const ApiserverSans sans = expectedApiserverSans(cluster, controlPlanes);
  for (const auto& cp : controlPlanes) {
    auto stored = store.loadApiserver(cp.name);
    if (!stored) return tl::unexpected(stored.error());
    ApiserverDecision decision =
        decideApiserverCertificate(*stored, sans, pki.ca.certPem, now, renewBefore);
    KeyAndCertificate kc = stored->value_or(KeyAndCertificate{});
    if (decision != ApiserverDecision::kKeep) {
      if (decision == ApiserverDecision::kIssue) {
        auto key = pki::generatePrivateKey();
        if (!key) return tl::unexpected(key.error());
        kc.keyPem = *key;
      }
      auto cert = issueApiserver(kc.keyPem, sans, pki.ca, now);
      if (!cert) return tl::unexpected(cert.error());
      kc.certPem = *cert;
      if (o.save) {
        if (auto s = store.saveApiserver(cp.name, kc); !s) return tl::unexpected(s.error());
      }
    }
    result.apiserver[cp.name] = decision;
    result.byMachine[cp.name] = CertificatesDesired{
        .files = filesFor(pki, kc, decision), .renewBeforeDays = renewBefore, .now = now};
  }
  return result;
}

}  // namespace piherd
