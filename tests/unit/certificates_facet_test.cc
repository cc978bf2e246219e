// Certificates facet: plans from facts (keys by fingerprint only), restores drift, describes
// actions without content, leaves workers alone, watches kubeadm-issued certificates.
#include "reconcilers/certificates_facet.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "controller/cluster_pki.h"
#include "facts_builder.h"
#include "platform/base64.h"
#include "platform/pki.h"

namespace piherd {
namespace {

using std::chrono::hours;
using testing::FactsBuilder;

const pki::TimePoint kNow = std::chrono::system_clock::from_time_t(1796083200);  // 2026-12-01

class NullStore : public PkiStore {
 public:
  Result<std::optional<SharedPki>> loadShared() override { return shared; }
  Status createShared(const SharedPki& p) override { shared = p; return okStatus(); }
  Result<std::optional<KeyAndCertificate>> loadApiserver(const std::string&) override {
    return std::optional<KeyAndCertificate>{};
  }
  Status saveApiserver(const std::string&, const KeyAndCertificate&) override { return okStatus(); }
  std::optional<SharedPki> shared;
};

// One control plane's desired PKI, made once for the whole suite (RSA keys take a moment).
const HostDesired& controlPlane() {
  static const HostDesired d = [] {
    Cluster c;
    c.spec.controlPlaneEndpoint = "10.78.0.100:6443";
    c.spec.networking.serviceSubnet = "10.96.0.0/12";
    c.spec.networking.dnsDomain = "cluster.local";
    NullStore store;
    auto r = prepareClusterPki(store, c, {{"cp1", "10.78.0.11"}}, nullptr,
                               {.clock = [] { return kNow; }});
    HostDesired h;
    h.machine = "cp1";
    h.controlPlane = true;
    h.certificates = r->byMachine.at("cp1");
    return h;
  }();
  return d;
}

const std::string kDir = "/etc/kubernetes/pki/";

const std::string& file(const HostDesired& d, const std::string& name) {
  for (const auto& f : d.certificates.files) {
    if (f.name == name) return f.content;
  }
  static const std::string none;
  ADD_FAILURE() << name;
  return none;
}

// What a host holding exactly the desired files reports.
FactsBuilder converged(const HostDesired& d) {
  FactsBuilder b;
  for (const auto& f : d.certificates.files) {
    if (f.secret) {
      b.digest(kDir + f.name, pki::sha256Hex(f.content));
    } else {
      b.file(kDir + f.name, f.content);
    }
  }
  return b;
}

std::vector<std::string> headlines(const FacetPlan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) {
    std::string d = describeAction(a);
    out.push_back(d.substr(0, d.find('\n')));
  }
  return out;
}

// Every line of base64 body of every key PEM: none may appear in any description.
void expectNoKeyBytes(const HostDesired& d, const std::string& text) {
  EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
  for (const auto& f : d.certificates.files) {
    if (!f.secret) continue;
    size_t start = f.content.find('\n') + 1;
    for (size_t i = 0; i < 4; ++i) {
      std::string line = f.content.substr(start + i * 65, 64);
      EXPECT_EQ(text.find(line), std::string::npos) << f.name;
    }
  }
}

TEST(CertificatesFacetTest, KeysAreQueriedByFingerprintOnly) {
  QuerySet q;
  CertificatesFacet().addQueries(controlPlane(), q);
  for (const auto& f : controlPlane().certificates.files) {
    QueryKind want = f.secret ? QueryKind::kFileDigest : QueryKind::kFile;
    QueryKind other = f.secret ? QueryKind::kFile : QueryKind::kFileDigest;
    EXPECT_TRUE(q.queries().contains({want, kDir + f.name})) << f.name;
    EXPECT_FALSE(q.queries().contains({other, kDir + f.name})) << f.name;
  }
  EXPECT_TRUE(q.queries().contains({QueryKind::kKubeconfigCert, "/etc/kubernetes/admin.conf"}));
  EXPECT_FALSE(q.queries().contains({QueryKind::kFile, "/etc/kubernetes/admin.conf"}));
}

TEST(CertificatesFacetTest, FreshControlPlaneGetsEveryFileDescribedWithoutContent) {
  auto plan = CertificatesFacet().plan(controlPlane(), FactsBuilder().build());
  auto h = headlines(plan);
  ASSERT_EQ(h.size(), 9u);  // eight shared files, then the apiserver pair together
  EXPECT_EQ(h[0].rfind("create /etc/kubernetes/pki/ca.crt (expires 2036-11-28)", 0), 0u) << h[0];
  EXPECT_EQ(h[1], "create /etc/kubernetes/pki/ca.key (private key, content not shown)");
  EXPECT_NE(h[8].find("create /etc/kubernetes/pki/apiserver.crt (SANs 127.0.0.1, 10.96.0.1, "
                      "10.78.0.100, 10.78.0.11, cp1, kubernetes"),
            std::string::npos)
      << h[8];
  EXPECT_NE(h[8].find("expires 2027-12-01) and its key /etc/kubernetes/pki/apiserver.key"),
            std::string::npos);
  std::string all;
  for (const auto& a : plan.actions) all += describeAction(a) + "\n";
  expectNoKeyBytes(controlPlane(), all);
  for (const auto& a : plan.actions) {
    if (auto* w = std::get_if<WriteFileAction>(&a)) {
      EXPECT_EQ(w->file.mode, w->secret ? 0600u : 0644u) << w->file.path;
      EXPECT_EQ(w->file.owner, "root");
    }
  }
  auto* pair = std::get_if<ApiserverCertificateRolloutAction>(&plan.actions.back());
  ASSERT_NE(pair, nullptr);
  EXPECT_EQ(pair->key.mode, 0600u);
  EXPECT_EQ(pair->key.path, "/etc/kubernetes/pki/apiserver.key");
}

TEST(CertificatesFacetTest, ConvergedHostHasAnEmptyPlanAndANearestExpiryNote) {
  auto plan = CertificatesFacet().plan(controlPlane(), converged(controlPlane()).build());
  EXPECT_TRUE(plan.empty()) << headlines(plan).size();
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_EQ(plan.notes[0], "nearest expiry: apiserver.crt on 2027-12-01");
}

TEST(CertificatesFacetTest, TamperedKeyIsRestoredByFingerprint) {
  auto facts = converged(controlPlane()).digest(kDir + "ca.key", pki::sha256Hex("foreign")).build();
  auto plan = CertificatesFacet().plan(controlPlane(), facts);
  EXPECT_EQ(headlines(plan),
            (std::vector<std::string>{"update /etc/kubernetes/pki/ca.key (private key, content not "
                                      "shown; restore: fingerprint differs (tampered or foreign))"}));
}

TEST(CertificatesFacetTest, TamperedCertificateWrongModeAndOwnerAreRestored) {
  FactsBuilder b = converged(controlPlane());
  b.file(kDir + "front-proxy-ca.crt", "-----BEGIN CERTIFICATE-----\nforeign\n");
  b.digest(kDir + "sa.key", pki::sha256Hex(file(controlPlane(), "sa.key")), "644");
  b.line("file", kDir + "sa.pub", "stat", "644 pi pi");
  auto h = headlines(CertificatesFacet().plan(controlPlane(), b.build()));
  ASSERT_EQ(h.size(), 3u);
  EXPECT_NE(h[0].find("front-proxy-ca.crt (expires 2036-11-28; restore: content differs"), std::string::npos) << h[0];
  EXPECT_NE(h[1].find("sa.key (private key, content not shown; restore: mode 644 -> 600)"), std::string::npos) << h[1];
  EXPECT_NE(h[2].find("sa.pub (service-account public key; restore: owner pi:pi -> root:root)"), std::string::npos) << h[2];
}

TEST(CertificatesFacetTest, NewApiserverCertificateIsOneRolloutThatKeepsTheKey) {
  HostDesired d = controlPlane();
  FactsBuilder b = converged(d);
  b.file(kDir + "apiserver.crt", file(controlPlane(), "ca.crt"));  // an older, other cert
  auto plan = CertificatesFacet().plan(d, b.build());
  ASSERT_EQ(plan.actions.size(), 1u);
  auto* a = std::get_if<ApiserverCertificateRolloutAction>(&plan.actions[0]);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->replacing);
  EXPECT_TRUE(a->key.path.empty());  // the key on the host is already right
  EXPECT_EQ(a->certificate.content, file(d, "apiserver.crt"));
}

TEST(CertificatesFacetTest, WorkersGetNothing) {
  HostDesired w = controlPlane();
  w.controlPlane = false;
  QuerySet q;
  CertificatesFacet().addQueries(w, q);
  EXPECT_TRUE(q.queries().empty());
  EXPECT_TRUE(CertificatesFacet().plan(w, FactsBuilder().build()).empty());
  HostDesired none;
  none.controlPlane = true;  // no PKI prepared (tests that do not need one)
  EXPECT_TRUE(CertificatesFacet().plan(none, FactsBuilder().build()).empty());
}

TEST(CertificatesFacetTest, KubeadmIssuedCertificatesInsideTheWindowAreRenewed) {
  const HostDesired& d = controlPlane();
  const std::string caKey = file(d, "ca.key"), caCert = file(d, "ca.crt");
  auto issue = [&](const std::string& cn, pki::TimePoint notAfter) {
    return *pki::signCertificate({.commonName = cn, .usage = pki::CertificateUsage::kClient,
                                  .notBefore = kNow - hours(24 * 300), .notAfter = notAfter},
                                 *pki::generatePrivateKey(), caCert, caKey);
  };
  FactsBuilder b = converged(d);
  b.file(kDir + "apiserver-kubelet-client.crt", issue("kubelet-client", kNow + hours(24 * 10)));
  b.file(kDir + "front-proxy-client.crt", issue("front-proxy-client", kNow + hours(24 * 200)));
  b.line("kubeconfig-cert", "/etc/kubernetes/admin.conf", "data",
         base64Encode(issue("kubernetes-admin", kNow + hours(24 * 5))));
  HostFacts facts = b.build();
  auto plan = CertificatesFacet().plan(d, facts);
  EXPECT_EQ(headlines(plan), (std::vector<std::string>{
                                 "kubeadm certs renew apiserver-kubelet-client admin.conf, then "
                                 "restart the static pods that read them where they run: "
                                 "kube-apiserver; one control plane at a time"}));
  EXPECT_EQ(plan.notes, (std::vector<std::string>{"nearest expiry: admin.conf on 2026-12-06"}));
  auto expiries = observedCertificateExpiries(d, facts);
  std::vector<std::string> labels;
  for (const auto& e : expiries) labels.push_back(e.certificate);
  EXPECT_EQ(labels, (std::vector<std::string>{"ca.crt", "front-proxy-ca.crt", "etcd/ca.crt",
                                              "apiserver.crt", "apiserver-kubelet-client.crt",
                                              "front-proxy-client.crt", "admin.conf"}));
}

TEST(CertificatesFacetTest, ManifestsLeftAsideByAnInterruptedRestartAreMovedBack) {
  const HostDesired& d = controlPlane();
  QuerySet q;
  CertificatesFacet().addQueries(d, q);
  EXPECT_TRUE(q.queries().contains({QueryKind::kFileDigest, "/etc/kubernetes/piherd-restart/etcd.yaml"}));
  EXPECT_TRUE(q.queries().contains({QueryKind::kFileDigest, "/etc/kubernetes/manifests/etcd.yaml"}));
  FactsBuilder b = converged(d);
  b.digest("/etc/kubernetes/piherd-restart/etcd.yaml", pki::sha256Hex("etcd"));
  b.digest("/etc/kubernetes/piherd-restart/kube-scheduler.yaml", pki::sha256Hex("s"));  // stale:
  b.digest("/etc/kubernetes/manifests/kube-scheduler.yaml", pki::sha256Hex("s"));  // place taken
  b.digest("/etc/kubernetes/manifests/kube-apiserver.yaml", pki::sha256Hex("a"));
  auto plan = CertificatesFacet().plan(d, b.build());
  EXPECT_EQ(headlines(plan), (std::vector<std::string>{
                                 "move /etc/kubernetes/piherd-restart/etcd.yaml back to "
                                 "/etc/kubernetes/manifests (left aside by an interrupted "
                                 "restart: etcd not running)"}));
  EXPECT_TRUE(CertificatesFacet().plan(d, converged(d).build()).actions.empty());
}

}  // namespace
}  // namespace piherd
