// The apt/dpkg command layer (reconcilers/package_commands.h) against a scripted host: the
// dpkg lock is waited for with a bound and progress, its timeout is retryable, and apt's
// failures come back as short messages. The clock and the pauses are fake.
#include "reconcilers/package_commands.h"

#include <gtest/gtest.h>

#include <deque>

namespace piherd {
namespace {

using std::chrono::seconds;

// Answers commands from a script of results, in order; records every argv.
class ScriptedHost : public Transport {
 public:
  std::deque<CommandResult> answers_;
  std::vector<std::vector<std::string>> commands_;
  std::function<void()> onRun_;  // e.g. advance the fake clock as apt's lock wait would

  const std::string& hostName() const override { return name_; }
  Result<CommandResult> run(const std::vector<std::string>& argv, const ExecOptions&) override {
    commands_.push_back(argv);
    if (onRun_) onRun_();
    if (answers_.empty()) return CommandResult{.exitStatus = 0};
    CommandResult r = answers_.front();
    answers_.pop_front();
    return r;
  }
  Status writeFile(const FileSpec&) override { return okStatus(); }
  Result<std::string> readFile(const std::string&) override { return std::string(); }

 private:
  std::string name_ = "pi1";
};

const CommandResult kLockHeld{
    .exitStatus = 100,
    .err = "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 "
           "(unattended-upgr)\nE: Unable to acquire the dpkg frontend lock "
           "(/var/lib/dpkg/lock-frontend), is another process using it?\n"};

struct FakeTime {
  std::chrono::steady_clock::time_point now{};
  std::vector<std::string> progress;
  ApplyContext context(seconds timeout) {
    return ApplyContext{.dpkgLockTimeout = timeout,
                        .progress = [this](const std::string& m) { progress.push_back(m); },
                        .now = [this] { return now; },
                        .sleep = [this](std::chrono::milliseconds d) { now += d; }};
  }
};

std::string lockOption(const std::vector<std::string>& argv) {
  for (const auto& a : argv) {
    if (a.rfind("DPkg::Lock::Timeout=", 0) == 0) return a.substr(20);
  }
  return "";
}

TEST(DpkgLockTest, WaitsForTheLockShowingItsHolderThenRuns) {
  ScriptedHost host;
  FakeTime time;
  host.answers_ = {kLockHeld, kLockHeld, {.exitStatus = 0, .out = "done\n"}};
  int runs = 0;
  host.onRun_ = [&] { time.now += seconds(runs++ == 0 ? 0 : 10); };  // apt waits its slice
  auto r = runWithDpkgLock(host, time.context(seconds(300)), [](int wait) {
    return std::vector<std::string>{"apt-get", "-o", "DPkg::Lock::Timeout=" + std::to_string(wait),
                                    "install"};
  });
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out, "done\n");
  ASSERT_EQ(host.commands_.size(), 3u);
  // The first attempt does not wait on the host, so the wait is reported at once.
  EXPECT_EQ(lockOption(host.commands_[0]), "0");
  EXPECT_EQ(lockOption(host.commands_[1]), "10");
  ASSERT_EQ(time.progress.size(), 2u);
  EXPECT_EQ(time.progress[0], "waiting for the dpkg lock, held by unattended-upgr (pid 812)");
  EXPECT_NE(time.progress[1].find("held by unattended-upgr (pid 812), "), std::string::npos)
      << time.progress[1];
}

TEST(DpkgLockTest, ALockHeldPastTheTimeoutIsRetryable) {
  ScriptedHost host;
  FakeTime time;
  for (int i = 0; i < 100; ++i) host.answers_.push_back(kLockHeld);
  host.onRun_ = [&] { time.now += seconds(10); };
  auto r = runWithDpkgLock(host, time.context(seconds(30)),
                           [](int) { return std::vector<std::string>{"apt-get", "install"}; });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(r.error().retryable());
  EXPECT_NE(r.error().message.find("held by unattended-upgr (pid 812)"), std::string::npos);
  EXPECT_NE(r.error().message.find("--dpkg-lock-timeout 30s"), std::string::npos)
      << r.error().message;
  EXPECT_LE(host.commands_.size(), 4u);
}

TEST(DpkgLockTest, DpkgWhichCannotWaitIsRetriedWithPauses) {
  ScriptedHost host;
  FakeTime time;
  host.answers_ = {{.exitStatus = 2,
                    .err = "dpkg: error: dpkg frontend lock was locked by another process with "
                           "pid 1005\n"},
                   {.exitStatus = 0}};
  auto r = runWithDpkgLock(host, time.context(seconds(60)),
                           [](int) { return std::vector<std::string>{"dpkg", "--configure", "-a"}; });
  ASSERT_TRUE(r);
  EXPECT_EQ(host.commands_.size(), 2u);
  EXPECT_EQ(time.now.time_since_epoch(), std::chrono::milliseconds(2000));  // one pause
  ASSERT_EQ(time.progress.size(), 1u);
  EXPECT_EQ(time.progress[0], "waiting for the dpkg lock, held by process (pid 1005)");
}

TEST(DpkgLockTest, OtherFailuresAreReturnedAtOnce) {
  ScriptedHost host;
  FakeTime time;
  host.answers_ = {{.exitStatus = 100, .err = "E: Unable to locate package kubeadm\n"}};
  auto r = runWithDpkgLock(host, time.context(seconds(60)),
                           [](int) { return std::vector<std::string>{"apt-get", "install"}; });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exitStatus, 100);
  EXPECT_EQ(host.commands_.size(), 1u);
  EXPECT_TRUE(time.progress.empty());
}

TEST(AptInstallTest, AnUnreachableRepositoryIsNamedAndRetryable) {
  ScriptedHost host;
  FakeTime time;
  host.answers_ = {
      {.exitStatus = 0,
       .out = "Err:2 http://10.84.0.1:8099/kubernetes/v1.34/deb  InRelease\n"
              "  Could not connect to 10.84.0.1:8099 (10.84.0.1). - connect (111: Connection "
              "refused)\n",
       .err = "W: Some index files failed to download. They have been ignored, or old ones "
              "used instead.\n"},
      {.exitStatus = 100, .err = "E: Unable to locate package kubeadm\n"}};
  auto s = aptInstall(host, time.context(seconds(60)), {"kubeadm=1.34.2-*"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(s.error().message,
            "apt-get install failed (exit 100): package kubeadm is in no configured repository; "
            "apt-get update had reported: repository http://10.84.0.1:8099/kubernetes/v1.34/deb/ "
            "is unreachable (Could not connect to 10.84.0.1:8099 (10.84.0.1). - connect (111: "
            "Connection refused))");
  ASSERT_EQ(host.commands_.size(), 2u);
  EXPECT_EQ(host.commands_[1].back(), "kubeadm=1.34.2-*");
  ASSERT_EQ(time.progress.size(), 1u);  // said while apply goes on, before install fails
  EXPECT_EQ(time.progress[0].rfind("apt-get update: repository http://10.84.0.1:8099/", 0), 0u);
}

TEST(AptInstallTest, AWronglySignedRepositoryFailsTheUpdateAndIsNotRetryable) {
  ScriptedHost host;
  FakeTime time;
  host.answers_ = {{.exitStatus = 100,
                    .err = "E: The repository 'http://x.example/deb  InRelease' is not signed.\n"}};
  auto s = aptInstall(host, time.context(seconds(60)), {"containerd"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.error().message.find("apt-get update failed (exit 100): repository "
                                   "http://x.example/deb/ is signed wrongly"),
            std::string::npos)
      << s.error().message;
  EXPECT_EQ(host.commands_.size(), 1u);
}

}  // namespace
}  // namespace piherd
