// TransportPool with fake transports: one transport per machine, reused; a changed target
// replaces it; per-host serialization; a global bound on operations in flight; durations
// reported to the observer.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "platform/ssh_transport.h"
#include "platform/transport_pool.h"

namespace piherd {
namespace {

using namespace std::chrono_literals;

// Counts concurrency: per host and across hosts.
struct Counters {
  std::atomic<int> created{0};
  std::atomic<int> inFlight{0};
  std::atomic<int> maxInFlight{0};
  std::atomic<int> calls{0};
};

class SlowFakeTransport : public Transport {
 public:
  SlowFakeTransport(std::string name, Counters& counters) : name_(std::move(name)), c_(counters) {}
  const std::string& hostName() const override { return name_; }
  Result<CommandResult> run(const std::vector<std::string>& argv, const ExecOptions&) override {
    int now = ++c_.inFlight;
    int seen = c_.maxInFlight;
    while (now > seen && !c_.maxInFlight.compare_exchange_weak(seen, now)) {
    }
    int mine = ++hostInFlight_;
    EXPECT_EQ(mine, 1) << "two operations at once on " << name_;
    std::this_thread::sleep_for(20ms);
    --hostInFlight_;
    --c_.inFlight;
    ++c_.calls;
    return CommandResult{0, argv.front(), ""};
  }
  Status writeFile(const FileSpec&) override { return okStatus(); }
  Result<std::string> readFile(const std::string&) override {
    return makeError(ErrorCode::kNotFound, "fake");
  }

 private:
  std::string name_;
  Counters& c_;
  std::atomic<int> hostInFlight_{0};
};

TransportPool::Options fakeOptions(Counters& c, size_t maxConcurrent) {
  TransportPool::Options options;
  options.maxConcurrent = maxConcurrent;
  options.factory = [&c](const SshTarget& t) -> std::unique_ptr<Transport> {
    ++c.created;
    return std::make_unique<SlowFakeTransport>(t.machine, c);
  };
  return options;
}

SshTarget target(const std::string& machine, const std::string& address = "10.0.0.1") {
  SshTarget t;
  t.machine = machine;
  t.address = address;
  return t;
}

TEST(TransportPoolTest, OneTransportPerMachineReused) {
  Counters c;
  TransportPool pool(fakeOptions(c, 4));
  auto a1 = pool.get(target("a"));
  auto a2 = pool.get(target("a"));
  auto b = pool.get(target("b", "10.0.0.2"));
  EXPECT_EQ(a1, a2);
  EXPECT_NE(a1, b);
  EXPECT_EQ(c.created, 2);
  EXPECT_EQ(pool.size(), 2u);
  EXPECT_EQ(a1->hostName(), "a");
}

TEST(TransportPoolTest, ChangedTargetGetsAFreshTransport) {
  Counters c;
  TransportPool pool(fakeOptions(c, 4));
  auto old = pool.get(target("a", "10.0.0.1"));
  auto moved = pool.get(target("a", "10.0.0.9"));
  EXPECT_NE(old, moved);
  EXPECT_EQ(pool.get(target("a", "10.0.0.9")), moved);
  EXPECT_TRUE(old->run({"still-usable"}, {}));  // holders may finish with the old one
  pool.remove("a");
  EXPECT_EQ(pool.size(), 0u);
}

TEST(TransportPoolTest, SerializesPerHostAndBoundsConcurrencyAcrossHosts) {
  Counters c;
  TransportPool pool(fakeOptions(c, 3));
  std::vector<std::thread> threads;
  for (int h = 0; h < 6; ++h) {
    for (int k = 0; k < 3; ++k) {  // three callers per host at once
      threads.emplace_back([&pool, h] {
        auto t = pool.get(target("h" + std::to_string(h)));
        for (int i = 0; i < 4; ++i) ASSERT_TRUE(t->run({"x"}, {}));
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.calls, 6 * 3 * 4);
  EXPECT_EQ(c.created, 6);
  EXPECT_LE(c.maxInFlight, 3);
  EXPECT_GE(c.maxInFlight, 2) << "hosts should run in parallel";
}

TEST(TransportPoolTest, ReportsEachOperationsDuration) {
  Counters c;
  auto options = fakeOptions(c, 2);
  std::mutex m;
  std::vector<std::pair<std::string, double>> seen;
  options.onCommandDuration = [&](const std::string& host, double seconds) {
    std::lock_guard<std::mutex> lock(m);
    seen.emplace_back(host, seconds);
  };
  TransportPool pool(std::move(options));
  auto t = pool.get(target("pi1"));
  ASSERT_TRUE(t->run({"x"}, {}));
  ASSERT_TRUE(t->writeFile({"/x", "", 0644, "root", "root"}));
  EXPECT_FALSE(t->readFile("/x"));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].first, "pi1");
  EXPECT_GE(seen[0].second, 0.019);
  EXPECT_LT(seen[0].second, 5.0);
}

TEST(TransportPoolTest, DefaultFactoryBuildsSshTransportsLazily) {
  TransportPool pool;
  SshTarget t = target("pi1", "192.0.2.1");  // TEST-NET: never contacted here
  auto transport = pool.get(t);
  EXPECT_EQ(transport->hostName(), "pi1");  // constructing connects to nothing
}

TEST(SshTransportTest, RunsAsRootThroughSudoUnlessRoot) {
  SshTarget t = target("pi1", "192.0.2.1");
  t.user = "ubuntu";
  SshTransport ubuntu(t);
  EXPECT_EQ(ubuntu.asRoot({"cat", "/etc/hostname"}),
            (std::vector<std::string>{"sudo", "-n", "--", "cat", "/etc/hostname"}));
  t.user = "root";
  SshTransport root(t);
  EXPECT_EQ(root.asRoot({"cat", "/etc/hostname"}),
            (std::vector<std::string>{"cat", "/etc/hostname"}));
  EXPECT_EQ(root.connectCount(), 0);
  EXPECT_EQ(root.localPort(), 0);
}

TEST(SshTransportTest, HostEndsTimedOutCommandsItself) {
  EXPECT_EQ(SshTransport::withHostTimeout({"sleep", "30"}, 1500ms),
            (std::vector<std::string>{"timeout", "--kill-after=5s", "1.500s", "sleep", "30"}));
  EXPECT_EQ(SshTransport::withHostTimeout({"true"}, std::chrono::minutes(5))[2], "300.000s");
}

// Every command runs in the C locale, whatever the host's language; as a non-root user sudo
// itself runs in it too (its refusals are parsed), and the command inside sudo again (sudo
// may reset the environment).
TEST(SshTransportTest, EveryCommandRunsInTheCLocale) {
  SshTarget t = target("pi1", "192.0.2.1");
  t.user = "root";
  EXPECT_EQ(SshTransport(t).commandFor({"apt-get", "update"}, 1500ms),
            (std::vector<std::string>{"env", "LC_ALL=C", "timeout", "--kill-after=5s", "1.500s",
                                      "apt-get", "update"}));
  t.user = "ubuntu";
  EXPECT_EQ(SshTransport(t).commandFor({"true"}, 1500ms),
            (std::vector<std::string>{"env", "LC_ALL=C", "sudo", "-n", "--", "env", "LC_ALL=C",
                                      "timeout", "--kill-after=5s", "1.500s", "true"}));
}

TEST(SshTransportTest, BadArgvFailsBeforeConnecting) {
  SshTransport t(target("pi1", "192.0.2.1"));
  auto empty = t.run({}, {});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  auto nul = t.run({std::string("a\0b", 3)}, {});
  ASSERT_FALSE(nul);
  EXPECT_EQ(nul.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.writeFile({"relative", "", 0644, "root", "root"}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.connectCount(), 0);
}

}  // namespace
}  // namespace piherd
