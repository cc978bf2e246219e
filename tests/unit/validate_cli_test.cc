// `piherd validate -f PATH` end to end (docs/cli.md): runs the built binary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace piherd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct CliRun {
  int exitCode = -1;
  std::string out;
  std::string err;
};

class ValidateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "piherd-validate-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    fs::path p = fs::path(dir_) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  static std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // Paths here are temp and source paths without quotes or spaces.
  CliRun validate(const std::string& args) {
    std::string out = dir_ + "/.stdout", err = dir_ + "/.stderr";
    std::string command =
        std::string(PIHERD_BINARY) + " validate " + args + " >" + out + " 2>" + err;
    int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  }

  std::string example() const { return std::string(PIHERD_SOURCE_DIR) + "/examples/seed-8pi"; }

  std::string dir_;
};

TEST_F(ValidateCliTest, TheExampleIsValid) {
  CliRun r = validate("-f " + example());
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out,
            "valid: Cluster/home (Kubernetes 1.34.2, endpoint 192.168.3.10:6443): 3 control "
            "planes, 4 workers, 1 VirtualIP from 3 files\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(ValidateCliTest, FilesCanBeNamedOneByOne) {
  CliRun r = validate("-f " + example() + "/cluster.yaml -f " + example() +
                      "/vip.yaml --filename=" + example() + "/machines.yaml");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("from 3 files"));
}

TEST_F(ValidateCliTest, InvalidManifestsPrintEveryErrorOnItsOwnLine) {
  std::string bad = write("bad.yaml", R"(apiVersion: piherd.io/v1alpha1
kind: Machine
metadata: {name: node05}
spec: {cluster: home, role: worker, address: "192.168.3.300", sshh: {}}
---
apiVersion: piherd.io/v1alpha1
kind: VirtualIP
metadata: {name: second}
spec: {cluster: home, address: 192.168.3.9/24, interface: eth0, virtualRouterID: 51,
       vrrpVersion: 3, authPasswordFile: /etc/piherd/vrrp}
)");
  CliRun r = validate("-f " + example() + " -f " + bad);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            bad + ": Machine/node05: spec.sshh: unknown field (did you mean \"ssh\"?)\n" + bad +
                ": Machine/node05: spec.address: \"192.168.3.300\" is not an IPv4 address\n" + bad +
                ": VirtualIP/second: spec.authPasswordFile: VRRPv3 has no authentication "
                "(keepalived's auth_type PASS is VRRPv2 only): remove authPasswordFile or "
                "use vrrpVersion 2\n" +
                bad +
                ": VirtualIP/second: spec.virtualRouterID: 51 is already used by "
                "VirtualIP/apiserver in " +
                example() +
                "/vip.yaml; VRRP instances on one "
                "network need distinct IDs\n" +
                "piherd validate: invalid: 4 errors\n");
}

TEST_F(ValidateCliTest, WarningsGoToStderrAndDoNotFail) {
  std::string extra = write("cp4.json", R"({"apiVersion": "piherd.io/v1alpha1", "kind": "Machine",
      "metadata": {"name": "master04"},
      "spec": {"cluster": "home", "role": "control-plane", "address": "192.168.3.14"}})");
  CliRun r = validate("-f " + example() + " -f " + extra);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_THAT(r.out, HasSubstr("4 control planes, 4 workers"));
  EXPECT_THAT(r.err, HasSubstr(example() + "/cluster.yaml: Cluster/home: warning: 4 "
                                           "control-plane machines"));
}

TEST_F(ValidateCliTest, MissingPathsAndBrokenFilesFail) {
  std::string broken = write("broken.yaml", "kind: [Machine\n");
  CliRun r = validate("-f " + dir_ + "/absent.yaml -f " + broken);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr(dir_ + "/absent.yaml: no such file or directory\n"));
  EXPECT_THAT(r.err, HasSubstr(broken + ": YAML syntax error at line 2"));
  EXPECT_THAT(r.err, HasSubstr("no Cluster: a manifest set needs exactly one Cluster object\n"));
}

TEST_F(ValidateCliTest, NeedsAPath) {
  CliRun r = validate("");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_THAT(r.err, HasSubstr("-f PATH is required"));
}

}  // namespace
}  // namespace piherd
