// Machine status from reconcile outcomes (phases, conditions, transition times) and the
// `piherd status` rendering of what the controller wrote.
#include <gtest/gtest.h>

#include "controller/machine_status.h"
#include "controller/status_render.h"

namespace piherd {
namespace {

HostOutcome outcome(std::vector<std::pair<std::string, FacetState>> facets) {
  HostOutcome o{.machine = "m1"};
  for (auto& [name, state] : facets) {
    o.facets.push_back({.facet = name, .state = state,
                        .actions = state == FacetState::kChanged ? std::vector<std::string>{"write /etc/x"}
                                                                 : std::vector<std::string>{},
                        .error = state == FacetState::kFailed ? "install containerd: exit 100" : ""});
  }
  return o;
}

std::string statusOf(const MachineStatus& s, std::string_view type) {
  const Condition* c = findCondition(s.conditions, type);
  return c ? c->status + "/" + c->reason : "absent";
}

TEST(MachineStatusTest, FacetsMapToTheContractsConditionTypes) {
  EXPECT_EQ(conditionTypeForFacet("kernel"), "KernelConfigured");
  EXPECT_EQ(conditionTypeForFacet("runtime"), "RuntimeReady");
  EXPECT_EQ(conditionTypeForFacet("packages"), "PackagesInstalled");
  EXPECT_EQ(conditionTypeForFacet("certificates"), "CertificatesReady");
  EXPECT_EQ(conditionTypeForFacet("calico"), "CalicoReady") << "unknown facets get <Facet>Ready";
}

TEST(MachineStatusTest, ConvergedHostIsReadyWithEveryConditionTrue) {
  auto s = machineStatusFrom({}, outcome({{"kernel", FacetState::kChanged},
                                          {"runtime", FacetState::kConverged},
                                          {"packages", FacetState::kChanged}}),
                             "2026-12-02T01:00:00Z", 3);
  EXPECT_EQ(s.phase, "Ready");
  EXPECT_EQ(s.lastReconcileTime, "2026-12-02T01:00:00Z");
  EXPECT_EQ(s.observedGeneration, 3);
  EXPECT_EQ(statusOf(s, "Reachable"), "True/Connected");
  EXPECT_EQ(statusOf(s, "KernelConfigured"), "True/Applied");
  EXPECT_EQ(statusOf(s, "RuntimeReady"), "True/Converged");
  EXPECT_EQ(statusOf(s, "PackagesInstalled"), "True/Applied");
}

TEST(MachineStatusTest, AFailedFacetMakesAReadyHostDegradedAndAFreshOneFailed) {
  auto bad = outcome({{"kernel", FacetState::kConverged}, {"runtime", FacetState::kFailed},
                      {"packages", FacetState::kBlocked}});
  auto fresh = machineStatusFrom({}, bad, "t1", 1);
  EXPECT_EQ(fresh.phase, "Failed");
  EXPECT_EQ(statusOf(fresh, "RuntimeReady"), "False/Failed");
  EXPECT_EQ(findCondition(fresh.conditions, "RuntimeReady")->message, "install containerd: exit 100");
  EXPECT_EQ(statusOf(fresh, "PackagesInstalled"), "False/Blocked");
  MachineStatus ready{.phase = "Ready"};
  EXPECT_EQ(machineStatusFrom(ready, bad, "t1", 1).phase, "Degraded");
}

TEST(MachineStatusTest, UnreachableKeepsTheLastFacetConditionsAndTransitionTimesOnlyMoveOnChange) {
  auto first = machineStatusFrom({}, outcome({{"kernel", FacetState::kConverged}}), "t1", 1);
  auto second = machineStatusFrom(first, outcome({{"kernel", FacetState::kConverged}}), "t2", 1);
  EXPECT_EQ(findCondition(second.conditions, "KernelConfigured")->lastTransitionTime, "t1");
  HostOutcome down{.machine = "m1", .reachable = false, .error = "connect: no route to host"};
  auto third = machineStatusFrom(second, down, "t3", 1);
  EXPECT_EQ(third.phase, "Unreachable");
  EXPECT_EQ(statusOf(third, "Reachable"), "False/Unreachable");
  EXPECT_EQ(findCondition(third.conditions, "Reachable")->lastTransitionTime, "t3");
  EXPECT_EQ(findCondition(third.conditions, "Reachable")->message, "connect: no route to host");
  EXPECT_EQ(statusOf(third, "KernelConfigured"), "True/Converged") << "last observed, kept";
}

TEST(MachineStatusTest, ObservedFactsTellWhetherAFacetHadConverged) {
  auto facts = observedFacts(outcome({{"kernel", FacetState::kConverged}, {"runtime", FacetState::kFailed}}), "t");
  EXPECT_TRUE(facetWasConverged(facts, "kernel"));
  EXPECT_FALSE(facetWasConverged(facts, "runtime"));
  EXPECT_FALSE(facetWasConverged(facts, "packages"));
  EXPECT_FALSE(facetWasConverged(nlohmann::json(), "kernel"));
  EXPECT_EQ(facts["facets"]["runtime"]["error"], "install containerd: exit 100");
}

StatusSnapshot sample() {
  StatusSnapshot s;
  Machine m;
  m.metadata.name = "master01";
  m.spec = {.cluster = "home", .role = "control-plane", .address = "192.168.3.11"};
  m.status = machineStatusFrom({}, outcome({{"kernel", FacetState::kConverged},
                                            {"runtime", FacetState::kFailed}}),
                               "2026-12-02T01:00:00Z", 1);
  s.machines["master01"] = m;
  Machine w;
  w.metadata.name = "node01";
  w.spec = {.cluster = "home", .role = "worker", .address = "192.168.3.21"};
  w.status.phase = "Pending";
  s.machines["node01"] = w;
  VirtualIP v;
  v.metadata.name = "apiserver";
  v.spec.address = "192.168.3.10/24";
  v.status.holders = {"master01"};
  v.status.reachable = true;
  s.vips["apiserver"] = v;
  Cluster c;
  c.metadata.name = "home";
  c.status = {.phase = "Degraded", .initialized = true, .controlPlaneReady = "0/1", .etcdHealthy = "1/1"};
  s.clusters["home"] = c;
  return s;
}

TEST(StatusRenderTest, ATablePerKindWithPhasesConditionsAndWhatIsNotTrue) {
  std::string out = renderStatusTables(sample());
  EXPECT_EQ(out,
            "CLUSTER\n"
            "NAME  PHASE     INITIALIZED  CONTROL PLANES READY  ETCD HEALTHY\n"
            "home  Degraded  true         0/1                   1/1\n"
            "\n"
            "VIRTUALIP\n"
            "NAME       ADDRESS          HOLDERS   REACHABLE  AVAILABLE  LAST FAILOVER\n"
            "apiserver  192.168.3.10/24  master01  true       -          -\n"
            "\n"
            "MACHINES\n"
            "NAME      ROLE           ADDRESS       PHASE    LAST RECONCILE        CONDITIONS\n"
            "master01  control-plane  192.168.3.11  Failed   2026-12-02T01:00:00Z  Reachable KernelConfigured !RuntimeReady\n"
            "node01    worker         192.168.3.21  Pending  -                     -\n"
            "\n"
            "Not true:\n"
            "  Machine/master01: RuntimeReady=False (Failed): install containerd: exit 100\n");
}

TEST(StatusRenderTest, JsonHoldsTheObjectsWithTheirStatus) {
  auto j = nlohmann::json::parse(renderStatusJson(sample()));
  ASSERT_EQ(j["machines"].size(), 2u);
  EXPECT_EQ(j["machines"][0]["metadata"]["name"], "master01");
  EXPECT_EQ(j["machines"][0]["status"]["phase"], "Failed");
  EXPECT_EQ(j["machines"][0]["status"]["conditions"][2]["type"], "RuntimeReady");
  EXPECT_EQ(j["virtualIPs"][0]["status"]["holders"][0], "master01");
  EXPECT_EQ(j["clusters"][0]["status"]["controlPlaneReady"], "0/1");
}

TEST(StatusRenderTest, NothingWrittenYetIsSaid) {
  std::string out = renderStatusTables({});
  EXPECT_NE(out.find("MACHINES\n  (none written yet)"), std::string::npos) << out;
}

}  // namespace
}  // namespace piherd
