// Apiserver certificate rollout: one control plane at a time across threads, the static pod
// manifest rewritten (annotation) only where kube-apiserver runs, /readyz awaited. Renewal of
// kubeadm's certificates: kubeadm certs renew, then the static pods that read them restarted
// through their manifests (out, stopped, back), health awaited.
#include "reconcilers/certificate_rollout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <optional>
#include <mutex>
#include <thread>

namespace piherd {
namespace {

// A host whose kube-apiserver answers /readyz a moment after its manifest changed; it records
// how many rollouts were inside a host at once, across every FakeHost.
class FakeHost : public Transport {
 public:
  explicit FakeHost(std::string name, bool runsApiserver) : name_(std::move(name)) {
    if (runsApiserver) {
      files_[kApiserverManifest] =
          "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    kubeadm.kubernetes.io/"
          "kube-apiserver.advertise-address.endpoint: 10.0.0.1:6443\n  labels:\n    component: "
          "kube-apiserver\n  name: kube-apiserver\nspec:\n  containers:\n  - name: x\n";
    }
  }
  const std::string& hostName() const override { return name_; }
  Result<CommandResult> run(const std::vector<std::string>& argv, const ExecOptions&) override {
    std::lock_guard<std::mutex> l(m_);
    commands_.push_back(argv);
    if (argv[0] == "curl") {
      // Ready only on the third poll after the manifest changed: the restart takes a while.
      bool ready = ++polls_ % 3 == 0;
      if (ready && started_) started_ = false, --inside;
      return CommandResult{.exitStatus = ready ? 0 : 7, .err = "connection refused"};
    }
    return CommandResult{.exitStatus = 0};
  }
  // A rollout is "inside" this host from its first write until /readyz answers again.
  Status writeFile(const FileSpec& f) override {
    std::lock_guard<std::mutex> l(m_);
    if (!started_ && files_.contains(kApiserverManifest)) {
      started_ = true;
      int now = ++inside;
      int seen = maxInside.load();
      while (now > seen && !maxInside.compare_exchange_weak(seen, now)) {}
    }
    files_[f.path] = f.content;
    modes_[f.path] = f.mode;
    return okStatus();
  }
  Result<std::string> readFile(const std::string& path) override {
    std::lock_guard<std::mutex> l(m_);
    auto it = files_.find(path);
    if (it == files_.end()) return makeError(ErrorCode::kNotFound, path);
    return it->second;
  }
  static std::atomic<int> inside, maxInside;
  std::string name_;
  std::mutex m_;
  std::map<std::string, std::string> files_;
  std::map<std::string, mode_t> modes_;
  std::vector<std::vector<std::string>> commands_;
  int polls_ = 0;
  bool started_ = false;
};
std::atomic<int> FakeHost::inside{0}, FakeHost::maxInside{0};

ApiserverCertificateRolloutAction action(const std::string& cert) {
  return {.key = {.path = "/etc/kubernetes/pki/apiserver.key", .content = "KEY", .mode = 0600},
          .certificate = {.path = "/etc/kubernetes/pki/apiserver.crt", .content = cert},
          .summary = "SANs x; expires y"};
}

TEST(CertificateRolloutTest, BeforeTheClusterExistsOnlyTheFilesArePlaced) {
  FakeHost h("cp1", false);
  ASSERT_TRUE(rolloutApiserverCertificate(action("CERT"), h));
  EXPECT_EQ(h.files_.at("/etc/kubernetes/pki/apiserver.crt"), "CERT");
  EXPECT_EQ(h.modes_.at("/etc/kubernetes/pki/apiserver.key"), 0600u);
  EXPECT_FALSE(h.files_.contains(kApiserverManifest));
  EXPECT_TRUE(h.commands_.empty());
}

TEST(CertificateRolloutTest, RunningApiserverIsRestartedThroughItsManifestAndAwaited) {
  FakeHost h("cp1", true);
  setApiserverReadyTimeout(std::chrono::seconds(30), std::chrono::milliseconds(20));
  ASSERT_TRUE(rolloutApiserverCertificate(action("CERT"), h));
  const std::string& m = h.files_.at(kApiserverManifest);
  EXPECT_NE(m.find("  annotations:\n    piherd.io/apiserver-certificate: \""), std::string::npos) << m;
  EXPECT_NE(m.find("advertise-address.endpoint: 10.0.0.1:6443\n"), std::string::npos);
  EXPECT_EQ(h.polls_, 3);
  std::string once = m;
  // A second certificate replaces the annotation, never adds a second one.
  ASSERT_TRUE(rolloutApiserverCertificate(action("CERT2"), h));
  const std::string& m2 = h.files_.at(kApiserverManifest);
  EXPECT_NE(m2, once);
  EXPECT_EQ(m2.find("piherd.io/apiserver-certificate"), m2.rfind("piherd.io/apiserver-certificate"));
  // The readiness check trusts the cluster CA only.
  const auto& curl = h.commands_.back();
  EXPECT_NE(std::find(curl.begin(), curl.end(), "/etc/kubernetes/pki/ca.crt"), curl.end());
}

TEST(CertificateRolloutTest, ApiserverThatNeverAnswersIsAnError) {
  class Dead : public FakeHost {
   public:
    Dead() : FakeHost("cp1", true) {}
    Result<CommandResult> run(const std::vector<std::string>&, const ExecOptions&) override {
      return CommandResult{.exitStatus = 7, .err = "connection refused"};
    }
  } h;
  setApiserverReadyTimeout(std::chrono::milliseconds(10), std::chrono::milliseconds(5));
  auto s = rolloutApiserverCertificate(action("CERT"), h);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(s.error().message.find("/readyz"), std::string::npos);
  EXPECT_EQ(s.error().message.find("KEY"), std::string::npos);
}

TEST(CertificateRolloutTest, ParallelHostsRollOutOneAtATime) {
  std::vector<std::unique_ptr<FakeHost>> hosts;
  for (int i = 0; i < 4; ++i) hosts.push_back(std::make_unique<FakeHost>("cp" + std::to_string(i), true));
  FakeHost::inside = 0;  // earlier tests may leave a host that never became ready
  FakeHost::maxInside = 0;
  setApiserverReadyTimeout(std::chrono::seconds(30), std::chrono::milliseconds(20));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (auto& h : hosts) {
    threads.emplace_back([&] { ok += bool(rolloutApiserverCertificate(action("C"), *h)); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 4);
  EXPECT_EQ(FakeHost::maxInside, 1);
}

TEST(KubeadmRenewalTest, EachRenewedCertificateRestartsThePodsThatReadIt) {
  EXPECT_EQ(staticPodsReading({"admin.conf", "super-admin.conf", "etcd-healthcheck-client"}),
            std::vector<std::string>{});
  EXPECT_EQ(staticPodsReading({"scheduler.conf", "apiserver-etcd-client", "etcd-peer"}),
            (std::vector<std::string>{"etcd", "kube-apiserver", "kube-scheduler"}));
  EXPECT_EQ(staticPodsReading({"front-proxy-client", "apiserver-kubelet-client",
                               "controller-manager.conf", "etcd-server"}),
            (std::vector<std::string>{"etcd", "kube-apiserver", "kube-controller-manager"}));
}

// A control plane as kubeadm leaves it: four static pod manifests, and a kubelet that runs a
// pod exactly while its manifest is in the manifest directory (etcd and kube-apiserver answer
// their health endpoints then, and refuse connections otherwise). `stubborn` names a pod the
// kubelet never stops.
class KubeadmHost : public Transport {
 public:
  explicit KubeadmHost(bool initialized, std::string stubborn = "") : stubborn_(std::move(stubborn)) {
    if (!initialized) return;
    for (const char* pod : {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}) {
      files_[manifest(pod)] = std::string("kind: Pod\nmetadata:\n  name: ") + pod + "\n";
    }
  }
  static std::string manifest(const std::string& pod) {
    return std::string(kStaticPodManifestDir) + "/" + pod + ".yaml";
  }
  const std::string& hostName() const override { return name_; }
  Result<CommandResult> run(const std::vector<std::string>& argv, const ExecOptions&) override {
    commands_.push_back(argv);
    last_ = std::chrono::steady_clock::now();
    if (!first_) first_ = last_;
    if (argv[0] == "mv") {
      auto it = files_.find(argv[2]);
      if (it == files_.end()) return CommandResult{.exitStatus = 1, .err = "no such file"};
      files_[argv[3]] = it->second;
      files_.erase(it);
      if (argv[2].rfind(kStaticPodManifestDir, 0) == 0) movedOut_.push_back(argv[2]);
    }
    if (argv[0] == "curl") {
      std::string pod = argv.back().find(":2381/") != std::string::npos ? "etcd" : "kube-apiserver";
      bool running = files_.contains(manifest(pod)) || pod == stubborn_;
      if (!running) seenStopped_.push_back(pod);
      return CommandResult{.exitStatus = running ? 0 : 7, .err = running ? "" : "connection refused"};
    }
    return CommandResult{.exitStatus = 0};
  }
  Status writeFile(const FileSpec& f) override {
    files_[f.path] = f.content;
    return okStatus();
  }
  Result<std::string> readFile(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return makeError(ErrorCode::kNotFound, path);
    return it->second;
  }
  std::string name_ = "cp1", stubborn_;
  std::map<std::string, std::string> files_;
  std::vector<std::vector<std::string>> commands_;
  std::vector<std::string> movedOut_, seenStopped_;
  std::optional<std::chrono::steady_clock::time_point> first_;  // first and last command
  std::chrono::steady_clock::time_point last_;
};

TEST(KubeadmRenewalTest, RenewsThenRestartsThePodsReadingTheCertificatesThroughTheirManifests) {
  KubeadmHost h(true);
  auto before = h.files_;
  setStaticPodStopWait(std::chrono::milliseconds(5), std::chrono::seconds(5));
  setApiserverReadyTimeout(std::chrono::seconds(5), std::chrono::milliseconds(1));
  ASSERT_TRUE(renewKubeadmCertificates({{"etcd-server", "controller-manager.conf", "admin.conf"}}, h));
  ASSERT_GE(h.commands_.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(h.commands_[i][0], "kubeadm") << "renewal comes first";
  EXPECT_EQ(h.commands_[2], (std::vector<std::string>{"kubeadm", "certs", "renew", "admin.conf"}));
  // Out and back: etcd and the controller-manager only; the others never left.
  EXPECT_EQ(h.movedOut_, (std::vector<std::string>{KubeadmHost::manifest("etcd"),
                                                   KubeadmHost::manifest("kube-controller-manager")}));
  EXPECT_EQ(h.files_, before) << "every manifest is back, unchanged, and nothing is left aside";
  // etcd was seen stopped before its manifest came back; kube-apiserver never was.
  EXPECT_NE(std::find(h.seenStopped_.begin(), h.seenStopped_.end(), "etcd"), h.seenStopped_.end());
  EXPECT_EQ(std::find(h.seenStopped_.begin(), h.seenStopped_.end(), "kube-apiserver"), h.seenStopped_.end());
  // Finally etcd's health and kube-apiserver's /readyz, trusting the cluster CA only.
  const auto& last = h.commands_.back();
  EXPECT_EQ(last.back(), "https://127.0.0.1:6443/readyz");
  EXPECT_NE(std::find(last.begin(), last.end(), "/etc/kubernetes/pki/ca.crt"), last.end());
}

TEST(KubeadmRenewalTest, ParallelHostsRenewAndRestartOneAtATime) {
  std::vector<std::unique_ptr<KubeadmHost>> hosts;
  for (int i = 0; i < 3; ++i) hosts.push_back(std::make_unique<KubeadmHost>(true));
  setStaticPodStopWait(std::chrono::milliseconds(20), std::chrono::seconds(5));
  setApiserverReadyTimeout(std::chrono::seconds(5), std::chrono::milliseconds(1));
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (auto& h : hosts) {
    threads.emplace_back([&] { ok += bool(renewKubeadmCertificates({{"etcd-server"}}, *h)); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 3);
  std::sort(hosts.begin(), hosts.end(), [](const auto& a, const auto& b) { return *a->first_ < *b->first_; });
  for (size_t i = 1; i < hosts.size(); ++i) {
    EXPECT_GE(*hosts[i]->first_, hosts[i - 1]->last_) << "two hosts renewed or restarted at once";
  }
}

TEST(KubeadmRenewalTest, BeforeTheClusterExistsOnlyKubeadmRuns) {
  KubeadmHost h(false);
  ASSERT_TRUE(renewKubeadmCertificates({{"apiserver-kubelet-client"}}, h));
  ASSERT_EQ(h.commands_.size(), 1u);
  EXPECT_EQ(h.commands_[0][0], "kubeadm");
}

TEST(KubeadmRenewalTest, APodTheKubeletDoesNotStopIsAnErrorAndItsManifestIsPutBack) {
  KubeadmHost h(true, "kube-apiserver");
  auto before = h.files_;
  setStaticPodStopWait(std::chrono::milliseconds(1), std::chrono::milliseconds(20));
  setApiserverReadyTimeout(std::chrono::seconds(5), std::chrono::milliseconds(1));
  auto s = renewKubeadmCertificates({{"front-proxy-client"}}, h);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(s.error().message.find("kube-apiserver"), std::string::npos) << s.error().message;
  EXPECT_EQ(h.files_, before);
}

TEST(KubeadmRenewalTest, AFailedRenewalRestartsNothing) {
  class Refusing : public KubeadmHost {
   public:
    Refusing() : KubeadmHost(true) {}
    Result<CommandResult> run(const std::vector<std::string>& argv, const ExecOptions& o) override {
      if (argv[0] == "kubeadm") return CommandResult{.exitStatus = 1, .err = "no CA key"};
      return KubeadmHost::run(argv, o);
    }
  } h;
  auto s = renewKubeadmCertificates({{"etcd-server"}}, h);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("kubeadm certs renew etcd-server: exit 1: no CA key"),
            std::string::npos) << s.error().message;
  EXPECT_TRUE(h.movedOut_.empty());
}

}  // namespace
}  // namespace piherd
