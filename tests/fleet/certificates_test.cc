// The certificates facet end to end (docs/certificates.md): the real piherd binary places the
// cluster's PKI on two control planes and leaves the worker alone; a TLS server using the
// placed certificate is verified by a client trusting only our CA, by the VIP, by each
// control plane's address and by its name; tampering is reported and restored; a third
// control plane gives every control plane a new certificate, rolled out one at a time; on a
// control plane set up by kubeadm (the fleet's stand-in, with Debian's real etcd), the
// certificates kubeadm issued are renewed with `kubeadm certs renew` when they near expiry and
// the static pods that read them restarted; no key byte reaches plan or apply output, or the
// hosts' journals.
//
// Hosts (from the end of the fleet, so the facet tests' first host stays fresh): the last
// host and the one before are control planes, the third from the end a worker, the fourth
// from the end becomes the third control plane. One state directory for the whole suite; the
// first apply runs once (SetUpTestSuite) and the tests build on it in order.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <array>
#include <filesystem>
#include <map>
#include <fstream>
#include <regex>
#include <sstream>

#include "platform/pki.h"
#include "platform/ssh_transport.h"
#include "tests/fleet/fleet_inventory.h"

namespace piherd::fleet {
namespace {

struct CmdRun {
  int exitStatus = -1;
  std::string out;  // stdout and stderr together: logs count as output here
};

CmdRun shell(const std::string& cmd) {
  FleetRun run = runLocal(cmd + " 2>&1");
  return {run.exitStatus, std::move(run.out)};
}

std::string readLocal(const std::string& path) { return readLocalFile(path); }

class CertificatesFleetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto inventory = loadInventory();
    ASSERT_TRUE(inventory) << inventory.error().message;
    inv_ = new Inventory(*inventory);
    ASSERT_GE(inv_->hosts.size(), 4u) << "the certificates tests need 4 hosts";
    size_t n = inv_->hosts.size();
    cp_ = {n - 1, n - 2};
    worker_ = n - 3;
    third_ = n - 4;
    tmp_ = new TempDir();
    outputs_ = new std::string();
    writeManifests(false);
    auto first = piherd({"apply"});
    ASSERT_EQ(first.exitStatus, 0) << first.out;
  }
  static void TearDownTestSuite() {
    if (inv_ != nullptr) {
      on(cp_[0], kKubeadmReset);
      for (size_t i : {cp_[0], cp_[1], third_}) {
        on(i, "rm -rf /etc/kubernetes/manifests /var/tmp/piherd-readyz; "
              "pkill -F /run/piherd-s_server.pid 2>/dev/null; rm -f /run/piherd-s_server.pid; true");
      }
      on(cp_[0], "ip addr del " + vip() + "/24 dev host0 2>/dev/null; true");
    }
    delete tmp_;
    delete outputs_;
    delete inv_;
  }

  // Undoes a `kubeadm init` (KubeadmIssuedCertificatesNearExpiry...), pass or fail.
  static constexpr const char* kKubeadmReset =
      "if [ -e /etc/kubernetes/admin.conf ]; then kubeadm reset -f >/dev/null 2>&1; fi; "
      "rm -rf /var/lib/etcd /etc/kubernetes/piherd-restart /root/piherd-init.yaml "
      "/var/tmp/piherd-kubeadm-init.log; true";

  static std::string vip() { return inv_->addressInNetwork(100); }
  static const FleetHost& host(size_t i) { return inv_->hosts[i]; }
  static std::string stateFile(const std::string& rel) { return tmp_->file(".piherd/pki/" + rel); }

  static void writeManifests(bool withThird) {
    std::ofstream c(tmp_->file("cluster.yaml"));
    c << "apiVersion: piherd.io/v1alpha1\nkind: Cluster\nmetadata: {name: fleet}\nspec:\n"
      << "  kubernetesVersion: \"1.34.2\"\n  controlPlaneEndpoint: \"" << vip() << ":6443\"\n"
      << "  networking: {podSubnet: 10.244.0.0/16}\n"
      << "  certificates: {extraSANs: [api.fleet.test]}\n"
      << "  packages:\n    repository: " << inv_->aptBaseUrl << "/kubernetes/v1.34/deb/\n"
      << "    signingKey: " << inv_->aptBaseUrl << "/kubernetes/v1.34/deb/Release.key\n"
      << "  ssh: {user: " << inv_->sshUser << ", privateKeyFile: " << inv_->sshPrivateKey
      << ", knownHostsFile: " << inv_->knownHosts << "}\n"
      << "---\napiVersion: piherd.io/v1alpha1\nkind: VirtualIP\nmetadata: {name: apiserver}\n"
      << "spec: {cluster: fleet, address: " << vip()
      << "/24, interface: host0, virtualRouterID: 51}\n";
    std::ofstream m(tmp_->file("machines.yaml"));
    auto machine = [&](size_t i, const char* role) {
      m << "---\napiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: " << host(i).name
        << "}\nspec: {cluster: fleet, role: " << role << ", address: " << host(i).address << "}\n";
    };
    machine(cp_[0], "control-plane");
    machine(cp_[1], "control-plane");
    machine(worker_, "worker");
    if (withThird) machine(third_, "control-plane");
  }

  static CmdRun piherd(const std::vector<std::string>& args) {
    std::string cmd = PIHERD_BINARY;
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " -f '" + tmp_->path() + "' --hosts-only";  // the PKI alone, no kubeadm
    CmdRun r = shell(cmd);
    std::cerr << "$ piherd " << args[0] << " -> exit " << r.exitStatus << "\n" << r.out << "\n";
    *outputs_ += r.out;
    return r;
  }

  // A command's stdout on host i, as root over SSH; fails the test when it fails.
  static std::string on(size_t i, const std::string& script) {
    SshTransport t(sshTarget(*inv_, inv_->hosts[i]));
    auto r = t.run({"sh", "-c", script});
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (!r) return "";
    EXPECT_EQ(r->exitStatus, 0) << host(i).name << ": " << script << ": " << r->err;
    return r->out;
  }

  // `openssl s_client` from this machine, trusting only `caFile` (no default stores),
  // checking the peer as `name` (an IP is checked as an IP SAN). "ok" or OpenSSL's reason.
  static std::string verifyFromHere(const std::string& address, const std::string& name,
                                    const std::string& caFile) {
    bool ip = std::regex_match(name, std::regex("[0-9.]+"));
    CmdRun r = shell("echo | timeout 10 openssl s_client -connect " + address + ":6443 " +
                  (ip ? "" : "-servername " + name) + " -CAfile '" + caFile +
                  "' -no-CApath -no-CAstore -verify_return_error " +
                  (ip ? "-verify_ip " : "-verify_hostname ") + name);
    if (r.out.find("Verify return code: 0 (ok)") != std::string::npos && r.exitStatus == 0) {
      return "ok";
    }
    std::smatch m;
    if (std::regex_search(r.out, m, std::regex("verify error:[^\n]*"))) return m.str();
    return "failed (exit " + std::to_string(r.exitStatus) + ")";
  }

  // After every test: nothing this process printed so far carries a key byte.
  void TearDown() override { expectNoKeyBytesIn(*outputs_, "piherd's output"); }

  static void expectNoKeyBytesIn(const std::string& text, const std::string& where) {
    EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos) << where;
    for (const auto& k : keyFiles()) {
      std::string pem = readLocal(k);
      ASSERT_NE(pem.find("PRIVATE KEY"), std::string::npos) << k;
      std::istringstream lines(pemBodyLines(pem, 100));
      for (std::string line; std::getline(lines, line);) {
        ASSERT_EQ(text.find(line), std::string::npos) << k << " leaked into " << where;
      }
    }
  }

  // Every private key of the suite's state directory.
  static std::vector<std::string> keyFiles() {
    std::vector<std::string> keys;
    for (const auto& e : std::filesystem::recursive_directory_iterator(tmp_->file(".piherd/pki"))) {
      if (e.path().extension() == ".key") keys.push_back(e.path().string());
    }
    return keys;
  }

  static std::string pemBodyLines(const std::string& pem, size_t count) {
    std::string out;
    std::istringstream in(pem);
    std::string line;
    std::getline(in, line);  // header
    for (size_t k = 0; k < count && std::getline(in, line) && line.rfind("-----", 0) != 0; ++k) {
      out += line + "\n";
    }
    return out;
  }

  static inline Inventory* inv_ = nullptr;
  static inline TempDir* tmp_ = nullptr;
  static inline std::string* outputs_ = nullptr;
  static inline std::array<size_t, 2> cp_{};
  static inline size_t worker_ = 0, third_ = 0;
};

const char* const kFiles[] = {"ca.crt", "ca.key", "front-proxy-ca.crt", "front-proxy-ca.key",
                              "etcd/ca.crt", "etcd/ca.key", "sa.key", "sa.pub",
                              "apiserver.crt", "apiserver.key"};

bool isKey(const std::string& f) { return f.size() > 4 && f.substr(f.size() - 4) == ".key"; }

TEST_F(CertificatesFleetTest, FilesLandWithModesAndOwnersAndBothControlPlanesHoldTheSameCa) {
  for (size_t i : cp_) {
    SCOPED_TRACE(host(i).name);
    for (const std::string f : kFiles) {
      EXPECT_EQ(on(i, "stat -c '%a %U %G' /etc/kubernetes/pki/" + f),
                std::string(isKey(f) ? "600" : "644") + " root root\n") << f;
      std::string local = f.rfind("apiserver", 0) == 0
                              ? tmp_->file(".piherd/pki/machines/" + host(i).name + "/" + f)
                              : stateFile(f);
      EXPECT_EQ(on(i, "sha256sum < /etc/kubernetes/pki/" + f + " | cut -d' ' -f1"),
                pki::sha256Hex(readLocal(local)) + "\n") << f;
    }
    EXPECT_EQ(on(i, "ls /etc/kubernetes/pki | grep -c tmp || true"), "0\n") << "temp files left";
  }
  EXPECT_EQ(on(cp_[0], "cat /etc/kubernetes/pki/ca.crt"), on(cp_[1], "cat /etc/kubernetes/pki/ca.crt"));
  EXPECT_NE(on(cp_[0], "cat /etc/kubernetes/pki/apiserver.crt"),
            on(cp_[1], "cat /etc/kubernetes/pki/apiserver.crt"));
  EXPECT_EQ(on(worker_, "test -e /etc/kubernetes/pki && echo present || echo absent"), "absent\n");
  EXPECT_EQ(on(worker_, "grep -rl 'PRIVATE KEY' /etc /root 2>/dev/null | grep -v ssh || true"), "");
  // The state directory: 0700, keys 0600.
  EXPECT_EQ(shell("stat -c %a '" + tmp_->file(".piherd") + "' '" + tmp_->file(".piherd/pki") + "' '" +
                  stateFile("ca.key") + "' '" + stateFile("sa.key") + "'").out,
            "700\n700\n600\n600\n");
  // The placed chain verifies on the host itself, with the real openssl.
  EXPECT_EQ(on(cp_[0], "openssl verify -CAfile /etc/kubernetes/pki/ca.crt "
                       "/etc/kubernetes/pki/apiserver.crt"),
            "/etc/kubernetes/pki/apiserver.crt: OK\n");
  // A second apply changes nothing, and plan is empty.
  auto again = piherd({"apply"});
  EXPECT_EQ(again.exitStatus, 0);
  EXPECT_EQ(again.out.find("changed"), std::string::npos) << again.out;
  auto plan = piherd({"plan"});
  EXPECT_EQ(plan.exitStatus, 0);
  EXPECT_NE(plan.out.find("note: nearest expiry: apiserver.crt on "), std::string::npos) << plan.out;
}

TEST_F(CertificatesFleetTest, TlsServerWithThePlacedCertificateIsVerifiedByVipAddressAndName) {
  // The VIP on the first control plane's interface (keepalived is another facet's work).
  on(cp_[0], "ip addr replace " + vip() + "/24 dev host0");
  for (size_t i : cp_) {
    on(i, "cd /etc/kubernetes/pki && setsid openssl s_server -quiet -accept 6443 -www "
          "-cert apiserver.crt -key apiserver.key </dev/null >/dev/null 2>&1 & echo $! > "
          "/run/piherd-s_server.pid");
  }
  // Wait until each answers from here.
  for (size_t i : cp_) {
    for (int k = 0; k < 50 && shell("timeout 1 bash -c 'echo > /dev/tcp/" + host(i).address +
                                    "/6443'").exitStatus != 0; ++k) {
      usleep(100000);
    }
  }
  const std::string ca = stateFile("ca.crt");
  EXPECT_EQ(verifyFromHere(vip(), vip(), ca), "ok");
  for (size_t i : cp_) {
    SCOPED_TRACE(host(i).name);
    EXPECT_EQ(verifyFromHere(host(i).address, host(i).address, ca), "ok");
    EXPECT_EQ(verifyFromHere(host(i).address, host(i).name, ca), "ok");
    EXPECT_EQ(verifyFromHere(host(i).address, "kubernetes.default.svc.cluster.local", ca), "ok");
    EXPECT_EQ(verifyFromHere(host(i).address, "api.fleet.test", ca), "ok");
    // Controls: a name not in the SANs, and a client trusting another CA, both fail.
    EXPECT_NE(verifyFromHere(host(i).address, "not-a-san.fleet.test", ca), "ok");
    EXPECT_NE(verifyFromHere(host(i).address, host(i).address, stateFile("front-proxy-ca.crt")), "ok");
    EXPECT_NE(verifyFromHere(host(i).address, host(worker_).address, ca), "ok");
  }
  for (size_t i : cp_) on(i, "pkill -F /run/piherd-s_server.pid; rm -f /run/piherd-s_server.pid; true");
}

TEST_F(CertificatesFleetTest, TamperedFilesAreReportedByPlanAndRestoredByApply) {
  const std::string pki = "/etc/kubernetes/pki/";
  on(cp_[0], "openssl req -x509 -newkey rsa:2048 -nodes -keyout /tmp/foreign.key -subj /CN=foreign "
             "-days 1 -out " + pki + "ca.crt 2>/dev/null && rm /tmp/foreign.key && "
             "chmod 644 " + pki + "sa.key");
  on(cp_[1], "rm " + pki + "etcd/ca.key && echo tampered >> " + pki + "apiserver.key && "
             "chown nobody " + pki + "sa.pub");
  auto p = piherd({"plan"});
  ASSERT_EQ(p.exitStatus, 2);
  EXPECT_NE(p.out.find("update " + pki + "ca.crt (expires"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("restore: content differs (tampered or foreign)"), std::string::npos);
  EXPECT_NE(p.out.find("update " + pki + "sa.key (private key, content not shown; restore: mode 644 -> 600)"),
            std::string::npos);
  EXPECT_NE(p.out.find("create " + pki + "etcd/ca.key (private key, content not shown)"),
            std::string::npos);
  EXPECT_NE(p.out.find("its key: fingerprint differs (tampered or foreign)"), std::string::npos);
  EXPECT_NE(p.out.find("restore: owner nobody:root -> root:root"), std::string::npos);
  EXPECT_EQ(on(cp_[1], "test -e " + pki + "etcd/ca.key && echo present || echo absent"), "absent\n")
      << "plan changed a host";
  auto a = piherd({"apply"});
  ASSERT_EQ(a.exitStatus, 0) << a.out;
  for (size_t i : cp_) {
    for (const std::string f : kFiles) {
      std::string local = f.rfind("apiserver", 0) == 0
                              ? tmp_->file(".piherd/pki/machines/" + host(i).name + "/" + f)
                              : stateFile(f);
      EXPECT_EQ(on(i, "sha256sum < " + pki + f + " | cut -d' ' -f1; stat -c '%a %U %G' " + pki + f),
                pki::sha256Hex(readLocal(local)) + "\n" + (isKey(f) ? "600" : "644") + " root root\n")
          << host(i).name << " " << f;
    }
  }
  EXPECT_EQ(piherd({"plan"}).exitStatus, 0);
}

TEST_F(CertificatesFleetTest, AThirdControlPlaneGivesEveryControlPlaneANewCertificateOneAtATime) {
  // A kube-apiserver look-alike on the two existing control planes: a static pod manifest
  // (what makes piherd restart it) and a TLS server answering /readyz with the placed
  // certificate, so each rollout waits for a real HTTPS answer trusted through our CA.
  const std::string manifest =
      "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    kubeadm.kubernetes.io/"
      "kube-apiserver.advertise-address.endpoint: ADDR:6443\n  name: kube-apiserver\n"
      "  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n";
  std::map<size_t, std::string> oldCerts;
  for (size_t i : cp_) {
    oldCerts[i] = on(i, "cat /etc/kubernetes/pki/apiserver.crt");
    on(i, "mkdir -p /etc/kubernetes/manifests /var/tmp/piherd-readyz && printf '%s' '" +
              std::regex_replace(manifest, std::regex("ADDR"), host(i).address) +
              "' > /etc/kubernetes/manifests/kube-apiserver.yaml && echo ok > /var/tmp/piherd-readyz/readyz && "
              "cd /var/tmp/piherd-readyz && setsid openssl s_server -quiet -accept 6443 -WWW "
              "-cert /etc/kubernetes/pki/apiserver.crt -key /etc/kubernetes/pki/apiserver.key "
              "</dev/null >/dev/null 2>&1 & echo $! > /run/piherd-s_server.pid");
  }
  writeManifests(true);
  auto p = piherd({"plan"});
  ASSERT_EQ(p.exitStatus, 2);
  EXPECT_NE(p.out.find("replace /etc/kubernetes/pki/apiserver.crt (SANs"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("reissue: SANs changed"), std::string::npos);
  EXPECT_EQ(on(cp_[0], "cat /etc/kubernetes/pki/apiserver.crt"), oldCerts[cp_[0]]) << "plan changed a host";

  auto a = piherd({"apply"});
  ASSERT_EQ(a.exitStatus, 0) << a.out;
  const std::string ca = readLocal(stateFile("ca.crt"));
  std::vector<std::pair<long double, long double>> windows;  // (cert written, manifest written)
  for (size_t i : {cp_[0], cp_[1], third_}) {
    SCOPED_TRACE(host(i).name);
    std::string cert = on(i, "cat /etc/kubernetes/pki/apiserver.crt");
    EXPECT_NE(cert, oldCerts[i]);
    EXPECT_TRUE(pki::verifyCertificate(cert, ca, std::chrono::system_clock::now()));
    auto info = pki::parseCertificate(cert);
    ASSERT_TRUE(info);
    for (size_t j : {cp_[0], cp_[1], third_}) {
      EXPECT_NE(std::find(info->dnsNames.begin(), info->dnsNames.end(), host(j).name), info->dnsNames.end());
      EXPECT_NE(std::find(info->ipAddresses.begin(), info->ipAddresses.end(), host(j).address),
                info->ipAddresses.end());
    }
    EXPECT_EQ(on(i, "cat /etc/kubernetes/pki/ca.crt"), ca);
    if (i == third_) continue;
    // The kube-apiserver manifest was rewritten to carry the new certificate's fingerprint.
    EXPECT_NE(on(i, "cat /etc/kubernetes/manifests/kube-apiserver.yaml")
                  .find("piherd.io/apiserver-certificate: \"" + pki::sha256Hex(cert).substr(0, 16) + "\""),
              std::string::npos);
    std::string t = on(i, "stat -c %.9Y /etc/kubernetes/pki/apiserver.crt "
                          "/etc/kubernetes/manifests/kube-apiserver.yaml");
    std::istringstream in(t);
    long double certAt = 0, manifestAt = 0;
    in >> certAt >> manifestAt;
    EXPECT_LE(certAt, manifestAt);
    windows.push_back({certAt, manifestAt});
  }
  // One control plane at a time: one host's rollout (certificate written .. kube-apiserver
  // restarted and ready) lies wholly before or after the other's. The hosts share this
  // machine's clock.
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_TRUE(windows[0].second <= windows[1].first || windows[1].second <= windows[0].first)
      << std::fixed << windows[0].first << ".." << windows[0].second << " vs " << windows[1].first
      << ".." << windows[1].second;
  EXPECT_EQ(piherd({"plan"}).exitStatus, 0);
}

// The certificates kubeadm issues, on a control plane that `kubeadm init` set up from the PKI
// piherd placed: four of them (three files and the client certificate in
// controller-manager.conf) are re-signed by their CA to expire in 5 days, inside the default
// renewBeforeDays (30). Plan reports their renewal without changing anything; apply renews
// them with kubeadm, restarts the static pods that read them (etcd, kube-apiserver,
// kube-controller-manager; not kube-scheduler) and waits for /readyz; a second plan is clean.
TEST_F(CertificatesFleetTest, KubeadmIssuedCertificatesNearExpiryAreRenewedAndTheirPodsRestarted) {
  const size_t cp = cp_[0];
  const std::string pki = "/etc/kubernetes/pki/";
  // Hosts as the earlier tests of this process may have left them: no look-alike server on
  // 6443, no manifests; the PKI in place.
  for (size_t i : cp_) {
    on(i, "pkill -F /run/piherd-s_server.pid 2>/dev/null; rm -f /run/piherd-s_server.pid; "
          "rm -rf /etc/kubernetes/manifests/*; true");
  }
  on(cp, kKubeadmReset);
  ASSERT_EQ(piherd({"apply"}).exitStatus, 0);
  on(cp, "cat > /root/piherd-init.yaml <<'EOF'\n"
         "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n"
         "localAPIEndpoint: {advertiseAddress: " + host(cp).address + ", bindPort: 6443}\n"
         "nodeRegistration: {name: " + host(cp).name + "}\n---\n"
         "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"
         "kubernetesVersion: v1.34.2\ncontrolPlaneEndpoint: \"" + vip() + ":6443\"\n"
         "networking: {podSubnet: 10.244.0.0/16, serviceSubnet: 10.96.0.0/12}\n---\n"
         "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
         "cgroupDriver: systemd\nEOF");
  on(cp, "kubeadm init --config /root/piherd-init.yaml > /var/tmp/piherd-kubeadm-init.log 2>&1 || "
         "{ tail -20 /var/tmp/piherd-kubeadm-init.log >&2; exit 1; }");
  ASSERT_FALSE(HasFailure()) << "kubeadm init failed";
  EXPECT_EQ(on(cp, "cmp -s /etc/kubernetes/pki/ca.crt /dev/stdin <<'EOF' && echo same\n" +
                       readLocal(stateFile("ca.crt")) + "EOF"),
            "same\n") << "kubeadm used the CA piherd placed";
  {
    auto fresh = piherd({"plan"});
    EXPECT_EQ(fresh.exitStatus, 0) << "kubeadm init leaves piherd nothing to do";
  }

  // The certificates, aged: the same subject, SANs, usages and key, signed again by their
  // CA for 5 days. The kubeconfig's client key is used only on the host, in a 0700 temp dir.
  on(cp, "set -e; cd " + pki + "\n"
         "age() { openssl x509 -x509toreq -in \"$1\" -signkey \"$2\" -copy_extensions copy 2>/dev/null |"
         " openssl x509 -req -CA \"$3.crt\" -CAkey \"$3.key\" -days 5 -copy_extensions copy"
         " -out \"$1.aged\" 2>/dev/null; cat \"$1.aged\" > \"$1\"; rm \"$1.aged\"; }\n"
         "age apiserver-kubelet-client.crt apiserver-kubelet-client.key ca\n"
         "age front-proxy-client.crt front-proxy-client.key front-proxy-ca\n"
         "age etcd/server.crt etcd/server.key etcd/ca\n"
         "conf=/etc/kubernetes/controller-manager.conf; t=$(mktemp -d)\n"
         "sed -n 's/^ *client-certificate-data: //p' $conf | base64 -d > $t/c.crt\n"
         "sed -n 's/^ *client-key-data: //p' $conf | base64 -d > $t/c.key\n"
         "age $t/c.crt $t/c.key ca\n"
         "sed -i \"s|^\\( *client-certificate-data: \\).*|\\1$(base64 -w0 < $t/c.crt)|\" $conf\n"
         "rm -rf $t");
  ASSERT_FALSE(HasFailure());
  const std::vector<std::string> aged = {"apiserver-kubelet-client.crt", "front-proxy-client.crt",
                                         "etcd/server.crt", "controller-manager.conf"};
  // notAfter (Unix seconds) of each, read on the host with openssl.
  auto notAfter = [&](const std::string& name) -> long long {
    std::string cert = name == "controller-manager.conf"
                           ? "sed -n 's/^ *client-certificate-data: //p' /etc/kubernetes/" + name +
                                 " | base64 -d | openssl x509 -noout -enddate"
                           : "openssl x509 -noout -enddate -in " + pki + name;
    return std::atoll(on(cp, "date -d \"$(" + cert + " | cut -d= -f2)\" +%s").c_str());
  };
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
  std::map<std::string, long long> before;
  for (const auto& name : aged) {
    before[name] = notAfter(name);
    ASSERT_LT(before[name], now + 6 * 86400) << name << " was not aged";
  }

  auto p = piherd({"plan"});
  ASSERT_EQ(p.exitStatus, 2) << p.out;
  EXPECT_NE(p.out.find("kubeadm certs renew apiserver-kubelet-client front-proxy-client "
                       "etcd-server controller-manager.conf, then restart the static pods "
                       "that read them where they run: etcd, kube-apiserver, "
                       "kube-controller-manager; one control plane at a time"),
            std::string::npos) << p.out;
  EXPECT_EQ(p.out.find("kubeadm certs renew", p.out.find("kubeadm certs renew") + 1), std::string::npos)
      << "only the control plane kubeadm set up has certificates to renew";
  EXPECT_TRUE(std::regex_search(p.out, std::regex("note: nearest expiry: (apiserver-kubelet-client.crt|"
                                                  "front-proxy-client.crt|etcd/server.crt|"
                                                  "controller-manager.conf) on ")))
      << p.out;
  for (const auto& name : aged) EXPECT_EQ(notAfter(name), before[name]) << "plan changed " << name;

  // The static pods' processes, found by a flag of kubeadm's manifests ([r]: the pattern does
  // not match the shell running pgrep): PID and start time (clock ticks after boot).
  const std::map<std::string, std::string> podFlag = {
      {"etcd", "--cert-file=/etc/kubernetes/pki/etcd/serve[r].crt"},
      {"kube-apiserver", "--tls-cert-file=/etc/kubernetes/pki/apiserve[r].crt"},
      {"kube-controller-manager", "--kubeconfig=/etc/kubernetes/controller-manage[r].conf"},
      {"kube-scheduler", "--kubeconfig=/etc/kubernetes/schedule[r].conf"}};
  auto podState = [&] {
    std::map<std::string, std::string> state;
    for (const auto& [pod, flag] : podFlag) {
      state[pod] = on(cp, "p=$(pgrep -f -- '" + flag + "'); echo \"$p $(cut -d' ' -f22 /proc/$p/stat)\"");
      EXPECT_TRUE(std::regex_match(state[pod], std::regex("[0-9]+ [0-9]+\n")))
          << pod << " is not running exactly once: " << state[pod];
    }
    return state;
  };
  const auto podsBefore = podState();
  const std::string manifestsBefore = on(cp, "cd /etc/kubernetes/manifests && sha256sum *.yaml");
  auto etcdServing = [&] {
    return on(cp, "echo | timeout 10 openssl s_client -connect 127.0.0.1:2379 -cert " + pki +
                      "etcd/healthcheck-client.crt -key " + pki + "etcd/healthcheck-client.key "
                      "2>/dev/null | openssl x509 -noout -enddate");
  };
  const std::string servedBefore = etcdServing();

  auto started = std::chrono::steady_clock::now();
  auto a = piherd({"apply"});
  ASSERT_EQ(a.exitStatus, 0) << a.out;
  std::cerr << "# apply with renewal and restarts took "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count()
            << " s\n";
  // Renewed: a year ahead again, each verifying against its CA.
  for (const auto& name : aged) {
    long long after = notAfter(name);
    EXPECT_GT(after, before[name] + 300 * 86400LL) << name;
    EXPECT_GE(after, now + 364 * 86400LL) << name;
  }
  EXPECT_EQ(on(cp, "cd " + pki + " && openssl verify -CAfile ca.crt apiserver-kubelet-client.crt && "
                   "openssl verify -CAfile front-proxy-ca.crt front-proxy-client.crt && "
                   "openssl verify -CAfile etcd/ca.crt etcd/server.crt"),
            "apiserver-kubelet-client.crt: OK\nfront-proxy-client.crt: OK\netcd/server.crt: OK\n");
  EXPECT_NE(on(cp, "grep -c 'kubeadm certs renew' /var/log/kubeadm-standin.log || true"), "0\n");
  // Restarted: the pods reading a renewed certificate run in a new process, the scheduler
  // (reading none) in the same; the manifests are back as they were, none left aside.
  const auto podsAfter = podState();
  for (const auto& pod : {"etcd", "kube-apiserver", "kube-controller-manager"}) {
    EXPECT_NE(podsAfter.at(pod), podsBefore.at(pod)) << pod << " was not restarted";
  }
  EXPECT_EQ(podsAfter.at("kube-scheduler"), podsBefore.at("kube-scheduler"));
  EXPECT_EQ(on(cp, "cd /etc/kubernetes/manifests && sha256sum *.yaml"), manifestsBefore);
  EXPECT_EQ(on(cp, "ls -A /etc/kubernetes/piherd-restart 2>/dev/null | wc -l"), "0\n");
  // etcd serves the renewed certificate (it loaded the new file), and kube-apiserver answers
  // /readyz (its etcd check included), trusted through the cluster CA only.
  const std::string servedAfter = etcdServing();
  EXPECT_NE(servedAfter, servedBefore);
  EXPECT_EQ(servedAfter, on(cp, "openssl x509 -noout -enddate -in " + pki + "etcd/server.crt"));
  EXPECT_EQ(shell("curl -fsS --max-time 5 --cacert '" + stateFile("ca.crt") + "' https://" +
                  host(cp).address + ":6443/readyz").out,
            "ok");
  // No byte of the keys kubeadm made (files and the kubeconfig's) in piherd's output.
  std::string hostKeys = on(cp, "for f in " + pki + "*.key " + pki + "etcd/*.key; do sed -n 2,4p $f; done; "
                                "sed -n 's/^ *client-key-data: //p' /etc/kubernetes/*.conf | cut -c1-64");
  std::istringstream lines(hostKeys);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() < 40) continue;
    EXPECT_EQ(outputs_->find(line), std::string::npos) << "a host key leaked";
  }

  auto second = piherd({"plan"});
  EXPECT_EQ(second.exitStatus, 0) << second.out;
  EXPECT_EQ(second.out.find("kubeadm certs renew"), std::string::npos);

  on(cp, kKubeadmReset);
  EXPECT_EQ(piherd({"apply"}).exitStatus, 0) << "the PKI back for the next tests";
}

TEST_F(CertificatesFleetTest, NoKeyByteInAnyOutputOrHostJournal) {
  // The outputs of this process (every test's, when the suite runs in one process; TearDown
  // checks them after each test too), plus plan output while keys are being restored.
  on(cp_[0], "rm /etc/kubernetes/pki/ca.key /etc/kubernetes/pki/apiserver.key");
  EXPECT_EQ(piherd({"plan"}).exitStatus, 2);
  EXPECT_EQ(piherd({"apply"}).exitStatus, 0);
  ASSERT_GE(keyFiles().size(), 6u);
  expectNoKeyBytesIn(*outputs_, "piherd's output");
  std::string journals;
  for (size_t i : {cp_[0], cp_[1], third_, worker_}) {
    journals += on(i, "journalctl --no-pager -o cat 2>/dev/null || true");
  }
  ASSERT_FALSE(journals.empty());
  expectNoKeyBytesIn(journals, "a host's journal");
}

}  // namespace
}  // namespace piherd::fleet
