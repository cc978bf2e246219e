// Busy and untidy hosts (docs/facets.md, "Busy and untidy hosts" and "Swap, from every
// source"), each reproduced on a real fleet host with the real piherd binary: the dpkg lock
// held by another process (fcntl, as apt takes it), an interrupted dpkg, every swap source,
// a power cut in the middle of an apply, an unreachable and a wrongly signed repository.
// Every assertion reads the host's state back over SSH.
//
// One machine, the fleet's last host, is the whole cluster here (a control plane), so these
// tests leave the hosts of facets_test.cc alone. Each test converges first: each runs alone.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <regex>

#include "platform/ssh_transport.h"
#include "tests/fleet/fleet_inventory.h"

namespace piherd::fleet {
namespace {

struct PiherdRun {
  int exitStatus = -1;
  std::string out;
  double seconds = 0;
};

// Runs the piherd binary; stdout is captured (and handed line by line to `onLine`, which may
// act while piherd runs), stderr goes to the test log.
PiherdRun piherd(const std::vector<std::string>& args,
                 const std::function<void(const std::string&)>& onLine = nullptr) {
  std::string cmd = PIHERD_BINARY;
  for (const auto& a : args) cmd += " '" + a + "'";  // test-controlled words without quotes
  PiherdRun r;
  auto start = std::chrono::steady_clock::now();
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  while (fgets(buf, sizeof buf, p) != nullptr) {
    r.out += buf;
    if (onLine) onLine(buf);
  }
  int status = pclose(p);
  r.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "$ piherd";
  for (const auto& a : args) std::cerr << " " << a;
  std::cerr << "  -> exit " << r.exitStatus << " in " << r.seconds << " s\n" << r.out << "\n";
  return r;
}

class UntidyHostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inventory = loadInventory();
    ASSERT_TRUE(inventory) << inventory.error().message;
    inv_ = *inventory;
    ASSERT_GE(inv_.hosts.size(), 5u) << "these tests use the fifth host: sudo tests/fleet/fleet up 5";
    host_ = inv_.hosts[4];
    writeManifests(inv_.aptBaseUrl);
  }

  // The cluster: this one machine, its packages from `repoBase` (the fleet's repository
  // server unless a test points it elsewhere).
  void writeManifests(const std::string& repoBase) {
    std::ofstream c(tmp_.file("cluster.yaml"));
    c << "apiVersion: piherd.io/v1alpha1\nkind: Cluster\nmetadata: {name: untidy}\nspec:\n"
      << "  kubernetesVersion: \"1.34.2\"\n  controlPlaneEndpoint: \"" << inv_.addressInNetwork(101)
      << ":6443\"\n  networking: {podSubnet: 10.244.0.0/16}\n"
      << "  packages:\n    repository: " << repoBase << "/kubernetes/v1.34/deb/\n"
      << "    signingKey: " << inv_.aptBaseUrl << "/kubernetes/v1.34/deb/Release.key\n"
      << "  ssh: {user: " << inv_.sshUser << ", privateKeyFile: " << inv_.sshPrivateKey
      << ", knownHostsFile: " << inv_.knownHosts << "}\n"
      << "---\napiVersion: piherd.io/v1alpha1\nkind: VirtualIP\nmetadata: {name: apiserver}\n"
      << "spec: {cluster: untidy, address: " << inv_.addressInNetwork(101)
      << "/24, interface: host0, virtualRouterID: 52}\n"
      << "---\napiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: " << host_.name
      << "}\nspec: {cluster: untidy, role: control-plane, address: " << host_.address << "}\n";
  }

  PiherdRun plan() { return piherd({"plan", "-f", tmp_.path(), "--hosts-only"}); }
  PiherdRun apply(const std::vector<std::string>& extra = {},
                  const std::function<void(const std::string&)>& onLine = nullptr) {
    std::vector<std::string> args = {"apply", "-f", tmp_.path(), "--hosts-only"};
    args.insert(args.end(), extra.begin(), extra.end());
    return piherd(args, onLine);
  }

  // A command's stdout on the host (as root over SSH); fails the test when it fails.
  std::string on(const std::string& script, bool mustSucceed = true) {
    SshTransport t(sshTarget(inv_, host_));
    auto r = t.run({"sh", "-c", script}, ExecOptions{.timeout = std::chrono::minutes(5)});
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (!r) return "";
    if (mustSucceed) {
      EXPECT_EQ(r->exitStatus, 0) << script << ": " << r->err;
    }
    return r->out;
  }

  // Starts a process on the host that holds the dpkg frontend lock with fcntl (lockf), as
  // apt and unattended-upgrades do (flock(1) takes a BSD lock apt ignores), for `seconds`.
  // Returns its pid once it holds the lock.
  std::string holdDpkgLock(int seconds) {
    std::string pid = on(
        "setsid python3 -c 'import fcntl, os, sys, time\n"
        "fd = os.open(\"/var/lib/dpkg/lock-frontend\", os.O_RDWR | os.O_CREAT, 0o640)\n"
        "fcntl.lockf(fd, fcntl.LOCK_EX)\n"
        "open(\"/run/piherd-test-lock\", \"w\").write(str(os.getpid()))\n"
        "time.sleep(" + std::to_string(seconds) + ")' </dev/null >/dev/null 2>&1 &\n"
        "for i in $(seq 100); do [ -s /run/piherd-test-lock ] && break; sleep 0.1; done\n"
        "cat /run/piherd-test-lock; rm -f /run/piherd-test-lock");
    EXPECT_FALSE(pid.empty()) << "the lock holder did not start";
    return pid;
  }

  void expectConverged() {
    SCOPED_TRACE(host_.name);
    EXPECT_EQ(on("dpkg-query -W -f='${Version}' kubeadm kubelet kubectl"),
              "1.34.2-1.1" "1.34.2-1.1" "1.34.2-1.1");
    EXPECT_EQ(on("apt-mark showhold | sort | tr '\\n' ' '"), "kubeadm kubectl kubelet ");
    EXPECT_EQ(on("systemctl is-active containerd"), "active\n");
    EXPECT_EQ(on("dpkg --audit; ls -A /var/lib/dpkg/updates"), "") << "dpkg left unfinished";
    // No temp file of an interrupted atomic write anywhere under /etc.
    EXPECT_EQ(on("find /etc -name '.*.piherd-*' -o -name '*.piherd-tmp'"), "");
    EXPECT_EQ(plan().exitStatus, 0) << "a converged host has nothing to plan";
  }

  void converge() { ASSERT_EQ(apply().exitStatus, 0) << "the host did not converge to begin with"; }

  Inventory inv_;
  FleetHost host_;
  TempDir tmp_;
};

TEST_F(UntidyHostsTest, ADpkgLockHeldFor20sIsWaitedForAndTheWaitShows) {
  converge();
  on("apt-get remove -y -q --allow-change-held-packages kubectl >/dev/null 2>&1");
  std::string pid = holdDpkgLock(20);
  auto r = apply();
  EXPECT_EQ(r.exitStatus, 0);
  EXPECT_NE(r.out.find("[" + host_.name + "] packages: waiting for the dpkg lock, held by "
                       "python3 (pid " + pid + ")"),
            std::string::npos)
      << r.out;
  EXPECT_GE(r.seconds, 10) << "apply did not wait for the lock";
  expectConverged();
}

TEST_F(UntidyHostsTest, ALockHeldPastTheTimeoutIsRetryableNotAFailure) {
  converge();
  on("apt-get remove -y -q --allow-change-held-packages kubectl >/dev/null 2>&1");
  std::string pid = holdDpkgLock(20);
  auto r = apply({"--dpkg-lock-timeout", "3s"});
  on("kill " + pid);
  EXPECT_EQ(r.exitStatus, 1);
  // Columns: certificates, kernel, runtime, packages (retry), vip (needs only kernel).
  EXPECT_TRUE(std::regex_search(r.out, std::regex(host_.name + " +[0-9.]+ +converged +converged +converged "
                                                  "+retry +converged +not converged \\(retry later\\)")))
      << r.out;
  EXPECT_NE(r.out.find("s for the dpkg lock, held by python3 (pid " + pid +
                       ") (--dpkg-lock-timeout 3s); retry later"),
            std::string::npos)
      << r.out;
  ASSERT_EQ(apply().exitStatus, 0);
  expectConverged();
}

// dpkg interrupted two ways at once: a package unpacked but never configured (what a kill
// between unpack and configure leaves) and a journal entry left in /var/lib/dpkg/updates.
TEST_F(UntidyHostsTest, AnInterruptedDpkgIsShownByPlanAndRepairedByApply) {
  converge();
  on("cd /tmp && apt-get download -q socat >/dev/null 2>&1 && dpkg --unpack socat_*.deb "
     ">/dev/null 2>&1 && rm -f socat_*.deb && dpkg-query -s kubectl > /var/lib/dpkg/updates/0000");
  EXPECT_NE(on("apt-get install -y -q socat 2>&1", false).find("dpkg was interrupted"),
            std::string::npos)
      << "the host is not in the state this test needs";
  auto p = plan();
  EXPECT_EQ(p.exitStatus, 2);
  EXPECT_NE(p.out.find("  runtime: 1 change\n    ~ finish an interrupted dpkg run (dpkg "
                       "--configure -a)\n          left unfinished: socat\n          1 pending "
                       "file(s) in /var/lib/dpkg/updates\n"),
            std::string::npos)
      << p.out;
  auto r = apply();
  EXPECT_EQ(r.exitStatus, 0);
  EXPECT_EQ(on("dpkg-query -W -f='${db:Status-Status}' socat"), "installed");
  expectConverged();
}

// Every swap source the target systems have, on one host: dphys-swapfile (installed and
// enabled), a .swap unit file, zram-generator's own config, rpi-swap's config. The fleet's
// hosts share the machine's kernel and cannot swapon, so what is checked is the persistent
// state each owner reads at boot, and that it survives a reboot.
TEST_F(UntidyHostsTest, EverySwapSourceIsReportedAndDisabledForGood) {
  converge();
  on("printf 'CONF_SWAPSIZE=1\\n' > /etc/dphys-swapfile && "
     "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && "
     "DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Options::=--force-confold "
     "dphys-swapfile systemd-zram-generator >/dev/null 2>&1; rc=$?; rm -f /usr/sbin/policy-rc.d; "
     "[ $rc = 0 ] && systemctl enable -q dphys-swapfile.service && "
     "{ systemctl start dphys-swapfile.service 2>/dev/null; true; } && "
     "printf '[Swap]\\nWhat=/var/testswap\\n[Install]\\nWantedBy=swap.target\\n' > "
     "/etc/systemd/system/var-testswap.swap && "
     "printf '[Swap]\\nWhat=/var/vendorswap\\n[Install]\\nWantedBy=swap.target\\n' > "
     "/usr/lib/systemd/system/var-vendorswap.swap && systemctl daemon-reload && "
     "systemctl enable -q var-testswap.swap var-vendorswap.swap && "
     "mkdir -p /etc/rpi && printf '[Main]\\nMechanism=auto\\n' > /etc/rpi/swap.conf");
  ASSERT_EQ(on("systemctl is-enabled dphys-swapfile.service var-testswap.swap var-vendorswap.swap"),
            "enabled\nenabled\nenabled\n");
  // dphys-swapfile made its swap file (swapon itself is refused here: a shared kernel).
  ASSERT_EQ(on("test -e /var/swap && echo present || echo absent"), "present\n");
  ASSERT_NE(on("grep -c '^\\[zram0\\]' /etc/systemd/zram-generator.conf", false), "0\n")
      << "systemd-zram-generator's own config defines no device";

  auto p = plan();
  EXPECT_EQ(p.exitStatus, 2);
  for (const char* want : {"~ disable dphys-swapfile (dphys-swapfile swapoff, dphys-swapfile "
                           "uninstall, systemctl disable dphys-swapfile)",
                           "~ update /etc/rpi/swap.conf", "+Mechanism=none",
                           "~ update /etc/systemd/zram-generator.conf",
                           "~ systemctl mask var-testswap.swap var-vendorswap.swap (swap units"}) {
    EXPECT_NE(p.out.find(want), std::string::npos) << want << "\n" << p.out;
  }
  ASSERT_EQ(apply().exitStatus, 0);
  auto check = [&] {
    EXPECT_EQ(on("systemctl is-enabled dphys-swapfile.service", false), "disabled\n");
    EXPECT_NE(on("systemctl is-active dphys-swapfile.service", false), "active\n");
    // A vendor unit is masked; the admin's own unit file in /etc cannot be, and is disabled.
    EXPECT_EQ(on("systemctl is-enabled var-vendorswap.swap", false), "masked\n");
    EXPECT_EQ(on("systemctl is-enabled var-testswap.swap", false), "disabled\n");
    EXPECT_EQ(on("grep -c '^[[:space:]]*\\[zram' /etc/systemd/zram-generator.conf", false), "0\n");
    EXPECT_EQ(on("grep -c 'disabled by piherd.*\\[zram0\\]' /etc/systemd/zram-generator.conf"), "1\n");
    EXPECT_EQ(on("cat /etc/rpi/swap.conf"), "[Main]\nMechanism=none\n");
    EXPECT_EQ(on("test -e /var/swap && echo present || echo absent"), "absent\n");
    EXPECT_EQ(on("tail -n +2 /proc/swaps"), "");
  };
  check();
  auto again = plan();
  EXPECT_EQ(again.exitStatus, 0) << again.out;
  // What each owner reads at boot stays so across a reboot: nothing to do after it.
  ASSERT_TRUE(runFleet({"stop", host_.name, "--clean"}).ok());
  ASSERT_TRUE(runFleet({"start", host_.name}).ok());
  check();
  EXPECT_EQ(plan().exitStatus, 0);
  on("systemctl unmask -q var-vendorswap.swap; rm -f /etc/systemd/system/var-testswap.swap "
     "/usr/lib/systemd/system/var-vendorswap.swap /etc/rpi/swap.conf && rmdir /etc/rpi; DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "
     "dphys-swapfile systemd-zram-generator >/dev/null 2>&1; systemctl daemon-reload");
}

// The plug is pulled the moment apply starts installing packages: whatever that left (an
// apt run killed mid-download or mid-unpack, a half-written file), the next apply
// converges the host with dpkg finished and no half-written file.
TEST_F(UntidyHostsTest, AHostPoweredOffMidApplyConvergesOnTheNextApply) {
  converge();
  on("apt-get remove -y -q --allow-change-held-packages kubeadm kubelet kubectl >/dev/null 2>&1 "
     "&& rm /etc/sysctl.d/99-piherd-kubernetes.conf");
  bool pulled = false;
  auto r = apply({}, [&](const std::string& line) {
    if (!pulled && line.find("packages: install kubeadm, kubelet, kubectl") != std::string::npos) {
      pulled = true;
      EXPECT_TRUE(runFleet({"stop", host_.name}).ok());
    }
  });
  ASSERT_TRUE(pulled) << "apply never reached the package install";
  EXPECT_EQ(r.exitStatus, 1) << "apply survived its host's power cut?";
  ASSERT_TRUE(runFleet({"start", host_.name}).ok());
  auto again = apply();
  EXPECT_EQ(again.exitStatus, 0);
  expectConverged();
  EXPECT_NE(on("cat /etc/sysctl.d/99-piherd-kubernetes.conf"), "");
}

// The repository's server refuses connections (an iptables REJECT on the host, so SSH is
// unaffected): the error names the repository by its URL, and is retryable.
TEST_F(UntidyHostsTest, AnUnreachableRepositoryIsNamed) {
  converge();
  std::string port = inv_.aptBaseUrl.substr(inv_.aptBaseUrl.rfind(':') + 1);
  on("DEBIAN_FRONTEND=noninteractive apt-get install -y -q iptables >/dev/null 2>&1 && "
     "apt-get remove -y -q --allow-change-held-packages kubectl >/dev/null 2>&1 && "
     "apt-get clean && "  // no cached .deb: the install must reach the repository
     "iptables -I OUTPUT -p tcp -d " + inv_.bridgeAddress + " --dport " + port +
     " -j REJECT --reject-with tcp-reset");
  auto r = apply();
  on("iptables -D OUTPUT -p tcp -d " + inv_.bridgeAddress + " --dport " + port +
     " -j REJECT --reject-with tcp-reset");
  EXPECT_EQ(r.exitStatus, 1);
  EXPECT_NE(r.out.find("repository " + inv_.aptBaseUrl + "/kubernetes/v1.34/deb/ is unreachable ("),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("not converged (retry later)"), std::string::npos) << r.out;
  ASSERT_EQ(apply().exitStatus, 0);
  expectConverged();
}

// The keyring holds another key (Debian's archive keys) on a host that never fetched the
// repository with the right one (with index files from a good fetch, apt warns and keeps
// using them): apt refuses the repository, and the error says it is signed wrongly rather
// than quoting apt.
TEST_F(UntidyHostsTest, AWronglySignedRepositorySaysSo) {
  converge();
  on("apt-get remove -y -q --allow-change-held-packages kubectl >/dev/null 2>&1 && cp "
     "/usr/share/keyrings/debian-archive-keyring.gpg /etc/apt/keyrings/kubernetes-apt-keyring.gpg "
     "&& rm -f /var/lib/apt/lists/*kubernetes*");
  auto r = apply();
  EXPECT_EQ(r.exitStatus, 1);
  EXPECT_NE(r.out.find("repository " + inv_.aptBaseUrl + "/kubernetes/v1.34/deb/ is signed "
                       "wrongly: its signature does not verify with the configured key"),
            std::string::npos)
      << r.out;
  on("rm /etc/apt/keyrings/kubernetes-apt-keyring.gpg");  // the next apply installs the right one
  ASSERT_EQ(apply().exitStatus, 0);
  expectConverged();
}

}  // namespace
}  // namespace piherd::fleet
