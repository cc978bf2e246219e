#include "controller/desired_state.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace piherd {
namespace {

LoadResult seed() {
  LoadResult r = loadValidatedManifests({std::string(PIHERD_SOURCE_DIR) + "/examples/seed-8pi"});
  EXPECT_TRUE(r.ok());
  return r;
}

const MachineTarget* find(const std::vector<MachineTarget>& ts, const std::string& name) {
  for (const auto& t : ts) {
    if (t.desired.machine == name) return &t;
  }
  return nullptr;
}

TEST(DesiredStateTest, SeedClusterMapsToHostsWithRolesAndStrictHostKeys) {
  auto targets = buildMachineTargets(seed().set, CliOptions{});
  ASSERT_TRUE(targets) << targets.error().message;
  ASSERT_EQ(targets->size(), 7u);
  const MachineTarget* master = find(*targets, "master01");
  const MachineTarget* node = find(*targets, "node01");
  ASSERT_TRUE(master && node);
  EXPECT_TRUE(master->desired.controlPlane);
  EXPECT_EQ(master->desired.sysctls.at("net.ipv4.ip_nonlocal_bind"), "1");
  EXPECT_FALSE(node->desired.sysctls.contains("net.ipv4.ip_nonlocal_bind"));
  EXPECT_EQ(node->desired.sysctls.at("net.bridge.bridge-nf-call-iptables"), "1");
  EXPECT_EQ(node->desired.modules, (std::vector<std::string>{"overlay", "br_netfilter"}));
  EXPECT_EQ(node->desired.kubernetesVersion, "1.34.2");
  EXPECT_EQ(node->desired.repositoryUrl, "https://pkgs.k8s.io/core:/stable:/v1.34/deb/");
  EXPECT_EQ(node->desired.signingKeyUrl, "https://pkgs.k8s.io/core:/stable:/v1.34/deb/Release.key");
  EXPECT_EQ(node->ssh.address, "192.168.3.21");
  EXPECT_EQ(node->ssh.user, "ubuntu");
  EXPECT_EQ(node->ssh.machine, "node01");
  EXPECT_FALSE(node->ssh.hostKeys.acceptNewHostKeys);
  EXPECT_EQ(node->ssh.hostKeys.knownHostsFile, "~/.ssh/known_hosts");
}

TEST(DesiredStateTest, CommandLineOverridesKeyKnownHostsAndTrustOnFirstUse) {
  CliOptions o;
  o.sshKey = "/keys/pi";
  o.knownHosts = "/keys/known_hosts";
  o.insecureAcceptNewHostKeys = true;
  auto targets = buildMachineTargets(seed().set, o);
  ASSERT_TRUE(targets);
  for (const auto& t : *targets) {
    EXPECT_EQ(t.ssh.privateKeyFile, "/keys/pi");
    EXPECT_EQ(t.ssh.hostKeys.knownHostsFile, "/keys/known_hosts");
    EXPECT_TRUE(t.ssh.hostKeys.acceptNewHostKeys);
  }
}

TEST(DesiredStateTest, SigningKeyFileIsReadBesideTheManifestOrRefused) {
  LoadResult r = seed();
  auto dir = std::filesystem::temp_directory_path() / ("piherd-ds-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  r.set.clusters[0].source.file = (dir / "cluster.yaml").string();
  r.set.clusters[0].spec.packages.signingKey = "keys/k8s.asc";

  auto missing = buildMachineTargets(r.set, CliOptions{});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("spec.packages.signingKey"), std::string::npos);

  std::filesystem::create_directories(dir / "keys");
  std::ofstream(dir / "keys/k8s.asc") << "-----BEGIN PGP PUBLIC KEY BLOCK-----\n";
  auto found = buildMachineTargets(r.set, CliOptions{});
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->front().desired.signingKeyUrl, "");
  EXPECT_EQ(found->front().desired.signingKeyContent, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace piherd
