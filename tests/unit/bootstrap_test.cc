// The bootstrap plan (reconcilers/bootstrap.h), table-tested from host facts: init exactly
// when no host shows a cluster and only on the init control plane, nothing decided while a
// host that might hold the cluster is unobserved, Calico after init, joins in order (the
// interrupted one first, control planes, then workers), a reset only for a half-done join and
// never for a host with kubelet.conf; the facts command's parse; and kubeadm output redaction.
#include "reconcilers/bootstrap.h"

#include <gtest/gtest.h>

#include "api/manifest_set.h"
#include "controller/bootstrap_runner.h"
#include "controller/bootstrap_status.h"
#include "controller/machine_status.h"

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

// Nodes of a converged seed cluster, Ready, plus the ones given.
std::vector<ClusterNode> seedNodes(const ManifestSet& set, std::vector<ClusterNode> extra) {
  std::vector<ClusterNode> out;
  for (const Machine& m : set.machines) {
    out.push_back({.name = m.metadata.name, .address = m.spec.address,
                   .controlPlane = m.isControlPlane(), .ready = true});
  }
  for (auto& n : extra) out.push_back(std::move(n));
  return out;
}

TEST_F(BootstrapPlanTest, ANodeNoMachineDeclaresIsOnlyANoteWithoutPruneAndRemovedWithIt) {
  for (const Machine& m : set_.machines) {
    in_.facts[m.metadata.name] = m.isControlPlane() ? joinedControlPlane() : joined();
  }
  in_.nodesKnown = true;
  in_.nodes = seedNodes(set_, {{.name = "node09", .address = "192.168.3.29", .ready = true}});
  BootstrapPlan p = plan();
  EXPECT_TRUE(p.empty());
  ASSERT_EQ(p.notes.size(), 1u);
  EXPECT_NE(p.notes[0].find("--prune"), std::string::npos);
  in_.prune = true;
  p = plan();
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_EQ(p.steps[0].kind, BootstrapStepKind::kRemove);
  EXPECT_EQ(p.steps[0].address, "192.168.3.29");
  EXPECT_FALSE(p.steps[0].controlPlane);
  EXPECT_EQ(describeStep(p.steps[0]),
            "remove node09: drain, delete the node, kubeadm reset -f on 192.168.3.29 (no Machine "
            "declares it)");
  // An unknown node list (the API did not answer) removes nothing.
  in_.nodesKnown = false;
  EXPECT_TRUE(plan().empty());
}

TEST_F(BootstrapPlanTest, AControlPlaneIsRemovedOnlyWhileEtcdKeepsItsQuorum) {
  for (const Machine& m : set_.machines) {
    in_.facts[m.metadata.name] = m.isControlPlane() ? joinedControlPlane() : joined();
  }
  in_.nodesKnown = true;
  in_.prune = true;
  // A fourth control plane no Machine declares, everything Ready: 4 -> 3 keeps quorum.
  in_.nodes = seedNodes(set_, {{.name = "master04", .controlPlane = true, .ready = true}});
  BootstrapPlan p = plan();
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_TRUE(p.steps[0].controlPlane);
  EXPECT_NE(describeStep(p.steps[0]).find("remove its etcd member"), std::string::npos);
  // Two of the four are down: removing a healthy one would leave 1 of 3 Ready.
  in_.nodes = seedNodes(set_, {{.name = "master04", .controlPlane = true, .ready = true}});
  for (auto& n : in_.nodes) {
    if (n.name == "master02" || n.name == "master03") n.ready = false;
  }
  p = plan();
  EXPECT_TRUE(p.empty());
  ASSERT_EQ(p.notes.size(), 1u);
  EXPECT_NE(p.notes[0].find("quorum"), std::string::npos);
  // A dead one among four healthy... three Ready of four: removing the dead one is fine.
  in_.nodes = seedNodes(set_, {{.name = "master04", .controlPlane = true, .ready = false}});
  EXPECT_EQ(plan().steps.size(), 1u);
  // Workers go before control planes.
  in_.nodes = seedNodes(set_, {{.name = "master04", .controlPlane = true, .ready = true},
                               {.name = "node09", .ready = true}});
  p = plan();
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[0].machine, "node09");
  EXPECT_EQ(p.steps[1].machine, "master04");
}

TEST_F(BootstrapPlanTest, TheLastControlPlaneIsNeverRemoved) {
  BootstrapInput in;
  Machine worker;
  worker.metadata.name = "node01";
  worker.spec.role = "worker";
  Machine cp;
  cp.metadata.name = "master01";
  cp.spec.role = "control-plane";
  in.machines = {&cp, &worker};
  in.facts["master01"] = joinedControlPlane();
  in.facts["node01"] = joined();
  in.nodesKnown = true;
  in.prune = true;
  // The cluster's only control-plane node is not master01 (renamed): it stays.
  in.nodes = {{.name = "old-master", .controlPlane = true, .ready = true},
              {.name = "node01", .ready = true}};
  auto p = planBootstrap(in);
  ASSERT_TRUE(p);
  for (const auto& s : p->steps) EXPECT_NE(s.kind, BootstrapStepKind::kRemove);
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

// The status contract: the Cluster's counts and phase, each Machine's Joined and NodeReady.
TEST(BootstrapStatusTest, ClusterCountsAndPhaseFollowTheNodesAndEtcd) {
  ManifestSet set = seed();
  ClusterView view;
  ClusterStatus s = clusterStatusFrom({}, set.machines, view, "t0", 1);
  EXPECT_EQ(s.phase, "Bootstrapping");
  EXPECT_EQ(s.initialized, false);
  EXPECT_EQ(s.controlPlaneReady, "0/3");

  view.initialized = true;
  view.nodesKnown = true;
  for (const Machine& m : set.machines) {
    view.nodes[m.metadata.name] = {.name = m.metadata.name, .controlPlane = m.isControlPlane(),
                                   .ready = true};
    if (m.isControlPlane()) view.etcdHealthy[m.metadata.name] = true;
  }
  s = clusterStatusFrom(s, set.machines, view, "t1", 1);
  EXPECT_EQ(s.phase, "Ready");
  EXPECT_EQ(s.initialized, true);
  EXPECT_EQ(s.controlPlaneReady, "3/3");
  EXPECT_EQ(s.etcdHealthy, "3/3");
  const Condition* c = findCondition(s.conditions, "ControlPlaneReady");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, "True");

  view.nodes["master02"].ready = false;
  view.etcdHealthy["master02"] = false;
  s = clusterStatusFrom(s, set.machines, view, "t2", 1);
  EXPECT_EQ(s.phase, "Degraded");  // it was Ready before
  EXPECT_EQ(s.controlPlaneReady, "2/3");
  EXPECT_EQ(s.etcdHealthy, "2/3");
  EXPECT_EQ(findCondition(s.conditions, "ControlPlaneReady")->lastTransitionTime, "t2");
}

TEST(BootstrapStatusTest, MachinesGetJoinedAndNodeReadyAndAPreparedHostThatIsNoNodeIsJoining) {
  ManifestSet set = seed();
  const Machine& m = *set.findMachine("node01");
  ClusterView view{.initialized = true, .nodesKnown = true};
  MachineStatus st{.phase = "Ready"};
  applyNodeConditions(st, m, view, "t0", 1);
  EXPECT_EQ(st.phase, "Joining");
  EXPECT_EQ(findCondition(st.conditions, "Joined")->status, "False");
  EXPECT_EQ(findCondition(st.conditions, "NodeReady")->status, "False");

  view.nodes["node01"] = {.name = "node01", .ready = true};
  st.phase = "Ready";
  applyNodeConditions(st, m, view, "t1", 1);
  EXPECT_EQ(st.phase, "Ready");
  EXPECT_EQ(findCondition(st.conditions, "Joined")->status, "True");
  EXPECT_EQ(findCondition(st.conditions, "NodeReady")->status, "True");

  view.nodes["node01"].ready = false;
  applyNodeConditions(st, m, view, "t2", 1);
  EXPECT_EQ(st.phase, "Degraded");
  EXPECT_EQ(findCondition(st.conditions, "NodeReady")->status, "False");

  ClusterView unknown{.initialized = true};
  applyNodeConditions(st, m, unknown, "t3", 1);
  EXPECT_EQ(findCondition(st.conditions, "Joined")->status, "Unknown");
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
