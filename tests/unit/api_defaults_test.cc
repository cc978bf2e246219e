// Defaulting (api/defaults.h) and the effective values other code uses: SSH settings merged
// from Cluster and Machine, sysctls and modules per role, package repository per minor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/defaults.h"
#include "api/kubernetes_version.h"
#include "api/manifest_set.h"

namespace piherd {
namespace {

Cluster minimalCluster() {
  Cluster c;
  c.metadata.name = "home";
  c.spec.kubernetesVersion = "1.34.2";
  c.spec.controlPlaneEndpoint = "192.168.3.10:6443";
  c.spec.networking.podSubnet = "10.244.0.0/16";
  return c;
}

TEST(ApiDefaultsTest, ClusterDefaults) {
  Cluster c = minimalCluster();
  applyDefaults(c);
  EXPECT_EQ(c.spec.networking.serviceSubnet, "10.96.0.0/12");
  EXPECT_EQ(c.spec.networking.dnsDomain, "cluster.local");
  EXPECT_EQ(c.spec.runtime.cgroupDriver, "systemd");
  EXPECT_EQ(c.spec.packages.repository, "https://pkgs.k8s.io/core:/stable:/v1.34/deb/");
  EXPECT_EQ(c.spec.packages.signingKey, "https://pkgs.k8s.io/core:/stable:/v1.34/deb/Release.key");
  EXPECT_EQ(c.spec.certificates.renewBeforeDays, 30);
  EXPECT_EQ(c.spec.cni.calico.mode, "BGP");
  EXPECT_EQ(c.spec.ssh.user, "ubuntu");
  EXPECT_EQ(c.spec.ssh.port, 22);
  EXPECT_EQ(c.spec.ssh.privateKeyFile, "~/.ssh/id_ed25519");
  EXPECT_EQ(c.spec.ssh.knownHostsFile, "~/.ssh/known_hosts");
  EXPECT_EQ(c.spec.controlPlaneEndpoint, "192.168.3.10:6443");
  EXPECT_TRUE(c.spec.kernel.sysctls.empty());  // required ones come from effectiveSysctls()
}

TEST(ApiDefaultsTest, WrittenValuesAreKeptEvenInvalidOnes) {
  Cluster c = minimalCluster();
  c.spec.networking.serviceSubnet = "10.100.0.0/16";
  c.spec.ssh.port = 0;  // invalid, and must stay so for validation to see it
  c.spec.ssh.user = "pi";
  c.spec.cni.calico.mode = "VXLAN";
  c.spec.certificates.renewBeforeDays = 60;
  c.spec.packages.repository = "https://mirror.lan/k8s/";
  applyDefaults(c);
  EXPECT_EQ(c.spec.networking.serviceSubnet, "10.100.0.0/16");
  EXPECT_EQ(c.spec.ssh.port, 0);
  EXPECT_EQ(c.spec.ssh.user, "pi");
  EXPECT_EQ(c.spec.cni.calico.mode, "VXLAN");
  EXPECT_EQ(c.spec.certificates.renewBeforeDays, 60);
  EXPECT_EQ(c.spec.packages.repository, "https://mirror.lan/k8s/");
  EXPECT_EQ(c.spec.packages.signingKey, "");  // never the official key for another repository
}

TEST(ApiDefaultsTest, VersionWithVIsNormalizedAndPicksTheMinorsRepository) {
  Cluster c = minimalCluster();
  c.spec.kubernetesVersion = "v1.31.7";
  applyDefaults(c);
  EXPECT_EQ(c.spec.kubernetesVersion, "1.31.7");
  EXPECT_EQ(c.spec.packages.repository, "https://pkgs.k8s.io/core:/stable:/v1.31/deb/");

  Cluster bad = minimalCluster();
  bad.spec.kubernetesVersion = "latest";
  applyDefaults(bad);
  EXPECT_EQ(bad.spec.kubernetesVersion, "latest");  // left for validation to report
  EXPECT_EQ(bad.spec.packages.repository, "");
}

TEST(ApiDefaultsTest, EndpointWithoutPortGets6443) {
  Cluster c = minimalCluster();
  c.spec.controlPlaneEndpoint = "192.168.3.10";
  applyDefaults(c);
  EXPECT_EQ(c.spec.controlPlaneEndpoint, "192.168.3.10:6443");
  auto hp = parseHostPort(c.spec.controlPlaneEndpoint);
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "192.168.3.10");
  EXPECT_EQ(hp->port, 6443);
}

TEST(ApiDefaultsTest, VirtualIPDefaults) {
  VirtualIP v;
  applyDefaults(v);
  EXPECT_EQ(v.spec.port, 6443);
  EXPECT_EQ(v.spec.vrrpVersion, 2);
  EXPECT_EQ(v.spec.advertIntervalSeconds, 1.0);
  EXPECT_FALSE(v.spec.virtualRouterID.has_value());  // required, never guessed
  v.spec.address = "192.168.3.10/24";
  EXPECT_EQ(vipHost(v), "192.168.3.10");
  EXPECT_EQ(vipPrefixLength(v), 24);
}

TEST(ApiDefaultsTest, MachineDefaultsLeaveRebootOff) {
  Machine m;
  applyDefaults(m);
  EXPECT_FALSE(m.spec.allowReboot);
}

TEST(ApiDefaultsTest, EffectiveSshMergesMachineOverCluster) {
  Cluster c = minimalCluster();
  c.spec.ssh.user = "pi";
  c.spec.ssh.port = 2200;
  c.spec.ssh.knownHostsFile = "/etc/piherd/known_hosts";
  Machine inherits;
  inherits.spec.address = "192.168.3.21";
  MachineSettings t = effectiveSsh(inherits, c);
  EXPECT_EQ(t, (MachineSettings{"192.168.3.21", 2200, "pi", "~/.ssh/id_ed25519",
                                "/etc/piherd/known_hosts", ""}));

  Machine overrides;
  overrides.spec.address = "192.168.3.22";
  overrides.spec.ssh = {"admin", 22, "keys/admin", "known", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"};
  t = effectiveSsh(overrides, c);
  EXPECT_EQ(t, (MachineSettings{"192.168.3.22", 22, "admin", "keys/admin", "known",
                                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA"}));

  applyDefaults(c);  // same answer whether or not the Cluster was defaulted
  EXPECT_EQ(effectiveSsh(inherits, c).privateKeyFile, "~/.ssh/id_ed25519");
  Cluster bare;
  EXPECT_EQ(effectiveSsh(inherits, bare),
            (MachineSettings{"192.168.3.21", 22, "ubuntu", "~/.ssh/id_ed25519",
                             "~/.ssh/known_hosts", ""}));
}

TEST(ApiDefaultsTest, EffectiveSysctlsDependOnTheRole) {
  Cluster c = minimalCluster();
  c.spec.kernel.sysctls = {{"vm.swappiness", "0"}, {"net.ipv4.ip_forward", "1"}};
  std::map<std::string, std::string> worker = {
      {"net.bridge.bridge-nf-call-iptables", "1"},
      {"net.bridge.bridge-nf-call-ip6tables", "1"},
      {"net.ipv4.ip_forward", "1"},
      {"vm.swappiness", "0"},
  };
  EXPECT_EQ(effectiveSysctls(c, kRoleWorker), worker);
  auto controlPlane = worker;
  controlPlane["net.ipv4.ip_nonlocal_bind"] = "1";
  EXPECT_EQ(effectiveSysctls(c, kRoleControlPlane), controlPlane);
}

TEST(ApiDefaultsTest, EffectiveModulesKeepOrderAndDropDuplicates) {
  Cluster c = minimalCluster();
  EXPECT_EQ(effectiveModules(c), (std::vector<std::string>{"overlay", "br_netfilter"}));
  c.spec.kernel.modules = {"wireguard", "overlay", "ip_vs"};
  EXPECT_EQ(effectiveModules(c),
            (std::vector<std::string>{"overlay", "br_netfilter", "wireguard", "ip_vs"}));
}

TEST(ApiDefaultsTest, FirstServiceIP) {
  Cluster c = minimalCluster();
  applyDefaults(c);
  EXPECT_EQ(firstServiceIP(c), "10.96.0.1");
  c.spec.networking.serviceSubnet = "172.20.0.0/16";
  EXPECT_EQ(firstServiceIP(c), "172.20.0.1");
  c.spec.networking.serviceSubnet = "bogus";
  EXPECT_EQ(firstServiceIP(c), "");
}

TEST(ApiDefaultsTest, KubernetesVersions) {
  auto v = parseKubernetesVersion("1.34.2");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->text(), "1.34.2");
  EXPECT_EQ(v->minorText(), "1.34");
  EXPECT_TRUE(v->supported());
  EXPECT_EQ(officialPackageRepository(*v), "https://pkgs.k8s.io/core:/stable:/v1.34/deb/");
  EXPECT_EQ(officialSigningKey(*v), "https://pkgs.k8s.io/core:/stable:/v1.34/deb/Release.key");
  EXPECT_TRUE(parseKubernetesVersion("v1.31.0")->supported());
  EXPECT_FALSE(parseKubernetesVersion("1.30.14")->supported());
  EXPECT_FALSE(parseKubernetesVersion("2.0.0")->supported());
  for (const char* bad : {"", "1.34", "1.34.2.1", "1.34.x", "1.034.2", "v", "1..2", "1.34.2-rc.0",
                          " 1.34.2", "+1.34.2"}) {
    EXPECT_FALSE(parseKubernetesVersion(bad)) << bad;
  }
}

TEST(ApiDefaultsTest, ManifestPathsResolveAgainstTheManifest) {
  SourceRef src{"/etc/piherd/cluster.yaml", 1};
  EXPECT_EQ(resolveManifestPath(src, "keys/pi"), "/etc/piherd/keys/pi");
  EXPECT_EQ(resolveManifestPath(src, "../pi"), "/etc/pi");
  EXPECT_EQ(resolveManifestPath(src, "/abs/key"), "/abs/key");
  EXPECT_EQ(resolveManifestPath(src, "~/.ssh/id_ed25519"), "~/.ssh/id_ed25519");
  EXPECT_EQ(resolveManifestPath(src, "https://x/calico.yaml"), "https://x/calico.yaml");
  EXPECT_EQ(resolveManifestPath(src, ""), "");
  EXPECT_EQ(resolveManifestPath(SourceRef{"cluster.yaml", 1}, "key"), "key");
}

TEST(ApiDefaultsTest, ManifestSetHelpers) {
  LoadResult r = loadValidatedManifests({std::string(PIHERD_SOURCE_DIR) + "/examples/seed-8pi"});
  ASSERT_TRUE(r.ok());
  const ManifestSet& s = r.set;
  ASSERT_NE(s.cluster(), nullptr);
  EXPECT_EQ(s.cluster()->metadata.name, "home");
  ASSERT_NE(s.apiServerVip(), nullptr);
  EXPECT_EQ(s.apiServerVip()->metadata.name, "apiserver");
  EXPECT_EQ(s.controlPlanes().size(), 3u);
  EXPECT_EQ(s.workers().size(), 4u);
  ASSERT_NE(s.findMachine("node04"), nullptr);
  EXPECT_EQ(s.findMachine("node04")->spec.address, "192.168.3.24");
  EXPECT_EQ(s.findMachine("node05"), nullptr);
  ASSERT_NE(s.findVirtualIP("apiserver"), nullptr);
  EXPECT_EQ(s.findVirtualIP("apiserver")->spec.vrrpVersion, 2);
}

}  // namespace
}  // namespace piherd
