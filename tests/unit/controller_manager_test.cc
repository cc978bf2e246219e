// The Manager end to end on this machine: a test facet keeps one file per machine equal to
// the machine's sysctls (so the desired state is the manifests' own), reached through a
// LocalTransport that counts its commands and connections. The fake clock drives resyncs.
#include "controller/manager.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "platform/pki.h"

#include "controller/file_store.h"
#include "controller/machine_status.h"
#include "tests/unit/controller_test_manifests.h"
#include "tests/unit/fake_clock.h"
#include "tests/unit/local_transport.h"

namespace piherd {
namespace {

using namespace std::chrono_literals;

class FileFacet : public Facet {
 public:
  explicit FileFacet(std::string dir) : dir_(std::move(dir)) {}
  std::string_view name() const override { return "demo"; }
  std::vector<std::string_view> dependsOn() const override { return {}; }
  void addQueries(const HostDesired& d, QuerySet& q) const override { q.add(QueryKind::kFile, path(d)); }
  FacetPlan plan(const HostDesired& d, const HostFacts& facts) const override {
    std::string want;
    for (const auto& [k, v] : d.sysctls) want += k + "=" + v + "\n";
    FacetPlan p;
    FileFact f = facts.file(path(d));
    if (!f.exists || f.content != want) {
      p.actions.push_back(WriteFileAction{.file = {.path = path(d), .content = want}});
    }
    return p;
  }
  std::string path(const HostDesired& d) const { return dir_ + "/" + d.machine + ".conf"; }

 private:
  std::string dir_;
};

struct Counters {
  std::atomic<int> connections{0};
  std::atomic<int> runs{0};
  std::atomic<int> writes{0};
};

class CountingTransport : public testing::LocalTransport {
 public:
  explicit CountingTransport(Counters& c) : c_(c) { ++c_.connections; }
  Result<CommandResult> run(const std::vector<std::string>& argv, const ExecOptions& o) override {
    ++c_.runs;
    return LocalTransport::run(argv, o);
  }
  Status writeFile(const FileSpec& f) override {
    ++c_.writes;
    return LocalTransport::writeFile(f);
  }

 private:
  Counters& c_;
};

template <class F>
bool eventually(F condition, std::chrono::seconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write(2);
    hosts_ = dir_.file("hosts");
    std::filesystem::create_directories(hosts_);
    store_ = std::make_unique<FileStore>(FileStore::Options{
        .manifests = {dir_.path()}, .stateDir = dir_.file(".piherd"), .debounce = 20ms});
    manager_ = makeManager(*store_);
  }
  void TearDown() override { manager_->stop(); }

  std::unique_ptr<Manager> makeManager(Store& store) {
    ManagerOptions o{.resync = 30s, .workers = 2,
                     .factory = [this](const SshTarget&) -> std::unique_ptr<Transport> {
                       return std::make_unique<CountingTransport>(counters_);
                     }};
    return std::make_unique<Manager>(o, store, metrics_, clock_,
                                     std::vector<std::shared_ptr<const Facet>>{std::make_shared<FileFacet>(hosts_)},
                                     std::vector<std::shared_ptr<ClusterObserver>>{});
  }

  // Steps the clock past the resync period and waits for that pass to finish.
  void resync() {
    size_t before = manager_->passesCompleted();
    clock_.step(30s);
    ASSERT_TRUE(eventually([&] { return manager_->passesCompleted() > before; })) << "no resync pass";
  }

  double metric(const std::string& series) {
    std::string t = metrics_.render();
    auto at = t.find(series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(t.substr(at + series.size() + 1));
  }

  testing::ManifestDir dir_;
  std::string hosts_;
  testing::FakeClock clock_;
  Metrics metrics_;
  Counters counters_;
  std::unique_ptr<FileStore> store_;
  std::unique_ptr<Manager> manager_;
};

TEST_F(ManagerTest, ConvergesWritesStatusAndAWarmPassIsOneCommandPerHostOnTheSameConnection) {
  std::string why;
  EXPECT_FALSE(manager_->ready(why));
  ASSERT_TRUE(manager_->start());
  ASSERT_TRUE(eventually([&] { return manager_->passesCompleted() >= 1; }));
  EXPECT_TRUE(manager_->ready(why));
  EXPECT_NE(slurp(hosts_ + "/m1.conf").find("net.ipv4.ip_forward=1\n"), std::string::npos);
  EXPECT_NE(slurp(hosts_ + "/m1.conf").find("net.ipv4.ip_nonlocal_bind=1\n"), std::string::npos);
  EXPECT_EQ(slurp(hosts_ + "/m2.conf").find("ip_nonlocal_bind"), std::string::npos) << "a worker";

  auto status = store_->readStatus();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->machines["m1"].status.phase, "Ready");
  EXPECT_EQ(status->machines["m2"].status.phase, "Ready");
  EXPECT_EQ(metric("piherd_machine_ready{machine=\"m1\"}"), 1);
  EXPECT_EQ(metric("piherd_facet_converged{facet=\"demo\",machine=\"m2\"}"), 1);
  EXPECT_EQ(metric("piherd_drift_corrections_total{facet=\"demo\",machine=\"m1\"}"), -1)
      << "first provisioning is no drift correction";
  ASSERT_TRUE(eventually([&] { return store_->readStatus()->clusters.contains("home"); }));
  EXPECT_EQ(store_->readStatus()->clusters["home"].status.controlPlaneReady, "1/1");

  int runs = counters_.runs, writes = counters_.writes;
  for (int i = 0; i < 3; ++i) resync();
  EXPECT_EQ(counters_.runs - runs, 3 * 2) << "one round trip per converged host per pass";
  EXPECT_EQ(counters_.writes, writes) << "a converged host is not written to";
  EXPECT_EQ(counters_.connections, 2) << "one connection per host for the life of the process";
  EXPECT_EQ(metric("piherd_reconcile_duration_seconds_count{kind=\"ResyncPass\"}"), 4);
}

TEST_F(ManagerTest, DriftIsCorrectedOnTheNextResyncAndCounted) {
  ASSERT_TRUE(manager_->start());
  ASSERT_TRUE(eventually([&] { return manager_->passesCompleted() >= 1; }));
  std::string good = slurp(hosts_ + "/m2.conf");
  std::ofstream(hosts_ + "/m2.conf") << "tampered\n";
  resync();
  EXPECT_EQ(slurp(hosts_ + "/m2.conf"), good);
  EXPECT_EQ(metric("piherd_drift_corrections_total{facet=\"demo\",machine=\"m2\"}"), 1);
  EXPECT_EQ(metric("piherd_drift_corrections_total{facet=\"demo\",machine=\"m1\"}"), -1);
}

TEST_F(ManagerTest, ManifestEditsApplyWithoutARestartAndAnInvalidEditKeepsTheOldState) {
  ASSERT_TRUE(manager_->start());
  ASSERT_TRUE(eventually([&] { return manager_->passesCompleted() >= 1; }));
  dir_.write(3, {{"net.ipv4.tcp_syncookies", "1"}});  // a sysctl and a machine more; no clock step
  ASSERT_TRUE(eventually([&] {
    return slurp(hosts_ + "/m3.conf").find("net.ipv4.tcp_syncookies=1\n") != std::string::npos &&
           slurp(hosts_ + "/m1.conf").find("net.ipv4.tcp_syncookies=1\n") != std::string::npos;
  })) << "the edit was not applied";
  ASSERT_TRUE(eventually([&] { return store_->readStatus()->machines["m3"].status.phase == "Ready"; }));

  dir_.writeInvalidMachine();
  dir_.write(1);  // would drop m2 and m3, but the set is invalid as a whole
  EXPECT_FALSE(store_->reload());
  resync();
  EXPECT_FALSE(std::filesystem::exists(hosts_ + "/bad.conf"));
  auto status = store_->readStatus();
  EXPECT_TRUE(status->machines.contains("m3")) << "the last valid desired state stays in force";
  EXPECT_EQ(metric("piherd_machine_ready{machine=\"m3\"}"), 1);

  std::filesystem::remove(dir_.file("bad.yaml"));  // now valid: m2 and m3 leave
  ASSERT_TRUE(eventually([&] { return !store_->readStatus()->machines.contains("m3"); }));
  EXPECT_TRUE(std::filesystem::exists(hosts_ + "/m3.conf")) << "a machine leaving is not wiped";
  EXPECT_EQ(metric("piherd_machine_ready{machine=\"m3\"}"), -1);
}

TEST_F(ManagerTest, ARestartedControllerResumesFromTheStateDirectory) {
  ASSERT_TRUE(manager_->start());
  ASSERT_TRUE(eventually([&] { return manager_->passesCompleted() >= 1; }));
  auto first = store_->readStatus()->machines["m1"].status;
  manager_->stop();
  manager_.reset();

  // Drift while no controller runs: the new one counts it as drift, since the state
  // directory says the facet had converged.
  std::ofstream(hosts_ + "/m1.conf") << "tampered\n";
  clock_.step(5s);
  FileStore store({.manifests = {dir_.path()}, .stateDir = dir_.file(".piherd")});
  manager_ = makeManager(store);
  ASSERT_TRUE(manager_->start());
  ASSERT_TRUE(eventually([&] { return manager_->passesCompleted() >= 1; }));
  auto second = store.readStatus()->machines["m1"].status;
  EXPECT_EQ(second.phase, "Ready");
  EXPECT_EQ(findCondition(second.conditions, "Reachable")->lastTransitionTime,
            findCondition(first.conditions, "Reachable")->lastTransitionTime)
      << "conditions carried over, not started afresh";
  EXPECT_NE(second.lastReconcileTime, first.lastReconcileTime);
  EXPECT_EQ(metric("piherd_drift_corrections_total{facet=\"demo\",machine=\"m1\"}"), 1);
  manager_->stop();
}

// What the planner was given on each pass for control planes: the certificates' time and the
// apiserver certificate placed.
class CertificatesSeen : public Facet {
 public:
  struct Seen {
    std::chrono::system_clock::time_point now;
    std::string apiserverCert;
  };
  std::string_view name() const override { return "certificates-seen"; }
  std::vector<std::string_view> dependsOn() const override { return {}; }
  void addQueries(const HostDesired&, QuerySet&) const override {}
  FacetPlan plan(const HostDesired& d, const HostFacts&) const override {
    if (!d.controlPlane) return {};
    Seen s{.now = d.certificates.now};
    for (const auto& f : d.certificates.files) {
      if (f.name == "apiserver.crt") s.apiserverCert = f.content;
    }
    std::lock_guard<std::mutex> l(m_);
    seen_.push_back(s);
    return {};
  }
  Seen last() const {
    std::lock_guard<std::mutex> l(m_);
    return seen_.empty() ? Seen{} : seen_.back();
  }
  size_t count() const {
    std::lock_guard<std::mutex> l(m_);
    return seen_.size();
  }

 private:
  mutable std::mutex m_;
  mutable std::vector<Seen> seen_;
};

// LocalTransport, except that the probe for an initialized cluster (run when the state
// directory has no PKI yet) finds none, whatever this machine holds in /etc/kubernetes.
class NoClusterTransport : public CountingTransport {
 public:
  using CountingTransport::CountingTransport;
  Result<CommandResult> run(const std::vector<std::string>& argv, const ExecOptions& o) override {
    if (argv.size() > 3 && argv[3] == "piherd-probe") return CommandResult{.exitStatus = 0};
    return CountingTransport::run(argv, o);
  }
};

TEST_F(ManagerTest, CertificatesArePreparedAgainAtMostHourlyAtTheStartOfAPassAtTheClocksTime) {
  auto seen = std::make_shared<CertificatesSeen>();
  ManagerOptions o{.resync = 30s, .workers = 2,
                   .factory = [this](const SshTarget&) -> std::unique_ptr<Transport> {
                     return std::make_unique<NoClusterTransport>(counters_);
                   },
                   .stateDir = dir_.file(".piherd")};
  manager_ = std::make_unique<Manager>(o, *store_, metrics_, clock_,
                                       std::vector<std::shared_ptr<const Facet>>{seen},
                                       std::vector<std::shared_ptr<ClusterObserver>>{});
  const auto t0 = clock_.wallNow();
  ASSERT_TRUE(manager_->start());
  ASSERT_TRUE(eventually([&] { return manager_->passesCompleted() >= 1; }));
  ASSERT_EQ(seen->last().now, t0) << "judged at the injected clock's time";
  const std::string first = seen->last().apiserverCert;
  ASSERT_FALSE(first.empty());
  auto info = pki::parseCertificate(first);
  ASSERT_TRUE(info);

  // One pass after each step of the clock (every step is longer than the resync period).
  auto passAfter = [&](std::chrono::steady_clock::duration step) {
    size_t before = manager_->passesCompleted();
    clock_.step(step);
    return eventually([&] { return manager_->passesCompleted() > before; });
  };
  // Within the hour: passes run on the certificates of the start.
  ASSERT_TRUE(passAfter(30min));
  EXPECT_EQ(seen->last().now, t0);
  ASSERT_TRUE(passAfter(29min));
  EXPECT_EQ(seen->last().now, t0) << "59 minutes: not prepared again yet";

  // Past the hour: prepared again at the start of the next pass, at that pass's time.
  ASSERT_TRUE(passAfter(2min));
  EXPECT_EQ(seen->last().now, clock_.wallNow());
  EXPECT_EQ(seen->last().apiserverCert, first) << "outside the renewal window: kept";
  ASSERT_TRUE(passAfter(30min));
  EXPECT_EQ(seen->last().now, clock_.wallNow() - 30min) << "then not again within the hour";

  // Months later, inside renewBeforeDays (30) of the apiserver certificate's expiry: the
  // first pass after that hands the planners a renewed certificate, issued at the pass's time.
  ASSERT_TRUE(passAfter(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      info->notAfter - clock_.wallNow() - std::chrono::hours(24 * 29))));
  const auto renewedAt = clock_.wallNow();
  EXPECT_EQ(seen->last().now, renewedAt);
  ASSERT_NE(seen->last().apiserverCert, first);
  auto renewed = pki::parseCertificate(seen->last().apiserverCert);
  ASSERT_TRUE(renewed);
  EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(renewed->notAfter),
            std::chrono::floor<std::chrono::seconds>(renewedAt + std::chrono::hours(24) *
                                                                     pki::kServingValidityDays))
      << "issued at the pass's time, not at the manifest's or the process's start";
  EXPECT_GT(renewed->notAfter, info->notAfter);
  EXPECT_EQ(slurp(dir_.file(".piherd/pki/machines/m1/apiserver.crt")), seen->last().apiserverCert)
      << "the renewed certificate is saved in the state directory";
}

}  // namespace
}  // namespace piherd
