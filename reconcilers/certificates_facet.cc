#include "reconcilers/certificates_facet.h"

#include <algorithm>

#include "platform/pki.h"
#include "reconcilers/certificate_rollout.h"

namespace piherd {
namespace {

std::string hostPath(const std::string& name) { return std::string(kPkiDir) + "/" + name; }

bool rootOwned(const std::string& owner, const std::string& group) {
  return owner == "root" && group == "root";
}

// Why the host's file is not what piherd placed; "" when it is. Keys by fingerprint only.
std::string driftReason(const PkiFileDesired& want, const HostFacts& facts) {
  const std::string path = hostPath(want.name);
  const std::string mode = want.secret ? "600" : "644";
  std::string exists, owner, group, haveMode;
  bool same = false;
  if (want.secret) {
    FileDigestFact d = facts.fileDigest(path);
    if (!d.exists) return "missing";
    same = d.sha256 == pki::sha256Hex(want.content);
    owner = d.owner, group = d.group, haveMode = d.mode;
  } else {
    FileFact f = facts.file(path);
    if (!f.exists) return "missing";
    same = f.content == want.content;
    owner = f.owner, group = f.group, haveMode = f.mode;
  }
  if (!same && !want.change.empty()) return want.change;
  if (!same) return want.secret ? "fingerprint differs (tampered or foreign)"
                                : "content differs (tampered or foreign)";
  if (haveMode != mode) return "mode " + haveMode + " -> " + mode;
  if (!rootOwned(owner, group)) return "owner " + owner + ":" + group + " -> root:root";
  return "";
}

FileSpec specFor(const PkiFileDesired& f) {
  return {.path = hostPath(f.name), .content = f.content, .mode = mode_t(f.secret ? 0600 : 0644)};
}

std::string summaryFor(const PkiFileDesired& f, const std::string& reason) {
  std::string s = f.secret ? "private key, content not shown" : f.summary;
  if (reason == "missing") return s;
  s += (s.empty() ? "" : "; ") + (reason == f.change ? reason : "restore: " + reason);
  return s;
}

std::vector<std::string> kubeadmRenewals(const CertificatesDesired& c, const HostFacts& facts) {
  std::vector<std::string> names;
  for (const auto& k : kubeadmIssuedCertificates()) {
    std::optional<std::string> pem =
        k.kubeconfig ? facts.kubeconfigCert(k.path)
                     : (facts.file(k.path).exists ? std::optional(facts.file(k.path).content)
                                                  : std::nullopt);
    if (!pem) continue;
    auto info = pki::parseCertificate(*pem);
    if (info && withinRenewWindow(info->notAfter, c.now, c.renewBeforeDays)) {
      names.push_back(k.renewName);
    }
  }
  return names;
}

}  // namespace

const std::vector<KubeadmIssuedCertificate>& kubeadmIssuedCertificates() {
  static const std::vector<KubeadmIssuedCertificate> list = {
      {"apiserver-kubelet-client.crt", hostPath("apiserver-kubelet-client.crt"), false,
       "apiserver-kubelet-client"},
      {"apiserver-etcd-client.crt", hostPath("apiserver-etcd-client.crt"), false,
       "apiserver-etcd-client"},
      {"front-proxy-client.crt", hostPath("front-proxy-client.crt"), false, "front-proxy-client"},
      {"etcd/server.crt", hostPath("etcd/server.crt"), false, "etcd-server"},
      {"etcd/peer.crt", hostPath("etcd/peer.crt"), false, "etcd-peer"},
      {"etcd/healthcheck-client.crt", hostPath("etcd/healthcheck-client.crt"), false,
       "etcd-healthcheck-client"},
      {"admin.conf", "/etc/kubernetes/admin.conf", true, "admin.conf"},
      {"super-admin.conf", "/etc/kubernetes/super-admin.conf", true, "super-admin.conf"},
      {"controller-manager.conf", "/etc/kubernetes/controller-manager.conf", true,
       "controller-manager.conf"},
      {"scheduler.conf", "/etc/kubernetes/scheduler.conf", true, "scheduler.conf"},
  };
  return list;
}

bool withinRenewWindow(std::chrono::system_clock::time_point notAfter,
                       std::chrono::system_clock::time_point now, int renewBeforeDays) {
  return notAfter - now <= std::chrono::hours(24) * renewBeforeDays;
}

void CertificatesFacet::addQueries(const HostDesired& d, QuerySet& q) const {
  if (!d.controlPlane || d.certificates.files.empty()) return;
  for (const auto& f : d.certificates.files) {
    q.add(f.secret ? QueryKind::kFileDigest : QueryKind::kFile, hostPath(f.name));
  }
  for (const auto& k : kubeadmIssuedCertificates()) {
    q.add(k.kubeconfig ? QueryKind::kKubeconfigCert : QueryKind::kFile, k.path);
  }
  // Static pod manifests a restart moved aside, and whether their place is empty (stat only).
  for (const auto& pod : kubeadmStaticPods()) {
    q.add(QueryKind::kFileDigest, staticPodAsidePath(pod));
    q.add(QueryKind::kFileDigest, staticPodManifestPath(pod));
  }
}

FacetPlan CertificatesFacet::plan(const HostDesired& d, const HostFacts& facts) const {
  FacetPlan plan;
  if (!d.controlPlane || d.certificates.files.empty()) return plan;
  RestoreStaticPodManifestsAction restore;
  for (const auto& pod : kubeadmStaticPods()) {
    if (facts.fileDigest(staticPodAsidePath(pod)).exists &&
        !facts.fileDigest(staticPodManifestPath(pod)).exists) {
      restore.pods.push_back(pod);
    }
  }
  if (!restore.pods.empty()) plan.actions.push_back(std::move(restore));
  const PkiFileDesired* pairKey = nullptr;
  const PkiFileDesired* pairCert = nullptr;
  std::string keyReason, certReason;
  for (const auto& f : d.certificates.files) {
    std::string reason = driftReason(f, facts);
    if (f.apiserverPair) {
      (f.secret ? pairKey : pairCert) = &f;
      (f.secret ? keyReason : certReason) = reason;
      continue;
    }
    if (reason.empty()) continue;
    plan.actions.push_back(WriteFileAction{
        .file = specFor(f),
        .previous = reason == "missing" ? std::nullopt : std::optional<std::string>(""),
        .secret = f.secret,
        .summary = summaryFor(f, reason)});
  }
  if (pairCert != nullptr && (!keyReason.empty() || !certReason.empty())) {
    ApiserverCertificateRolloutAction a{.certificate = specFor(*pairCert),
                                        .summary = summaryFor(*pairCert, certReason.empty()
                                                                             ? "missing"
                                                                             : certReason),
                                        .replacing = certReason != "missing"};
    if (pairKey != nullptr && !keyReason.empty()) a.key = specFor(*pairKey);
    if (certReason.empty()) a.summary = pairCert->summary + "; its key: " + keyReason;
    plan.actions.push_back(std::move(a));
  }
  if (auto names = kubeadmRenewals(d.certificates, facts); !names.empty()) {
    plan.actions.push_back(KubeadmCertsRenewAction{names});
  }
  auto expiries = observedCertificateExpiries(d, facts);
  auto nearest = std::min_element(expiries.begin(), expiries.end(),
                                  [](const auto& a, const auto& b) { return a.notAfter < b.notAfter; });
  if (nearest != expiries.end()) {
    plan.notes.push_back("nearest expiry: " + nearest->certificate + " on " +
                         pki::formatDate(nearest->notAfter));
  }
  return plan;
}

std::vector<CertificateExpiry> observedCertificateExpiries(const HostDesired& d,
                                                           const HostFacts& facts) {
  std::vector<CertificateExpiry> out;
  auto add = [&](const std::string& label, const std::optional<std::string>& pem) {
    if (!pem) return;
    if (auto info = pki::parseCertificate(*pem)) out.push_back({label, info->notAfter});
  };
  for (const auto& f : d.certificates.files) {
    if (f.secret) continue;
    FileFact ff = facts.file(hostPath(f.name));
    add(f.name, ff.exists ? std::optional(ff.content) : std::nullopt);
  }
  for (const auto& k : kubeadmIssuedCertificates()) {
    if (k.kubeconfig) {
      add(k.label, facts.kubeconfigCert(k.path));
    } else {
      FileFact ff = facts.file(k.path);
      add(k.label, ff.exists ? std::optional(ff.content) : std::nullopt);
    }
  }
  return out;
}

}  // namespace piherd
