// A host that lies: crafted observation answers (odd bytes, huge output, shell in values, a
// truncated answer, answers to queries never asked) fail that host's observation closed,
// with a clear one-line error naming the host, and the other hosts are observed as usual.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "platform/base64.h"
#include "reconcilers/host_reconciler.h"
#include "reconcilers/observation.h"

using namespace std::string_literals;

namespace piherd {
namespace {

using ::testing::HasSubstr;

const std::string kEnd = "end\t-\t-\t-\n";

QuerySet asked() {
  QuerySet q;
  q.add(QueryKind::kFile, "/etc/x");
  q.add(QueryKind::kSysctl, "net.ipv4.ip_forward");
  q.add(QueryKind::kModule, "overlay");
  q.add(QueryKind::kPackage, "kubeadm");
  q.add(QueryKind::kUnit, "containerd");
  q.add(QueryKind::kHolds);
  q.add(QueryKind::kSwaps);
  q.add(QueryKind::kCapEff);
  return q;
}

// An honest answer to asked(), line by line, so each test can spoil one line.
std::map<std::string, std::string> honest() {
  return {{"file.stat", "file\t/etc/x\tstat\t644 root root\n"},
          {"file.content", "file\t/etc/x\tcontent\t" + base64Encode("a=1\n") + "\n"},
          {"sysctl.value", "sysctl\tnet.ipv4.ip_forward\tvalue\t1\n"},
          {"sysctl.writable", "sysctl\tnet.ipv4.ip_forward\twritable\t1\n"},
          {"module", "module\toverlay\tloaded\t1\n"},
          {"package", "package\tkubeadm\tstatus\tinstalled 1.34.2-1.1\n"},
          {"unit.active", "unit\tcontainerd\tactive\tactive\n"},
          {"unit.enabled", "unit\tcontainerd\tenabled\tenabled\n"},
          {"holds", "holds\t-\tlist\tkubeadm kubelet \n"},
          {"swaps", "swaps\t-\tlist\t/swapfile \n"},
          {"capeff", "capeff\t-\tvalue\t000001ffffffffff\n"}};
}

std::string join(const std::map<std::string, std::string>& lines, const std::string& tail = kEnd) {
  std::string out;
  for (const auto& [k, l] : lines) out += l;
  return out + tail;
}

Result<HostFacts> parseAsked(const std::string& output) {
  QuerySet q = asked();
  return HostFacts::parse(output, &q);
}

bool isOneCleanLine(const std::string& s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  }
  return true;
}

TEST(HostileObservationTest, AnHonestAnswerParses) {
  auto f = parseAsked(join(honest()));
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->file("/etc/x").content, "a=1\n");
  EXPECT_EQ(f->package("kubeadm").version, "1.34.2-1.1");
}

struct Spoiled {
  std::string name;     // which line
  std::string line;     // its replacement ("" removes it)
  std::string message;  // expected in the error
};
// What gtest shows for a case (and what ctest's discovered test names carry): the fields, not
// the object's bytes, which hold heap addresses and made the names change from run to run.
void PrintTo(const Spoiled& s, std::ostream* os) {
  *os << s.name << ": " << ::testing::PrintToString(s.line);
}

class SpoiledAnswer : public ::testing::TestWithParam<Spoiled> {};

TEST_P(SpoiledAnswer, FailsClosedWithAClearError) {
  auto lines = honest();
  const Spoiled& s = GetParam();
  if (s.line.empty()) {
    lines.erase(s.name);
  } else {
    lines[s.name] = s.line;
  }
  auto f = parseAsked(join(lines));
  ASSERT_FALSE(f) << "accepted a spoiled " << s.name;
  EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(f.error().message, HasSubstr(s.message));
  EXPECT_TRUE(isOneCleanLine(f.error().message)) << f.error().message;
  EXPECT_LT(f.error().message.size(), 400u);
}

INSTANTIATE_TEST_SUITE_P(
    Lies, SpoiledAnswer,
    ::testing::Values(
        Spoiled{"package", "package\tkubeadm\tstatus\tinstalled 1.34.2;reboot\n", "package kubeadm"},
        Spoiled{"package", "package\tkubeadm\tstatus\tinstalled $(reboot)\n", "not well-formed"},
        Spoiled{"unit.active", "unit\tcontainerd\tactive\tactive`reboot`\n", "unit containerd"},
        Spoiled{"unit.active", "unit\tcontainerd\tactive\t\x1b]0;owned\x07\n", "\\x1b"},
        Spoiled{"sysctl.value", "sysctl\tnet.ipv4.ip_forward\tvalue\t1\xff\xfe\n", "\\xff\\xfe"},
        Spoiled{"sysctl.value", "sysctl\tnet.ipv4.ip_forward\tvalue\t1\r\n", "\\x0d"},
        Spoiled{"sysctl.writable", "sysctl\tnet.ipv4.ip_forward\twritable\tyes\n", "writable"},
        Spoiled{"file.stat", "file\t/etc/x\tstat\t644 root root; reboot\n", "stat"},
        Spoiled{"file.stat", "file\t/etc/x\tstat\t99999 root root\n", "stat"},
        Spoiled{"file.content", "file\t/etc/x\tcontent\tnot base64!\n", "not base64"},
        Spoiled{"holds", "holds\t-\tlist\tkubeadm $(reboot)\n", "holds"},
        Spoiled{"swaps", "swaps\t-\tlist\t/dev/sda1;reboot\n", "swaps"},
        Spoiled{"swaps", "swaps\t-\tlist\trelative\n", "swaps"},
        Spoiled{"capeff", "capeff\t-\tvalue\tffffffffffffffffff\n", "capeff"},
        Spoiled{"capeff", "capeff\t-\tvalue\t-1\n", "capeff"},
        Spoiled{"module", "module\toverlay\tloaded\tmaybe\n", "module overlay"},
        // Answers for queries never asked, and queries left unanswered.
        Spoiled{"module", "module\tevil\tloaded\t1\n", "never asked"},
        Spoiled{"file.stat", "file\t/etc/shadow\tstat\t640 root shadow\n", "never asked"},
        Spoiled{"package", "", "no complete answer for package kubeadm"},
        Spoiled{"file.content", "", "no complete answer for file /etc/x"},
        Spoiled{"unit.enabled", "", "no complete answer for unit containerd"},
        // Lines the script never prints.
        Spoiled{"holds", "holds\t-\tlist\ta\tb\n", "not well-formed"},
        Spoiled{"module", "rm\t-rf\t/\tnow\n", "unexpected line \"rm\\x09-rf"},
        Spoiled{"module", "module\toverlay\tloaded\n", "unexpected line"},
        Spoiled{"module", "module\toverlay\tunloaded\t1\n", "unexpected line"},
        Spoiled{"capeff", "capeff\t-\tvalue\t000001ffffffffff\ncapeff\t-\tvalue\t0\n",
                "answered twice"}),
    [](const ::testing::TestParamInfo<Spoiled>& info) {
      return "Case" + std::to_string(info.index);
    });

TEST(HostileObservationTest, ATruncatedAnswerIsUnavailable) {
  std::string full = join(honest());
  auto f = parseAsked(full.substr(0, full.size() / 2));
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(f.error().message, HasSubstr("cut short"));
}

TEST(HostileObservationTest, NothingAfterTheEndMarker) {
  auto f = parseAsked(join(honest(), kEnd + "module\toverlay\tloaded\t0\n"));
  ASSERT_FALSE(f);
  EXPECT_THAT(f.error().message, HasSubstr("after the end marker"));
}

TEST(HostileObservationTest, HugeOutputIsRefused) {
  std::string huge = join(honest(), "");
  huge += "file\t/etc/x\tcontent\t" + std::string(kMaxObservationBytes, 'A') + "\n" + kEnd;
  auto f = parseAsked(huge);
  ASSERT_FALSE(f);
  EXPECT_THAT(f.error().message, HasSubstr("over the cap"));
}

// A transport whose host answers the observation with fixed text.
class LyingHost : public Transport {
 public:
  LyingHost(std::string name, std::string answer) : name_(std::move(name)), answer_(std::move(answer)) {}
  const std::string& hostName() const override { return name_; }
  Result<CommandResult> run(const std::vector<std::string>& argv, const ExecOptions& o) override {
    maxOutput_ = o.maxOutputBytes;
    ++runs_;
    if (argv.size() > 3 && argv[3] == "piherd-observe") return CommandResult{0, answer_, ""};
    return CommandResult{0, "", ""};
  }
  Status writeFile(const FileSpec&) override {
    ++writes_;
    return okStatus();
  }
  Result<std::string> readFile(const std::string&) override {
    return makeError(ErrorCode::kNotFound, "none");
  }
  int runs_ = 0, writes_ = 0;
  size_t maxOutput_ = 0;

 private:
  std::string name_, answer_;
};

TEST(HostileObservationTest, ObserveHostNamesTheHostAndCapsTheOutput) {
  LyingHost host("node07", join(honest(), "") + "module\tevil\tloaded\t1\n" + kEnd);
  QuerySet q = asked();
  auto f = observeHost(host, q);
  ASSERT_FALSE(f);
  EXPECT_THAT(f.error().message, HasSubstr("node07: observation answer refused"));
  EXPECT_EQ(host.maxOutput_, kMaxObservationBytes);
}

TEST(HostileObservationTest, ALyingHostChangesNothingAndRunsNothingMore) {
  HostDesired d;
  d.machine = "node07";
  d.sysctls = {{"net.ipv4.ip_forward", "1"}};
  d.modules = {"overlay"};
  HostReconciler reconciler(HostReconciler::defaultFacets());
  // An answer with a terminal escape in a value, to a query the kernel facet does ask.
  LyingHost liar("node07", "sysctl\tnet.ipv4.ip_forward\tvalue\t0\x1b[2J\n" + kEnd);
  HostOutcome out = reconciler.reconcile(liar, d, ReconcileMode::kApply, nullptr);
  EXPECT_THAT(out.error, HasSubstr("node07: observation answer refused"));
  EXPECT_EQ(liar.runs_, 1) << "only the observation ran";
  EXPECT_EQ(liar.writes_, 0);
}

}  // namespace
}  // namespace piherd
