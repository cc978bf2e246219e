// kubeadm's configuration (reconcilers/kubeadm_config.h): the v1beta4 documents parsed back
// with yaml-cpp carry exactly the fields piherd means (podSubnet at the top of networking,
// certSANs with the VIP, extraArgs as lists, the token only in the JoinConfiguration), bad
// input is refused with errors that name the field, the init control plane rule, bootstrap
// tokens and the CA cert hash (checked against OpenSSL directly).
#include "reconcilers/kubeadm_config.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "api/manifest_set.h"
#include "controller/vip_desired.h"
#include "platform/base64.h"
#include "platform/pki.h"

namespace piherd {
namespace {

constexpr const char* kToken = "abcdef.0123456789abcdef";
const std::string kHash = "sha256:" + std::string(64, 'a');

ManifestSet seed() {
  LoadResult r = loadValidatedManifests({std::string(PIHERD_SOURCE_DIR) + "/examples/seed-8pi"});
  EXPECT_TRUE(r.ok());
  return r.set;
}

const Machine& machine(const ManifestSet& set, std::string_view name) {
  const Machine* m = set.findMachine(name);
  EXPECT_NE(m, nullptr) << name;
  return *m;
}

std::vector<YAML::Node> documents(const std::string& text) {
  return YAML::LoadAll(text);
}

std::map<std::string, YAML::Node> byKind(const std::string& text) {
  std::map<std::string, YAML::Node> out;
  for (const YAML::Node& d : documents(text)) out[d["kind"].as<std::string>()] = d;
  return out;
}

std::set<std::string> keys(const YAML::Node& map) {
  std::set<std::string> out;
  for (const auto& kv : map) out.insert(kv.first.as<std::string>());
  return out;
}

std::string initText(const ManifestSet& set, std::string_view name = "master01") {
  auto text = kubeadmInitConfig(*set.cluster(), set.vips.front(), machine(set, name));
  EXPECT_TRUE(text.has_value()) << (text ? "" : text.error().message);
  return text.value_or("");
}

KubeadmJoinConfig joinConfig(const ManifestSet& set, std::string_view name,
                             const char* token = kToken) {
  auto t = BootstrapToken::fromText(token);
  EXPECT_TRUE(t.has_value());
  auto c = kubeadmJoinConfig(*set.cluster(), set.vips.front(), machine(set, name), *t, kHash);
  EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().message);
  return *c;
}

// The kubelet flags of a nodeRegistration as name -> value, checking they are a v1beta4 list
// of {name, value} maps.
std::map<std::string, std::string> kubeletArgs(const YAML::Node& nodeRegistration) {
  const YAML::Node args = nodeRegistration["kubeletExtraArgs"];
  EXPECT_TRUE(args.IsSequence());
  std::map<std::string, std::string> out;
  for (const YAML::Node& a : args) {
    EXPECT_TRUE(a.IsMap());
    EXPECT_EQ(keys(a), (std::set<std::string>{"name", "value"}));
    out[a["name"].as<std::string>()] = a["value"].as<std::string>();
  }
  return out;
}

std::vector<std::string> taints(const YAML::Node& nodeRegistration) {
  std::vector<std::string> out;
  EXPECT_TRUE(nodeRegistration["taints"].IsSequence());
  for (const YAML::Node& t : nodeRegistration["taints"]) {
    std::string s = t["key"].as<std::string>();
    if (t["value"]) s += "=" + t["value"].as<std::string>();
    out.push_back(s + ":" + t["effect"].as<std::string>());
  }
  return out;
}

Error errorOfInit(const Cluster& c, const VirtualIP& v, const Machine& m) {
  auto r = kubeadmInitConfig(c, v, m);
  EXPECT_FALSE(r.has_value());
  return r ? Error{} : r.error();
}

// ---- the init config ------------------------------------------------------------------------

TEST(KubeadmInitConfigTest, ThreeV1beta4DocumentsInOrder) {
  ManifestSet set = seed();
  std::vector<YAML::Node> docs = documents(initText(set));
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0]["kind"].as<std::string>(), "InitConfiguration");
  EXPECT_EQ(docs[1]["kind"].as<std::string>(), "ClusterConfiguration");
  EXPECT_EQ(docs[2]["kind"].as<std::string>(), "KubeletConfiguration");
  EXPECT_EQ(docs[0]["apiVersion"].as<std::string>(), "kubeadm.k8s.io/v1beta4");
  EXPECT_EQ(docs[1]["apiVersion"].as<std::string>(), "kubeadm.k8s.io/v1beta4");
  EXPECT_EQ(docs[2]["apiVersion"].as<std::string>(), "kubelet.config.k8s.io/v1beta1");
}

TEST(KubeadmInitConfigTest, ClusterConfigurationHasNetworkingAtTheTopLevel) {
  ManifestSet set = seed();
  YAML::Node c = byKind(initText(set))["ClusterConfiguration"];
  EXPECT_EQ(keys(c), (std::set<std::string>{"apiVersion", "kind", "clusterName",
                                            "kubernetesVersion", "controlPlaneEndpoint",
                                            "certificatesDir", "networking", "apiServer"}));
  EXPECT_EQ(keys(c["networking"]),
            (std::set<std::string>{"podSubnet", "serviceSubnet", "dnsDomain"}));
  EXPECT_EQ(c["networking"]["podSubnet"].as<std::string>(), "10.244.0.0/16");
  EXPECT_EQ(c["networking"]["serviceSubnet"].as<std::string>(), "10.96.0.0/12");
  EXPECT_EQ(c["networking"]["dnsDomain"].as<std::string>(), "cluster.local");
  // The seed's mistake: nothing of networking under apiServer (kubeadm drops it there).
  EXPECT_EQ(keys(c["apiServer"]), (std::set<std::string>{"certSANs"}));
  EXPECT_EQ(c["kubernetesVersion"].as<std::string>(), "v1.34.2");
  EXPECT_EQ(c["controlPlaneEndpoint"].as<std::string>(), "192.168.3.10:6443");
  EXPECT_EQ(c["clusterName"].as<std::string>(), "home");
  EXPECT_EQ(c["certificatesDir"].as<std::string>(), "/etc/kubernetes/pki");
}

TEST(KubeadmInitConfigTest, CertSansHoldTheVipAndTheExtraSans) {
  ManifestSet set = seed();
  Cluster& cluster = set.clusters.front();
  cluster.spec.certificates.extraSANs = {"k8s.home.lan", "192.168.3.10", "10.0.0.5"};
  YAML::Node c = byKind(initText(set))["ClusterConfiguration"];
  // The VIP once (an extra SAN repeating it is not written twice), then the extras in order.
  EXPECT_EQ(c["apiServer"]["certSANs"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"192.168.3.10", "k8s.home.lan", "10.0.0.5"}));
}

TEST(KubeadmInitConfigTest, InitConfigurationRegistersTheNode) {
  ManifestSet set = seed();
  Machine& m = set.machines.front();
  ASSERT_EQ(m.metadata.name, "master01");
  m.spec.labels = {{"topology.kubernetes.io/zone", "shelf-1"}, {"disk", "ssd"}};
  m.spec.taints = {{"dedicated", "infra", "NoExecute"}};
  YAML::Node init = byKind(initText(set))["InitConfiguration"];
  EXPECT_EQ(keys(init), (std::set<std::string>{"apiVersion", "kind", "bootstrapTokens",
                                               "localAPIEndpoint", "nodeRegistration"}));
  EXPECT_EQ(init["localAPIEndpoint"]["advertiseAddress"].as<std::string>(), "192.168.3.11");
  EXPECT_EQ(init["localAPIEndpoint"]["bindPort"].as<int>(), 6443);
  YAML::Node reg = init["nodeRegistration"];
  EXPECT_EQ(keys(reg), (std::set<std::string>{"name", "criSocket", "kubeletExtraArgs", "taints"}));
  EXPECT_EQ(reg["name"].as<std::string>(), "master01");
  EXPECT_EQ(reg["criSocket"].as<std::string>(), "unix:///run/containerd/containerd.sock");
  EXPECT_EQ(kubeletArgs(reg),
            (std::map<std::string, std::string>{
                {"node-ip", "192.168.3.11"},
                {"node-labels", "disk=ssd,topology.kubernetes.io/zone=shelf-1"}}));
  EXPECT_EQ(taints(reg),
            (std::vector<std::string>{"node-role.kubernetes.io/control-plane:NoSchedule",
                                      "dedicated=infra:NoExecute"}));
}

TEST(KubeadmInitConfigTest, NoLabelsNoNodeLabelsFlag) {
  ManifestSet set = seed();
  YAML::Node reg = byKind(initText(set))["InitConfiguration"]["nodeRegistration"];
  EXPECT_EQ(kubeletArgs(reg), (std::map<std::string, std::string>{{"node-ip", "192.168.3.11"}}));
}

TEST(KubeadmInitConfigTest, AControlPlaneTaintOfTheMachineReplacesKubeadmsDefault) {
  ManifestSet set = seed();
  set.machines.front().spec.taints = {{std::string(kControlPlaneTaintKey), "", "PreferNoSchedule"}};
  YAML::Node reg = byKind(initText(set))["InitConfiguration"]["nodeRegistration"];
  EXPECT_EQ(taints(reg),
            (std::vector<std::string>{"node-role.kubernetes.io/control-plane:PreferNoSchedule"}));
}

TEST(KubeadmInitConfigTest, StringsThatLookLikeOtherTypesStayStrings) {
  ManifestSet set = seed();
  set.machines.front().spec.taints = {{"gpu", "true", "NoSchedule"}, {"zone", "1", "NoSchedule"}};
  const std::string text = initText(set);
  // Quoted, so kubeadm's decoder reads strings (a bare true or 1 would not decode as one).
  EXPECT_NE(text.find("value: \"true\""), std::string::npos) << text;
  EXPECT_NE(text.find("value: \"1\""), std::string::npos) << text;
}

TEST(KubeadmInitConfigTest, InitCarriesNoTokenAndShortensKubeadmsOwn) {
  ManifestSet set = seed();
  const std::string text = initText(set);
  YAML::Node init = byKind(text)["InitConfiguration"];
  ASSERT_TRUE(init["bootstrapTokens"].IsSequence());
  ASSERT_EQ(init["bootstrapTokens"].size(), 1u);
  YAML::Node t = init["bootstrapTokens"][0];
  EXPECT_FALSE(t["token"]) << "kubeadm makes the init token; the file holds no secret";
  EXPECT_EQ(t["ttl"].as<std::string>(), "15m0s");
  EXPECT_EQ(t["usages"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"signing", "authentication"}));
  EXPECT_EQ(t["groups"].as<std::vector<std::string>>(),
            (std::vector<std::string>{"system:bootstrappers:kubeadm:default-node-token"}));
  EXPECT_EQ(text.find("discovery"), std::string::npos);
}

TEST(KubeadmInitConfigTest, KubeletConfigurationHasTheClustersCgroupDriver) {
  ManifestSet set = seed();
  YAML::Node k = byKind(initText(set))["KubeletConfiguration"];
  EXPECT_EQ(keys(k), (std::set<std::string>{"apiVersion", "kind", "cgroupDriver"}));
  EXPECT_EQ(k["cgroupDriver"].as<std::string>(), "systemd");
  set.clusters.front().spec.runtime.cgroupDriver = "cgroupfs";
  EXPECT_EQ(byKind(initText(set))["KubeletConfiguration"]["cgroupDriver"].as<std::string>(),
            "cgroupfs");
}

TEST(KubeadmInitConfigTest, SameObjectsSameBytes) {
  ManifestSet set = seed();
  EXPECT_EQ(initText(set), initText(set));
}

TEST(KubeadmInitConfigTest, AVipOnAnotherPortBindsTheApiserverThere) {
  ManifestSet set = seed();
  set.vips.front().spec.port = 8443;
  set.clusters.front().spec.controlPlaneEndpoint = "192.168.3.10:8443";
  auto docs = byKind(initText(set));
  EXPECT_EQ(docs["InitConfiguration"]["localAPIEndpoint"]["bindPort"].as<int>(), 8443);
  EXPECT_EQ(docs["ClusterConfiguration"]["controlPlaneEndpoint"].as<std::string>(),
            "192.168.3.10:8443");
}

// ---- bad input ----------------------------------------------------------------------------

TEST(KubeadmConfigErrorsTest, InitOnAWorkerIsRefused) {
  ManifestSet set = seed();
  Error e = errorOfInit(*set.cluster(), set.vips.front(), machine(set, "node01"));
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(e.message.find("Machine/node01: spec.role"), std::string::npos) << e.message;
}

TEST(KubeadmConfigErrorsTest, AnEndpointThatIsNotTheVipIsRefused) {
  ManifestSet set = seed();
  set.clusters.front().spec.controlPlaneEndpoint = "192.168.3.11:6443";
  Error e = errorOfInit(*set.cluster(), set.vips.front(), machine(set, "master01"));
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(e.message.find("Cluster/home: spec.controlPlaneEndpoint"), std::string::npos)
      << e.message;
  EXPECT_NE(e.message.find("192.168.3.10:6443"), std::string::npos) << e.message;
}

TEST(KubeadmConfigErrorsTest, AnEmptyPodSubnetIsRefused) {
  ManifestSet set = seed();
  set.clusters.front().spec.networking.podSubnet = "";
  Error e = errorOfInit(*set.cluster(), set.vips.front(), machine(set, "master01"));
  EXPECT_NE(e.message.find("spec.networking.podSubnet"), std::string::npos) << e.message;
}

TEST(KubeadmConfigErrorsTest, AnUnsupportedVersionIsRefused) {
  ManifestSet set = seed();
  set.clusters.front().spec.kubernetesVersion = "1.30.4";
  Error e = errorOfInit(*set.cluster(), set.vips.front(), machine(set, "master01"));
  EXPECT_NE(e.message.find("spec.kubernetesVersion"), std::string::npos) << e.message;
}

TEST(KubeadmConfigErrorsTest, ALabelKubeletRefusesIsRefused) {
  ManifestSet set = seed();
  set.machines.front().spec.labels = {{"node-role.kubernetes.io/worker", ""}};
  Error e = errorOfInit(*set.cluster(), set.vips.front(), machine(set, "master01"));
  EXPECT_NE(e.message.find("Machine/master01: spec.labels.node-role.kubernetes.io/worker"),
            std::string::npos)
      << e.message;
}

TEST(KubeadmConfigErrorsTest, AMachineOfAnotherClusterIsRefused) {
  ManifestSet set = seed();
  set.machines.front().spec.cluster = "office";
  Error e = errorOfInit(*set.cluster(), set.vips.front(), machine(set, "master01"));
  EXPECT_NE(e.message.find("spec.cluster"), std::string::npos) << e.message;
}

TEST(KubeadmConfigErrorsTest, AnUnknownCgroupDriverIsRefused) {
  ManifestSet set = seed();
  set.clusters.front().spec.runtime.cgroupDriver = "docker";
  Error e = errorOfInit(*set.cluster(), set.vips.front(), machine(set, "master01"));
  EXPECT_NE(e.message.find("spec.runtime.cgroupDriver"), std::string::npos) << e.message;
}

TEST(KubeadmConfigErrorsTest, ABadCaHashIsRefused) {
  ManifestSet set = seed();
  auto token = BootstrapToken::fromText(kToken);
  ASSERT_TRUE(token);
  for (std::string bad : {std::string("sha256:abc"), std::string("md5:") + std::string(64, 'a'),
                          "sha256:" + std::string(64, 'A'), std::string()}) {
    auto c =
        kubeadmJoinConfig(*set.cluster(), set.vips.front(), machine(set, "node01"), *token, bad);
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  }
}

// ---- the join config ----------------------------------------------------------------------

TEST(KubeadmJoinConfigTest, AWorkerJoinsThroughTheVipPinningTheCa) {
  ManifestSet set = seed();
  KubeadmJoinConfig c = joinConfig(set, "node01");
  std::vector<YAML::Node> docs = documents(c.secretFileContent());
  ASSERT_EQ(docs.size(), 1u);
  YAML::Node j = docs[0];
  EXPECT_EQ(j["apiVersion"].as<std::string>(), "kubeadm.k8s.io/v1beta4");
  EXPECT_EQ(j["kind"].as<std::string>(), "JoinConfiguration");
  EXPECT_EQ(keys(j),
            (std::set<std::string>{"apiVersion", "kind", "discovery", "nodeRegistration"}));
  EXPECT_EQ(keys(j["discovery"]), (std::set<std::string>{"bootstrapToken"}));
  YAML::Node bt = j["discovery"]["bootstrapToken"];
  EXPECT_EQ(keys(bt), (std::set<std::string>{"apiServerEndpoint", "token", "caCertHashes"}));
  EXPECT_EQ(bt["apiServerEndpoint"].as<std::string>(), "192.168.3.10:6443");
  EXPECT_EQ(bt["token"].as<std::string>(), kToken);
  EXPECT_EQ(bt["caCertHashes"].as<std::vector<std::string>>(), std::vector<std::string>{kHash});
  YAML::Node reg = j["nodeRegistration"];
  EXPECT_EQ(reg["name"].as<std::string>(), "node01");
  EXPECT_EQ(reg["criSocket"].as<std::string>(), "unix:///run/containerd/containerd.sock");
  EXPECT_EQ(kubeletArgs(reg)["node-ip"], machine(set, "node01").spec.address);
  EXPECT_TRUE(taints(reg).empty()) << "a worker without taints gets none (taints: [])";
}

TEST(KubeadmJoinConfigTest, AControlPlaneAlsoGetsItsLocalEndpointAndNoCertificateKey) {
  ManifestSet set = seed();
  YAML::Node j = documents(joinConfig(set, "master02").secretFileContent())[0];
  EXPECT_EQ(keys(j["controlPlane"]), (std::set<std::string>{"localAPIEndpoint"}));
  EXPECT_EQ(j["controlPlane"]["localAPIEndpoint"]["advertiseAddress"].as<std::string>(),
            "192.168.3.12");
  EXPECT_EQ(j["controlPlane"]["localAPIEndpoint"]["bindPort"].as<int>(), 6443);
  EXPECT_EQ(taints(j["nodeRegistration"]),
            (std::vector<std::string>{"node-role.kubernetes.io/control-plane:NoSchedule"}));
}

TEST(KubeadmJoinConfigTest, TheTokenIsOnlyInTheJoinConfiguration) {
  ManifestSet set = seed();
  KubeadmJoinConfig c = joinConfig(set, "node02");
  const std::string secret = "0123456789abcdef";
  const std::string& text = c.secretFileContent();
  // Exactly once, as discovery.bootstrapToken.token (no tlsBootstrapToken copy).
  size_t at = text.find(secret);
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(text.find(secret, at + 1), std::string::npos);
  // Not in anything meant for people, nor in the init config.
  EXPECT_EQ(c.describe().find(secret), std::string::npos) << c.describe();
  EXPECT_NE(c.describe().find("abcdef"), std::string::npos) << c.describe();
  EXPECT_EQ(BootstrapToken::fromText(kToken)->describe().find(secret), std::string::npos);
  EXPECT_EQ(initText(set).find(secret), std::string::npos);
}

// ---- the kubeadm stand-in's strict decoder --------------------------------------------------

// The fleet's kubeadm stand-in (tests/standins/kubeadm/kubeadm_config.py) decodes its config
// strictly, as `kubeadm config validate` does: an unknown or misplaced field (podSubnet under
// apiServer) is an error. Both files piherd writes must pass it. Skipped without python3-yaml.
class StandinDecoderTest : public testing::Test {
 protected:
  void SetUp() override {
    if (std::system("python3 -c 'import yaml' >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "python3 with yaml (python3-yaml) is not installed";
    }
    std::string pattern =
        (std::filesystem::temp_directory_path() / "piherd-kubeadm-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  // The kinds the stand-in decoded, or its error.
  std::string decode(const std::string& text) {
    const std::string in = dir_ + "/config.yaml";
    const std::string out = dir_ + "/out.txt";
    std::ofstream(in) << text;
    const std::string cmd =
        "cd '" + std::string(PIHERD_SOURCE_DIR) +
        "/tests/standins/kubeadm' && python3 -c '"
        "import sys, yaml, kubeadm_config as kc\n"
        "try:\n"
        "    docs = kc.parse(open(sys.argv[1]).read(), lambda t: list(yaml.safe_load_all(t)))\n"
        "    print(\",\".join(sorted(docs)))\n"
        "except kc.ConfigError as e:\n"
        "    print(\"error:\", e)\n"
        "' '" +
        in + "' > '" + out + "' 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream result(out);
    std::string line;
    std::getline(result, line);
    return line;
  }
  std::string dir_;
};

TEST_F(StandinDecoderTest, AcceptsTheInitAndJoinConfigs) {
  ManifestSet set = seed();
  set.machines.front().spec.labels = {{"disk", "ssd"}};
  set.machines.front().spec.taints = {{"dedicated", "infra", "NoExecute"}};
  EXPECT_EQ(decode(initText(set)), "ClusterConfiguration,InitConfiguration,KubeletConfiguration");
  EXPECT_EQ(decode(joinConfig(set, "master02").secretFileContent()), "JoinConfiguration");
  EXPECT_EQ(decode(joinConfig(set, "node01").secretFileContent()), "JoinConfiguration");
}

TEST_F(StandinDecoderTest, RefusesTheSeedsNesting) {
  // The decoder is a real check: the seed's mistake fails it.
  EXPECT_EQ(decode("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n"
                   "apiServer:\n  podSubnet: 10.244.0.0/16\n"),
            "error: kubeadm.k8s.io/v1beta4, Kind=ClusterConfiguration: strict decoding error: "
            "unknown field \"apiServer.podSubnet\"");
}

// ---- which hosts --------------------------------------------------------------------------

TEST(InitControlPlaneTest, TheFirstControlPlaneByNameWhateverTheOrder) {
  ManifestSet set = seed();
  std::reverse(set.machines.begin(), set.machines.end());
  auto first = initControlPlane(set.machines);
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)->metadata.name, "master01");
  // The rule keepalived's priorities follow: the init host is the top-priority VIP holder.
  EXPECT_EQ(controlPlanesByPriority(set).front()->metadata.name, "master01");

  Machine extra = machine(set, "master02");
  extra.metadata.name = "a-master";
  set.machines.push_back(extra);
  EXPECT_EQ((*initControlPlane(set.machines))->metadata.name, "a-master");
  Machine worker = machine(set, "node01");
  worker.metadata.name = "0-worker";
  set.machines.push_back(worker);
  EXPECT_EQ((*initControlPlane(set.machines))->metadata.name, "a-master");
}

TEST(InitControlPlaneTest, NoControlPlaneIsNotFound) {
  ManifestSet set = seed();
  std::vector<Machine> workers;
  for (const Machine* w : set.workers()) workers.push_back(*w);
  auto r = initControlPlane(workers);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST(ApiserverVirtualIPTest, TheVipTheEndpointNames) {
  ManifestSet set = seed();
  VirtualIP other = set.vips.front();
  other.metadata.name = "ingress";
  other.spec.address = "192.168.3.20/24";
  set.vips.insert(set.vips.begin(), other);
  auto v = apiserverVirtualIP(*set.cluster(), set.vips);
  ASSERT_TRUE(v);
  EXPECT_EQ((*v)->metadata.name, "apiserver");
  set.clusters.front().spec.controlPlaneEndpoint = "192.168.3.10:7443";
  EXPECT_FALSE(apiserverVirtualIP(*set.cluster(), set.vips));
}

TEST(KubeletLabelsTest, WhatKubeletMaySetOnItsOwnNode) {
  for (const char* ok : {"disk", "example.com/rack", "node.kubernetes.io/pool",
                         "kubelet.kubernetes.io/x", "topology.kubernetes.io/zone",
                         "kubernetes.io/arch", "a.node.kubernetes.io/b", "k8s.io.example.com/x"}) {
    EXPECT_TRUE(kubeletMaySetLabel(ok)) << ok;
  }
  for (const char* refused : {"node-role.kubernetes.io/worker", "kubernetes.io/role", "k8s.io/x",
                              "sub.k8s.io/x", "example.kubernetes.io/x"}) {
    EXPECT_FALSE(kubeletMaySetLabel(refused)) << refused;
  }
}

// ---- secrets ------------------------------------------------------------------------------

TEST(BootstrapTokenTest, GeneratedTokensHaveKubeadmsFormatAndDiffer) {
  const std::regex format("[a-z0-9]{6}\\.[a-z0-9]{16}");
  ManifestSet set = seed();
  std::set<std::string> tokens;
  std::set<char> chars;
  for (int i = 0; i < 150; ++i) {
    auto t = BootstrapToken::generate();
    ASSERT_TRUE(t);
    // The whole token is visible only in the join config: read it back from there.
    auto c = kubeadmJoinConfig(*set.cluster(), set.vips.front(), machine(set, "node01"), *t, kHash);
    ASSERT_TRUE(c);
    const std::string token =
        YAML::Load(c->secretFileContent())["discovery"]["bootstrapToken"]["token"]
            .as<std::string>();
    EXPECT_TRUE(std::regex_match(token, format)) << "malformed token";
    EXPECT_EQ(token.substr(0, 6), t->id());
    tokens.insert(token);
    chars.insert(token.begin(), token.end());
  }
  EXPECT_EQ(tokens.size(), 150u) << "tokens repeat";
  // Every character of [a-z0-9] turns up among 3300 random ones (a miss: p < 1e-40).
  EXPECT_EQ(chars.size(), 37u) << "36 characters and the dot";
}

TEST(BootstrapTokenTest, FromTextRefusesMalformedTokensWithoutQuotingThem) {
  EXPECT_TRUE(BootstrapToken::fromText(kToken));
  EXPECT_EQ(BootstrapToken::fromText(kToken)->id(), "abcdef");
  for (const char* bad :
       {"abcdef0123456789abcdef", "ABCDEF.0123456789abcdef", "abcde.0123456789abcdefg",
        "abcdef.0123456789abcde", "abcdef.0123456789abcdef\n", "abcdef.0123456789abcd-f", ""}) {
    auto t = BootstrapToken::fromText(bad);
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
    if (*bad) {
      EXPECT_EQ(t.error().message.find(bad), std::string::npos) << t.error().message;
    }
  }
}

TEST(BootstrapTokenTest, TheSecretMakesTheTokenValidTheWayKubeadmDoes) {
  auto t = BootstrapToken::fromText(kToken);
  ASSERT_TRUE(t);
  const auto expires = std::chrono::system_clock::time_point(std::chrono::seconds(1798761600));
  nlohmann::json s = bootstrapTokenSecret(*t, expires, "join of node01");
  EXPECT_EQ(s["apiVersion"], "v1");
  EXPECT_EQ(s["kind"], "Secret");
  EXPECT_EQ(s["type"], "bootstrap.kubernetes.io/token");
  EXPECT_EQ(s["metadata"]["name"], "bootstrap-token-abcdef");
  EXPECT_EQ(s["metadata"]["namespace"], "kube-system");
  std::map<std::string, std::string> data;
  for (const auto& [k, v] : s["data"].items()) data[k] = *base64Decode(v.get<std::string>());
  EXPECT_EQ(data, (std::map<std::string, std::string>{
                      {"token-id", "abcdef"},
                      {"token-secret", "0123456789abcdef"},
                      {"expiration", "2027-01-01T00:00:00Z"},
                      {"usage-bootstrap-authentication", "true"},
                      {"usage-bootstrap-signing", "true"},
                      {"auth-extra-groups", "system:bootstrappers:kubeadm:default-node-token"},
                      {"description", "join of node01"}}));
}

// The SHA-256 of the certificate's DER SubjectPublicKeyInfo, computed here with OpenSSL
// directly (not through platform/pki.h) to check caCertHash() independently.
std::string spkiSha256(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  EXPECT_NE(cert, nullptr);
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdLen = 0;
  EVP_Digest(der, static_cast<size_t>(len), md, &mdLen, EVP_sha256(), nullptr);
  OPENSSL_free(der);
  X509_free(cert);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < mdLen; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 15];
  }
  return out;
}

TEST(CaCertHashTest, Sha256OfTheSubjectPublicKeyInfo) {
  auto key = pki::generatePrivateKey();
  ASSERT_TRUE(key);
  const auto now = std::chrono::system_clock::now();
  auto ca = pki::selfSignedCaCertificate(*key, {.commonName = "kubernetes",
                                                .usage = pki::CertificateUsage::kCa,
                                                .notBefore = now,
                                                .notAfter = now + std::chrono::hours(24)});
  ASSERT_TRUE(ca);
  auto hash = caCertHash(*ca);
  ASSERT_TRUE(hash);
  EXPECT_EQ(*hash, "sha256:" + spkiSha256(*ca));
  // It is what the join config takes.
  ManifestSet set = seed();
  auto token = BootstrapToken::fromText(kToken);
  EXPECT_TRUE(
      kubeadmJoinConfig(*set.cluster(), set.vips.front(), machine(set, "node01"), *token, *hash));
}

TEST(CaCertHashTest, NoCertificateIsAnError) {
  auto r = caCertHash("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(caCertHash(""));
}

}  // namespace
}  // namespace piherd
