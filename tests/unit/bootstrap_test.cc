// The bootstrap plan (reconcilers/bootstrap.h), table-tested from host facts: init exactly
// when no host shows a cluster and only on the init control plane, nothing decided while a
// host that might hold the cluster is unobserved, Calico after init, joins in order (the
// interrupted one first, control planes, then workers), a reset only for a half-done join and
// never for a host with kubelet.conf; the facts command's parse; and kubeadm output redaction.
#include "reconcilers/bootstrap.h"

#include <gtest/gtest.h>

#include "api/manifest_set.h"
#include "controller/bootstrap_runner.h"

namespace piherd {
namespace {

ManifestSet seed() {
  LoadResult r = loadValidatedManifests({std::string(PIHERD_SOURCE_DIR) + "/examples/seed-8pi"});
  EXPECT_TRUE(r.ok());
  return r.set;
}

NodeFacts bare() { return NodeFacts{.observed = true}; }
NodeFacts joined() { return NodeFacts{.observed = true, .kubeletConf = true}; }
NodeFacts joinedControlPlane() {
  return NodeFacts{.observed = true, .kubeletConf = true, .adminConf = true, .etcdData = true};
}

class BootstrapPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    set_ = seed();
    for (const Machine& m : set_.machines) {
      in_.machines.push_back(&m);
      in_.facts[m.metadata.name] = bare();
      in_.hostsReady.insert(m.metadata.name);
    }
  }
  BootstrapPlan plan() {
    auto p = planBootstrap(in_);
    EXPECT_TRUE(p) << (p ? "" : p.error().message);
    return p ? *p : BootstrapPlan{};
  }
  static std::vector<std::string> joins(const BootstrapPlan& p) {
    std::vector<std::string> out;
    for (const auto& s : p.steps) {
      if (s.kind == BootstrapStepKind::kJoin) out.push_back(s.machine);
    }
    return out;
  }
  ManifestSet set_;
  BootstrapInput in_;
};

TEST_F(BootstrapPlanTest, BareHostsGetOneInitOnTheFirstControlPlaneThenJoinsInOrder) {
  BootstrapPlan p = plan();
  EXPECT_FALSE(p.initialized);
  EXPECT_EQ(p.initMachine, "master01");
  ASSERT_FALSE(p.steps.empty());
  EXPECT_EQ(p.steps[0].kind, BootstrapStepKind::kInit);
  EXPECT_EQ(p.steps[0].machine, "master01");
  int inits = 0;
  for (const auto& s : p.steps) inits += s.kind == BootstrapStepKind::kInit;
  EXPECT_EQ(inits, 1);
  EXPECT_EQ(joins(p), (std::vector<std::string>{"master02", "master03", "node01", "node02",
                                                 "node03", "node04"}));
  for (const auto& s : p.steps) {
    EXPECT_FALSE(s.reset) << s.machine;
    if (s.kind == BootstrapStepKind::kJoin) {
      EXPECT_EQ(s.controlPlane, s.machine.rfind("master", 0) == 0);
    }
  }
  EXPECT_TRUE(p.waiting.empty());
}

TEST_F(BootstrapPlanTest, CalicoComesAfterInitAndBeforeAnyJoin) {
  in_.calicoConfigured = true;
  BootstrapPlan p = plan();
  ASSERT_GE(p.steps.size(), 3u);
  EXPECT_EQ(p.steps[0].kind, BootstrapStepKind::kInit);
  EXPECT_EQ(p.steps[1].kind, BootstrapStepKind::kCalico);
  EXPECT_EQ(p.steps[2].kind, BootstrapStepKind::kJoin);
}

TEST_F(BootstrapPlanTest, AnyControlPlaneWithClusterStateMeansInitializedWhateverTheRuleSays) {
  // The cluster predates piherd, or master03 sorted later than today's init host.
  in_.facts["master03"] = NodeFacts{.observed = true, .etcdData = true};
  BootstrapPlan p = plan();
  EXPECT_TRUE(p.initialized);
  for (const auto& s : p.steps) EXPECT_NE(s.kind, BootstrapStepKind::kInit);
  // master03 itself shows a half-done join (etcd data, no kubelet.conf): reset, then join.
  bool found = false;
  for (const auto& s : p.steps) {
    if (s.machine == "master03") {
      found = true;
      EXPECT_TRUE(s.reset);
    }
  }
  EXPECT_TRUE(found);
  // And master01 is joined like any other host.
  EXPECT_EQ(joins(p).front(), "master01");
}

TEST_F(BootstrapPlanTest, AJoinedWorkerAloneMeansInitialized) {
  in_.facts["node02"] = joined();
  BootstrapPlan p = plan();
  EXPECT_TRUE(p.initialized);
  for (const auto& s : p.steps) EXPECT_NE(s.kind, BootstrapStepKind::kInit);
}

TEST_F(BootstrapPlanTest, AnUnobservedHostBlocksInitButNotJoins) {
  in_.facts["node03"] = NodeFacts{.observed = false, .error = "unreachable"};
  BootstrapPlan p = plan();
  EXPECT_TRUE(p.steps.empty());
  EXPECT_FALSE(p.notes.empty());
  EXPECT_EQ(p.waiting.size(), set_.machines.size());

  in_.facts["master01"] = joinedControlPlane();
  p = plan();
  EXPECT_TRUE(p.initialized);
  EXPECT_EQ(joins(p), (std::vector<std::string>{"master02", "master03", "node01", "node02",
                                                 "node04"}));
  EXPECT_EQ(p.waiting, (std::vector<std::string>{"node03"}));
}

TEST_F(BootstrapPlanTest, InitWaitsForTheInitControlPlanesHostFacets) {
  in_.hostsReady.erase("master01");
  BootstrapPlan p = plan();
  EXPECT_TRUE(p.steps.empty());
  ASSERT_EQ(p.notes.size(), 1u);
  EXPECT_NE(p.notes[0].find("master01"), std::string::npos);
}

TEST_F(BootstrapPlanTest, AHostNotReadyIsSkippedAndTheOthersStillJoin) {
  in_.facts["master01"] = joinedControlPlane();
  in_.hostsReady.erase("master02");
  BootstrapPlan p = plan();
  EXPECT_EQ(joins(p), (std::vector<std::string>{"master03", "node01", "node02", "node03",
                                                 "node04"}));
  EXPECT_EQ(p.waiting, (std::vector<std::string>{"master02"}));
}

TEST_F(BootstrapPlanTest, AConvergedClusterPlansNothing) {
  for (const Machine& m : set_.machines) {
    in_.facts[m.metadata.name] = m.isControlPlane() ? joinedControlPlane() : joined();
  }
  in_.calicoConfigured = true;
  in_.calicoKnown = true;
  BootstrapPlan p = plan();
  EXPECT_TRUE(p.initialized);
  EXPECT_TRUE(p.empty());
  EXPECT_TRUE(p.waiting.empty());
}

TEST_F(BootstrapPlanTest, CalicoDriftIsReappliedAndAnUnknownStateOnlyNoted) {
  for (const Machine& m : set_.machines) {
    in_.facts[m.metadata.name] = m.isControlPlane() ? joinedControlPlane() : joined();
  }
  in_.calicoConfigured = true;
  BootstrapPlan p = plan();
  EXPECT_TRUE(p.empty());
  ASSERT_EQ(p.notes.size(), 1u);
  in_.calicoKnown = true;
  in_.calicoMismatches = {"DaemonSet kube-system/calico-node: CALICO_IPV4POOL_CIDR is not set"};
  p = plan();
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].kind, BootstrapStepKind::kCalico);
  EXPECT_NE(describeStep(p.steps[0]).find("CALICO_IPV4POOL_CIDR"), std::string::npos);
}

TEST_F(BootstrapPlanTest, TheInterruptedJoinGoesFirstAndIsResetUnlessItHasJoined) {
  in_.facts["master01"] = joinedControlPlane();
  in_.joinLockHolder = "node02";
  in_.facts["node02"] = NodeFacts{.observed = true, .kubeadmRunning = true};
  BootstrapPlan p = plan();
  ASSERT_FALSE(joins(p).empty());
  EXPECT_EQ(joins(p).front(), "node02");
  EXPECT_TRUE(p.steps.front().reset);
  // Finished meanwhile: kubelet.conf is there, so it is only waited for (never reset), and
  // still first: the lock is released only once it is Ready.
  in_.facts["node02"] = joined();
  p = plan();
  ASSERT_FALSE(p.steps.empty());
  EXPECT_EQ(p.steps.front().machine, "node02");
  EXPECT_TRUE(p.steps.front().waitOnly);
  EXPECT_FALSE(p.steps.front().reset);
  EXPECT_NE(describeStep(p.steps.front()).find("wait for node02"), std::string::npos);
}

TEST_F(BootstrapPlanTest, AJoinedNodeIsNeverReset) {
  in_.facts["master01"] = joinedControlPlane();
  in_.facts["master02"] =
      NodeFacts{.observed = true, .kubeletConf = true, .adminConf = true, .kubeadmRunning = true};
  for (const auto& s : plan().steps) EXPECT_NE(s.machine, "master02");
}

TEST_F(BootstrapPlanTest, NoControlPlaneIsAnError) {
  BootstrapInput in;
  for (const Machine& m : set_.machines) {
    if (!m.isControlPlane()) in.machines.push_back(&m);
  }
  auto p = planBootstrap(in);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
}

TEST(NodeFactsTest, ParsesTheFactsCommandsLinesAndRefusesAFailedRun) {
  NodeFacts f = parseNodeFacts({.exitStatus = 0, .out = "kubelet-conf\netcd-data\nnoise\n"});
  EXPECT_TRUE(f.observed);
  EXPECT_TRUE(f.kubeletConf);
  EXPECT_TRUE(f.etcdData);
  EXPECT_FALSE(f.adminConf);
  EXPECT_FALSE(f.kubeadmRunning);
  f = parseNodeFacts({.exitStatus = 0, .out = "admin-conf\nkubeadm-running\n"});
  EXPECT_TRUE(f.adminConf);
  EXPECT_TRUE(f.kubeadmRunning);
  f = parseNodeFacts({.exitStatus = 127, .out = "kubelet-conf\n"});
  EXPECT_FALSE(f.observed);
  EXPECT_FALSE(f.kubeletConf);
  EXPECT_FALSE(f.error.empty());
  // The command is fixed: sh -c and one script, no value of piherd's in it.
  auto argv = nodeFactsCommand();
  ASSERT_EQ(argv.size(), 3u);
  EXPECT_EQ(argv[0], "sh");
}

TEST(RedactKubeadmOutputTest, TokensAndHashesNeverSurviveAndOnlyTheTailIsKept) {
  std::string out =
      "line 1\nline 2\n[bootstrap-token] Using token: abcdef.0123456789abcdef\n"
      "kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef \\\n"
      "  --discovery-token-ca-cert-hash sha256:" + std::string(64, 'c') + "\nlast\n";
  std::string r = redactKubeadmOutput(out, 4);
  EXPECT_EQ(r.find("0123456789abcdef"), std::string::npos) << r;
  EXPECT_EQ(r.find(std::string(64, 'c')), std::string::npos) << r;
  EXPECT_EQ(r.find("line 1"), std::string::npos);
  EXPECT_NE(r.find("last"), std::string::npos);
  EXPECT_NE(r.find("<redacted>"), std::string::npos);
}

}  // namespace
}  // namespace piherd
