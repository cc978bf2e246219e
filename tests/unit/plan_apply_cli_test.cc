// `piherd plan` and `piherd apply` refuse invalid manifests before touching any host
// (docs/cli.md: bad input never touches a host). The machines here point at TEST-NET-1
// addresses, which nothing answers: a run that tried to reach them would hang for the
// connect timeout and report them unreachable instead of failing at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace piherd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

struct CliRun {
  int exitCode = -1;
  std::string out, err;
  double seconds = 0;
};

class PlanApplyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "piherd-planapply-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    for (const char* f : {"cluster.yaml", "machines.yaml", "vip.yaml"}) {
      std::ifstream in(std::string(PIHERD_SOURCE_DIR) + "/examples/seed-8pi/" + f);
      std::stringstream s;
      s << in.rdbuf();
      std::string text = s.str();
      for (size_t p; (p = text.find("192.168.3.")) != std::string::npos;) {
        text.replace(p, 10, "192.0.2.");
      }
      std::ofstream(dir_ + "/" + f) << text;
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliRun piherd(const std::string& command) {
    std::string out = dir_ + "/.out", err = dir_ + "/.err";
    auto start = std::chrono::steady_clock::now();
    int status = std::system((std::string(PIHERD_BINARY) + " " + command + " -f " + dir_ +
                              " >" + out + " 2>" + err).c_str());
    CliRun r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

  static std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
};

TEST_F(PlanApplyCliTest, InvalidManifestsTouchNoHost) {
  std::ofstream(dir_ + "/machines.yaml", std::ios::app)
      << "---\napiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: node09}\n"
      << "spec: {cluster: home, role: worker, address: 192.0.2.300}\n";
  for (const char* command : {"plan", "apply"}) {
    SCOPED_TRACE(command);
    CliRun r = piherd(command);
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_THAT(r.err, HasSubstr("Machine/node09: spec.address"));
    EXPECT_THAT(r.err, HasSubstr("no host was touched"));
    EXPECT_THAT(r.out, Not(HasSubstr("observing")));
    EXPECT_LT(r.seconds, 5.0) << "it tried to reach the hosts";
  }
}

TEST_F(PlanApplyCliTest, AnUnreadableSigningKeyFileStopsBeforeAnyHost) {
  std::ofstream(dir_ + "/cluster.yaml", std::ios::app)
      << "  packages:\n    signingKey: keys/missing.asc\n";
  CliRun r = piherd("plan");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("spec.packages.signingKey: cannot read " + dir_ +
                               "/keys/missing.asc"));
  EXPECT_LT(r.seconds, 5.0);
}

}  // namespace
}  // namespace piherd
