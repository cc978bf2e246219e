// controller/cluster_pki: the shared PKI made once and loaded after, apiserver certificates
// with exactly the expected SANs, renewal decided by an injected clock, reissue on a new
// control plane, and the refusal to make a new CA for an initialized cluster.
#include "controller/cluster_pki.h"
#include "reconcilers/certificates_facet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

namespace piherd {
namespace {

using std::chrono::hours;
namespace fs = std::filesystem;

const pki::TimePoint kNow = std::chrono::system_clock::from_time_t(1796083200);  // 2026-12-01
const auto kDay = hours(24);

Cluster cluster() {
  Cluster c;
  c.metadata.name = "home";
  c.spec.controlPlaneEndpoint = "10.78.0.100:6443";
  c.spec.networking.serviceSubnet = "10.96.0.0/12";
  c.spec.networking.dnsDomain = "example.lan";
  c.spec.certificates.extraSANs = {"api.example.lan", "192.168.3.10"};
  c.spec.certificates.renewBeforeDays = 30;
  return c;
}

const std::vector<ControlPlaneRef> kTwo = {{"cp1", "10.78.0.11"}, {"cp2", "10.78.0.12"}};

// An in-memory store that counts writes, so "loaded, not made again" is observable.
class MemoryStore : public PkiStore {
 public:
  Result<std::optional<SharedPki>> loadShared() override { return shared_; }
  Status createShared(const SharedPki& p) override {
    if (shared_) return makeError(ErrorCode::kFailedPrecondition, "exists");
    shared_ = p;
    ++writes_;
    return okStatus();
  }
  Result<std::optional<KeyAndCertificate>> loadApiserver(const std::string& m) override {
    auto it = apiservers_.find(m);
    if (it == apiservers_.end()) return std::optional<KeyAndCertificate>{};
    return std::optional(it->second);
  }
  Status saveApiserver(const std::string& m, const KeyAndCertificate& kc) override {
    apiservers_[m] = kc;
    ++writes_;
    return okStatus();
  }
  std::optional<SharedPki> shared_;
  std::map<std::string, KeyAndCertificate> apiservers_;
  int writes_ = 0;
};

InitializedProbe fresh() {
  return [](const ControlPlaneRef&) -> Result<std::optional<std::string>> { return std::nullopt; };
}

ClusterPkiOptions at(pki::TimePoint t, bool save = true) {
  return {.save = save, .clock = [t] { return t; }};
}

const PkiFileDesired& file(const CertificatesDesired& d, const std::string& name) {
  auto it = std::find_if(d.files.begin(), d.files.end(), [&](auto& f) { return f.name == name; });
  EXPECT_NE(it, d.files.end()) << name;
  return *it;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(ApiserverSansTest, ExactlyTheIssuesList) {
  ApiserverSans s = expectedApiserverSans(cluster(), kTwo);
  EXPECT_EQ(s.ipAddresses, (std::vector<std::string>{"127.0.0.1", "10.96.0.1", "10.78.0.100",
                                                     "10.78.0.11", "10.78.0.12", "192.168.3.10"}));
  EXPECT_EQ(s.dnsNames,
            (std::vector<std::string>{"cp1", "cp2", "kubernetes", "kubernetes.default",
                                      "kubernetes.default.svc", "kubernetes.default.svc.cluster",
                                      "kubernetes.default.svc.example.lan", "api.example.lan"}));
}

TEST(ApiserverSansTest, NamedEndpointIsADnsSanAndDuplicatesCollapse) {
  Cluster c = cluster();
  c.spec.controlPlaneEndpoint = "api.example.lan:6443";
  c.spec.certificates.extraSANs = {"10.78.0.11", "cp1"};
  ApiserverSans s = expectedApiserverSans(c, kTwo);
  EXPECT_EQ(s.ipAddresses, (std::vector<std::string>{"127.0.0.1", "10.96.0.1", "10.78.0.11", "10.78.0.12"}));
  EXPECT_EQ(s.dnsNames.front(), "api.example.lan");
  EXPECT_EQ(std::count(s.dnsNames.begin(), s.dnsNames.end(), "cp1"), 1);
}

TEST(ClusterPkiTest, FreshStoreMakesAPkiWhoseEveryCertificateVerifiesAgainstItsCa) {
  MemoryStore store;
  auto r = prepareClusterPki(store, cluster(), kTwo, fresh(), at(kNow));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->sharedCreated);
  ASSERT_EQ(r->byMachine.size(), 2u);
  const SharedPki& s = *store.shared_;
  for (const auto& [cert, key, cn] : {std::tuple{s.ca.certPem, s.ca.keyPem, "kubernetes"},
                                      {s.frontProxyCa.certPem, s.frontProxyCa.keyPem, "front-proxy-ca"},
                                      {s.etcdCa.certPem, s.etcdCa.keyPem, "etcd-ca"}}) {
    auto info = pki::parseCertificate(cert);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->subjectCommonName, cn);
    EXPECT_TRUE(info->isCa);
    EXPECT_EQ(info->notAfter, kNow + kDay * 3650);
    EXPECT_TRUE(pki::verifyCertificate(cert, cert, kNow));
    EXPECT_TRUE(*pki::keyMatchesCertificate(key, cert));
  }
  EXPECT_NE(s.ca.keyPem, s.etcdCa.keyPem);
  EXPECT_TRUE(*pki::publicKeyMatches(s.saKeyPem, s.saPubPem));
  ApiserverSans want = expectedApiserverSans(cluster(), kTwo);
  for (const auto& cp : kTwo) {
    const CertificatesDesired& d = r->byMachine.at(cp.name);
    EXPECT_EQ(d.files.size(), 10u);
    EXPECT_EQ(file(d, "ca.crt").content, s.ca.certPem);
    EXPECT_TRUE(file(d, "ca.key").secret);
    EXPECT_FALSE(file(d, "ca.crt").secret);
    const std::string& cert = file(d, "apiserver.crt").content;
    const std::string& key = file(d, "apiserver.key").content;
    EXPECT_TRUE(file(d, "apiserver.crt").apiserverPair && file(d, "apiserver.key").apiserverPair);
    EXPECT_TRUE(pki::verifyCertificate(cert, s.ca.certPem, kNow));
    EXPECT_FALSE(pki::verifyCertificate(cert, s.frontProxyCa.certPem, kNow));
    EXPECT_TRUE(*pki::keyMatchesCertificate(key, cert));
    auto info = pki::parseCertificate(cert);
    EXPECT_EQ(sorted(info->dnsNames), sorted(want.dnsNames));
    EXPECT_EQ(sorted(info->ipAddresses), sorted(want.ipAddresses));
    EXPECT_EQ(info->notAfter, kNow + kDay * 365);
    EXPECT_EQ(r->apiserver.at(cp.name), ApiserverDecision::kIssue);
    EXPECT_NE(file(d, "apiserver.crt").summary.find("expires 2027-12-01"), std::string::npos);
    EXPECT_NE(file(d, "apiserver.crt").summary.find("10.78.0.100"), std::string::npos);
  }
  EXPECT_NE(file(r->byMachine.at("cp1"), "apiserver.key").content,
            file(r->byMachine.at("cp2"), "apiserver.key").content);
}

TEST(ClusterPkiTest, SecondRunLoadsKeysAndKeepsCertificates) {
  MemoryStore store;
  auto first = prepareClusterPki(store, cluster(), kTwo, fresh(), at(kNow));
  ASSERT_TRUE(first);
  int writes = store.writes_;
  SharedPki before = *store.shared_;
  auto second = prepareClusterPki(store, cluster(), kTwo, nullptr, at(kNow + kDay * 10));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->sharedCreated);
  EXPECT_EQ(store.writes_, writes);
  EXPECT_EQ(*store.shared_, before);
  for (const auto& cp : kTwo) {
    EXPECT_EQ(second->apiserver.at(cp.name), ApiserverDecision::kKeep);
    EXPECT_EQ(file(second->byMachine.at(cp.name), "apiserver.crt").content,
              file(first->byMachine.at(cp.name), "apiserver.crt").content);
  }
}

TEST(ClusterPkiTest, SecondRunOnTheFileStoreLoadsTheSameKeys) {
  fs::path dir = fs::temp_directory_path() / ("piherd-cluster-pki-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  {
    FilePkiStore store(dir.string());
    ASSERT_TRUE(prepareClusterPki(store, cluster(), kTwo, fresh(), at(kNow)));
  }
  FilePkiStore store(dir.string());
  SharedPki before = **store.loadShared();
  auto again = prepareClusterPki(store, cluster(), kTwo, fresh(), at(kNow + kDay));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->sharedCreated);
  EXPECT_EQ(**store.loadShared(), before);
  EXPECT_EQ(file(again->byMachine.at("cp1"), "ca.key").content, before.ca.keyPem);
  fs::remove_all(dir);
}

TEST(ClusterPkiTest, RenewalWindowWithAFakeClock) {
  MemoryStore store;
  ASSERT_TRUE(prepareClusterPki(store, cluster(), kTwo, fresh(), at(kNow)));
  KeyAndCertificate cp1 = store.apiservers_.at("cp1");
  // Expires kNow + 365 days; renewBeforeDays 30.
  auto outside = prepareClusterPki(store, cluster(), kTwo, nullptr, at(kNow + kDay * 334));
  ASSERT_TRUE(outside);
  EXPECT_EQ(outside->apiserver.at("cp1"), ApiserverDecision::kKeep);
  const pki::TimePoint later = kNow + kDay * 336;
  auto inside = prepareClusterPki(store, cluster(), kTwo, nullptr, at(later));
  ASSERT_TRUE(inside);
  EXPECT_EQ(inside->apiserver.at("cp1"), ApiserverDecision::kRenew);
  EXPECT_EQ(inside->apiserver.at("cp2"), ApiserverDecision::kRenew);
  KeyAndCertificate renewed = store.apiservers_.at("cp1");
  EXPECT_EQ(renewed.keyPem, cp1.keyPem);  // the key stays
  EXPECT_NE(renewed.certPem, cp1.certPem);
  EXPECT_EQ(pki::parseCertificate(renewed.certPem)->notAfter, later + kDay * 365);
  EXPECT_TRUE(pki::verifyCertificate(renewed.certPem, store.shared_->ca.certPem, later));
  // Already expired counts as due, not as foreign.
  EXPECT_EQ(decideApiserverCertificate(cp1, expectedApiserverSans(cluster(), kTwo),
                                       store.shared_->ca.certPem, kNow + kDay * 400, 30),
            ApiserverDecision::kRenew);
}

TEST(ClusterPkiTest, WindowBoundaries) {
  EXPECT_TRUE(withinRenewWindow(kNow + kDay * 30, kNow, 30));
  EXPECT_FALSE(withinRenewWindow(kNow + kDay * 30 + std::chrono::seconds(1), kNow, 30));
  EXPECT_TRUE(withinRenewWindow(kNow - kDay, kNow, 30));
}

TEST(ClusterPkiTest, AddedControlPlaneReissuesEveryApiserverCertificateWithItsSan) {
  MemoryStore store;
  ASSERT_TRUE(prepareClusterPki(store, cluster(), kTwo, fresh(), at(kNow)));
  auto keys = store.apiservers_;
  std::vector<ControlPlaneRef> three = kTwo;
  three.push_back({"cp3", "10.78.0.13"});
  auto r = prepareClusterPki(store, cluster(), three, nullptr, at(kNow + kDay));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->apiserver.at("cp1"), ApiserverDecision::kReissueSans);
  EXPECT_EQ(r->apiserver.at("cp2"), ApiserverDecision::kReissueSans);
  EXPECT_EQ(r->apiserver.at("cp3"), ApiserverDecision::kIssue);
  for (const auto& cp : three) {
    auto info = pki::parseCertificate(store.apiservers_.at(cp.name).certPem);
    EXPECT_NE(std::find(info->dnsNames.begin(), info->dnsNames.end(), "cp3"), info->dnsNames.end());
    EXPECT_NE(std::find(info->ipAddresses.begin(), info->ipAddresses.end(), "10.78.0.13"),
              info->ipAddresses.end());
  }
  EXPECT_EQ(store.apiservers_.at("cp1").keyPem, keys.at("cp1").keyPem);
}

TEST(ClusterPkiTest, ForeignOrMismatchedApiserverPairIsReplaced) {
  MemoryStore store;
  ASSERT_TRUE(prepareClusterPki(store, cluster(), kTwo, fresh(), at(kNow)));
  ApiserverSans sans = expectedApiserverSans(cluster(), kTwo);
  const std::string& ca = store.shared_->ca.certPem;
  KeyAndCertificate cp1 = store.apiservers_.at("cp1");
  KeyAndCertificate swapped{store.apiservers_.at("cp2").keyPem, cp1.certPem};
  EXPECT_EQ(decideApiserverCertificate(swapped, sans, ca, kNow, 30), ApiserverDecision::kIssue);
  EXPECT_EQ(decideApiserverCertificate(cp1, sans, store.shared_->etcdCa.certPem, kNow, 30),
            ApiserverDecision::kReissueCa);
  EXPECT_EQ(decideApiserverCertificate(std::nullopt, sans, ca, kNow, 30), ApiserverDecision::kIssue);
  EXPECT_EQ(decideApiserverCertificate(cp1, sans, ca, kNow, 30), ApiserverDecision::kKeep);
}

// A CA made elsewhere (`openssl req -x509`) starts now, later than piherd's backdated
// leaf: the leaf it signed is still its own, not foreign.
TEST(ClusterPkiTest, ApiserverCertificateOfACaThatIsNotBackdatedIsKept) {
  auto caKey = pki::generatePrivateKey();
  ASSERT_TRUE(caKey);
  auto caCert = pki::selfSignedCaCertificate(
      *caKey, {.commonName = "test-ca", .usage = pki::CertificateUsage::kCa, .notBefore = kNow,
               .notAfter = kNow + kDay * 2});
  ASSERT_TRUE(caCert) << caCert.error().message;
  ApiserverSans sans = expectedApiserverSans(cluster(), kTwo);
  auto key = pki::generatePrivateKey();
  ASSERT_TRUE(key);
  auto leaf = pki::signCertificate({.commonName = "kube-apiserver",
                                    .dnsNames = sans.dnsNames,
                                    .ipAddresses = sans.ipAddresses,
                                    .usage = pki::CertificateUsage::kServer,
                                    .notBefore = kNow - std::chrono::hours(1),
                                    .notAfter = kNow + kDay * 365},
                                   *key, *caCert, *caKey);
  ASSERT_TRUE(leaf) << leaf.error().message;
  KeyAndCertificate stored{*key, *leaf};
  EXPECT_EQ(decideApiserverCertificate(stored, sans, *caCert, kNow + std::chrono::minutes(1), 30),
            ApiserverDecision::kKeep);
}

TEST(ClusterPkiTest, InitializedClusterWithoutKeysIsAnErrorNotANewCa) {
  MemoryStore store;
  InitializedProbe live = [](const ControlPlaneRef& cp) -> Result<std::optional<std::string>> {
    if (cp.name == "cp2") return std::optional<std::string>("/etc/kubernetes/admin.conf exists");
    return std::nullopt;
  };
  auto r = prepareClusterPki(store, cluster(), kTwo, live, at(kNow));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("already initialized on cp2"), std::string::npos);
  EXPECT_NE(r.error().message.find("admin.conf"), std::string::npos);
  EXPECT_FALSE(store.shared_);
  EXPECT_EQ(store.writes_, 0);
  InitializedProbe unreachable = [](const ControlPlaneRef&) -> Result<std::optional<std::string>> {
    return makeError(ErrorCode::kUnavailable, "connection refused");
  };
  auto u = prepareClusterPki(store, cluster(), kTwo, unreachable, at(kNow));
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find("cannot be checked"), std::string::npos);
  EXPECT_FALSE(store.shared_);
}

TEST(ClusterPkiTest, PlanModeSavesNothing) {
  MemoryStore store;
  auto r = prepareClusterPki(store, cluster(), kTwo, fresh(), at(kNow, /*save=*/false));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->byMachine.size(), 2u);
  EXPECT_EQ(store.writes_, 0);
  EXPECT_FALSE(store.shared_);
}

TEST(ClusterPkiTest, NoControlPlanesNoFiles) {
  MemoryStore store;
  auto r = prepareClusterPki(store, cluster(), {}, fresh(), at(kNow));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->byMachine.empty());
}

}  // namespace
}  // namespace piherd
