#include "controller/host_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace piherd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<HostTarget> targets() {
  return {{.desired = {.machine = "master01"}, .address = "192.168.3.11"},
          {.desired = {.machine = "node01"}, .address = "192.168.3.21"}};
}

TEST(HostRunnerRenderTest, SummaryHasAColumnPerFacetAndGroupsNotes) {
  std::vector<HostOutcome> outcomes = {
      {.machine = "master01",
       .facets = {{.facet = "kernel", .state = FacetState::kChanged, .notes = {"module overlay: cannot tell"}},
                  {.facet = "runtime", .state = FacetState::kConverged}}},
      {.machine = "node01",
       .reachable = false,
       .error = "node01 (192.168.3.21:22): host unreachable"}};
  std::string s = renderSummary(targets(), outcomes);
  EXPECT_THAT(s, HasSubstr("MACHINE  ADDRESS         KERNEL     RUNTIME    RESULT\n"));
  EXPECT_THAT(s, HasSubstr("master01 192.168.3.11    changed    converged  converged\n"));
  EXPECT_THAT(s, HasSubstr("node01   192.168.3.21    -          -          unreachable\n"));
  EXPECT_THAT(s, HasSubstr("node01: node01 (192.168.3.21:22): host unreachable\n"));
  EXPECT_THAT(s, HasSubstr("note (master01) kernel: module overlay: cannot tell\n"));
}

TEST(HostRunnerRenderTest, ARetryableFacetShowsRetryNotFailed) {
  std::vector<HostOutcome> outcomes = {
      {.machine = "master01",
       .facets = {{.facet = "kernel", .state = FacetState::kConverged},
                  {.facet = "packages",
                   .state = FacetState::kFailed,
                   .error = "install kubectl: waited 300 s for the dpkg lock",
                   .errorCode = ErrorCode::kUnavailable}}},
      {.machine = "node01",
       .facets = {{.facet = "kernel", .state = FacetState::kConverged},
                  {.facet = "packages", .state = FacetState::kFailed, .error = "bad"}}}};
  std::string s = renderSummary(targets(), outcomes);
  EXPECT_THAT(s, HasSubstr("master01 192.168.3.11    converged  retry      not converged (retry later)\n"));
  EXPECT_THAT(s, HasSubstr("node01   192.168.3.21    converged  failed     not converged\n"));
  EXPECT_THAT(s, HasSubstr("master01/packages: install kubectl: waited 300 s for the dpkg lock\n"));
}

TEST(HostRunnerRenderTest, PlanShowsPendingActionsWithTheirDetailIndented) {
  std::vector<HostOutcome> outcomes = {
      {.machine = "master01",
       .facets = {{.facet = "kernel",
                   .state = FacetState::kPending,
                   .actions = {"sysctl net.ipv4.ip_forward: 0 -> 1",
                               "update /etc/x\n--- a\n+++ b\n-1\n+2"}},
                  {.facet = "runtime", .state = FacetState::kConverged}}},
      {.machine = "node01", .reachable = false, .error = "host unreachable"}};
  std::string s = renderPlan(targets(), outcomes);
  EXPECT_THAT(s, HasSubstr("master01 (192.168.3.11)\n  kernel: 2 changes\n"
                           "    ~ sysctl net.ipv4.ip_forward: 0 -> 1\n"
                           "    ~ update /etc/x\n      --- a\n      +++ b\n      -1\n      +2\n"
                           "  runtime: no changes\n"));
  EXPECT_THAT(s, HasSubstr("node01 (192.168.3.21)\n  error: host unreachable\n"));
  EXPECT_THAT(s, Not(HasSubstr("node01 (192.168.3.21)\n  kernel")));
}

}  // namespace
}  // namespace piherd
