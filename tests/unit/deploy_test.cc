// Unit tests of deploy/ (the Prometheus rules, the PrometheusRule, the Grafana dashboard):
// the PrometheusRule is the rules file itself, every alert has its annotations and a
// runbook section in docs/alerts.md and a promtool test firing and not firing, and every
// PromQL expression uses only metrics of the contract (docs/alerts.md, "Metrics").
// promtool itself (check rules, test rules) and systemd-analyze run as their own CTest
// tests (tests/deploy.cmake).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

const std::string kSource = PIHERD_SOURCE_DIR;
const std::string kRunbookBase = "https://github.com/piherd/piherd/blob/main/docs/alerts.md#";

// The metrics contract (DESIGN.md, "Metrics"), plus Prometheus's own `up`.
const std::set<std::string> kContractMetrics = {
    "piherd_reconcile_total",        "piherd_reconcile_duration_seconds",
    "piherd_machine_reachable",      "piherd_machine_ready",
    "piherd_facet_converged",        "piherd_drift_corrections_total",
    "piherd_vip_holders",            "piherd_vip_reachable",
    "piherd_vip_failovers_total",    "piherd_apiserver_up",
    "piherd_etcd_member_healthy",    "piherd_certificate_expiry_timestamp_seconds",
    "piherd_ssh_command_duration_seconds", "piherd_leader"};
const std::set<std::string> kHistograms = {"piherd_reconcile_duration_seconds",
                                           "piherd_ssh_command_duration_seconds"};

const std::set<std::string> kAlerts = {
    "PiherdVIPDown",           "PiherdVIPSplitBrain",       "PiherdControlPlaneDegraded",
    "PiherdEtcdQuorumAtRisk",  "PiherdCertificateExpiring", "PiherdMachineUnreachable",
    "PiherdDriftNotConverging", "PiherdReconcileErrors",    "PiherdControllerAbsent"};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool isMetricName(const std::string& name) {
  if (name == "up" || kContractMetrics.count(name)) return true;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0 &&
        kHistograms.count(name.substr(0, name.size() - s.size())))
      return true;
  }
  return false;
}

// The metric names a PromQL expression selects: identifiers that are not functions,
// aggregation operators, keywords, label names (inside {} or a by/on/... list), strings,
// numbers, durations or Grafana variables.
std::set<std::string> metricNames(const std::string& e) {
  static const std::set<std::string> kOperators = {
      "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
      "bottomk", "topk", "quantile", "and", "or", "unless", "bool", "offset", "inf", "nan"};
  static const std::set<std::string> kLabelLists = {"by", "without", "on", "ignoring",
                                                    "group_left", "group_right"};
  auto isIdentStart = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; };
  auto isIdent = [&](char c) { return isIdentStart(c) || std::isdigit(static_cast<unsigned char>(c)); };
  auto skipString = [&](size_t i) {  // i at the opening quote; returns the index after the closing one
    char q = e[i++];
    while (i < e.size() && e[i] != q) i += (e[i] == '\\' && q != '`') ? 2 : 1;
    return i + 1;
  };
  auto skipGroup = [&](size_t i, char open, char close) {  // i at `open`
    int depth = 0;
    while (i < e.size()) {
      char c = e[i];
      if (c == '"' || c == '\'' || c == '`') { i = skipString(i); continue; }
      if (c == open) ++depth;
      if (c == close && --depth == 0) return i + 1;
      ++i;
    }
    return i;
  };
  std::set<std::string> names;
  size_t i = 0;
  while (i < e.size()) {
    char c = e[i];
    if (c == '"' || c == '\'' || c == '`') { i = skipString(i); continue; }
    if (c == '{') { i = skipGroup(i, '{', '}'); continue; }
    if (c == '[') { i = skipGroup(i, '[', ']'); continue; }
    if (c == '$') {
      ++i;
      if (i < e.size() && e[i] == '{') { i = skipGroup(i, '{', '}'); continue; }
      while (i < e.size() && isIdent(e[i])) ++i;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && i + 1 < e.size() && std::isdigit(static_cast<unsigned char>(e[i + 1])))) {
      while (i < e.size() && (isIdent(e[i]) || e[i] == '.')) ++i;
      continue;
    }
    if (!isIdentStart(c)) { ++i; continue; }
    size_t start = i;
    while (i < e.size() && isIdent(e[i])) ++i;
    std::string ident = e.substr(start, i - start);
    size_t next = i;
    while (next < e.size() && std::isspace(static_cast<unsigned char>(e[next]))) ++next;
    bool call = next < e.size() && e[next] == '(';
    if (kLabelLists.count(ident) && call) { i = skipGroup(next, '(', ')'); continue; }
    if (kOperators.count(ident) || call) continue;
    names.insert(ident);
  }
  return names;
}

nlohmann::json toJson(const YAML::Node& n) {
  if (n.IsMap()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& kv : n) j[kv.first.as<std::string>()] = toJson(kv.second);
    return j;
  }
  if (n.IsSequence()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : n) j.push_back(toJson(v));
    return j;
  }
  if (n.IsScalar()) return n.as<std::string>();
  return nullptr;
}

std::vector<YAML::Node> alertRules() {
  YAML::Node root = YAML::LoadFile(kSource + "/deploy/prometheus/alerts.yaml");
  std::vector<YAML::Node> rules;
  for (const auto& group : root["groups"])
    for (const auto& rule : group["rules"]) rules.push_back(rule);
  return rules;
}

void collectExprs(const nlohmann::json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "expr" && it.value().is_string()) out.push_back(it.value().get<std::string>());
      collectExprs(it.value(), out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collectExprs(v, out);
  }
}

void expectOnlyContractMetrics(const std::string& where, const std::string& expr) {
  std::set<std::string> names = metricNames(expr);
  EXPECT_FALSE(names.empty()) << where << ": no metric in `" << expr << "`";
  for (const auto& n : names)
    EXPECT_TRUE(isMetricName(n)) << where << ": `" << n << "` is not a contract metric in `" << expr << "`";
}

TEST(DeployPromql, MetricNamesSkipFunctionsLabelsAndNumbers) {
  EXPECT_EQ(metricNames(R"(sum by (job, instance) (rate(piherd_reconcile_total{result="error",kind=~"M.*"}[5m])) > 0)"),
            (std::set<std::string>{"piherd_reconcile_total"}));
  EXPECT_EQ(metricNames("piherd_certificate_expiry_timestamp_seconds - time() < 14 * 86400 or vector(1e3)"),
            (std::set<std::string>{"piherd_certificate_expiry_timestamp_seconds"}));
  EXPECT_EQ(metricNames("histogram_quantile(0.95, sum by (le) (rate(x_bucket[$__rate_interval]))) / on (a) group_left (b) y offset 5m"),
            (std::set<std::string>{"x_bucket", "y"}));
  EXPECT_EQ(metricNames(R"(up{job="piherd"} == 0 or absent(up{job="piherd", x="{a}"}))"),
            (std::set<std::string>{"up"}));
  EXPECT_EQ(metricNames("node_cpu_seconds_total and piherd_leader"),
            (std::set<std::string>{"node_cpu_seconds_total", "piherd_leader"}));
  EXPECT_TRUE(isMetricName("piherd_reconcile_duration_seconds_bucket"));
  EXPECT_FALSE(isMetricName("piherd_reconcile_total_bucket"));
  EXPECT_FALSE(isMetricName("piherd_vip_holder"));
}

TEST(DeployAlerts, EveryAlertOfTheIssueWithAnnotationsAndARunbookSection) {
  std::string runbooks = slurp(kSource + "/docs/alerts.md");
  std::set<std::string> seen;
  for (const auto& rule : alertRules()) {
    ASSERT_TRUE(rule["alert"]) << "a recording rule in alerts.yaml";
    std::string name = rule["alert"].as<std::string>();
    seen.insert(name);
    SCOPED_TRACE(name);
    std::string severity = rule["labels"]["severity"].as<std::string>("");
    EXPECT_TRUE(severity == "warning" || severity == "critical") << severity;
    for (const char* key : {"summary", "description"})
      EXPECT_FALSE(rule["annotations"][key].as<std::string>("").empty()) << key;
    std::string anchor;
    for (char c : name) anchor += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(rule["annotations"]["runbook_url"].as<std::string>(""), kRunbookBase + anchor);
    EXPECT_NE(runbooks.find("\n### " + name + "\n"), std::string::npos) << "no runbook section";
    expectOnlyContractMetrics(name, rule["expr"].as<std::string>());
  }
  EXPECT_EQ(seen, kAlerts);
}

TEST(DeployAlerts, CertificateExpiryWarnsAt14DaysAndIsCriticalAt3) {
  std::map<std::string, std::string> bySeverity;
  for (const auto& rule : alertRules())
    if (rule["alert"].as<std::string>() == "PiherdCertificateExpiring")
      bySeverity[rule["labels"]["severity"].as<std::string>()] = rule["expr"].as<std::string>();
  EXPECT_NE(bySeverity["warning"].find("< 14 * 86400"), std::string::npos) << bySeverity["warning"];
  EXPECT_NE(bySeverity["critical"].find("< 3 * 86400"), std::string::npos) << bySeverity["critical"];
}

// "A test for every alert, firing and not firing": each alert name has an evaluation in
// tests/prometheus/alerts_test.yaml expecting alerts and one expecting none.
TEST(DeployAlerts, PromtoolTestsCoverEveryAlertFiringAndNotFiring) {
  YAML::Node tests = YAML::LoadFile(kSource + "/tests/prometheus/alerts_test.yaml");
  std::set<std::string> firing, silent;
  for (const auto& t : tests["tests"])
    for (const auto& check : t["alert_rule_test"])
      (check["exp_alerts"].size() > 0 ? firing : silent).insert(check["alertname"].as<std::string>());
  EXPECT_EQ(firing, kAlerts);
  EXPECT_EQ(silent, kAlerts);
}

TEST(DeployAlerts, PrometheusRuleIsTheRulesFile) {
  std::vector<YAML::Node> docs = YAML::LoadAllFromFile(kSource + "/deploy/prometheus/prometheusrule.yaml");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0]["apiVersion"].as<std::string>(""), "monitoring.coreos.com/v1");
  EXPECT_EQ(docs[0]["kind"].as<std::string>(""), "PrometheusRule");
  EXPECT_FALSE(docs[0]["metadata"]["name"].as<std::string>("").empty());
  nlohmann::json spec = toJson(docs[0]["spec"]);
  nlohmann::json rules = toJson(YAML::LoadFile(kSource + "/deploy/prometheus/alerts.yaml"));
  EXPECT_EQ(spec, rules) << "regenerate prometheusrule.yaml (its header says how)\n"
                         << nlohmann::json::diff(rules, spec).dump(2);
}

TEST(DeployDashboard, ValidJsonWhoseQueriesUseOnlyContractMetrics) {
  nlohmann::json dash = nlohmann::json::parse(slurp(kSource + "/deploy/grafana/piherd.json"));
  EXPECT_EQ(dash.value("uid", ""), "piherd");
  std::vector<std::string> exprs;
  collectExprs(dash, exprs);
  ASSERT_GE(exprs.size(), 10u);
  std::set<std::string> used;
  for (const auto& e : exprs) {
    expectOnlyContractMetrics("dashboard", e);
    for (const auto& n : metricNames(e)) used.insert(n);
  }
  // What the dashboard is for: hosts converged, drift corrections, VIP holder and
  // failovers, apiserver and etcd health, certificate expiry.
  for (const char* m : {"piherd_facet_converged", "piherd_drift_corrections_total", "piherd_vip_holders",
                        "piherd_vip_failovers_total", "piherd_apiserver_up", "piherd_etcd_member_healthy",
                        "piherd_certificate_expiry_timestamp_seconds"})
    EXPECT_TRUE(used.count(m)) << m << " not on the dashboard";
  for (const auto& panel : dash["panels"]) {
    if (panel.value("type", "") == "row") continue;
    SCOPED_TRACE(panel.value("title", ""));
    EXPECT_FALSE(panel["targets"].empty());
    for (const auto& t : panel["targets"]) EXPECT_EQ(t["datasource"]["uid"], "${datasource}");
  }
}

// docs/alerts.md's metrics table is the contract above: neither lists a metric the other lacks.
TEST(DeployDocs, MetricsTableIsTheContract) {
  std::string doc = slurp(kSource + "/docs/alerts.md");
  std::set<std::string> listed;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("| `piherd_", 0) == 0) listed.insert(line.substr(3, line.find('`', 3) - 3));
  EXPECT_EQ(listed, kContractMetrics);
}

}  // namespace
