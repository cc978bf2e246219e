// `piherd run` on real hosts: the real binary runs as a child process against fleet hosts
// (the real Debian containerd, the stand-in kubeadm/kubelet/kubectl debs), with a short
// --resync; assertions read the hosts back (SSH, or `fleet exec` where SSH would disturb
// what is counted), scrape /metrics and read `piherd status`.
//
// Hosts: phf-h4 (control plane) is the cluster; phf-h5 joins as a worker by a manifest edit.
// (phf-h1..h3 must stay fresh for the facet tests.) The first test needs phf-h4 fresh; the
// others start by converging, so each also runs alone.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "platform/ssh_transport.h"
#include "tests/fleet/controller_process.h"
#include "tests/fleet/fleet_inventory.h"

namespace piherd::fleet {
namespace {

using namespace std::chrono_literals;
constexpr int kResyncSeconds = 2;

std::string slurp(const std::string& path) { return readLocalFile(path); }

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class ControllerFleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inventory = loadInventory();
    ASSERT_TRUE(inventory) << inventory.error().message;
    inv_ = *inventory;
    ASSERT_GE(inv_.hosts.size(), 5u) << "the controller tests need 5 hosts: sudo tests/fleet/fleet up 5";
    cp_ = inv_.hosts[3];
    worker_ = inv_.hosts[4];
    writeManifests({cp_}, {});
  }

  void TearDown() override {
    if (controller_.running()) controller_.kill(SIGTERM);
    if (HasFailure()) std::cerr << "---- controller log ----\n" << slurp(log()) << "------------------------\n";
  }

  std::string stateDir() const { return tmp_.file("state"); }
  std::string log() const { return tmp_.file("controller.log"); }

  void writeManifests(const std::vector<FleetHost>& machines,
                      const std::map<std::string, std::string>& sysctls) {
    std::ofstream c(tmp_.file("cluster.yaml"));
    c << "apiVersion: piherd.io/v1alpha1\nkind: Cluster\nmetadata: {name: fleet}\nspec:\n"
      << "  kubernetesVersion: \"1.34.2\"\n  controlPlaneEndpoint: \"" << inv_.addressInNetwork(100) << ":6443\"\n"
      << "  networking: {podSubnet: 10.244.0.0/16}\n"
      << "  packages:\n    repository: " << inv_.aptBaseUrl << "/kubernetes/v1.34/deb/\n"
      << "    signingKey: " << inv_.aptBaseUrl << "/kubernetes/v1.34/deb/Release.key\n"
      << "  ssh: {user: " << inv_.sshUser << ", privateKeyFile: " << inv_.sshPrivateKey
      << ", knownHostsFile: " << inv_.knownHosts << "}\n  kernel:\n    sysctls: {";
    for (auto it = sysctls.begin(); it != sysctls.end(); ++it) {
      c << (it == sysctls.begin() ? "" : ", ") << "\"" << it->first << "\": \"" << it->second << "\"";
    }
    c << "}\n---\napiVersion: piherd.io/v1alpha1\nkind: VirtualIP\nmetadata: {name: apiserver}\n"
      << "spec: {cluster: fleet, address: " << inv_.addressInNetwork(100)
      << "/24, interface: host0, virtualRouterID: 51}\n";
    c.close();
    std::ofstream m(tmp_.file("machines.yaml.tmp"));
    for (size_t i = 0; i < machines.size(); ++i) {
      m << "---\napiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: " << machines[i].name
        << "}\nspec: {cluster: fleet, role: " << (i == 0 ? "control-plane" : "worker")
        << ", address: " << machines[i].address << "}\n";
    }
    m.close();
    // As an editor saves: a new file renamed over the old one.
    std::rename(tmp_.file("machines.yaml.tmp").c_str(), tmp_.file("machines.yaml").c_str());
  }

  void startController() {
    controller_.start({"run", "-f", tmp_.path(), "--state-dir", stateDir(), "--resync",
                       std::to_string(kResyncSeconds) + "s", "--metrics-addr", "127.0.0.1:0"},
                      log());
    ASSERT_TRUE(eventually([&] {
      auto run = nlohmann::json::parse(slurp(stateDir() + "/run.json"), nullptr, false);
      if (run.is_discarded() || run["pid"] != controller_.pid()) return false;
      std::string addr = run["metricsAddr"];
      port_ = std::stoi(addr.substr(addr.rfind(':') + 1));
      return true;
    }, 20s)) << "the controller did not start";
  }

  // Starts the controller and waits until every listed machine is Ready.
  void startConverged(const std::vector<std::string>& machines, std::chrono::seconds limit = 60s) {
    startController();
    for (const auto& m : machines) {
      ASSERT_TRUE(eventually([&] { return metric("piherd_machine_ready{machine=\"" + m + "\"}") == 1; }, limit))
          << m << " did not become ready";
    }
  }

  std::string get(const std::string& path, int* status = nullptr) {
    return controllerGet(port_, path, status);
  }

  // A series' value in a fresh scrape; -1 when absent.
  double metric(const std::string& series) { return seriesValue(get("/metrics"), series); }

  // A command's stdout on `host` without SSH (nsenter through the fleet script), so that
  // it neither counts as a login nor depends on the transport under test.
  std::string exec(const FleetHost& host, const std::string& script) {
    FleetRun r = runFleet({"exec", host.name, "sh", "-c", script});
    EXPECT_TRUE(r.ok()) << script;
    return r.out;
  }

  nlohmann::json statusJson() {
    FILE* p = popen((std::string(PIHERD_BINARY) + " status -o json -f '" + tmp_.path() +
                     "' --state-dir '" + stateDir() + "'").c_str(), "r");
    std::string out;
    char buf[4096];
    for (size_t n; p && (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    if (p) pclose(p);
    return nlohmann::json::parse(out, nullptr, false);
  }

  nlohmann::json machineStatus(const std::string& name) {
    auto j = statusJson();
    if (j.is_discarded()) return {};
    for (const auto& m : j["machines"]) {
      if (m["metadata"]["name"] == name) return m["status"];
    }
    return {};
  }

  // Waits for `check` to hold and the facet's drift counter to have moved past `before`.
  double timeToCorrect(const std::string& facet, double before, const std::function<bool()>& check) {
    auto start = std::chrono::steady_clock::now();
    std::string series = "piherd_drift_corrections_total{facet=\"" + facet + "\",machine=\"" + cp_.name + "\"}";
    bool ok = eventually([&] { return metric(series) > before && check(); }, 60s);
    EXPECT_TRUE(ok) << facet << " drift not corrected and counted";
    EXPECT_EQ(metric(series), before < 0 ? 1 : before + 1);
    return secondsSince(start);
  }

  std::string containerdPid(const FleetHost& h) {
    return exec(h, "systemctl show -p MainPID --value containerd");
  }

  Inventory inv_;
  FleetHost cp_, worker_;
  TempDir tmp_;
  ControllerProcess controller_;
  int port_ = 0;
};

TEST_F(ControllerFleetTest, RunConvergesAFreshHostServesStatusAndMetricsAndStopsCleanly) {
  ASSERT_EQ(exec(cp_, "dpkg-query -W containerd >/dev/null 2>&1 && echo installed || echo fresh"), "fresh\n")
      << "this test needs a fresh " << cp_.name << ": sudo tests/fleet/fleet up 5";
  auto start = std::chrono::steady_clock::now();
  startConverged({cp_.name}, 300s);
  std::cerr << "fresh host converged by piherd run in " << secondsSince(start) << " s\n";
  EXPECT_EQ(exec(cp_, "cat /proc/sys/net/ipv4/ip_forward"), "1\n");
  EXPECT_EQ(exec(cp_, "systemctl is-active containerd"), "active\n");
  EXPECT_EQ(exec(cp_, "grep -c 'SystemdCgroup = true' /etc/containerd/config.toml"), "1\n");
  EXPECT_EQ(exec(cp_, "dpkg-query -W -f='${Version}' kubeadm"), "1.34.2-1.1");

  int code = 0;
  EXPECT_EQ(get("/healthz", &code), "ok\n");
  EXPECT_EQ(code, 200);
  get("/readyz", &code);
  EXPECT_EQ(code, 200);
  EXPECT_EQ(metric("piherd_leader"), 1);
  EXPECT_EQ(metric("piherd_machine_reachable{machine=\"" + cp_.name + "\"}"), 1);
  for (const char* facet : {"kernel", "runtime", "packages"}) {
    EXPECT_EQ(metric("piherd_facet_converged{facet=\"" + std::string(facet) + "\",machine=\"" + cp_.name + "\"}"), 1) << facet;
  }
  EXPECT_GE(metric("piherd_reconcile_total{kind=\"Machine\",result=\"success\"}"), 1);
  EXPECT_GE(metric("piherd_ssh_command_duration_seconds_count"), 3);

  // `promtool check metrics` (Debian's prometheus package) on a real scrape.
  std::ofstream(tmp_.file("scrape.txt")) << get("/metrics");
  FILE* p = popen(("promtool check metrics < '" + tmp_.file("scrape.txt") + "' 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string lint;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) lint.append(buf, n);
  EXPECT_EQ(WEXITSTATUS(pclose(p)), 0) << lint;
  EXPECT_EQ(lint, "") << "promtool lint findings";

  // What `piherd status` shows, from the state directory.
  auto s = machineStatus(cp_.name);
  EXPECT_EQ(s["phase"], "Ready") << s.dump();
  std::set<std::string> trueConditions;
  for (const auto& c : s["conditions"]) {
    if (c["status"] == "True") trueConditions.insert(c["type"].get<std::string>());
  }
  // A control plane: the certificates and vip facets report too (DESIGN's Machine status).
  EXPECT_EQ(trueConditions, (std::set<std::string>{"Reachable", "CertificatesReady", "KernelConfigured",
                                                   "RuntimeReady", "PackagesInstalled", "VIPConfigured"}));
  // The Cluster's status is written after the pass's cluster observers ran (the VIP probe
  // may wait for its connect timeout while keepalived has not elected a master yet).
  nlohmann::json cluster;
  EXPECT_TRUE(eventually([&] {
    cluster = statusJson()["clusters"][0]["status"];
    return cluster["controlPlaneReady"] == "1/1";
  }, 15s)) << cluster.dump();

  // A second controller on the same state directory refuses, saying why.
  FILE* second = popen((std::string(PIHERD_BINARY) + " run -f '" + tmp_.path() + "' --state-dir '" +
                        stateDir() + "' --metrics-addr 127.0.0.1:0 2>&1").c_str(), "r");
  std::string refusal;
  for (size_t n; (n = fread(buf, 1, sizeof buf, second)) > 0;) refusal.append(buf, n);
  EXPECT_EQ(WEXITSTATUS(pclose(second)), 3) << refusal;
  EXPECT_NE(refusal.find("another piherd run (pid " + std::to_string(controller_.pid()) + ")"),
            std::string::npos) << refusal;

  // SIGTERM: exit 0, and the SSH session to the host is closed.
  EXPECT_EQ(controller_.kill(SIGTERM), 0);
  EXPECT_TRUE(eventually([&] {
    return exec(cp_, "ss -Htn state established '( sport = :22 )' | wc -l") == "0\n";
  }, 10s)) << "the SSH session outlived the controller";
}

TEST_F(ControllerFleetTest, EachDriftIsCorrectedWithinOneResyncAndCounted) {
  startConverged({cp_.name}, 300s);
  const std::string drift = "piherd_drift_corrections_total{facet=\"";
  const std::string machine = "\",machine=\"" + cp_.name + "\"}";

  exec(cp_, "sysctl -qw net.ipv4.ip_forward=0");
  double t = timeToCorrect("kernel", metric(drift + "kernel" + machine),
                           [&] { return exec(cp_, "cat /proc/sys/net/ipv4/ip_forward") == "1\n"; });
  std::cerr << "sysctl reset corrected in " << t << " s\n";
  EXPECT_LT(t, kResyncSeconds + 10);

  exec(cp_, "systemctl stop containerd");
  t = timeToCorrect("runtime", metric(drift + "runtime" + machine),
                    [&] { return exec(cp_, "systemctl is-active containerd || true") == "active\n"; });
  std::cerr << "containerd stopped: corrected in " << t << " s\n";
  EXPECT_LT(t, kResyncSeconds + 15);

  std::string pid = containerdPid(cp_);
  exec(cp_, "sed -i 's/SystemdCgroup = true/SystemdCgroup = false/' /etc/containerd/config.toml");
  t = timeToCorrect("runtime", metric(drift + "runtime" + machine), [&] {
    return exec(cp_, "grep -c 'SystemdCgroup = true' /etc/containerd/config.toml || true") == "1\n" &&
           exec(cp_, "systemctl is-active containerd || true") == "active\n";
  });
  std::cerr << "containerd config edit corrected in " << t << " s\n";
  EXPECT_LT(t, kResyncSeconds + 15);
  EXPECT_NE(containerdPid(cp_), pid) << "the corrected config needs containerd restarted";
  EXPECT_NE(slurp(log()).find("drift corrected"), std::string::npos);
}

TEST_F(ControllerFleetTest, AConvergedPassIsOneRoundTripAndOpensNoConnection) {
  startConverged({cp_.name}, 300s);
  const std::string logins = "journalctl -u ssh.service -o cat --no-pager | grep -c '^Accepted ' || true";
  auto passes = [&] { return metric("piherd_reconcile_duration_seconds_count{kind=\"ResyncPass\"}"); };
  // Start right after a pass so that no pass is half counted.
  double p0 = passes();
  ASSERT_TRUE(eventually([&] { return passes() > p0; }, 10s));
  std::string loginsBefore = exec(cp_, logins);
  double passesBefore = passes();
  double sshBefore = metric("piherd_ssh_command_duration_seconds_count");
  double reconcilesBefore = metric("piherd_reconcile_total{kind=\"Machine\",result=\"success\"}");
  ASSERT_TRUE(eventually([&] { return passes() >= passesBefore + 3; }, 20s));
  double passesAfter = passes();
  double ssh = metric("piherd_ssh_command_duration_seconds_count") - sshBefore;
  double reconciles = metric("piherd_reconcile_total{kind=\"Machine\",result=\"success\"}") - reconcilesBefore;
  EXPECT_EQ(reconciles, passesAfter - passesBefore) << "one reconcile of the one host per pass";
  EXPECT_EQ(ssh, reconciles) << "a converged pass is exactly one SSH command";
  EXPECT_EQ(exec(cp_, logins), loginsBefore) << "a resync opened a new SSH connection";
  EXPECT_GE(std::stoi(loginsBefore), 1) << "sshd's journal shows no login at all: the count proves nothing";
}

TEST_F(ControllerFleetTest, ManifestEditsApplyWhileRunningAndAnInvalidEditIsRejected) {
  startConverged({cp_.name}, 300s);
  pid_t pid = controller_.pid();
  writeManifests({cp_}, {{"net.ipv4.tcp_keepalive_time", "600"}});
  EXPECT_TRUE(eventually([&] { return exec(cp_, "cat /proc/sys/net/ipv4/tcp_keepalive_time") == "600\n"; }, 30s))
      << "the added sysctl was not applied";

  auto start = std::chrono::steady_clock::now();
  writeManifests({cp_, worker_}, {{"net.ipv4.tcp_keepalive_time", "600"}});
  ASSERT_TRUE(eventually([&] { return machineStatus(worker_.name)["phase"] == "Ready"; }, 300s))
      << "the added worker did not converge";
  std::cerr << "added worker converged in " << secondsSince(start) << " s\n";
  EXPECT_EQ(exec(worker_, "systemctl is-active containerd"), "active\n");
  EXPECT_EQ(exec(worker_, "cat /proc/sys/net/ipv4/tcp_keepalive_time"), "600\n");
  EXPECT_EQ(controller_.pid(), pid);
  EXPECT_TRUE(controller_.running()) << "applied without a restart";

  // Invalid: a bad address. Were it applied, the worker would leave and the sysctl go back.
  writeManifests({cp_}, {});
  std::ofstream(tmp_.file("bad.yaml")) << "apiVersion: piherd.io/v1alpha1\nkind: Machine\n"
                                       << "metadata: {name: bad}\nspec: {cluster: fleet, role: worker, address: 10.0.0.999}\n";
  ASSERT_TRUE(eventually([&] { return slurp(log()).find("manifest change rejected") != std::string::npos; }, 10s));
  EXPECT_NE(slurp(log()).find("bad.yaml"), std::string::npos) << "the reason names the file";
  double passes = metric("piherd_reconcile_duration_seconds_count{kind=\"ResyncPass\"}");
  ASSERT_TRUE(eventually([&] {
    return metric("piherd_reconcile_duration_seconds_count{kind=\"ResyncPass\"}") >= passes + 2;
  }, 20s));
  EXPECT_EQ(machineStatus(worker_.name)["phase"], "Ready") << "the last valid state stays in force";
  EXPECT_EQ(metric("piherd_machine_ready{machine=\"" + worker_.name + "\"}"), 1);
  exec(cp_, "sysctl -qw net.ipv4.tcp_keepalive_time=7200");
  EXPECT_TRUE(eventually([&] { return exec(cp_, "cat /proc/sys/net/ipv4/tcp_keepalive_time") == "600\n"; }, 20s))
      << "drift is still corrected to the last valid state";
  EXPECT_TRUE(controller_.running());
}

TEST_F(ControllerFleetTest, KillNineAndRestartResumesFromTheStateDirectory) {
  startConverged({cp_.name}, 300s);
  auto before = machineStatus(cp_.name);
  ASSERT_EQ(before["phase"], "Ready");
  std::string pid = containerdPid(cp_);
  EXPECT_EQ(controller_.kill(SIGKILL), 128 + SIGKILL);

  startConverged({cp_.name}, 60s);
  auto after = machineStatus(cp_.name);
  EXPECT_EQ(after["phase"], "Ready");
  ASSERT_EQ(after["conditions"].size(), before["conditions"].size());
  for (size_t i = 0; i < after["conditions"].size(); ++i) {
    EXPECT_EQ(after["conditions"][i]["lastTransitionTime"], before["conditions"][i]["lastTransitionTime"])
        << "status carried over: " << after["conditions"][i]["type"];
  }
  EXPECT_EQ(containerdPid(cp_), pid) << "nothing was redone after the restart";
  std::string log = slurp(this->log());
  std::string secondRun = log.substr(log.rfind("controller starting"));
  EXPECT_EQ(secondRun.find("facet="), std::string::npos) << "the restarted controller changed something:\n" << secondRun;
}

}  // namespace
}  // namespace piherd::fleet
