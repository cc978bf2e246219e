// The metrics contract as text, and the HTTP endpoints (/metrics, /healthz, /readyz) on a
// port the kernel picks.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>

#include "controller/metrics.h"
#include "controller/metrics_server.h"

namespace piherd {
namespace {

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(MetricsTest, TheContractsNamesAndLabels) {
  Metrics m;
  m.setLeader(true);
  m.reconciled("Machine", "success", 0.2);
  m.reconciled("Machine", "error", 0.3);
  m.resyncPass(1.5);
  m.machine("m1", true, false);
  m.facetConverged("m1", "kernel", true);
  m.facetConverged("m1", "runtime", false);
  m.driftCorrected("m1", "runtime");
  m.sshCommand(0.004);
  std::string t = m.render();
  EXPECT_TRUE(has(t, "piherd_leader 1")) << t;
  EXPECT_TRUE(has(t, "piherd_reconcile_total{kind=\"Machine\",result=\"success\"} 1")) << t;
  EXPECT_TRUE(has(t, "piherd_reconcile_total{kind=\"Machine\",result=\"error\"} 1")) << t;
  EXPECT_TRUE(has(t, "piherd_reconcile_duration_seconds_count{kind=\"Machine\"} 2")) << t;
  EXPECT_TRUE(has(t, "piherd_reconcile_duration_seconds_count{kind=\"ResyncPass\"} 1")) << t;
  EXPECT_TRUE(has(t, "piherd_reconcile_duration_seconds_bucket{kind=\"ResyncPass\",le=\"2.5\"} 1")) << t;
  EXPECT_TRUE(has(t, "piherd_machine_reachable{machine=\"m1\"} 1")) << t;
  EXPECT_TRUE(has(t, "piherd_machine_ready{machine=\"m1\"} 0")) << t;
  EXPECT_TRUE(has(t, "piherd_facet_converged{facet=\"kernel\",machine=\"m1\"} 1")) << t;
  EXPECT_TRUE(has(t, "piherd_facet_converged{facet=\"runtime\",machine=\"m1\"} 0")) << t;
  EXPECT_TRUE(has(t, "piherd_drift_corrections_total{facet=\"runtime\",machine=\"m1\"} 1")) << t;
  EXPECT_TRUE(has(t, "piherd_ssh_command_duration_seconds_count 1")) << t;
  EXPECT_TRUE(has(t, "# TYPE piherd_reconcile_duration_seconds histogram")) << t;
  EXPECT_TRUE(has(t, "# TYPE piherd_drift_corrections_total counter")) << t;
}

TEST(MetricsTest, AMachineLeavingTheDesiredStateTakesItsSeriesAlong) {
  Metrics m;
  m.machine("m1", true, true);
  m.machine("m2", true, true);
  m.facetConverged("m1", "kernel", true);
  m.driftCorrected("m1", "kernel");
  m.forgetMachine("m1");
  std::string t = m.render();
  EXPECT_EQ(t.find("machine=\"m1\""), std::string::npos) << t;
  EXPECT_TRUE(has(t, "piherd_machine_ready{machine=\"m2\"} 1")) << t;
}

TEST(MetricsServerTest, ServesMetricsHealthAndReadiness) {
  Metrics m;
  m.setLeader(true);
  std::atomic<bool> ready{false};
  MetricsServer server(m, [&](std::string& why) {
    why = "first pass not finished";
    return ready.load();
  });
  ASSERT_TRUE(server.start("127.0.0.1:0"));
  ASSERT_GT(server.port(), 0);
  httplib::Client client("127.0.0.1", server.port());
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("piherd_leader 1\n"), std::string::npos);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto notReady = client.Get("/readyz");
  ASSERT_TRUE(notReady);
  EXPECT_EQ(notReady->status, 503);
  EXPECT_EQ(notReady->body, "not ready: first pass not finished\n");
  ready = true;
  auto isReady = client.Get("/readyz");
  ASSERT_TRUE(isReady);
  EXPECT_EQ(isReady->status, 200);

  MetricsServer second(m, nullptr);
  auto busy = second.start("127.0.0.1:" + std::to_string(server.port()));
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code, ErrorCode::kUnavailable);
  server.stop();
}

TEST(MetricsServerTest, AddressesAreHostColonPort) {
  EXPECT_EQ(parseHostPort("127.0.0.1:9820").value(), std::make_pair(std::string("127.0.0.1"), 9820));
  EXPECT_EQ(parseHostPort("[::1]:9820").value(), std::make_pair(std::string("::1"), 9820));
  EXPECT_EQ(parseHostPort(":9820").value(), std::make_pair(std::string("0.0.0.0"), 9820));
  EXPECT_FALSE(parseHostPort("9820"));
  EXPECT_FALSE(parseHostPort("host:http"));
  EXPECT_FALSE(parseHostPort("host:70000"));
}

}  // namespace
}  // namespace piherd
