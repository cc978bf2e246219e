// SshTransport against real fleet hosts: commands, stdin, exit codes, large output, atomic
// file writes, reads, sudo, timeouts, and many hosts at once over persistent connections.
// Host keys and lost hosts: transport_faults_test.cc.
#include <openssl/evp.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "platform/transport_pool.h"
#include "tests/fleet/transport_fixture.h"

namespace piherd::fleet {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> splitNul(const std::string& bytes) {
  std::vector<std::string> words;
  size_t start = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\0') {
      words.push_back(bytes.substr(start, i - start));
      start = i + 1;
    }
  }
  return words;
}

std::string md5Hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

std::string run(Transport& t, const std::vector<std::string>& argv, ExecOptions options = {}) {
  auto result = t.run(argv, options);
  EXPECT_TRUE(result) << (result ? "" : result.error().message);
  if (!result) return "";
  EXPECT_EQ(result->exitStatus, 0) << result->err;
  return result->out;
}

TEST_F(TransportFleetTest, RunsCommandsWithOutputAndExitStatus) {
  SshTransport t(target(0));
  auto r = t.run({"sh", "-c", "echo out; echo err >&2; exit 42"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->exitStatus, 42);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_FALSE(r->ok());
  EXPECT_EQ(t.run({"false"})->exitStatus, 1);
  EXPECT_EQ(run(t, {"cat", "/etc/hostname"}), host(0).name + "\n");
  // Death by signal reads like a shell's $?: 128 + SIGKILL.
  EXPECT_EQ(t.run({"sh", "-c", "kill -KILL $$"})->exitStatus, 137);
  EXPECT_EQ(t.connectCount(), 1);
}

TEST_F(TransportFleetTest, ArgvReachesTheHostByteForByte) {
  std::vector<std::string> words = {"",        "two words", "it's",    "$(touch /tmp/pwned)",
                                    "`id`",    "$HOME",     "a;b|c&d", "line1\nline2",
                                    "*",       "~",         "-n",      "FOO=bar",
                                    "if",      "\\",        "\"q\"",   "h\xc3\xa9llo \xe2\x82\xac",
                                    "\xff\x01"};
  SshTransport t(target(0));
  std::vector<std::string> argv = {"printf", "%s\\0"};
  argv.insert(argv.end(), words.begin(), words.end());
  EXPECT_EQ(splitNul(run(t, argv)), words);
  EXPECT_FALSE(existsOnHost(0, "/tmp/pwned"));
}

TEST_F(TransportFleetTest, StdinArrivesWhileOutputStreamsBack) {
  SshTransport t(target(0));
  std::string data;
  for (int i = 0; data.size() < 8 * 1024 * 1024; ++i) data += std::to_string(i) + '\0' + "\xfe\n";
  ExecOptions options;
  options.stdinData = data;
  std::string echoed = run(t, {"cat"}, options);
  EXPECT_EQ(echoed.size(), data.size());
  EXPECT_TRUE(echoed == data) << "cat did not echo stdin byte for byte";
  options.stdinData = "hello";
  EXPECT_EQ(run(t, {"wc", "-c"}, options), "5\n");
  EXPECT_EQ(run(t, {"wc", "-c"}), "0\n");  // no stdin: EOF at once, no hang
}

TEST_F(TransportFleetTest, LargeStdoutAndStderr) {
  SshTransport t(target(0));
  auto start = std::chrono::steady_clock::now();
  std::string out = run(t, {"sh", "-c", "head -c 10485760 /dev/zero | tr '\\0' x"});
  EXPECT_EQ(out.size(), 10485760u);
  EXPECT_EQ(out.find_first_not_of('x'), std::string::npos);
  auto r = t.run({"sh", "-c", "head -c 3000000 /dev/zero >&2; echo done"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->err.size(), 3000000u);
  EXPECT_EQ(r->out, "done\n");
  EXPECT_LT(secondsSince(start), 30.0);
}

TEST_F(TransportFleetTest, WritesFilesAtomicallyWithModeAndOwner) {
  SshTransport t(target(0));
  const std::string dir = "/etc/piherd-transport-test";
  const std::string path = dir + "/atomic.conf";
  run(t, {"rm", "-rf", dir});
  run(t, {"mkdir", "-p", dir});
  FileSpec file{path, std::string("a\0b\n", 4), 0640, "piherd", "root"};
  ASSERT_TRUE(t.writeFile(file));
  EXPECT_EQ(run(t, {"stat", "-c", "%a %U %G %s", path}), "640 piherd root 4\n");
  EXPECT_EQ(t.readFile(path).value(), file.content);

  // A reader on its own connection never sees a partial file while writes replace it.
  const std::string a(1 << 20, 'a'), b(1 << 20, 'b');
  ASSERT_TRUE(t.writeFile({path, a, 0644, "root", "root"}));
  SshTransport reader(target(0));
  std::atomic<bool> done{false};
  std::string seen;
  std::thread readerThread([&] {
    seen = run(reader, {"sh", "-c",
                        "end=$(($(date +%s) + 4)); while [ $(date +%s) -lt $end ]; do "
                        "md5sum < \"$1\" | cut -d' ' -f1; done | sort | uniq -c",
                        "sh", path});
    done = true;
  });
  int writes = 0;
  while (!done) ASSERT_TRUE(t.writeFile({path, (writes++ % 2) ? a : b, 0644, "root", "root"}));
  readerThread.join();
  std::set<std::string> sums;
  std::istringstream lines(seen);
  int count = 0, reads = 0;
  std::string sum;
  while (lines >> count >> sum) {
    sums.insert(sum);
    reads += count;
  }
  EXPECT_GE(writes, 4);
  EXPECT_GE(reads, 10);
  EXPECT_EQ(sums, (std::set<std::string>{md5Hex(a), md5Hex(b)})) << seen;
  EXPECT_EQ(run(t, {"ls", "-A", dir}), "atomic.conf\n");  // no temp file left behind
  run(t, {"rm", "-rf", dir});
}

TEST_F(TransportFleetTest, ReadsFilesAndReportsMissingOnes) {
  SshTransport t(target(0));
  EXPECT_EQ(t.readFile("/etc/hostname").value(), host(0).name + "\n");
  auto missing = t.readFile("/nonexistent/piherd/file");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find(host(0).name), std::string::npos);
}

TEST_F(TransportFleetTest, NonRootUserRunsAsRootThroughSudo) {
  SshTarget target0 = target(0);
  target0.user = "piherd";
  SshTransport t(target0);
  EXPECT_EQ(run(t, {"id", "-u"}), "0\n");
  EXPECT_EQ(run(t, {"sh", "-c", "echo $SUDO_USER"}), "piherd\n");
  ASSERT_TRUE(t.writeFile({"/root/piherd-sudo-test", "via sudo", 0600, "root", "root"}));
  SshTransport root(target(0));
  EXPECT_EQ(run(root, {"stat", "-c", "%a %U %G", "/root/piherd-sudo-test"}), "600 root root\n");
  EXPECT_EQ(t.readFile("/root/piherd-sudo-test").value(), "via sudo");
  EXPECT_FALSE(t.readFile("/etc/shadow").value().empty());
  run(root, {"rm", "-f", "/root/piherd-sudo-test"});
}

TEST_F(TransportFleetTest, TimeoutIsQuickAndLeavesTheConnectionUsable) {
  SshTransport t(target(0));
  run(t, {"true"});
  ExecOptions options;
  options.timeout = 1s;
  auto start = std::chrono::steady_clock::now();
  auto r = t.run({"sleep", "30"}, options);
  double took = secondsSince(start);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(r.error().message.find("timed out after 1s"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(host(0).name), std::string::npos);
  EXPECT_LT(took, 5.0);
  EXPECT_EQ(run(t, {"echo", "next"}), "next\n");
  EXPECT_EQ(t.connectCount(), 1) << "the connection should have survived the timeout";
  // The timed-out command was signalled, not left behind.
  std::string left = "?";
  for (int i = 0; i < 50 && !left.empty(); ++i) {
    left = t.run({"sh", "-c", "pgrep -x sleep || true"})->out;
    if (!left.empty()) std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(left, "");
}

// Counts operations in flight across hosts, around the real transport.
class CountingTransport : public Transport {
 public:
  CountingTransport(const SshTarget& target, std::atomic<int>& inFlight, std::atomic<int>& max)
      : inner_(target), inFlight_(inFlight), max_(max) {}
  const std::string& hostName() const override { return inner_.hostName(); }
  Result<CommandResult> run(const std::vector<std::string>& argv,
                            const ExecOptions& options) override {
    int now = ++inFlight_;
    for (int seen = max_; now > seen && !max_.compare_exchange_weak(seen, now);) {
    }
    auto result = inner_.run(argv, options);
    --inFlight_;
    return result;
  }
  Status writeFile(const FileSpec& file) override { return inner_.writeFile(file); }
  Result<std::string> readFile(const std::string& path) override { return inner_.readFile(path); }
  SshTransport& inner() { return inner_; }

 private:
  SshTransport inner_;
  std::atomic<int>& inFlight_;
  std::atomic<int>& max_;
};

TEST_F(TransportFleetTest, ManyHostsInParallelOverOneConnectionEach) {
  std::mutex m;
  std::vector<CountingTransport*> transports;
  std::map<std::string, int> durations;
  std::atomic<int> inFlight{0}, maxInFlight{0};
  TransportPool::Options options;
  options.maxConcurrent = kHostsNeeded;
  options.factory = [&](const SshTarget& t) -> std::unique_ptr<Transport> {
    auto transport = std::make_unique<CountingTransport>(t, inFlight, maxInFlight);
    std::lock_guard<std::mutex> lock(m);
    transports.push_back(transport.get());
    return transport;
  };
  options.onCommandDuration = [&](const std::string& machine, double) {
    std::lock_guard<std::mutex> lock(m);
    ++durations[machine];
  };
  TransportPool pool(std::move(options));
  constexpr int kCommands = 20;
  std::vector<std::set<std::string>> sessionPids(kHostsNeeded);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < kHostsNeeded; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < kCommands; ++k) {
        // The command's grandparent (its parent is timeout(1)) is the host's sshd process of
        // this connection: one connection, one pid.
        auto out = pool.get(target(i))->run({"sh", "-c", "ps -o ppid= -p $PPID; hostname"});
        ASSERT_TRUE(out) << out.error().message;
        std::istringstream lines(out->out);
        std::string pid, name;
        lines >> pid >> name;
        EXPECT_EQ(name, host(i).name);
        sessionPids[i].insert(pid);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(transports.size(), kHostsNeeded);
  for (CountingTransport* t : transports) {
    EXPECT_EQ(t->inner().connectCount(), 1) << t->hostName();
    EXPECT_GT(t->inner().localPort(), 0);
  }
  for (size_t i = 0; i < kHostsNeeded; ++i) {
    EXPECT_EQ(sessionPids[i].size(), 1u) << host(i).name << ": one sshd connection expected";
    EXPECT_EQ(durations[host(i).name], kCommands);
  }
  EXPECT_GE(maxInFlight, 2) << "hosts should have been driven in parallel";
  EXPECT_LE(maxInFlight, static_cast<int>(kHostsNeeded));
}

}  // namespace
}  // namespace piherd::fleet
