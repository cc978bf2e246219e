// Unit tests of the test fleet's Kubernetes debs (tests/aptrepo/build-standin-debs.sh and the
// stand-in sources in tests/standins/): each deb is built for real into a temp dir (no root,
// no network), unpacked, and its programs are run. They check what fleet tests rely on: the
// version strings come from the package version, the real packages' layout and dependencies
// are kept, and unimplemented stand-in subcommands fail loudly instead of pretending.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace piherd {
namespace {

namespace fs = std::filesystem;

struct Ran {
  int exitCode = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs argv (no shell) with stdout and stderr captured through files in dir.
Ran run(const std::vector<std::string>& argv, const fs::path& dir) {
  const fs::path outFile = dir / "stdout", errFile = dir / "stderr";
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(outFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int e = open(errFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(o, 1), dup2(e, 2), close(o), close(e);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, slurp(outFile), slurp(errFile)};
}

class AptrepoStandinsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/piherd-aptrepo-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Builds the named debs of debVersion into dir_/debs; returns the script's result.
  Ran build(const std::string& debVersion, const std::vector<std::string>& packages) {
    std::vector<std::string> argv = {
        std::string(PIHERD_SOURCE_DIR) + "/tests/aptrepo/build-standin-debs.sh", "--out",
        (dir_ / "debs").string(), "--version", debVersion};
    argv.insert(argv.end(), packages.begin(), packages.end());
    return run(argv, dir_);
  }

  fs::path deb(const std::string& name, const std::string& version) {
    return dir_ / "debs" / (name + "_" + version + "_amd64.deb");
  }

  // Unpacks a deb into dir_/root-<tag>; returns that root.
  fs::path unpack(const fs::path& debFile, const std::string& tag) {
    fs::path root = dir_ / ("root-" + tag);
    Ran r = run({"dpkg-deb", "-x", debFile.string(), root.string()}, dir_);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    return root;
  }

  std::string field(const fs::path& debFile, const std::string& name) {
    Ran r = run({"dpkg-deb", "-f", debFile.string(), name}, dir_);
    EXPECT_EQ(r.exitCode, 0) << r.err;
    if (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }

  fs::path dir_;
};

TEST_F(AptrepoStandinsTest, VersionStringsComeFromThePackageVersion) {
  for (const std::string v : {"1.34.1", "1.34.2"}) {
    const std::string debVersion = v + "-1.1";
    Ran b = build(debVersion, {"kubeadm", "kubelet"});
    ASSERT_EQ(b.exitCode, 0) << b.err;
    EXPECT_EQ(field(deb("kubeadm", debVersion), "Version"), debVersion);
    EXPECT_EQ(field(deb("kubelet", debVersion), "Version"), debVersion);

    fs::path root = unpack(deb("kubeadm", debVersion), v);
    unpack(deb("kubelet", debVersion), v);
    const std::string kubeadm = (root / "usr/bin/kubeadm").string();
    Ran shortV = run({kubeadm, "version", "-o", "short"}, dir_);
    EXPECT_EQ(shortV.exitCode, 0) << shortV.err;
    EXPECT_EQ(shortV.out, "v" + v + "\n");

    Ran plain = run({kubeadm, "version"}, dir_);
    EXPECT_EQ(plain.out.rfind("kubeadm version: &version.Info{Major:\"1\", Minor:\"34\", ", 0), 0u)
        << plain.out;
    EXPECT_NE(plain.out.find("GitVersion:\"v" + v + "\""), std::string::npos) << plain.out;

    Ran json = run({kubeadm, "version", "-o", "json"}, dir_);
    auto doc = nlohmann::json::parse(json.out, nullptr, false);
    ASSERT_FALSE(doc.is_discarded()) << json.out;
    EXPECT_EQ(doc["clientVersion"]["gitVersion"], "v" + v);
    EXPECT_EQ(doc["clientVersion"]["minor"], "34");

    Ran yaml = run({kubeadm, "version", "-o", "yaml"}, dir_);
    EXPECT_NE(yaml.out.find("  gitVersion: v" + v + "\n"), std::string::npos) << yaml.out;

    Ran kubelet = run({(root / "usr/bin/kubelet").string(), "--version"}, dir_);
    EXPECT_EQ(kubelet.exitCode, 0) << kubelet.err;
    EXPECT_EQ(kubelet.out, "Kubernetes v" + v + "\n");
  }
}

TEST_F(AptrepoStandinsTest, DebsKeepTheRealPackagesLayoutAndDependencies) {
  Ran b = build("1.34.2-1.1", {"kubeadm", "kubelet", "kubernetes-cni"});
  ASSERT_EQ(b.exitCode, 0) << b.err;
  // kubeadm >= 1.32 depends on nothing of Kubernetes; the kubelet on kubernetes-cni.
  EXPECT_EQ(field(deb("kubeadm", "1.34.2-1.1"), "Depends"), "python3, python3-yaml, openssl");
  // The kubelet stand-in runs Debian's etcd for kubeadm's etcd static pod.
  EXPECT_NE(field(deb("kubelet", "1.34.2-1.1"), "Depends").find("etcd-server"), std::string::npos);
  EXPECT_NE(field(deb("kubelet", "1.34.2-1.1"), "Depends").find("kubernetes-cni (>= 1.2.0)"),
            std::string::npos);
  EXPECT_EQ(field(deb("kubernetes-cni", "1.7.1-1.1"), "Version"), "1.7.1-1.1");

  fs::path root = unpack(deb("kubelet", "1.34.2-1.1"), "layout");
  unpack(deb("kubeadm", "1.34.2-1.1"), "layout");
  unpack(deb("kubernetes-cni", "1.7.1-1.1"), "layout");
  const std::string unit = slurp(root / "usr/lib/systemd/system/kubelet.service");
  EXPECT_NE(unit.find("\nRestart=always\n"), std::string::npos);
  EXPECT_NE(unit.find("\nRestartSec=10\n"), std::string::npos);
  const std::string dropIn =
      slurp(root / "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf");
  EXPECT_NE(dropIn.find("--config=/var/lib/kubelet/config.yaml"), std::string::npos);
  EXPECT_TRUE(fs::is_regular_file(root / "etc/default/kubelet"));
  EXPECT_TRUE(fs::is_directory(root / "opt/cni/bin"));
  EXPECT_TRUE(fs::is_directory(root / "etc/kubernetes/manifests"));

  Ran control = run(
      {"dpkg-deb", "-e", deb("kubelet", "1.34.2-1.1").string(), (dir_ / "control").string()}, dir_);
  ASSERT_EQ(control.exitCode, 0) << control.err;
  EXPECT_EQ(slurp(dir_ / "control/conffiles"), "/etc/default/kubelet\n");
  EXPECT_TRUE(fs::exists(dir_ / "control/postinst"));
  // Every placeholder was filled: no "@WORD@" anywhere in the unpacked files.
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    const std::string text = slurp(e.path());
    EXPECT_EQ(text.find("@VERSION@"), std::string::npos) << e.path();
    EXPECT_EQ(text.find("@DEB_VERSION@"), std::string::npos) << e.path();
  }
}

TEST_F(AptrepoStandinsTest, UnimplementedSubcommandsFailLoudly) {
  Ran b = build("1.34.2-1.1", {"kubeadm", "kubelet"});
  ASSERT_EQ(b.exitCode, 0) << b.err;
  fs::path root = unpack(deb("kubeadm", "1.34.2-1.1"), "stub");
  unpack(deb("kubelet", "1.34.2-1.1"), "stub");
  setenv("KUBEADM_STANDIN_LOG", (dir_ / "kubeadm.log").c_str(), 1);
  const std::string kubeadm = (root / "usr/bin/kubeadm").string();
  for (const std::string sub : {"upgrade", "config", "kubeconfig"}) {
    Ran r = run({kubeadm, sub}, dir_);
    EXPECT_NE(r.exitCode, 0) << sub;
    EXPECT_NE(r.err.find("not implemented by this stand-in yet"), std::string::npos) << r.err;
  }
  Ran phase = run({kubeadm, "init", "phase", "certs"}, dir_);
  EXPECT_NE(phase.exitCode, 0);
  EXPECT_NE(phase.err.find("not implemented by this stand-in yet"), std::string::npos);
  EXPECT_NE(run({kubeadm, "version", "-o", "xml"}, dir_).exitCode, 0);
  EXPECT_NE(run({kubeadm, "frobnicate"}, dir_).exitCode, 0);

  const std::string kubelet = (root / "usr/bin/kubelet").string();
  Ran noConfig = run({kubelet, "--config=" + (dir_ / "absent.yaml").string(), "--kubeconfig",
                      "/etc/kubernetes/kubelet.conf"},
                     dir_);
  EXPECT_NE(noConfig.exitCode, 0);
  EXPECT_NE(noConfig.err.find("failed to load kubelet config file"), std::string::npos)
      << noConfig.err;
  // With its config but neither kubeconfig nor bootstrap kubeconfig, the real kubelet exits.
  std::ofstream(dir_ / "config.yaml") << "kind: KubeletConfiguration\n";
  Ran noKubeconfig = run({kubelet, "--config", (dir_ / "config.yaml").string(),
                          "--kubeconfig=" + (dir_ / "kubelet.conf").string(),
                          "--bootstrap-kubeconfig=" + (dir_ / "bootstrap.conf").string()},
                         dir_);
  EXPECT_NE(noKubeconfig.exitCode, 0);
  EXPECT_NE(noKubeconfig.err.find("unable to load bootstrap kubeconfig"), std::string::npos)
      << noKubeconfig.err;
}

// kubeadm's config checks run before any preflight or host change, so they can run here.
TEST_F(AptrepoStandinsTest, KubeadmRejectsBadConfigAndLogsEveryRun) {
  Ran b = build("1.34.2-1.1", {"kubeadm"});
  ASSERT_EQ(b.exitCode, 0) << b.err;
  fs::path root = unpack(deb("kubeadm", "1.34.2-1.1"), "config");
  const fs::path log = dir_ / "kubeadm.log";
  setenv("KUBEADM_STANDIN_LOG", log.c_str(), 1);
  const std::string kubeadm = (root / "usr/bin/kubeadm").string();
  struct Case {
    std::string yaml, message;
  };
  const std::vector<Case> cases = {
      {"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n"
       "  podSubnet: 10.244.0.0/16\n",
       "strict decoding error: unknown field \"apiServer.podSubnet\""},
      {"apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\npodSubnet: 10.0.0.0/8\n",
       "unknown field \"podSubnet\""},
      {"apiVersion: kubeadm.k8s.io/v1beta4\nkind: NodeConfiguration\n",
       "no kind \"NodeConfiguration\" is registered for version \"kubeadm.k8s.io/v1beta4\""},
      {"apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\nnodeRegistration:\n"
       "  nmae: x\n",
       "unknown field \"nodeRegistration.nmae\""},
  };
  for (const auto& c : cases) {
    std::ofstream(dir_ / "bad.yaml") << c.yaml;
    Ran r = run({kubeadm, "init", "--config", (dir_ / "bad.yaml").string(), "--token",
                 "abcdef.0123456789abcdef"},
                dir_);
    EXPECT_EQ(r.exitCode, 1) << c.yaml;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("[preflight]"), std::string::npos) << "bad config reached preflight";
  }
  const std::string text = slurp(log);
  EXPECT_NE(text.find("START "), std::string::npos) << text;
  EXPECT_NE(text.find("kubeadm init --config"), std::string::npos) << text;
  EXPECT_NE(text.find(" rc=1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("0123456789abcdef"), std::string::npos) << "token in the log: " << text;
}

TEST_F(AptrepoStandinsTest, KubectlDebCarriesTheRealBinary) {
  Ran b = build("1.34.2-1.1", {"kubectl"});
  ASSERT_EQ(b.exitCode, 0) << b.err;
  fs::path root = unpack(deb("kubectl", "1.34.2-1.1"), "kubectl");
  Ran v = run({(root / "usr/bin/kubectl").string(), "version", "--client"}, dir_);
  EXPECT_EQ(v.exitCode, 0) << v.err;
  // The newest kubectl the machine ships that is not newer than 1.34 (documented skew).
  EXPECT_EQ(v.out.rfind("Client Version: v1.3", 0), 0u) << v.out;
  EXPECT_NE(field(deb("kubectl", "1.34.2-1.1"), "Description").find("real kubectl v1.3"),
            std::string::npos);
}

TEST_F(AptrepoStandinsTest, RejectsMalformedVersions) {
  EXPECT_NE(build("1.34", {"kubeadm"}).exitCode, 0);
  EXPECT_NE(build("1.34.2", {"kubeadm"}).exitCode, 0);
  EXPECT_NE(build("1.34.2-1.1; rm -rf /", {"kubeadm"}).exitCode, 0);
  EXPECT_NE(build("1.34.2-1.1", {"no-such-package"}).exitCode, 0);
}

}  // namespace
}  // namespace piherd
