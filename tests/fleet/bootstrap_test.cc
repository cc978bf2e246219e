// Cluster bootstrap end to end (issue 11, docs/bootstrap.md): the real piherd binary turns
// bare fleet hosts into a cluster (3 control planes, 2 workers, then a third worker) with
// the kubeadm, kubelet and kube-apiserver stand-ins (tests/standins/, docs/test-packages.md),
// Debian's real etcd and the real keepalived, and the REAL kubectl (1.33) judges the result
// through the VIP: nodes Ready, the Calico DaemonSet's env. etcd is asked directly (etcdctl
// on a control plane). The kubeadm stand-in logs every invocation with its start and end
// times, so "exactly one init" and "no overlapping joins" are read from the hosts.
//
// Hosts: the ninth to fourteenth of the fleet (h9-h14: no other suite uses them). The state
// directory lives beside the fleet's inventory, so the suite's processes (ctest runs each
// test alone) share the cluster's PKI; each test starts by converging, so each also runs
// alone, and the first one resets the hosts when it finds a cluster on them.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "platform/ssh_transport.h"
#include "tests/fleet/fleet_inventory.h"

namespace piherd::fleet {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using Json = nlohmann::json;

constexpr size_t kFirstHost = 8;  // h9
constexpr size_t kHosts = 6;      // h9-h11 control planes, h12-h13 workers, h14 added later
constexpr const char* kPodSubnet = "10.244.0.0/16";

FleetRun sh(const std::string& cmd) { return runLocal(cmd); }

class BootstrapFleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto inventory = loadInventory();
    ASSERT_TRUE(inventory) << inventory.error().message;
    inv_ = new Inventory(*inventory);
    ASSERT_GE(inv_->hosts.size(), kFirstHost + kHosts)
        << "the bootstrap tests use hosts 9-14: sudo tests/fleet/fleet up 14";
    dir_ = new std::string(std::filesystem::path(inventoryPath()).parent_path() / "bootstrap-suite");
    std::filesystem::create_directories(*dir_);
    // The real kubectl 1.33 that the fleet's apt repository was built with.
    FleetRun k = sh("echo $(dirname $(readlink -f $(command -v kubectl)))/kubectl.1.33");
    kubectl_ = new std::string(k.out.substr(0, k.out.find('\n')));
    ASSERT_TRUE(std::filesystem::exists(*kubectl_)) << "no real kubectl at " << *kubectl_;
    std::filesystem::copy_file(std::string(PIHERD_SOURCE_DIR) + "/tests/unit/testdata/calico.yaml",
                               *dir_ + "/calico.yaml",
                               std::filesystem::copy_options::overwrite_existing);
  }
  static void TearDownTestSuite() {
    delete kubectl_;
    delete dir_;
    delete inv_;
  }

  static const FleetHost& host(size_t i) { return inv_->hosts[kFirstHost + i]; }
  static std::string vip() { return inv_->addressInNetwork(120); }
  // The init control plane: the first control-plane Machine by name, in byte order
  // ("phf-h10" sorts before "phf-h9").
  static size_t initHost() {
    size_t first = 0;
    for (size_t i = 1; i < 3; ++i) {
      if (host(i).name < host(first).name) first = i;
    }
    return first;
  }

  // Three control planes, two workers (a third when `thirdWorker`), a VIP, Calico.
  static void writeManifests(bool thirdWorker) {
    std::ofstream c(*dir_ + "/cluster.yaml");
    c << "apiVersion: piherd.io/v1alpha1\nkind: Cluster\nmetadata: {name: fleet}\nspec:\n"
      << "  kubernetesVersion: \"1.34.2\"\n  controlPlaneEndpoint: \"" << vip() << ":6443\"\n"
      << "  networking: {podSubnet: " << kPodSubnet << "}\n"
      << "  cni: {calico: {manifest: calico.yaml, mode: VXLAN}}\n"
      << "  packages:\n    repository: " << inv_->aptBaseUrl << "/kubernetes/v1.34/deb/\n"
      << "    signingKey: " << inv_->aptBaseUrl << "/kubernetes/v1.34/deb/Release.key\n"
      << "  ssh: {user: " << inv_->sshUser << ", privateKeyFile: " << inv_->sshPrivateKey
      << ", knownHostsFile: " << inv_->knownHosts << "}\n"
      << "---\napiVersion: piherd.io/v1alpha1\nkind: VirtualIP\nmetadata: {name: apiserver}\n"
      << "spec: {cluster: fleet, address: " << vip() << "/24, interface: host0, "
      << "virtualRouterID: 71}\n";
    std::ofstream m(*dir_ + "/machines.yaml");
    for (size_t i = 0; i < (thirdWorker ? 6u : 5u); ++i) {
      m << "---\napiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: " << host(i).name
        << "}\nspec: {cluster: fleet, role: " << (i < 3 ? "control-plane" : "worker")
        << ", address: " << host(i).address << "}\n";
    }
  }

  static FleetRun piherd(const std::string& command, const std::string& extra = "") {
    FleetRun r = sh(std::string(PIHERD_BINARY) + " " + command + " -f '" + *dir_ +
                    "/cluster.yaml' -f '" + *dir_ + "/machines.yaml' --state-dir '" + *dir_ +
                    "/state' " + extra + " 2>&1");
    std::cerr << "$ piherd " << command << " -> exit " << r.exitStatus << "\n" << r.out << "\n";
    return r;
  }

  // A command on host i as root over SSH: its stdout ("" when it failed, and the test fails
  // unless `mayFail`).
  static std::string on(size_t i, const std::string& script, bool mayFail = false) {
    SshTransport t(sshTarget(*inv_, host(i)));
    auto r = t.run({"sh", "-c", script}, {.timeout = std::chrono::minutes(3)});
    if (!mayFail) {
      EXPECT_TRUE(r) << (r ? "" : r.error().message);
      if (r) {
        EXPECT_EQ(r->exitStatus, 0) << host(i).name << ": " << script << ": " << r->err;
      }
    }
    return r && r->ok() ? r->out : "";
  }

  // The real kubectl through the VIP with admin.conf as piherd's init left it.
  static FleetRun kubectl(const std::string& args) {
    return sh("timeout 20 " + *kubectl_ + " --kubeconfig '" + *dir_ + "/admin.conf' --server https://" +
              vip() + ":6443 --cache-dir '" + *dir_ + "/kcache' " + args + " 2>&1");
  }
  static void fetchAdminConf() {
    std::ofstream(*dir_ + "/admin.conf") << on(0, "cat /etc/kubernetes/admin.conf");
  }

  static Json nodes() {
    FleetRun r = kubectl("get nodes -o json");
    Json j = Json::parse(r.out, nullptr, false);
    return j.is_discarded() ? Json::object() : j;
  }
  // Node name -> Ready condition status ("True", "False", "Unknown").
  static std::map<std::string, std::string> readiness() {
    std::map<std::string, std::string> out;
    for (const Json& n : nodes().value("items", Json::array())) {
      std::string ready = "?";
      for (const Json& c : n["status"].value("conditions", Json::array())) {
        if (c.value("type", "") == "Ready") ready = c.value("status", "");
      }
      out[n["metadata"].value("name", "")] = ready;
    }
    return out;
  }
  static bool waitFor(std::chrono::seconds timeout, const std::function<bool()>& cond) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (cond()) return true;
      std::this_thread::sleep_for(1s);
    }
    return cond();
  }

  // Converges the cluster (builds it when the test runs alone) and fetches admin.conf.
  static void converge(bool thirdWorker = false) {
    writeManifests(thirdWorker);
    FleetRun a = piherd("apply");
    ASSERT_EQ(a.exitStatus, 0) << a.out;
    fetchAdminConf();
  }

  // Every kubeadm invocation the stand-in logged on host i: {verb, start, end} (end empty when
  // it never ended: killed).
  struct Invocation {
    std::string host, verb, start, end;
  };
  static std::vector<Invocation> invocations(size_t i) {
    std::string log = on(i, "cat /var/log/kubeadm-standin.log 2>/dev/null; true");
    std::vector<Invocation> out;
    std::map<std::string, size_t> byPid;
    std::istringstream in(log);
    static const std::regex kStart("^START (\\S+) pid=(\\d+) kubeadm (\\S+)");
    static const std::regex kEnd("^END (\\S+) pid=(\\d+) rc=");
    std::smatch m;
    for (std::string line; std::getline(in, line);) {
      if (std::regex_search(line, m, kStart)) {
        byPid[m[2]] = out.size();
        out.push_back({host(i).name, m[3], m[1], ""});
      } else if (std::regex_search(line, m, kEnd) && byPid.count(m[2])) {
        out[byPid[m[2]]].end = m[1];
      }
    }
    return out;
  }
  static std::vector<Invocation> allInvocations(size_t hosts) {
    std::vector<Invocation> all;
    for (size_t i = 0; i < hosts; ++i) {
      for (auto& v : invocations(i)) all.push_back(v);
    }
    return all;
  }
  // Joins must not overlap: sorted by start, each ends before the next starts. A join that
  // never ended (killed with its piherd) counts as lasting until the next invocation on its
  // host (the reset that cleans it), which piherd makes only after it stopped running.
  static void expectOneInitAndNoOverlappingJoins(const std::vector<Invocation>& all) {
    int inits = 0;
    std::vector<Invocation> joins;
    for (const auto& v : all) {
      inits += v.verb == "init";
      if (v.verb == "join") joins.push_back(v);
    }
    EXPECT_EQ(inits, 1) << "kubeadm init ran " << inits << " times";
    std::sort(joins.begin(), joins.end(),
              [](const Invocation& a, const Invocation& b) { return a.start < b.start; });
    for (size_t k = 1; k < joins.size(); ++k) {
      if (joins[k - 1].end.empty()) continue;
      EXPECT_LT(joins[k - 1].end, joins[k].start)
          << "join on " << joins[k - 1].host << " (" << joins[k - 1].start << " - "
          << joins[k - 1].end << ") overlaps the join on " << joins[k].host << " ("
          << joins[k].start << ")";
    }
  }

  static std::string etcdctl(const std::string& args) {
    return "ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 "
           "--cacert=/etc/kubernetes/pki/etcd/ca.crt "
           "--cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt "
           "--key=/etc/kubernetes/pki/etcd/healthcheck-client.key " + args + " 2>&1";
  }

  // A token or a key in output or logs is a leak.
  static void expectNoSecrets(const std::string& text) {
    EXPECT_FALSE(std::regex_search(text, std::regex("[a-z0-9]{6}\\.[a-z0-9]{16}")))
        << "a bootstrap token in:\n" << text;
    EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);
  }

  // The hosts as booted: no cluster, no state directory (a fresh PKI follows).
  static void resetHosts() {
    std::vector<std::thread> ts;
    for (size_t i = 0; i < kHosts; ++i) {
      ts.emplace_back([i] {
        on(i, "command -v kubeadm >/dev/null && kubeadm reset -f >/dev/null 2>&1; "
              "rm -rf /etc/kubernetes /var/lib/etcd /var/lib/kubelet /var/log/kubeadm-standin.log; true",
           true);
      });
    }
    for (auto& t : ts) t.join();
    std::filesystem::remove_all(*dir_ + "/state");
    std::filesystem::remove_all(*dir_ + "/kcache");
  }

  static Inventory* inv_;
  static std::string* dir_;
  static std::string* kubectl_;
};

Inventory* BootstrapFleetTest::inv_ = nullptr;
std::string* BootstrapFleetTest::dir_ = nullptr;
std::string* BootstrapFleetTest::kubectl_ = nullptr;

TEST_F(BootstrapFleetTest, FromBareHostsOneApplyBuildsTheClusterAndASecondChangesNothing) {
  // Bare hosts: a cluster left by another test of this suite is taken down first.
  bool clustered = false;
  for (size_t i = 0; i < kHosts; ++i) {
    clustered |= !on(i, "test -e /etc/kubernetes/kubelet.conf && echo yes", true).empty();
  }
  if (clustered) resetHosts();
  std::filesystem::remove_all(*dir_ + "/state");
  writeManifests(false);

  FleetRun plan = piherd("plan");
  EXPECT_EQ(plan.exitStatus, 2) << plan.out;
  EXPECT_NE(plan.out.find("kubeadm init on " + host(initHost()).name), std::string::npos);
  EXPECT_NE(plan.out.find("kubeadm join of " + host(4).name + " as a worker"), std::string::npos);
  EXPECT_NE(plan.out.find("apply Calico (after init)"), std::string::npos);

  auto start = Clock::now();
  FleetRun apply = piherd("apply");
  double took = std::chrono::duration<double>(Clock::now() - start).count();
  std::cerr << "# bootstrap apply of 3 control planes and 2 workers took " << took << " s\n";
  ASSERT_EQ(apply.exitStatus, 0) << apply.out;
  expectNoSecrets(plan.out + apply.out);
  EXPECT_NE(apply.out.find("done: kubeadm init on " + host(initHost()).name), std::string::npos);

  fetchAdminConf();
  // The real kubectl through the VIP: every node, Ready; the control planes labelled.
  auto ready = readiness();
  ASSERT_EQ(ready.size(), 5u) << kubectl("get nodes").out;
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(ready[host(i).name], "True") << host(i).name;
  FleetRun cps = kubectl("get nodes -l node-role.kubernetes.io/control-plane -o name");
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NE(cps.out.find("node/" + host(i).name), std::string::npos) << cps.out;
  }
  EXPECT_EQ(cps.out.find(host(3).name), std::string::npos);

  // etcd: three voting members, each healthy.
  std::string members = on(0, etcdctl("member list -w json"));
  Json ml = Json::parse(members, nullptr, false);
  ASSERT_FALSE(ml.is_discarded()) << members;
  ASSERT_EQ(ml.value("members", Json::array()).size(), 3u) << members;
  for (const Json& m : ml["members"]) EXPECT_FALSE(m.value("isLearner", false)) << m.dump();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NE(on(i, etcdctl("endpoint health")).find("is healthy"), std::string::npos)
        << host(i).name;
  }

  // Calico: calico-node carries podSubnet and the VXLAN mode, as the real kubectl reads it.
  FleetRun env = kubectl("-n kube-system get daemonset calico-node -o jsonpath="
                         "'{range .spec.template.spec.containers[?(@.name==\"calico-node\")].env[*]}"
                         "{.name}={.value}{\"\\n\"}{end}'");
  EXPECT_NE(env.out.find(std::string("CALICO_IPV4POOL_CIDR=") + kPodSubnet), std::string::npos)
      << env.out;
  EXPECT_NE(env.out.find("CALICO_IPV4POOL_VXLAN=Always"), std::string::npos) << env.out;

  // The status piherd wrote to the state directory (docs/api.md).
  {
    Json c = Json::parse(readLocalFile(*dir_ + "/state/status/clusters/fleet.json"), nullptr, false);
    ASSERT_FALSE(c.is_discarded());
    EXPECT_EQ(c["status"].value("initialized", false), true) << c.dump();
    EXPECT_EQ(c["status"].value("controlPlaneReady", ""), "3/3") << c.dump();
    EXPECT_EQ(c["status"].value("etcdHealthy", ""), "3/3") << c.dump();
    EXPECT_EQ(c["status"].value("phase", ""), "Ready") << c.dump();
    for (size_t i = 0; i < 5; ++i) {
      Json m = Json::parse(readLocalFile(*dir_ + "/state/status/machines/" + host(i).name + ".json"),
                           nullptr, false);
      ASSERT_FALSE(m.is_discarded()) << host(i).name;
      std::map<std::string, std::string> conds;
      for (const Json& k : m["status"].value("conditions", Json::array())) {
        conds[k.value("type", "")] = k.value("status", "");
      }
      EXPECT_EQ(conds["Joined"], "True") << m.dump();
      EXPECT_EQ(conds["NodeReady"], "True") << m.dump();
      EXPECT_EQ(m["status"].value("phase", ""), "Ready") << m.dump();
    }
  }

  // One init; the joins one after another; no join file and no token of piherd's left.
  expectOneInitAndNoOverlappingJoins(allInvocations(5));
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(on(i, "ls /etc/kubernetes/piherd/kubeadm-join.yaml 2>/dev/null; true"), "")
        << host(i).name;
  }
  FleetRun secrets = kubectl("-n kube-system get secrets -o json");
  EXPECT_EQ(secrets.out.find("piherd: join of"), std::string::npos);

  // A second pass: nothing to do, and nothing was touched.
  std::string boots;
  for (size_t i = 0; i < 5; ++i) boots += on(i, "cat /proc/sys/kernel/random/boot_id");
  FleetRun again = piherd("plan");
  EXPECT_EQ(again.exitStatus, 0) << again.out;
  FleetRun apply2 = piherd("apply");
  EXPECT_EQ(apply2.exitStatus, 0) << apply2.out;
  EXPECT_NE(apply2.out.find("nothing to do"), std::string::npos);
  EXPECT_EQ(apply2.out.find("done: "), std::string::npos) << apply2.out;
  std::string boots2;
  for (size_t i = 0; i < 5; ++i) boots2 += on(i, "cat /proc/sys/kernel/random/boot_id");
  EXPECT_EQ(boots, boots2);
  expectOneInitAndNoOverlappingJoins(allInvocations(5));
}

// The seed's check: `kubectl get nodes` through the VIP answers after the VIP holder is
// powered off; that host turns NotReady within the grace period, and Ready when it is back.
TEST_F(BootstrapFleetTest, TheVipStillAnswersWhenItsHolderIsPoweredOff) {
  converge();
  ASSERT_EQ(kubectl("get nodes").exitStatus, 0);
  int holder = -1;
  for (size_t i = 0; i < 3; ++i) {
    FleetRun r = sh("ip netns exec " + host(i).netns + " ip -o -4 addr show");
    if (r.out.find(" " + vip() + "/") != std::string::npos) holder = static_cast<int>(i);
  }
  ASSERT_GE(holder, 0) << "no control plane holds the VIP";
  const std::string name = host(static_cast<size_t>(holder)).name;
  ASSERT_TRUE(runFleet({"stop", name}).ok());
  auto off = Clock::now();
  bool answered = waitFor(20s, [] { return kubectl("get nodes").exitStatus == 0; });
  double after = std::chrono::duration<double>(Clock::now() - off).count();
  std::cerr << "# kubectl through the VIP answered again " << after << " s after " << name
            << " was powered off\n";
  EXPECT_TRUE(answered) << kubectl("get nodes").out;
  // node-monitor-grace-period (50 s) plus the monitor period, with margin.
  EXPECT_TRUE(waitFor(90s, [&] { return readiness()[name] == "Unknown" || readiness()[name] == "False"; }))
      << kubectl("get nodes").out;
  ASSERT_TRUE(runFleet({"start", name}).ok());
  EXPECT_TRUE(waitFor(180s, [&] { return readiness()[name] == "True"; }))
      << kubectl("get nodes").out;
  // Its etcd member is back too, and the cluster converges with nothing to do.
  EXPECT_TRUE(waitFor(120s, [&] {
    return on(static_cast<size_t>(holder), etcdctl("endpoint health"), true).find("is healthy") !=
           std::string::npos;
  }));
  FleetRun plan = piherd("plan");
  EXPECT_NE(plan.out.find("Cluster bootstrap (initialized"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("nothing to do"), std::string::npos) << plan.out;
}

// Adding a worker is adding one Machine: it joins, and nothing restarts elsewhere. Here
// piherd is SIGKILLed in the middle of that join; the next run finishes it, with no second
// init and no overlapping joins.
TEST_F(BootstrapFleetTest, AnAddedWorkerJoinsAloneEvenWhenPiherdIsKilledMidJoin) {
  converge();
  // The new worker as booted.
  on(5, "command -v kubeadm >/dev/null && kubeadm reset -f >/dev/null 2>&1; "
        "rm -rf /etc/kubernetes /var/lib/kubelet; true", true);
  kubectl("delete node " + host(5).name + " --ignore-not-found");
  const std::string probe =
      "cat /proc/sys/kernel/random/boot_id; for u in containerd kubelet keepalived; do "
      "systemctl show -p ActiveEnterTimestampMonotonic --value $u 2>/dev/null; done";
  std::vector<std::string> before;
  for (size_t i = 0; i < 5; ++i) before.push_back(on(i, probe));

  writeManifests(true);
  // apply through a script that prints its pid and execs piherd, so the pid is piherd's.
  std::ofstream(*dir_ + "/apply.sh")
      << "echo $$\nexec " << PIHERD_BINARY << " apply -f '" << *dir_ << "/cluster.yaml' -f '"
      << *dir_ << "/machines.yaml' --state-dir '" << *dir_ << "/state' 2>&1\n";
  FILE* p = popen(("sh '" + *dir_ + "/apply.sh'").c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  ASSERT_NE(fgets(buf, sizeof buf, p), nullptr);
  pid_t pid = static_cast<pid_t>(std::stol(buf));
  bool killed = false;
  std::string out;
  const std::string marker = "[" + host(5).name + "] bootstrap: kubeadm join";
  while (fgets(buf, sizeof buf, p) != nullptr) {
    out += buf;
    if (!killed && out.find(marker) != std::string::npos) {
      std::this_thread::sleep_for(1s);  // kubeadm is running on the host now
      kill(pid, SIGKILL);
      killed = true;
    }
  }
  pclose(p);
  std::cerr << out;
  ASSERT_TRUE(killed) << "the join never started:\n" << out;
  EXPECT_EQ(readLocalFile(*dir_ + "/state/bootstrap/join-lock"), host(5).name + "\n")
      << "the join lock names the interrupted join";

  FleetRun again = piherd("apply");
  ASSERT_EQ(again.exitStatus, 0) << again.out;
  EXPECT_FALSE(std::filesystem::exists(*dir_ + "/state/bootstrap/join-lock"));
  EXPECT_EQ(readiness()[host(5).name], "True") << kubectl("get nodes").out;
  expectOneInitAndNoOverlappingJoins(allInvocations(6));
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(on(i, probe), before[i]) << host(i).name << ": rebooted or a service restarted";
  }
}

// Removing a machine is removing its Machine, and then an explicit --prune: without it plan
// shows the removal and apply leaves the node alone (a lost file must never wipe a node).
TEST_F(BootstrapFleetTest, ARemovedWorkerIsDrainedDeletedAndResetOnlyWithPrune) {
  converge(true);  // h14 is a node
  ASSERT_EQ(readiness()[host(5).name], "True");
  writeManifests(false);

  FleetRun plan = piherd("plan");
  EXPECT_EQ(plan.exitStatus, 0) << plan.out;  // a note, not a pending change: apply would not do it
  EXPECT_NE(plan.out.find("node " + host(5).name + " is in the cluster but no Machine declares it"),
            std::string::npos);
  FleetRun planPrune = piherd("plan", "--prune");
  EXPECT_EQ(planPrune.exitStatus, 2) << planPrune.out;
  EXPECT_NE(planPrune.out.find("+ remove " + host(5).name + ": drain, delete the node"),
            std::string::npos);
  FleetRun apply = piherd("apply");
  EXPECT_EQ(apply.exitStatus, 0) << apply.out;
  EXPECT_EQ(readiness()[host(5).name], "True") << "apply without --prune removed the node";
  EXPECT_FALSE(on(5, "test -e /etc/kubernetes/kubelet.conf && echo yes", true).empty());

  FleetRun prune = piherd("apply", "--prune");
  ASSERT_EQ(prune.exitStatus, 0) << prune.out;
  EXPECT_NE(prune.out.find("done: remove " + host(5).name + ": drain, delete the node, kubeadm "
                           "reset -f on " + host(5).address),
            std::string::npos);
  EXPECT_EQ(readiness().count(host(5).name), 0u) << kubectl("get nodes").out;
  EXPECT_TRUE(on(5, "test -e /etc/kubernetes/kubelet.conf && echo yes", true).empty())
      << "the removed host was not reset";
  auto ready = readiness();
  EXPECT_EQ(ready.size(), 5u);
  for (const auto& [name, r] : ready) EXPECT_EQ(r, "True") << name;
  EXPECT_EQ(piherd("plan").exitStatus, 0);
}

}  // namespace
}  // namespace piherd::fleet
