// The observation script's cost and exactness, on this machine:
// - the number of external commands it runs does not grow with the number of files,
//   sysctls, packages, units, key files and kubeconfigs asked (every command is counted by a
//   logging wrapper on PATH);
// - for the same queries it gives exactly the facts the script before the rewrite gave
//   (bench/reference/observation-v1.sh), on files of every kind, with and without systemd,
//   on a containerd default config cache miss and hit;
// - the blob that carries file bytes is parsed as strictly as the rest.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "local_transport.h"
#include "observation_facts_dump.h"
#include "platform/base64.h"
#include "reconcilers/observation.h"

using namespace std::string_literals;
using ::testing::HasSubstr;

namespace piherd {
namespace {

namespace fs = std::filesystem;

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeText(const fs::path& p, const std::string& text, fs::perms mode = fs::perms(0644)) {
  std::ofstream(p, std::ios::binary) << text;
  fs::permissions(p, mode);
}

// A scratch world for the script: files to observe, a PATH whose every command logs its
// name before running the real one, and fakes for what this machine lacks (systemd,
// containerd).
class ScriptWorld {
 public:
  explicit ScriptWorld(bool fakeSystemd) {
    root_ = fs::temp_directory_path() / ("piherd-obs-batch-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter_++));
    fs::remove_all(root_);
    fs::create_directories(root_ / "bin");
    fs::create_directories(root_ / "fake");
    fs::create_directories(root_ / "files");
    fs::create_directories(root_ / "cache");
    fs::permissions(root_ / "cache", fs::perms(0700));
    log_ = root_ / "commands.log";
    // Wrap every command of the real PATH (first one of each name wins, as in a lookup).
    std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
    std::istringstream dirs(path);
    for (std::string d; std::getline(dirs, d, ':');) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(d, ec)) {
        std::string name = e.path().filename().string();
        fs::path w = root_ / "bin" / name;
        if (fs::exists(w) || name.find_first_of("'\"\\ $`") != std::string::npos) continue;
        if (::access(e.path().c_str(), X_OK) != 0 || fs::is_directory(e.path())) continue;
        writeText(w, "#!/bin/sh\necho '" + name + "' >> '" + log_.string() + "'\nexec '" +
                         e.path().string() + "' \"$@\"\n",
                  fs::perms(0755));
      }
    }
    // containerd: a default config that names its own invocation count, so a cache hit is
    // visible as the same bytes and a miss as a run.
    writeText(root_ / "fake" / "containerd",
              "#!/bin/sh\necho containerd >> '" + log_.string() + "'\n"
              "[ \"$1 $2\" = 'config default' ] || exit 1\n"
              "printf 'version = 2\\n[plugins]\\n  SystemdCgroup = false\\n'\n",
              fs::perms(0755));
    if (fakeSystemd) {
      // systemctl as a systemd host answers: every unit file exists and is enabled, except
      // missing*.service; one .swap unit file; every unit but missing* is active.
      writeText(root_ / "fake" / "systemctl",
                "#!/bin/sh\necho systemctl >> '" + log_.string() + "'\n"
                "verb=$1; shift; found=\n"
                "for a; do\n"
                "  case $verb:$a in\n"
                "  list-unit-files:--type=swap|list-unit-files:'*.swap')\n"
                "    echo 'var-fake.swap  enabled  enabled'; found=1 ;;\n"
                "  *:--*) ;;\n"
                "  list-unit-files:missing*) ;;\n"
                "  list-unit-files:*) echo \"$a  enabled  enabled\"; found=1 ;;\n"
                "  is-active:missing*) echo inactive ;;\n"
                "  is-active:*) echo active ;;\n"
                "  is-enabled:missing*) echo 'Failed to get unit file state' >&2; exit 1 ;;\n"
                "  is-enabled:*) echo enabled ;;\n"
                "  esac\n"
                "done\n"
                "[ \"$verb\" = list-unit-files ] && [ -z \"$found\" ] && exit 1\n"
                "exit 0\n",
                fs::perms(0755));
    }
  }
  ~ScriptWorld() { fs::remove_all(root_); }

  fs::path file(const std::string& name) const { return root_ / "files" / name; }
  // A command of the host replaced by `body` (a lying or broken host).
  void fake(const std::string& name, const std::string& body) {
    writeText(root_ / "fake" / name, "#!/bin/sh\n" + body, fs::perms(0755));
  }
  fs::path cacheDir() const { return root_ / "cache"; }

  // Runs `script` with `queries`; returns its output and the commands it ran, in order.
  std::pair<std::string, std::vector<std::string>> run(const std::string& script,
                                                       const QuerySet& queries) {
    fs::remove(log_);
    testing::LocalTransport local;
    auto r = local.run({"env", "PATH=" + (root_ / "fake").string() + ":" + (root_ / "bin").string(),
                        "PIHERD_OBSERVATION_CACHE_DIR=" + cacheDir().string(), "LC_ALL=C",
                        "/bin/sh", "-c", script, "piherd-observe"},
                       ExecOptions{.stdinData = queries.toStdin()});
    EXPECT_TRUE(r && r->ok()) << (r ? r->err : r.error().message);
    std::vector<std::string> commands;
    std::istringstream in(readText(log_));
    for (std::string l; std::getline(in, l);) commands.push_back(l);
    return {r ? r->out : "", commands};
  }

 private:
  static inline int counter_ = 0;
  fs::path root_, log_;
};

std::string referenceScript() {
  std::string s = readText(fs::path(PIHERD_SOURCE_DIR) / "bench/reference/observation-v1.sh");
  EXPECT_FALSE(s.empty()) << "bench/reference/observation-v1.sh";
  return s;
}

const char* const kSysctls[] = {"kernel.ostype", "kernel.osrelease", "kernel.pid_max",
                                "vm.swappiness", "fs.file-max", "kernel.threads-max",
                                "net.ipv4.ip_local_port_range", "kernel.random.boot_id",
                                "vm.overcommit_memory", "kernel.sched_child_runs_first",
                                "fs.nr_open", "kernel.no.such.sysctl"};

// n of every kind whose number a facet can grow, plus one of every fixed kind.
QuerySet queriesOf(ScriptWorld& w, int n) {
  QuerySet q;
  auto named = [](const char* prefix, int i, const char* suffix = "") {
    std::ostringstream o;  // (GCC 12 warns falsely on "literal" + std::string at -O3)
    o << prefix << i << suffix;
    return o.str();
  };
  for (int i = 0; i < n; ++i) {
    writeText(w.file(named("f", i, ".conf")), named("key", i, " = value\n"));
    q.add(QueryKind::kFile, w.file(named("f", i, ".conf")).string());
    q.add(QueryKind::kFile, w.file(named("missing", i)).string());
    writeText(w.file(named("k", i, ".key")), named("secret ", i), fs::perms(0600));
    q.add(QueryKind::kFileDigest, w.file(named("k", i, ".key")).string());
    std::string kubeconfig = "users:\n- user:\n    client-certificate-data: ";
    kubeconfig += base64Encode(named("cert", i));
    kubeconfig += "\n";
    writeText(w.file(named("a", i, ".conf")), kubeconfig);
    q.add(QueryKind::kKubeconfigCert, w.file(named("a", i, ".conf")).string());
    q.add(QueryKind::kSysctl, kSysctls[i % 12]);
    q.add(QueryKind::kModule, named("mod", i));
    q.add(QueryKind::kPackage, i == 0 ? "dpkg" : named("piherd-no-such-package-", i));
    q.add(QueryKind::kUnit, i % 2 ? named("u", i, ".service") : named("u", i));
  }
  for (QueryKind k : {QueryKind::kHolds, QueryKind::kSwaps, QueryKind::kCapEff,
                      QueryKind::kContainerdDefault, QueryKind::kDpkgState,
                      QueryKind::kSwapSources, QueryKind::kAddresses}) {
    q.add(k);
  }
  return q;
}

TEST(ObservationBatchTest, ExternalCommandsDoNotGrowWithTheQueries) {
  std::vector<std::string> few, many;
  for (int n : {1, 12}) {
    ScriptWorld w(/*fakeSystemd=*/true);
    QuerySet q = queriesOf(w, n);
    w.run(observationScript(), q);  // fills the containerd default config cache
    auto [out, commands] = w.run(observationScript(), q);
    auto facts = HostFacts::parse(out, &q);
    ASSERT_TRUE(facts) << facts.error().message;
    EXPECT_EQ(facts->file(w.file("f0.conf").string()).content, "key0 = value\n");
    EXPECT_EQ(facts->unit("u0").enabled, "enabled");
    EXPECT_TRUE(facts->package("dpkg").installed);
    EXPECT_EQ(facts->containerdDefaultConfig(),
              "version = 2\n[plugins]\n  SystemdCgroup = false\n");
    std::sort(commands.begin(), commands.end());  // a pipeline's commands start in any order
    (n == 1 ? few : many) = commands;
    if (n == 12) {
      // The reference script, for scale: one command or more per fact.
      auto [refOut, refCommands] = w.run(referenceScript(), q);
      EXPECT_GT(refCommands.size(), 100u);
      std::cerr << "external commands: reference " << refCommands.size() << ", piherd "
                << commands.size() << " (12 of each kind)\n";
    }
  }
  EXPECT_EQ(few, many) << "the commands run for 1 and for 12 queries of each kind differ";
  EXPECT_LE(many.size(), 12u) << ::testing::PrintToString(many);
  // The cache works: `containerd config default` ran in the first run only.
  EXPECT_EQ(std::count(many.begin(), many.end(), "containerd"), 0);
}

// Files of every kind a host has, observed by both scripts.
QuerySet untidyQueries(ScriptWorld& w) {
  QuerySet q;
  writeText(w.file("text"), "a=1\n\tb = 2  \n");
  writeText(w.file("no-newline"), "last line");
  writeText(w.file("binary"), "\x99\x01\0\0gpg\0\n\xff"s);
  writeText(w.file("empty"), "");
  writeText(w.file("crlf"), "x\r\ny\r\n\n\n");
  writeText(w.file("a file; $(touch pwned)"), "spaces\n", fs::perms(0600));
  writeText(w.file("big"), std::string(70000, 'z') + "\n");
  fs::create_symlink(w.file("text"), w.file("link"));
  fs::create_directories(w.file("dir"));
  for (const char* name : {"text", "no-newline", "binary", "empty", "crlf", "a file; $(touch pwned)",
                           "big", "link", "dir", "missing"}) {
    q.add(QueryKind::kFile, w.file(name).string());
  }
  q.add(QueryKind::kFile, "/proc/cmdline");  // a pseudo-file: st_size 0 on a real host
  q.add(QueryKind::kFileDigest, w.file("binary").string());
  q.add(QueryKind::kFileDigest, w.file("a file; $(touch pwned)").string());
  q.add(QueryKind::kFileDigest, w.file("missing").string());
  writeText(w.file("kc-crlf"), "  client-certificate-data: Q0VSVA==  \r\n  client-certificate-data: T1RIRVI=\n");
  writeText(w.file("kc-empty"), "client-certificate-data:\nclient-certificate-data: Q0VSVA==\n");
  writeText(w.file("kc-none"), "users: []\nclient-certificate-data: not base64!\n");
  writeText(w.file("kc-nonl"), "\tclient-certificate-data:\tQ0VSVA==");
  for (const char* name : {"kc-crlf", "kc-empty", "kc-none", "kc-nonl", "missing"}) {
    q.add(QueryKind::kKubeconfigCert, w.file(name).string());
  }
  for (const char* s : kSysctls) q.add(QueryKind::kSysctl, s);
  q.add(QueryKind::kSysctl, "kernel");  // a directory
  q.add(QueryKind::kSysctl, "net.ipv4.route.flush");  // write-only
  for (const char* p : {"dpkg", "libc6", "base-files", "Dpkg", "dpkg:amd64",
                        "piherd-no-such-package"}) {
    q.add(QueryKind::kPackage, p);
  }
  for (const char* u : {"containerd", "ssh.service", "missing.service", "missing-too",
                        "getty@tty1.service", "sys-kernel.mount"}) {
    q.add(QueryKind::kUnit, u);
  }
  for (const char* m : {"overlay", "br_netfilter", "ext4"}) q.add(QueryKind::kModule, m);
  for (QueryKind k : {QueryKind::kHolds, QueryKind::kSwaps, QueryKind::kCapEff,
                      QueryKind::kContainerdDefault, QueryKind::kDpkgState,
                      QueryKind::kSwapSources, QueryKind::kAddresses}) {
    q.add(k);
  }
  return q;
}

void expectSameFacts(bool fakeSystemd) {
  ScriptWorld w(fakeSystemd);
  QuerySet q = untidyQueries(w);
  auto [refOut, refCommands] = w.run(referenceScript(), q);
  auto ref = HostFacts::parse(refOut, &q);
  ASSERT_TRUE(ref) << ref.error().message;
  const std::string expected = testing::dumpFacts(*ref, q);
  EXPECT_THAT(expected, HasSubstr("\\x00\\x00gpg"));  // the reference read the binary file
  for (const char* pass : {"cache miss", "cache hit"}) {
    SCOPED_TRACE(pass);
    auto [out, commands] = w.run(observationScript(), q);
    auto facts = HostFacts::parse(out, &q);
    ASSERT_TRUE(facts) << facts.error().message;
    EXPECT_EQ(testing::dumpFacts(*facts, q), expected);
    EXPECT_THAT(out, HasSubstr("blob\t-\tdata\t"));  // the bytes came in the blob
  }
  EXPECT_FALSE(fs::exists("pwned"));
}

TEST(ObservationBatchTest, SameFactsAsTheReferenceScriptWithSystemd) { expectSameFacts(true); }
TEST(ObservationBatchTest, SameFactsAsTheReferenceScriptWithoutSystemd) { expectSameFacts(false); }

// A file that changes while the script reads it never mixes two versions in one answer
// shape the parser accepts: the blob's length check sends the script back to one file at a
// time. Simulated with a pseudo-file whose length differs between reads: /proc/self/cmdline
// is the shell's own command line (the whole script) when the shell measures it, and cat's
// when cat reads it.
TEST(ObservationBatchTest, AFileThatChangesBetweenStatAndReadIsReadAgainAlone) {
  ScriptWorld w(false);
  QuerySet q;
  writeText(w.file("a"), "aaaa\n");
  q.add(QueryKind::kFile, w.file("a").string());
  q.add(QueryKind::kFile, "/proc/self/cmdline");
  auto [out, commands] = w.run(observationScript(), q);
  auto facts = HostFacts::parse(out, &q);
  ASSERT_TRUE(facts) << facts.error().message;
  EXPECT_EQ(facts->file(w.file("a").string()).content, "aaaa\n");
  EXPECT_FALSE(facts->file("/proc/self/cmdline").content.empty());
  EXPECT_THAT(out, ::testing::Not(HasSubstr("blob\t")));
}

// A batch whose command prints what that command never prints hands the kind back to one
// process per fact: whatever the host says then reaches the strict parser as it is, and is
// refused there exactly as before.
TEST(ObservationBatchTest, ALyingCommandIsAnsweredTheOldWayAndRefused) {
  struct Lie {
    std::string command, body;
    QueryKind kind;
    std::string arg, message;
  };
  for (const Lie& lie : {
           Lie{"dpkg-query", "printf 'installed 1.34.2;reboot'\n", QueryKind::kPackage, "dpkg",
               "package dpkg: status \"installed 1.34.2;reboot\""},
           Lie{"stat", "printf '644 root root; reboot\\n'\n", QueryKind::kFile, "", "stat"},
           Lie{"grep", "echo '/proc/sys/kernel/ostype:Linux'; echo 'evil:1'\n", QueryKind::kSysctl,
               "kernel.ostype", ""},
       }) {
    SCOPED_TRACE(lie.command);
    ScriptWorld w(false);
    w.fake(lie.command, lie.body);
    writeText(w.file("x"), "x\n");
    QuerySet q;
    q.add(lie.kind, lie.arg.empty() ? w.file("x").string() : lie.arg);
    auto [out, commands] = w.run(observationScript(), q);
    auto facts = HostFacts::parse(out, &q);
    if (lie.message.empty()) {  // grep lied about a sysctl: the values come from cat instead
      ASSERT_TRUE(facts) << facts.error().message;
      EXPECT_EQ(facts->sysctl("kernel.ostype").value, "Linux");
      EXPECT_NE(std::find(commands.begin(), commands.end(), "cat"), commands.end());
    } else {
      ASSERT_FALSE(facts) << out;
      EXPECT_THAT(facts.error().message, HasSubstr(lie.message));
    }
  }
}

// The blob and its ranges, read as strictly as every other answer.
const std::string kEnd = "end\t-\t-\t-\n";

QuerySet twoFiles() {
  QuerySet q;
  q.add(QueryKind::kFile, "/a");
  q.add(QueryKind::kFile, "/b");
  q.add(QueryKind::kContainerdDefault);
  return q;
}

std::string withBlob(const std::string& blob, const std::string& ranges) {
  return "file\t/a\tstat\t644 root root\nfile\t/b\tstat\t600 root root\n"
         "blob\t-\tdata\t" + base64Encode(blob) + "\n" + ranges + kEnd;
}

TEST(ObservationBlobTest, RangesCutTheBlobIntoFiles) {
  QuerySet q = twoFiles();
  auto f = HostFacts::parse(withBlob("AAAbbbbCC", "file\t/a\trange\t0 3\nfile\t/b\trange\t3 4\n"
                                                  "containerd-default\t-\trange\t7 2\n"),
                            &q);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->file("/a").content, "AAA");
  EXPECT_EQ(f->file("/b").content, "bbbb");
  EXPECT_EQ(f->file("/b").mode, "600");
  EXPECT_EQ(f->containerdDefaultConfig(), "CC");
}

class SpoiledBlob : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(SpoiledBlob, FailsClosed) {
  QuerySet q = twoFiles();
  auto f = HostFacts::parse(GetParam().first, &q);
  ASSERT_FALSE(f) << GetParam().first;
  EXPECT_EQ(f.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(f.error().message, HasSubstr(GetParam().second));
}

INSTANTIATE_TEST_SUITE_P(
    Lies, SpoiledBlob,
    ::testing::Values(
        std::pair{withBlob("AAAbbbb", "file\t/a\trange\t0 3\nfile\t/b\trange\t2 5\n"), "do not tile"},
        std::pair{withBlob("AAAbbbb", "file\t/a\trange\t0 3\nfile\t/b\trange\t3 9\n"), "do not tile"},
        std::pair{withBlob("AAAbbbbX", "file\t/a\trange\t0 3\nfile\t/b\trange\t3 4\n"), "unclaimed"},
        std::pair{withBlob("AAA", "file\t/a\trange\t0 3\nfile\t/a\tcontent\t\n"), "answered twice"},
        std::pair{withBlob("AAA", "file\t/a\trange\t0 3\nfile\t/b\trange\t3\n"), "not well-formed"},
        std::pair{withBlob("AAA", "file\t/a\trange\t0 3\nfile\t/b\trange\t3 -0\n"), "not well-formed"},
        std::pair{withBlob("AAA", "file\t/a\trange\t0 3\nfile\t/b\trange\t 3 0\n"), "not well-formed"},
        std::pair{withBlob("AAA", "file\t/a\trange\t0 3\nfile\t/c\trange\t3 0\n"), "never asked"},
        std::pair{withBlob("AAA", "file\t/a\trange\t0 3\nblob\t-\tdata\t\n"), "blob answered twice"},
        std::pair{"file\t/a\tstat\t644 root root\nfile\t/a\trange\t0 0\n" + kEnd, "without a blob"},
        std::pair{"blob\t-\tdata\t!!\n" + kEnd, "blob is not base64"},
        std::pair{"blob\t-\tdata\tQQ==\n" + kEnd, "unclaimed"}));

TEST(ObservationBlobTest, SwapUnitFilesAreListedOneALine) {
  QuerySet q;
  q.add(QueryKind::kSwapSources);
  auto f = HostFacts::parse("swap-sources\tdev-disk-by\\x2duuid-1.swap\tunit-file\tgenerated\n"
                            "swap-sources\t-\tlisted\t1\n" + kEnd, &q);
  ASSERT_TRUE(f) << f.error().message;
  ASSERT_EQ(f->swapUnits().size(), 1u);
  EXPECT_EQ(f->swapUnits()[0].unit, "dev-disk-by\\x2duuid-1.swap");
  EXPECT_EQ(f->swapUnits()[0].state, "generated");
  EXPECT_FALSE(HostFacts::parse("swap-sources\tssh.service\tunit-file\tenabled\n"
                                "swap-sources\t-\tlisted\t1\n" + kEnd, &q));
  EXPECT_FALSE(HostFacts::parse("swap-sources\tx.swap\tunit-file\ten;abled\n"
                                "swap-sources\t-\tlisted\t1\n" + kEnd, &q));
  EXPECT_FALSE(HostFacts::parse("swap-sources\t-\tlisted\tyes\n" + kEnd, &q));
  EXPECT_FALSE(HostFacts::parse(kEnd, &q));  // neither listed nor units: incomplete
}

}  // namespace
}  // namespace piherd
