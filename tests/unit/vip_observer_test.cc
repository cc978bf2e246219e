// The VIP observer of `piherd run`: status from the control planes' observations and the
// probe, and the piherd_vip_* series on the registry the controller serves.
#include "controller/vip_observer.h"

#include <gtest/gtest.h>

#include <prometheus/text_serializer.h>

#include <sstream>

#include "api/manifest_set.h"
#include "tests/unit/facts_builder.h"

namespace piherd {
namespace {

using piherd::testing::FactsBuilder;

constexpr const char* kManifests = R"(apiVersion: piherd.io/v1alpha1
kind: Cluster
metadata: {name: home}
spec:
  kubernetesVersion: "1.34.2"
  controlPlaneEndpoint: "192.168.3.10:6443"
  networking: {podSubnet: 10.244.0.0/16}
  packages: {repository: "https://pkgs.k8s.io/core:/stable:/v1.34/deb/", signingKey: "https://pkgs.k8s.io/core:/stable:/v1.34/deb/Release.key"}
---
apiVersion: piherd.io/v1alpha1
kind: Machine
metadata: {name: master01}
spec: {cluster: home, role: control-plane, address: 192.168.3.11}
---
apiVersion: piherd.io/v1alpha1
kind: Machine
metadata: {name: master02}
spec: {cluster: home, role: control-plane, address: 192.168.3.12}
---
apiVersion: piherd.io/v1alpha1
kind: Machine
metadata: {name: node01}
spec: {cluster: home, role: worker, address: 192.168.3.21}
---
apiVersion: piherd.io/v1alpha1
kind: VirtualIP
metadata: {name: apiserver}
spec: {cluster: home, address: 192.168.3.10/24, interface: eth0, virtualRouterID: 51}
)";

class FakeProber : public VipProber {
 public:
  VipProbeResult probe(const std::string& address, int port, const std::string& caPem) override {
    lastAddress = address;
    lastPort = port;
    lastCa = caPem;
    return result;
  }
  VipProbeResult result{.tcp = true, .tls = true, .verified = true};
  std::string lastAddress, lastCa;
  int lastPort = 0;
};

class VipObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    parseManifestText(kManifests, "all.yaml", loaded_);
    ASSERT_TRUE(loaded_.ok());
    prober_ = std::make_shared<FakeProber>();
    observer_ = makeVipObserver(registry_, prober_);
  }

  HostOutcome observed(const std::string& machine, const std::string& own, bool holdsVip) {
    FactsBuilder b;
    b.address("eth0", own + "/24");
    if (holdsVip) b.address("eth0", "192.168.3.10/32");
    return {.machine = machine, .facts = b.build()};
  }

  ClusterReport pass(const std::map<std::string, HostOutcome>& outcomes, ClusterReport report = {}) {
    ObserverContext context{.desired = loaded_.set,
                            .outcomes = outcomes,
                            .transport = [](const std::string&) { return nullptr; },
                            .clusterCaPem = "CA PEM",
                            .hostDesired = hostDesired_};
    observer_->observe(context, report);
    return report;
  }

  std::string metrics() {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, registry_.Collect());
    return out.str();
  }

  LoadResult loaded_;
  std::map<std::string, HostDesired> hostDesired_;
  prometheus::Registry registry_;
  std::shared_ptr<FakeProber> prober_;
  std::shared_ptr<ClusterObserver> observer_;
};

TEST_F(VipObserverTest, OneHolderReachableIsAvailableAndExported) {
  ClusterReport r = pass({{"master01", observed("master01", "192.168.3.11", true)},
                          {"master02", observed("master02", "192.168.3.12", false)}});
  const VirtualIPStatus& s = r.vips.at("apiserver");
  EXPECT_EQ(s.holders, std::vector<std::string>{"master01"});
  EXPECT_EQ(s.reachable, true);
  EXPECT_EQ(prober_->lastAddress, "192.168.3.10");
  EXPECT_EQ(prober_->lastPort, 6443);
  EXPECT_EQ(prober_->lastCa, "CA PEM");
  std::string m = metrics();
  EXPECT_NE(m.find("piherd_vip_holders{vip=\"apiserver\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("piherd_vip_reachable{vip=\"apiserver\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("piherd_vip_failovers_total{vip=\"apiserver\"} 0"), std::string::npos) << m;
  EXPECT_NE(m.find("piherd_vip_holder{machine=\"master01\",vip=\"apiserver\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("piherd_vip_holder{machine=\"master02\",vip=\"apiserver\"} 0"), std::string::npos) << m;
  EXPECT_EQ(m.find("node01"), std::string::npos) << "a worker is no VIP holder";
}

TEST_F(VipObserverTest, AFailoverIsCountedOnceAndSplitBrainShowsTwoHolders) {
  ClusterReport r = pass({{"master01", observed("master01", "192.168.3.11", true)},
                          {"master02", observed("master02", "192.168.3.12", false)}});
  // The engine hands each pass the status of the last one.
  r = pass({{"master01", observed("master01", "192.168.3.11", false)},
            {"master02", observed("master02", "192.168.3.12", true)}},
           r);
  EXPECT_EQ(r.vips.at("apiserver").failovers, 1);
  r = pass({{"master01", observed("master01", "192.168.3.11", false)},
            {"master02", observed("master02", "192.168.3.12", true)}},
           r);
  EXPECT_EQ(r.vips.at("apiserver").failovers, 1);
  std::string m = metrics();
  EXPECT_NE(m.find("piherd_vip_failovers_total{vip=\"apiserver\"} 1"), std::string::npos) << m;
  r = pass({{"master01", observed("master01", "192.168.3.11", true)},
            {"master02", observed("master02", "192.168.3.12", true)}},
           r);
  EXPECT_EQ(r.vips.at("apiserver").holders.size(), 2u);
  m = metrics();
  EXPECT_NE(m.find("piherd_vip_holders{vip=\"apiserver\"} 2"), std::string::npos) << m;
}

TEST_F(VipObserverTest, UnreachableVipAndUnobservedHostsAreReportedAsSuch) {
  prober_->result = {.tcp = false, .detail = "connection refused"};
  ClusterReport r = pass({{"master01", {.machine = "master01", .reachable = false, .error = "ssh"}}});
  const VirtualIPStatus& s = r.vips.at("apiserver");
  EXPECT_TRUE(s.holders.empty());
  EXPECT_EQ(s.reachable, false);
  std::string m = metrics();
  EXPECT_NE(m.find("piherd_vip_holders{vip=\"apiserver\"} 0"), std::string::npos) << m;
  EXPECT_NE(m.find("piherd_vip_reachable{vip=\"apiserver\"} 0"), std::string::npos) << m;
}

}  // namespace
}  // namespace piherd
