// The host facets end to end on real hosts: the real piherd binary runs `plan` and `apply`
// against fleet hosts that install the real Debian containerd and the stand-in kubeadm,
// kubelet, kubectl debs from the fleet's local repositories; every assertion reads the
// hosts' state back over SSH.
//
// Hosts: phf-h1 (control plane), phf-h2 and phf-h3 (workers) are the cluster; phf-h4 joins
// only to be cut off in the unreachable-host test. The first test needs them fresh (as
// `fleet up` boots them); the others start by converging, so each also runs alone.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>

#include "platform/ssh_transport.h"
#include "tests/fleet/fleet_inventory.h"

namespace piherd::fleet {
namespace {

struct PiherdRun {
  int exitStatus = -1;
  std::string out;
};

// Runs the piherd binary; stdout is captured, stderr goes to the test log.
PiherdRun piherd(const std::vector<std::string>& args) {
  std::string cmd = PIHERD_BINARY;
  for (const auto& a : args) cmd += " '" + a + "'";  // test-controlled paths without quotes
  FleetRun run = runLocal(cmd);
  PiherdRun r;
  r.exitStatus = run.exitStatus;
  r.out = std::move(run.out);
  std::cerr << "$ piherd";
  for (const auto& a : args) std::cerr << " " << a;
  std::cerr << "  -> exit " << r.exitStatus << "\n" << r.out << "\n";
  return r;
}

class FacetsFleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inventory = loadInventory();
    ASSERT_TRUE(inventory) << inventory.error().message;
    inv_ = *inventory;
    ASSERT_GE(inv_.hosts.size(), 4u) << "the facet tests need 4 hosts: sudo tests/fleet/fleet up 5";
    writeManifests(3);
  }

  // The cluster's manifests for the first `n` fleet hosts, pointing at the fleet's repos.
  void writeManifests(size_t n, const std::string& sshUser = "") {
    std::ofstream c(tmp_.file("cluster.yaml"));
    c << "apiVersion: piherd.io/v1alpha1\nkind: Cluster\nmetadata: {name: fleet}\nspec:\n"
      << "  kubernetesVersion: \"1.34.2\"\n  controlPlaneEndpoint: \"" << inv_.addressInNetwork(100) << ":6443\"\n"
      << "  networking: {podSubnet: 10.244.0.0/16}\n"
      << "  packages:\n    repository: " << inv_.aptBaseUrl << "/kubernetes/v1.34/deb/\n"
      << "    signingKey: " << inv_.aptBaseUrl << "/kubernetes/v1.34/deb/Release.key\n"
      << "  ssh: {user: " << (sshUser.empty() ? inv_.sshUser : sshUser) << ", privateKeyFile: " << inv_.sshPrivateKey
      << ", knownHostsFile: " << inv_.knownHosts << "}\n"
      << "---\napiVersion: piherd.io/v1alpha1\nkind: VirtualIP\nmetadata: {name: apiserver}\n"
      << "spec: {cluster: fleet, address: " << inv_.addressInNetwork(100)
      << "/24, interface: host0, virtualRouterID: 51}\n";
    std::ofstream m(tmp_.file("machines.yaml"));
    for (size_t i = 0; i < n; ++i) {
      m << "---\napiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: "
        << inv_.hosts[i].name << "}\nspec: {cluster: fleet, role: "
        << (i == 0 ? "control-plane" : "worker") << ", address: " << inv_.hosts[i].address
        << "}\n";
    }
  }

  // The host facets alone (--hosts-only): no kubeadm init or join on these hosts.
  PiherdRun plan() { return piherd({"plan", "-f", tmp_.path(), "--hosts-only"}); }
  PiherdRun apply() { return piherd({"apply", "-f", tmp_.path(), "--hosts-only"}); }

  // A command's stdout on host i (as root over SSH); fails the test when it fails.
  std::string on(size_t i, const std::string& script) {
    SshTransport t(sshTarget(inv_, inv_.hosts[i]));
    auto r = t.run({"sh", "-c", script});
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (!r) return "";
    EXPECT_EQ(r->exitStatus, 0) << script << ": " << r->err;
    return r->out;
  }

  std::string containerdPid(size_t i) {
    return on(i, "systemctl show -p MainPID --value containerd");
  }

  void expectConverged(size_t i) {
    SCOPED_TRACE(inv_.hosts[i].name);
    EXPECT_EQ(on(i, "cat /proc/sys/net/ipv4/ip_forward"), "1\n");
    EXPECT_NE(on(i, "cat /etc/sysctl.d/99-piherd-kubernetes.conf"), "");
    EXPECT_EQ(on(i, "grep -c 'SystemdCgroup = true' /etc/containerd/config.toml"), "1\n");
    EXPECT_EQ(on(i, "systemctl is-active containerd"), "active\n");
    EXPECT_EQ(on(i, "systemctl is-enabled containerd"), "enabled\n");
    EXPECT_EQ(on(i, "dpkg-query -W -f='${Version}' kubeadm kubelet kubectl"),
              "1.34.2-1.1" "1.34.2-1.1" "1.34.2-1.1");
    EXPECT_EQ(on(i, "apt-mark showhold | sort | tr '\\n' ' '"), "kubeadm kubectl kubelet ");
    EXPECT_EQ(on(i, "kubeadm version -o short"), "v1.34.2\n");
  }

  // sha256 of every file under /etc plus the package database: what a plan must not change.
  std::string fingerprint(size_t i) {
    return on(i, "find /etc -xdev -type f -print0 | sort -z | xargs -0 sha256sum; "
                 "dpkg -l | sha256sum; systemctl is-active containerd || true; "
                 "cat /proc/sys/net/ipv4/ip_forward");
  }

  Inventory inv_;
  TempDir tmp_;
};

TEST_F(FacetsFleetTest, FreshHostsConvergeAndASecondApplyChangesNothing) {
  ASSERT_EQ(on(0, "dpkg-query -W containerd >/dev/null 2>&1 && echo installed || echo fresh"),
            "fresh\n")
      << "this test needs fresh hosts: sudo tests/fleet/fleet up 5";
  auto before = plan();
  EXPECT_EQ(before.exitStatus, 2);
  EXPECT_NE(before.out.find("~ install containerd\n"), std::string::npos);
  EXPECT_NE(before.out.find("~ install kubeadm, kubelet, kubectl\n"), std::string::npos);

  auto first = apply();
  ASSERT_EQ(first.exitStatus, 0);
  EXPECT_FALSE(std::regex_search(first.out, std::regex("not converged|unreachable")));
  for (size_t i = 0; i < 3; ++i) expectConverged(i);
  // Control planes get ip_nonlocal_bind (for the VIP), workers not.
  EXPECT_EQ(on(0, "grep -c ip_nonlocal_bind /etc/sysctl.d/99-piherd-kubernetes.conf"), "1\n");
  EXPECT_EQ(on(1, "grep -c ip_nonlocal_bind /etc/sysctl.d/99-piherd-kubernetes.conf || true"),
            "0\n");

  std::vector<std::string> pids;
  for (size_t i = 0; i < 3; ++i) pids.push_back(containerdPid(i));
  auto second = apply();
  EXPECT_EQ(second.exitStatus, 0);
  EXPECT_EQ(second.out.find("changed"), std::string::npos) << "a second apply changed something";
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(containerdPid(i), pids[i]) << "containerd restarted";

  auto after = plan();
  EXPECT_EQ(after.exitStatus, 0);
  EXPECT_EQ(after.out.find("~ "), std::string::npos) << "plan on converged hosts has actions";
}

TEST_F(FacetsFleetTest, DriftIsReportedExactlyAndOnlyItIsFixed) {
  ASSERT_EQ(apply().exitStatus, 0);
  // h1: a sysctl reset, a package removed. h2: the sysctl file deleted, containerd's config
  // edited. h3: containerd stopped, kubelet at another version.
  on(0, "sysctl -q -w net.ipv4.ip_forward=0 && "
        "apt-get remove -y -q --allow-change-held-packages kubectl >/dev/null 2>&1");
  on(1, "rm /etc/sysctl.d/99-piherd-kubernetes.conf && "
        "sed -i 's/SystemdCgroup = true/SystemdCgroup = false/' /etc/containerd/config.toml");
  on(2, "systemctl stop containerd && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
        "--allow-downgrades --allow-change-held-packages kubelet=1.34.1-1.1 >/dev/null 2>&1");
  std::string pid0 = containerdPid(0), pid1 = containerdPid(1);

  auto p = plan();
  ASSERT_EQ(p.exitStatus, 2);
  auto section = [&](const std::string& host) {
    size_t start = p.out.find(host + " (");
    size_t end = p.out.find("\n" + inv_.prefix + "-h", start + 1);
    return start == std::string::npos ? "" : p.out.substr(start, end - start);
  };
  std::string h1 = section(inv_.hosts[0].name), h2 = section(inv_.hosts[1].name),
              h3 = section(inv_.hosts[2].name);
  EXPECT_NE(h1.find("kernel: 1 change\n    ~ sysctl net.ipv4.ip_forward: 0 -> 1"), std::string::npos) << h1;
  EXPECT_NE(h1.find("runtime: no changes"), std::string::npos) << h1;
  EXPECT_NE(h1.find("kubectl: (not installed) -> 1.34.2-*"), std::string::npos) << h1;
  EXPECT_EQ(h1.find("kubeadm:"), std::string::npos) << h1;
  EXPECT_NE(h2.find("kernel: 1 change\n    ~ create /etc/sysctl.d/99-piherd-kubernetes.conf"), std::string::npos) << h2;
  EXPECT_NE(h2.find("runtime: 2 changes\n    ~ update /etc/containerd/config.toml"), std::string::npos) << h2;
  EXPECT_NE(h2.find("-            SystemdCgroup = false\n      +            SystemdCgroup = true"), std::string::npos) << h2;
  EXPECT_NE(h2.find("~ systemctl restart containerd"), std::string::npos) << h2;
  EXPECT_NE(h2.find("packages: no changes"), std::string::npos) << h2;
  EXPECT_NE(h3.find("kernel: no changes"), std::string::npos) << h3;
  EXPECT_NE(h3.find("runtime: 1 change\n    ~ systemctl start containerd"), std::string::npos) << h3;
  EXPECT_NE(h3.find("kubelet: 1.34.1-1.1 -> 1.34.2-*  [version change on an installed package]"),
            std::string::npos) << h3;

  ASSERT_EQ(apply().exitStatus, 0);
  for (size_t i = 0; i < 3; ++i) expectConverged(i);
  EXPECT_EQ(containerdPid(0), pid0) << "containerd restarted on a host whose config was fine";
  EXPECT_NE(containerdPid(1), pid1) << "containerd not restarted after its config changed";
  EXPECT_EQ(plan().exitStatus, 0);
}

TEST_F(FacetsFleetTest, PlanLeavesEveryHostByteIdentical) {
  ASSERT_EQ(apply().exitStatus, 0);
  on(0, "sysctl -q -w net.ipv4.ip_forward=0");
  on(1, "sed -i 's/SystemdCgroup = true/SystemdCgroup = false/' /etc/containerd/config.toml");
  on(2, "systemctl stop containerd");
  std::vector<std::string> before;
  for (size_t i = 0; i < 3; ++i) before.push_back(fingerprint(i));
  EXPECT_EQ(plan().exitStatus, 2);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(fingerprint(i), before[i]) << inv_.hosts[i].name;
  EXPECT_EQ(apply().exitStatus, 0);
}

TEST_F(FacetsFleetTest, AnUnreachableHostFailsAloneAndTheOthersConverge) {
  writeManifests(4);
  const FleetHost& lost = inv_.hosts[3];
  ASSERT_TRUE(runFleet({"cut", lost.name}).ok());
  on(0, "sysctl -q -w net.ipv4.ip_forward=0");
  auto r = apply();
  ASSERT_TRUE(runFleet({"restore", lost.name}).ok());
  EXPECT_EQ(r.exitStatus, 1);
  EXPECT_TRUE(std::regex_search(r.out, std::regex(lost.name + " +" + lost.address + " .*unreachable")))
      << r.out;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::regex_search(r.out, std::regex(inv_.hosts[i].name + " [^\n]* converged\n")));
    EXPECT_FALSE(std::regex_search(r.out, std::regex(inv_.hosts[i].name + " [^\n]*not converged")));
    expectConverged(i);
  }
}

// runtime fails on phf-h2 (containerd gone and its package source with it): packages, which
// depends on runtime, is blocked there; kernel still converges there, and the other hosts
// converge entirely.
TEST_F(FacetsFleetTest, AFailedFacetBlocksItsDependentsOnThatHostOnly) {
  ASSERT_EQ(apply().exitStatus, 0);
  on(1, "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q containerd >/dev/null 2>&1 && "
        "mv /etc/apt/sources.list /etc/apt/sources.list.piherd-test && "
        "sysctl -q -w net.ipv4.ip_forward=0");
  on(0, "sysctl -q -w net.ipv4.ip_forward=0");
  auto r = apply();
  on(1, "mv /etc/apt/sources.list.piherd-test /etc/apt/sources.list");
  EXPECT_EQ(r.exitStatus, 1);
  EXPECT_TRUE(std::regex_search(
      r.out, std::regex(inv_.hosts[1].name + " +" + std::regex_replace(inv_.hosts[1].address, std::regex("\\."), "\\.") +
                        " +converged +changed +failed +blocked +- +not converged")))  // vip: - (a worker)
      << r.out;
  EXPECT_NE(r.out.find(inv_.hosts[1].name + "/runtime: install containerd: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(inv_.hosts[1].name + "/packages: blocked: runtime failed"), std::string::npos) << r.out;
  EXPECT_EQ(on(1, "cat /proc/sys/net/ipv4/ip_forward"), "1\n");
  for (size_t i : {0u, 2u}) {
    EXPECT_TRUE(std::regex_search(r.out, std::regex(inv_.hosts[i].name + " [^\n]* converged\n")));
    EXPECT_FALSE(std::regex_search(r.out, std::regex(inv_.hosts[i].name + " [^\n]*not converged")));
  }
  ASSERT_EQ(apply().exitStatus, 0);
  expectConverged(1);
}

// As on a Pi with Ubuntu's default user: every command goes through `sudo -n`.
TEST_F(FacetsFleetTest, ANonRootUserConvergesHostsThroughSudo) {
  ASSERT_EQ(apply().exitStatus, 0);
  writeManifests(3, "piherd");
  on(0, "sysctl -q -w net.ipv4.ip_forward=0 && rm /etc/apt/sources.list.d/kubernetes.list");
  auto p = plan();
  EXPECT_EQ(p.exitStatus, 2);
  EXPECT_NE(p.out.find("sysctl net.ipv4.ip_forward: 0 -> 1"), std::string::npos);
  EXPECT_EQ(apply().exitStatus, 0);
  expectConverged(0);
  EXPECT_EQ(on(0, "stat -c '%U %a' /etc/apt/sources.list.d/kubernetes.list"), "root 644\n");
  EXPECT_EQ(plan().exitStatus, 0);
}

}  // namespace
}  // namespace piherd::fleet
