// The disruption budget (one control plane at a time), the join lock and shutdown, as the
// HostReconciler's ActionGate sees them.
#include "controller/coordination.h"

#include <gtest/gtest.h>

namespace piherd {
namespace {

HostDesired cp(const std::string& name) { return {.machine = name, .controlPlane = true}; }
const Action kRestartContainerd = UnitAction{.op = UnitAction::Op::kRestart, .unit = "containerd"};
const Action kStartContainerd = UnitAction{.op = UnitAction::Op::kStart, .unit = "containerd"};
const Action kWrite = WriteFileAction{.file = {.path = "/etc/x"}};

TEST(CoordinationTest, RestartsAndRebootsAreDisruptiveStartsAndWritesAreNot) {
  EXPECT_EQ(classifyAction(kRestartContainerd), ActionClass::kDisruptive);
  EXPECT_EQ(classifyAction(RebootAction{.reason = "cmdline"}), ActionClass::kDisruptive);
  EXPECT_EQ(classifyAction(kStartContainerd), ActionClass::kOrdinary);
  EXPECT_EQ(classifyAction(kWrite), ActionClass::kOrdinary);
  EXPECT_EQ(classifyAction(UnitAction{.op = UnitAction::Op::kRestart, .unit = "ssh"}), ActionClass::kOrdinary);
}

TEST(CoordinationTest, OneControlPlaneAtATimeIsDisruptedUntilItConverges) {
  Coordination c;
  ASSERT_TRUE(c.beforeAction(cp("cp1"), kRestartContainerd));
  EXPECT_TRUE(c.beforeAction(cp("cp1"), kRestartContainerd)) << "the holder may go on";
  auto refused = c.beforeAction(cp("cp2"), kRestartContainerd);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << "retried later by the queue";
  EXPECT_NE(refused.error().message.find("cp1 is disrupted"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(c.beforeAction(cp("cp2"), kWrite)) << "ordinary actions are never held back";
  EXPECT_TRUE(c.beforeAction({.machine = "w1"}, kRestartContainerd)) << "workers are not counted";
  c.hostReconciled("cp1", /*converged=*/false);
  EXPECT_FALSE(c.beforeAction(cp("cp2"), kRestartContainerd)) << "still disrupted: not converged";
  c.hostReconciled("cp1", /*converged=*/true);
  EXPECT_TRUE(c.beforeAction(cp("cp2"), kRestartContainerd));
}

TEST(CoordinationTest, AnUnhealthyControlPlaneUsesUpTheBudget) {
  Coordination c;
  c.budget().setUnhealthy({"cp3"});  // e.g. its etcd member is down: bare quorum
  auto refused = c.beforeAction(cp("cp1"), kRestartContainerd);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("cp3 is unhealthy"), std::string::npos);
  EXPECT_TRUE(c.beforeAction(cp("cp3"), kRestartContainerd)) << "the unhealthy one itself may be repaired";
  c.hostReconciled("cp3", true);
  c.budget().setUnhealthy({});
  EXPECT_TRUE(c.beforeAction(cp("cp1"), kRestartContainerd));
}

TEST(CoordinationTest, OneJoinAtATime) {
  JoinLock lock;
  EXPECT_TRUE(lock.tryAcquire("cp2"));
  EXPECT_FALSE(lock.tryAcquire("cp3"));
  EXPECT_EQ(lock.holder(), "cp2");
  lock.release("cp3");  // not the holder: no effect
  EXPECT_FALSE(lock.tryAcquire("cp3"));
  lock.release("cp2");
  EXPECT_TRUE(lock.tryAcquire("cp3"));
}

TEST(CoordinationTest, NoActionStartsOnceStopping) {
  Coordination c;
  c.stop();
  auto refused = c.beforeAction(cp("cp1"), kWrite);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kAborted);
}

}  // namespace
}  // namespace piherd
