// The certificate observer of `piherd run`: each control plane's observed certificates as
// piherd_certificate_expiry_timestamp_seconds{machine,certificate}.
#include "controller/certificate_observer.h"

#include <gtest/gtest.h>

#include <prometheus/text_serializer.h>

#include <sstream>

#include "platform/pki.h"
#include "tests/unit/facts_builder.h"

namespace piherd {
namespace {

using piherd::testing::FactsBuilder;
using std::chrono::hours;

const pki::TimePoint kNow = std::chrono::system_clock::from_time_t(1796083200);  // 2026-12-01
const auto kNotAfter = kNow + hours(24) * 3650;

std::string caCertificate() {
  auto key = pki::generatePrivateKey();
  EXPECT_TRUE(key);
  auto cert = pki::selfSignedCaCertificate(
      *key, {.commonName = "kubernetes", .usage = pki::CertificateUsage::kCa,
             .notBefore = kNow - hours(1), .notAfter = kNotAfter});
  EXPECT_TRUE(cert);
  return *cert;
}

class CertificateObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    observer_ = makeCertificateObserver(registry_);
    ca_ = caCertificate();
    HostDesired cp{.machine = "cp1", .controlPlane = true};
    cp.certificates.files = {{.name = "ca.crt", .content = ca_},
                             {.name = "ca.key", .content = "KEY", .secret = true}};
    desired_["cp1"] = cp;
    desired_["w1"] = HostDesired{.machine = "w1"};
  }

  void pass(const std::map<std::string, HostOutcome>& outcomes) {
    ManifestSet set;
    ObserverContext context{.desired = set,
                            .outcomes = outcomes,
                            .transport = [](const std::string&) { return nullptr; },
                            .hostDesired = desired_};
    ClusterReport report;
    observer_->observe(context, report);
  }

  std::string metrics() {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_.Collect());
    return out.str();
  }

  prometheus::Registry registry_;
  std::shared_ptr<ClusterObserver> observer_;
  std::string ca_;
  std::map<std::string, HostDesired> desired_;
};

TEST_F(CertificateObserverTest, ObservedCertificatesAreExportedByMachineAndName) {
  HostFacts facts = FactsBuilder()
                        .file("/etc/kubernetes/pki/ca.crt", ca_)
                        .file("/etc/kubernetes/pki/apiserver-kubelet-client.crt", ca_)
                        .build();
  pass({{"cp1", {.machine = "cp1", .facts = facts}}, {"w1", {.machine = "w1", .facts = HostFacts{}}}});
  std::string m = metrics();
  const std::string seconds = std::to_string(std::chrono::system_clock::to_time_t(kNotAfter));
  EXPECT_NE(m.find("piherd_certificate_expiry_timestamp_seconds{certificate=\"ca.crt\",machine=\"cp1\"} " +
                   seconds),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("certificate=\"apiserver-kubelet-client.crt\",machine=\"cp1\""), std::string::npos) << m;
  EXPECT_EQ(m.find("ca.key"), std::string::npos) << "a key is no certificate";
  EXPECT_EQ(m.find("w1"), std::string::npos) << "workers hold no piherd certificate";
}

TEST_F(CertificateObserverTest, AnUnobservedHostKeepsItsSeriesAndAVanishedCertificateLosesIt) {
  HostFacts both = FactsBuilder()
                       .file("/etc/kubernetes/pki/ca.crt", ca_)
                       .file("/etc/kubernetes/pki/apiserver-kubelet-client.crt", ca_)
                       .build();
  pass({{"cp1", {.machine = "cp1", .facts = both}}});
  pass({{"cp1", {.machine = "cp1", .reachable = false, .error = "unreachable"}}});
  EXPECT_NE(metrics().find("apiserver-kubelet-client.crt"), std::string::npos);
  HostFacts one = FactsBuilder().file("/etc/kubernetes/pki/ca.crt", ca_).build();
  pass({{"cp1", {.machine = "cp1", .facts = one}}});
  std::string m = metrics();
  EXPECT_EQ(m.find("apiserver-kubelet-client.crt"), std::string::npos) << m;
  EXPECT_NE(m.find("certificate=\"ca.crt\""), std::string::npos) << m;
}

}  // namespace
}  // namespace piherd
