#include <gtest/gtest.h>

#include "facts_builder.h"
#include "reconcilers/packages_facet.h"
#include "reconcilers/runtime_facet.h"

namespace piherd {
namespace {

using testing::FactsBuilder;

const std::string kDefault =
    "version = 2\n"
    "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
    "            SystemdCgroup = false\n";

HostDesired desired() {
  HostDesired d;
  d.machine = "node01";
  d.kubernetesVersion = "1.34.2";
  d.repositoryUrl = "https://pkgs.k8s.io/core:/stable:/v1.34/deb/";
  d.signingKeyUrl = "https://pkgs.k8s.io/core:/stable:/v1.34/deb/Release.key";
  return d;
}

std::vector<std::string> described(const FacetPlan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) out.push_back(describeAction(a).substr(0, describeAction(a).find('\n')));
  return out;
}

TEST(ContainerdConfigTest, SetsTheCgroupDriverAndKeepsTheRest) {
  std::string c = containerdConfigWithCgroupDriver(kDefault, "systemd");
  EXPECT_NE(c.find("            SystemdCgroup = true\n"), std::string::npos);
  EXPECT_EQ(c.find("false"), std::string::npos);
  EXPECT_EQ(c.substr(0, 11), "version = 2");
  EXPECT_EQ(containerdConfigWithCgroupDriver(c, "systemd"), c);
}

TEST(RuntimeFacetTest, FreshHostInstallsConfiguresEnablesAndRestarts) {
  auto plan = RuntimeFacet().plan(desired(), FactsBuilder().build());
  EXPECT_EQ(described(plan),
            (std::vector<std::string>{
                "install containerd",
                "write /etc/containerd/config.toml: containerd's default config with cgroup "
                "driver systemd (exact diff shown once containerd is installed)",
                "systemctl enable containerd", "systemctl restart containerd"}));
}

TEST(RuntimeFacetTest, ConvergedHostHasEmptyPlan) {
  auto facts = FactsBuilder()
                   .package("containerd", "1.6.20~ds1-1+deb12u3")
                   .containerdDefault(kDefault)
                   .file(kContainerdConfig, containerdConfigWithCgroupDriver(kDefault, "systemd"))
                   .unit("containerd", "active", "enabled")
                   .build();
  EXPECT_TRUE(RuntimeFacet().plan(desired(), facts).empty());
}

// An interrupted dpkg run is repaired as its own action, before any install, and shown.
TEST(RuntimeFacetTest, InterruptedDpkgIsFinishedBeforeAnyInstall) {
  auto interrupted = FactsBuilder()
                         .dpkg(1, "The following packages have been unpacked but not yet "
                                  "configured.\n containerd           daemon to control runC\n")
                         .build();
  auto plan = RuntimeFacet().plan(desired(), interrupted);
  ASSERT_GE(plan.actions.size(), 2u);
  EXPECT_EQ(described(plan)[0], "finish an interrupted dpkg run (dpkg --configure -a)");
  EXPECT_EQ(described(plan)[1], "install containerd");
  EXPECT_EQ(describeAction(plan.actions[0]),
            "finish an interrupted dpkg run (dpkg --configure -a)\n"
            "    left unfinished: containerd\n"
            "    1 pending file(s) in /var/lib/dpkg/updates");

  // Only a journal file left (killed between unpack and the status update): still repaired,
  // even on a host whose runtime is otherwise converged.
  auto journalOnly = FactsBuilder()
                         .dpkg(2)
                         .package("containerd", "1.6.20~ds1-1+deb12u3")
                         .containerdDefault(kDefault)
                         .file(kContainerdConfig, containerdConfigWithCgroupDriver(kDefault, "systemd"))
                         .unit("containerd", "active", "enabled")
                         .build();
  EXPECT_EQ(described(RuntimeFacet().plan(desired(), journalOnly)),
            std::vector<std::string>{"finish an interrupted dpkg run (dpkg --configure -a)"});
  // dpkg in order: nothing.
  EXPECT_FALSE(FactsBuilder().dpkg(0, "").build().dpkg().interrupted());
}

TEST(RuntimeFacetTest, EditedConfigIsRewrittenAndRestartedStoppedServiceOnlyStarted) {
  auto edited = FactsBuilder()
                    .package("containerd", "1.6.20")
                    .containerdDefault(kDefault)
                    .file(kContainerdConfig, kDefault)
                    .unit("containerd", "active", "enabled")
                    .build();
  auto plan = RuntimeFacet().plan(desired(), edited);
  EXPECT_EQ(described(plan), (std::vector<std::string>{"update /etc/containerd/config.toml",
                                                       "systemctl restart containerd"}));
  EXPECT_NE(describeAction(plan.actions[0]).find("+            SystemdCgroup = true"),
            std::string::npos);

  auto stopped = FactsBuilder()
                     .package("containerd", "1.6.20")
                     .containerdDefault(kDefault)
                     .file(kContainerdConfig, containerdConfigWithCgroupDriver(kDefault, "systemd"))
                     .unit("containerd", "inactive", "enabled")
                     .build();
  EXPECT_EQ(described(RuntimeFacet().plan(desired(), stopped)),
            std::vector<std::string>{"systemctl start containerd"});
}

TEST(PackagesFacetTest, VersionMatching) {
  EXPECT_TRUE(PackagesFacet::versionMatches("1.34.2-1.1", "1.34.2"));
  EXPECT_FALSE(PackagesFacet::versionMatches("1.34.20-1.1", "1.34.2"));
  EXPECT_FALSE(PackagesFacet::versionMatches("1.34.1-1.1", "1.34.2"));
}

FactsBuilder convergedPackages(const HostDesired& d) {
  FactsBuilder b;
  b.file(kKubernetesKeyring, "\x99\x01binary-keyring")
      .file(kKubernetesSourcesFile, PackagesFacet::sourcesFileContent(d))
      .package("kubeadm", "1.34.2-1.1")
      .package("kubelet", "1.34.2-1.1")
      .package("kubectl", "1.34.2-1.1")
      .holds("kubeadm kubectl kubelet ");
  return b;
}

TEST(PackagesFacetTest, ConvergedHostHasEmptyPlan) {
  EXPECT_TRUE(PackagesFacet().plan(desired(), convergedPackages(desired()).build()).empty());
}

TEST(PackagesFacetTest, SourcesLineUsesSignedByAndTheMinorRepository) {
  EXPECT_EQ(PackagesFacet::sourcesFileContent(desired()).substr(
                PackagesFacet::sourcesFileContent(desired()).find("deb ")),
            "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] "
            "https://pkgs.k8s.io/core:/stable:/v1.34/deb/ /\n");
}

TEST(PackagesFacetTest, FreshHostGetsKeyRepositoryPackagesAndHolds) {
  auto plan = PackagesFacet().plan(desired(), FactsBuilder().build());
  ASSERT_EQ(plan.actions.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<InstallKeyringAction>(plan.actions[0]));
  EXPECT_TRUE(std::holds_alternative<WriteFileAction>(plan.actions[1]));
  auto& install = std::get<InstallPackagesAction>(plan.actions[2]);
  ASSERT_EQ(install.packages.size(), 3u);
  EXPECT_EQ(install.packages[0].to, "1.34.2-*");
  EXPECT_EQ(std::get<HoldPackagesAction>(plan.actions[3]).names.size(), 3u);
}

TEST(PackagesFacetTest, OtherVersionIsAnExplicitVersionChange) {
  auto facts = convergedPackages(desired()).package("kubelet", "1.34.1-1.1").build();
  auto plan = PackagesFacet().plan(desired(), facts);
  ASSERT_EQ(plan.actions.size(), 1u);
  std::string text = describeAction(plan.actions[0]);
  EXPECT_NE(text.find("kubelet: 1.34.1-1.1 -> 1.34.2-*  [version change"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("kubeadm"), std::string::npos);
}

TEST(PackagesFacetTest, UnheldPackageIsHeldAgain) {
  auto plan = PackagesFacet().plan(desired(), convergedPackages(desired()).holds("kubeadm ").build());
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(std::get<HoldPackagesAction>(plan.actions[0]).names,
            (std::vector<std::string>{"kubelet", "kubectl"}));
}

}  // namespace
}  // namespace piherd
