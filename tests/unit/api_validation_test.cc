// Validation rules (api/validation.h), table-driven: each case breaks one rule of a valid
// set (the seed-8pi example) and names the diagnostic it must produce.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "api/defaults.h"
#include "api/manifest_set.h"
#include "api/validation.h"

namespace piherd {
namespace {

using ::testing::HasSubstr;

const LoadResult& example() {
  static const LoadResult loaded =
      loadManifests({std::string(PIHERD_SOURCE_DIR) + "/examples/seed-8pi"});
  return loaded;
}

Machine& machine(ManifestSet& s, const std::string& name) {
  for (auto& m : s.machines) {
    if (m.metadata.name == name) return m;
  }
  throw std::runtime_error("no machine " + name);
}
Cluster& cluster(ManifestSet& s) {
  return s.clusters.at(0);
}
VirtualIP& vip(ManifestSet& s) {
  return s.vips.at(0);
}

struct Case {
  std::string name;
  std::function<void(ManifestSet&)> breakIt;
  std::string expected;        // a substring of one formatted diagnostic
  bool onlyDiagnostic = true;  // no other error (or warning) besides it
  Severity severity = Severity::kError;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<std::string> formatAll(const std::vector<Diagnostic>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(formatDiagnostic(d));
  return out;
}

class ValidationRuleTest : public ::testing::TestWithParam<Case> {};

TEST(ApiValidationTest, TheExampleIsValid) {
  ASSERT_THAT(formatAll(example().diagnostics), ::testing::IsEmpty());
  ManifestSet set = example().set;
  applyDefaults(set);
  EXPECT_THAT(formatAll(validate(set)), ::testing::IsEmpty());
}

TEST_P(ValidationRuleTest, ReportsTheBrokenRule) {
  const Case& c = GetParam();
  ManifestSet set = example().set;
  c.breakIt(set);
  applyDefaults(set);
  auto diagnostics = validate(set);
  auto all = formatAll(diagnostics);
  auto found = std::find_if(diagnostics.begin(), diagnostics.end(), [&](const Diagnostic& d) {
    return formatDiagnostic(d).find(c.expected) != std::string::npos;
  });
  ASSERT_NE(found, diagnostics.end()) << "expected \"" << c.expected << "\" among:\n"
                                      << ::testing::PrintToString(all);
  EXPECT_EQ(found->severity, c.severity);
  if (c.onlyDiagnostic) {
    EXPECT_EQ(diagnostics.size(), 1u) << ::testing::PrintToString(all);
  }
}

const std::string kMachines = "seed-8pi/machines.yaml: ";
const std::string kCluster = "seed-8pi/cluster.yaml: Cluster/home: ";
const std::string kVip = "seed-8pi/vip.yaml: VirtualIP/apiserver: ";

std::vector<Case> cases() {
  return {
      // Names and references.
      {"NameIsNotALabel", [](auto& s) { machine(s, "node01").metadata.name = "Node_01"; },
       kMachines + "Machine/Node_01: metadata.name: \"Node_01\" is not a valid name: must be an "
                   "RFC 1123 label"},
      {"NameTooLong", [](auto& s) { machine(s, "node01").metadata.name = std::string(64, 'a'); },
       "metadata.name: \"" + std::string(64, 'a') + "\" is not a valid name"},
      {"NameMissing", [](auto& s) { machine(s, "node01").metadata.name = ""; },
       kMachines + "Machine (document 4, no metadata.name): metadata.name: required field is "
                   "not set"},
      {"DuplicateMachineName", [](auto& s) { machine(s, "node02").metadata.name = "node01"; },
       "Machine/node01: metadata.name: name \"node01\" is already used by Machine/node01 in"},
      {"DuplicateVipName",
       [](auto& s) {
         s.vips.push_back(s.vips[0]);
         s.vips[1].spec.address = "192.168.3.9/24";
         s.vips[1].spec.virtualRouterID = 52;
       },
       "VirtualIP/apiserver: metadata.name: name \"apiserver\" is already used by "
       "VirtualIP/apiserver"},
      {"MachineNamesUnknownCluster", [](auto& s) { machine(s, "node01").spec.cluster = "work"; },
       kMachines + "Machine/node01: spec.cluster: no Cluster named \"work\" (the Cluster is "
                   "\"home\")"},
      {"VipNamesUnknownCluster", [](auto& s) { vip(s).spec.cluster = "work"; },
       kVip + "spec.cluster: no Cluster named \"work\""},
      {"ClusterReferenceIsNotALabel", [](auto& s) { vip(s).spec.cluster = "Home"; },
       kVip + "spec.cluster: \"Home\" is not a valid Cluster name", false},
      {"NoCluster", [](auto& s) { s.clusters.clear(); },
       "no Cluster: a manifest set needs exactly one Cluster object"},
      {"TwoClusters",
       [](auto& s) {
         s.clusters.push_back(s.clusters[0]);
         s.clusters[1].metadata.name = "work";
       },
       "Cluster/work: a manifest set holds exactly one Cluster; Cluster/home in"},
      // Required fields.
      {"PodSubnetRequired", [](auto& s) { cluster(s).spec.networking.podSubnet = ""; },
       kCluster + "spec.networking.podSubnet: required field is not set"},
      {"VersionRequired", [](auto& s) { cluster(s).spec.kubernetesVersion = ""; },
       kCluster + "spec.kubernetesVersion: required field is not set"},
      {"EndpointRequired", [](auto& s) { cluster(s).spec.controlPlaneEndpoint = ""; },
       kCluster + "spec.controlPlaneEndpoint: required field is not set"},
      {"AddressRequired", [](auto& s) { machine(s, "node01").spec.address = ""; },
       "Machine/node01: spec.address: required field is not set"},
      {"RoleRequired", [](auto& s) { machine(s, "node01").spec.role = ""; },
       "Machine/node01: spec.role: required field is not set"},
      {"MachineClusterRequired", [](auto& s) { machine(s, "node01").spec.cluster = ""; },
       "Machine/node01: spec.cluster: required field is not set"},
      {"InterfaceRequired", [](auto& s) { vip(s).spec.interface = ""; },
       kVip + "spec.interface: required field is not set"},
      {"RouterIDRequired", [](auto& s) { vip(s).spec.virtualRouterID.reset(); },
       kVip + "spec.virtualRouterID: required field is not set"},
      // Enums.
      {"RoleEnum", [](auto& s) { machine(s, "node01").spec.role = "master"; },
       "Machine/node01: spec.role: \"master\" is not one of control-plane, worker"},
      {"CalicoModeEnum", [](auto& s) { cluster(s).spec.cni.calico.mode = "bgp"; },
       kCluster + "spec.cni.calico.mode: \"bgp\" is not one of BGP, VXLAN, IPIP"},
      {"CgroupDriverEnum", [](auto& s) { cluster(s).spec.runtime.cgroupDriver = "docker"; },
       kCluster + "spec.runtime.cgroupDriver: \"docker\" is not one of systemd, cgroupfs"},
      {"TaintEffectEnum",
       [](auto& s) {
         machine(s, "node01").spec.taints = {{"dedicated", "gpu", "Never"}};
       },
       "spec.taints[0].effect: \"Never\" is not one of NoSchedule, PreferNoSchedule, NoExecute"},
      {"TaintKeyRequired",
       [](auto& s) {
         machine(s, "node01").spec.taints = {{"", "", "NoSchedule"}};
       },
       "spec.taints[0].key: required field is not set"},
      {"StatusPhaseEnum", [](auto& s) { machine(s, "node01").status.phase = "Happy"; },
       "Machine/node01: status.phase: \"Happy\" is not one of Pending, Provisioning"},
      // Kubernetes version.
      {"VersionTooOld", [](auto& s) { cluster(s).spec.kubernetesVersion = "1.30.4"; },
       kCluster + "spec.kubernetesVersion: \"1.30.4\" is not supported: piherd supports "
                  "Kubernetes 1.31 and newer (kubeadm config v1beta4)"},
      {"VersionNotMajorOne", [](auto& s) { cluster(s).spec.kubernetesVersion = "2.0.0"; },
       "\"2.0.0\" is not supported"},
      {"VersionWithoutPatch", [](auto& s) { cluster(s).spec.kubernetesVersion = "1.34"; },
       kCluster + "spec.kubernetesVersion: \"1.34\" is not a Kubernetes version: write X.Y.Z"},
      {"VersionPrerelease", [](auto& s) { cluster(s).spec.kubernetesVersion = "1.34.0-rc.1"; },
       "\"1.34.0-rc.1\" is not a Kubernetes version"},
      // Addresses and subnets.
      {"MachineAddressNotIPv4",
       [](auto& s) { machine(s, "master01").spec.address = "192.168.3.300"; },
       kMachines + "Machine/master01: spec.address: \"192.168.3.300\" is not an IPv4 address"},
      {"MachineAddressHostname", [](auto& s) { machine(s, "node01").spec.address = "node01.lan"; },
       "Machine/node01: spec.address: \"node01.lan\" is not an IPv4 address"},
      {"MachineAddressLoopback", [](auto& s) { machine(s, "node01").spec.address = "127.0.0.1"; },
       "Machine/node01: spec.address: \"127.0.0.1\" is not a usable host address"},
      {"DuplicateMachineAddress",
       [](auto& s) { machine(s, "node02").spec.address = "192.168.3.21"; },
       "Machine/node02: spec.address: 192.168.3.21 is already the address of Machine/node01 in"},
      {"MachineUsesTheVip", [](auto& s) { machine(s, "node01").spec.address = "192.168.3.10"; },
       "Machine/node01: spec.address: 192.168.3.10 is the virtual address of VirtualIP/apiserver"},
      {"PodSubnetNotACidr", [](auto& s) { cluster(s).spec.networking.podSubnet = "10.244.0.0"; },
       kCluster + "spec.networking.podSubnet: \"10.244.0.0\" is not an IPv4 CIDR (A.B.C.D/N)"},
      {"PodSubnetBadPrefix",
       [](auto& s) { cluster(s).spec.networking.podSubnet = "10.244.0.0/33"; },
       "spec.networking.podSubnet: \"10.244.0.0/33\" is not an IPv4 CIDR"},
      {"PodSubnetHostBits", [](auto& s) { cluster(s).spec.networking.podSubnet = "10.244.1.0/16"; },
       "spec.networking.podSubnet: \"10.244.1.0/16\" has host bits set; the network is "
       "10.244.0.0/16"},
      {"PodSubnetTooSmall", [](auto& s) { cluster(s).spec.networking.podSubnet = "10.244.0.0/25"; },
       "spec.networking.podSubnet: \"10.244.0.0/25\" is too small"},
      {"ServiceSubnetTooLarge",
       [](auto& s) { cluster(s).spec.networking.serviceSubnet = "10.0.0.0/8"; },
       "spec.networking.serviceSubnet: \"10.0.0.0/8\" is too large", false},
      {"PodAndServiceSubnetsOverlap",
       [](auto& s) { cluster(s).spec.networking.podSubnet = "10.96.0.0/16"; },
       kCluster + "spec.networking.serviceSubnet: 10.96.0.0/12 overlaps podSubnet 10.96.0.0/16"},
      {"PodSubnetCoversTheLan",
       [](auto& s) { cluster(s).spec.networking.podSubnet = "192.168.0.0/16"; },
       "Machine/master01: spec.address: 192.168.3.11 lies in the pod subnet 192.168.0.0/16", false},
      {"ServiceSubnetCoversTheVip",
       [](auto& s) { cluster(s).spec.networking.serviceSubnet = "192.168.0.0/16"; },
       kVip + "spec.address: 192.168.3.10 lies in the service subnet 192.168.0.0/16", false},
      {"VipSubnetOverlapsPodSubnet",
       [](auto& s) {
         vip(s).spec.address = "192.168.3.10/22";
         cluster(s).spec.networking.podSubnet = "192.168.0.0/24";
       },
       kVip + "spec.address: its subnet 192.168.0.0/22 overlaps the pod subnet 192.168.0.0/24"},
      {"DnsDomain", [](auto& s) { cluster(s).spec.networking.dnsDomain = "Cluster_Local"; },
       "spec.networking.dnsDomain: \"Cluster_Local\" is not a DNS domain"},
      // The VIP and the endpoint.
      {"VipWithoutPrefix", [](auto& s) { vip(s).spec.address = "192.168.3.10"; },
       kVip + "spec.address: \"192.168.3.10\" needs the prefix length of its subnet, e.g. "
              "\"192.168.3.10/24\""},
      {"VipNotAnAddress", [](auto& s) { vip(s).spec.address = "192.168.3.256/24"; },
       kVip + "spec.address: \"192.168.3.256/24\" is not an IPv4 address with a prefix length",
       false},
      {"VipIsTheNetworkAddress", [](auto& s) { vip(s).spec.address = "192.168.3.0/24"; },
       kVip + "spec.address: \"192.168.3.0/24\" is the network address of 192.168.3.0/24; the "
              "VIP must be a host address inside its subnet",
       false},
      {"VipIsTheBroadcastAddress", [](auto& s) { vip(s).spec.address = "192.168.3.255/24"; },
       "is the broadcast address of 192.168.3.0/24", false},
      {"VipWithoutASubnet", [](auto& s) { vip(s).spec.address = "192.168.3.10/32"; },
       kVip + "spec.address: \"192.168.3.10/32\": the prefix length must be that of the "
              "machines' subnet"},
      {"EndpointIsNotTheVip",
       [](auto& s) { cluster(s).spec.controlPlaneEndpoint = "192.168.3.99:6443"; },
       kCluster + "spec.controlPlaneEndpoint: 192.168.3.99 is not the address of any VirtualIP; "
                  "the endpoint must be a VirtualIP's address and port"},
      {"NoVipAtAll", [](auto& s) { s.vips.clear(); },
       "192.168.3.10 is not the address of any VirtualIP (there is none)"},
      {"EndpointPortDiffers",
       [](auto& s) { cluster(s).spec.controlPlaneEndpoint = "192.168.3.10:8443"; },
       kCluster + "spec.controlPlaneEndpoint: port 8443 differs from VirtualIP/apiserver in"},
      {"EndpointNotHostPort",
       [](auto& s) { cluster(s).spec.controlPlaneEndpoint = "https://192.168.3.10:6443"; },
       kCluster + "spec.controlPlaneEndpoint: \"https://192.168.3.10:6443\" is not "
                  "IPv4-ADDRESS:PORT"},
      {"EndpointPortOutOfRange",
       [](auto& s) { cluster(s).spec.controlPlaneEndpoint = "192.168.3.10:70000"; },
       kCluster + "spec.controlPlaneEndpoint: port 70000 is out of range: must be 1-65535"},
      {"ControlPlaneOutsideVipSubnet",
       [](auto& s) { machine(s, "master03").spec.address = "192.168.4.13"; },
       "Machine/master03: spec.address: 192.168.4.13 is not in VirtualIP/apiserver in"},
      {"DuplicateVipAddress",
       [](auto& s) {
         s.vips.push_back(s.vips[0]);
         s.vips[1].metadata.name = "second";
         s.vips[1].spec.virtualRouterID = 52;
       },
       "VirtualIP/second: spec.address: 192.168.3.10 is already the address of "
       "VirtualIP/apiserver in"},
      {"DuplicateRouterID",
       [](auto& s) {
         s.vips.push_back(s.vips[0]);
         s.vips[1].metadata.name = "ingress";
         s.vips[1].spec.address = "192.168.3.9/24";
       },
       "VirtualIP/ingress: spec.virtualRouterID: 51 is already used by VirtualIP/apiserver in"},
      {"SecondVipOutsideTheControlPlanesSubnet",
       [](auto& s) {
         s.vips.push_back(s.vips[0]);
         s.vips[1].metadata.name = "ingress";
         s.vips[1].spec.address = "192.168.7.9/24";
         s.vips[1].spec.virtualRouterID = 52;
       },
       "VirtualIP/ingress: spec.address: its subnet 192.168.7.0/24 does not hold control plane "
       "Machine/master01"},
      {"InterfaceName", [](auto& s) { vip(s).spec.interface = "eth0; reboot"; },
       kVip + "spec.interface: \"eth0; reboot\" is not a network interface name"},
      // Numbers.
      {"RouterIDZero", [](auto& s) { vip(s).spec.virtualRouterID = 0; },
       kVip + "spec.virtualRouterID: 0 is out of range: must be 1-255"},
      {"RouterIDTooBig", [](auto& s) { vip(s).spec.virtualRouterID = 256; },
       kVip + "spec.virtualRouterID: 256 is out of range: must be 1-255"},
      {"VipPortTooBig",
       [](auto& s) {
         vip(s).spec.port = 65536;
         cluster(s).spec.controlPlaneEndpoint = "192.168.3.10:6443";
       },
       kVip + "spec.port: 65536 is out of range: must be 1-65535", false},
      {"SshPortZero", [](auto& s) { cluster(s).spec.ssh.port = 0; },
       kCluster + "spec.ssh.port: 0 is out of range: must be 1-65535"},
      {"MachineSshPortTooBig", [](auto& s) { machine(s, "node01").spec.ssh.port = 65536; },
       "Machine/node01: spec.ssh.port: 65536 is out of range: must be 1-65535"},
      {"RenewBeforeDays", [](auto& s) { cluster(s).spec.certificates.renewBeforeDays = 0; },
       "spec.certificates.renewBeforeDays: 0 is out of range: must be 1-3650"},
      {"VrrpVersion", [](auto& s) { vip(s).spec.vrrpVersion = 4; },
       kVip + "spec.vrrpVersion: 4 is out of range: must be 2-3"},
      // VRRP pitfalls.
      {"Vrrp3WithPassword",
       [](auto& s) {
         vip(s).spec.vrrpVersion = 3;
         vip(s).spec.authPasswordFile = "/etc/piherd/vrrp-password";
       },
       kVip + "spec.authPasswordFile: VRRPv3 has no authentication (keepalived's auth_type PASS "
              "is VRRPv2 only)"},
      {"SubSecondAdvertNeedsVrrp3", [](auto& s) { vip(s).spec.advertIntervalSeconds = 0.2; },
       kVip + "spec.advertIntervalSeconds: 0.2 needs vrrpVersion 3"},
      {"FractionalAdvertNeedsVrrp3", [](auto& s) { vip(s).spec.advertIntervalSeconds = 1.5; },
       kVip + "spec.advertIntervalSeconds: 1.5 is not a whole number of seconds"},
      {"AdvertTooLongForVrrp3",
       [](auto& s) {
         vip(s).spec.vrrpVersion = 3;
         vip(s).spec.advertIntervalSeconds = 41;
       },
       kVip + "spec.advertIntervalSeconds: 41 is out of range for VRRPv3: must be 0.01-40.95"},
      {"AdvertResolutionOfVrrp3",
       [](auto& s) {
         vip(s).spec.vrrpVersion = 3;
         vip(s).spec.advertIntervalSeconds = 0.125;
       },
       "spec.advertIntervalSeconds: 0.125 is not a multiple of 0.01 s"},
      {"AdvertZero", [](auto& s) { vip(s).spec.advertIntervalSeconds = 0; },
       kVip + "spec.advertIntervalSeconds: 0 is out of range: must be 0.01-255"},
      // Control planes.
      {"NoControlPlane",
       [](auto& s) {
         for (auto& m : s.machines) m.spec.role = "worker";
       },
       kCluster + "no Machine has role control-plane; at least one is needed"},
      {"EvenControlPlanesWarn", [](auto& s) { machine(s, "node01").spec.role = "control-plane"; },
       kCluster + "warning: 4 control-plane machines: an even number tolerates no more failures",
       true, Severity::kWarning},
      // Kernel, packages, certificates, SSH, labels.
      {"SysctlName", [](auto& s) { cluster(s).spec.kernel.sysctls["vm swappiness"] = "0"; },
       "spec.kernel.sysctls[vm swappiness]: \"vm swappiness\" is not a sysctl name"},
      {"SysctlValue", [](auto& s) { cluster(s).spec.kernel.sysctls["vm.swappiness"] = "0\n1"; },
       "spec.kernel.sysctls[vm.swappiness]: \"0\\n1\" is not a sysctl value"},
      {"RequiredSysctlCannotBeTurnedOff",
       [](auto& s) { cluster(s).spec.kernel.sysctls["net.ipv4.ip_forward"] = "0"; },
       "spec.kernel.sysctls[net.ipv4.ip_forward]: must be 1: Kubernetes needs it"},
      {"ModuleName",
       [](auto& s) {
         cluster(s).spec.kernel.modules = {"br_netfilter", "a b"};
       },
       "spec.kernel.modules[1]: \"a b\" is not a kernel module name"},
      {"ModuleTwice",
       [](auto& s) {
         cluster(s).spec.kernel.modules = {"wireguard", "wireguard"};
       },
       "spec.kernel.modules[1]: \"wireguard\" is listed twice"},
      {"RepositoryNotAUrl",
       [](auto& s) {
         cluster(s).spec.packages.repository = "pkgs.k8s.io/core";
         cluster(s).spec.packages.signingKey = "/etc/apt/keyrings/k8s.asc";
       },
       "spec.packages.repository: \"pkgs.k8s.io/core\" is not an http:// or https:// URL"},
      {"CustomRepositoryNeedsAKey",
       [](auto& s) { cluster(s).spec.packages.repository = "http://10.0.0.1/k8s/"; },
       "spec.packages.signingKey: required field is not set: a custom repository needs its "
       "signing key"},
      {"ExtraSan",
       [](auto& s) {
         cluster(s).spec.certificates.extraSANs = {"api.lan", "a b"};
       },
       "spec.certificates.extraSANs[1]: \"a b\" is neither an IPv4 address nor a DNS name"},
      {"SshUser", [](auto& s) { machine(s, "node01").spec.ssh.user = "root -oProxyCommand=x"; },
       "Machine/node01: spec.ssh.user: \"root -oProxyCommand=x\" is not a valid user name"},
      {"HostKey", [](auto& s) { machine(s, "node01").spec.ssh.hostKey = "AAAAC3NzaC1lZDI1NTE5"; },
       "Machine/node01: spec.ssh.hostKey: \"AAAAC3NzaC1lZDI1NTE5\" is not an SSH public key"},
      {"KeyFileOnOneLine",
       [](auto& s) { cluster(s).spec.ssh.privateKeyFile = "~/.ssh/id\nrm -rf /"; },
       "spec.ssh.privateKeyFile: \"~/.ssh/id\\nrm -rf /\" must be one line of text"},
      {"LabelKey", [](auto& s) { machine(s, "node01").spec.labels["-bad"] = "x"; },
       "Machine/node01: spec.labels[-bad]: \"-bad\" is not a valid label key"},
      {"LabelValue", [](auto& s) { machine(s, "node01").spec.labels["disk"] = "fast ssd"; },
       "Machine/node01: spec.labels[disk]: \"fast ssd\" is not a valid label value"},
  };
}

INSTANTIATE_TEST_SUITE_P(Rules, ValidationRuleTest, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.name; });

TEST(ApiValidationTest, ValidVariantsPass) {
  std::vector<std::function<void(ManifestSet&)>> variants = {
      [](auto& s) {  // fast failover
        vip(s).spec.vrrpVersion = 3;
        vip(s).spec.advertIntervalSeconds = 0.2;
      },
      [](auto& s) { vip(s).spec.authPasswordFile = "vrrp-password"; },  // VRRPv2 auth
      [](auto& s) { cluster(s).spec.kubernetesVersion = "v1.31.0"; },
      [](auto& s) { cluster(s).spec.kubernetesVersion = "1.40.12"; },
      [](auto& s) { machine(s, "node01").spec.address = "192.168.4.21"; },  // routed worker
      [](auto& s) {
        machine(s, "node01").spec.taints = {{"dedicated", "gpu", "NoSchedule"}};
        machine(s, "node01").spec.labels = {{"piherd.io/disk", "ssd"}, {"zone", ""}};
        machine(s, "node01").spec.ssh = {"pi", 2222, "keys/pi", "known",
                                         "ssh-ed25519 "
                                         "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9o"};
      },
      [](auto& s) {
        cluster(s).spec.kernel.sysctls = {{"net.ipv4.ip_forward", "1"},
                                          {"vm.swappiness", "0"},
                                          {"net.ipv4.tcp_rmem", "4096 87380 6291456"}};
        cluster(s).spec.kernel.modules = {"wireguard"};
        cluster(s).spec.certificates.extraSANs = {"192.168.3.10", "k8s.home.lan", "*.home.lan"};
        cluster(s).spec.packages = {"https://mirror.lan/k8s/v1.34/deb/", "/etc/keys/k8s.asc"};
      },
  };
  for (size_t i = 0; i < variants.size(); ++i) {
    ManifestSet set = example().set;
    variants[i](set);
    applyDefaults(set);
    EXPECT_THAT(formatAll(validate(set)), ::testing::IsEmpty()) << "variant " << i;
  }
}

TEST(ApiValidationTest, EveryErrorIsCollected) {
  ManifestSet set = example().set;
  machine(set, "node01").spec.address = "192.168.3.300";
  machine(set, "node02").spec.role = "boss";
  vip(set).spec.virtualRouterID = 0;
  cluster(set).spec.kubernetesVersion = "1.29.0";
  applyDefaults(set);
  auto diagnostics = validate(set);
  EXPECT_EQ(countErrors(diagnostics), 4u) << ::testing::PrintToString(formatAll(diagnostics));
  for (const auto& d : diagnostics) {
    EXPECT_FALSE(d.file.empty());
    EXPECT_FALSE(d.kind.empty());
    EXPECT_FALSE(d.name.empty());
    EXPECT_FALSE(d.fieldPath.empty());
  }
}

}  // namespace
}  // namespace piherd
