// Serialization (api/serialize.h): YAML -> object -> YAML and JSON round trips, with every
// field of every kind set, so a field the encoder or decoder misses shows up here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "api/field_schema.h"
#include "api/manifest_set.h"
#include "api/serialize.h"

namespace piherd {
namespace {

// Canonical YAML (as toYaml writes it) with every field of the kind set.
const char* kFullCluster = R"(apiVersion: piherd.io/v1alpha1
kind: Cluster
metadata:
  name: home
  namespace: default
  labels:
    app: piherd
  annotations:
    note: "true"
  uid: 0b6c2b5e-7f1a-4a36-9a8e-1d2c3b4a5f60
  resourceVersion: "12345"
  generation: 3
  creationTimestamp: "2025-01-02T03:04:05Z"
  deletionTimestamp: "2025-01-03T03:04:05Z"
  deletionGracePeriodSeconds: 0
  finalizers:
    - piherd.io/cleanup
  ownerReferences:
    - apiVersion: v1
      kind: Namespace
      name: default
      uid: abc
  managedFields:
    - manager: kubectl
      operation: Apply
spec:
  kubernetesVersion: 1.34.2
  controlPlaneEndpoint: 192.168.3.10:6443
  networking:
    podSubnet: 10.244.0.0/16
    serviceSubnet: 10.96.0.0/12
    dnsDomain: cluster.local
  kernel:
    sysctls:
      net.ipv4.tcp_rmem: 4096 87380 6291456
      vm.swappiness: "0"
    modules:
      - wireguard
  runtime:
    cgroupDriver: systemd
  packages:
    repository: https://pkgs.k8s.io/core:/stable:/v1.34/deb/
    signingKey: https://pkgs.k8s.io/core:/stable:/v1.34/deb/Release.key
  certificates:
    extraSANs:
      - k8s.home.lan
      - 192.168.3.100
    renewBeforeDays: 30
  cni:
    calico:
      manifest: manifests/calico.yaml
      mode: BGP
  ssh:
    user: ubuntu
    port: 22
    privateKeyFile: ~/.ssh/id_ed25519
    knownHostsFile: ~/.ssh/known_hosts
status:
  phase: Ready
  initialized: true
  controlPlaneReady: 3/3
  etcdHealthy: 3/3
  conditions:
    - type: Ready
      status: "True"
      reason: AllHealthy
      message: every control plane answers
      lastTransitionTime: "2025-01-02T03:04:05Z"
      observedGeneration: 3
  observedGeneration: 3
)";

const char* kFullMachine = R"(apiVersion: piherd.io/v1alpha1
kind: Machine
metadata:
  name: master01
spec:
  cluster: home
  role: control-plane
  address: 192.168.3.11
  ssh:
    user: pi
    port: 0
    privateKeyFile: keys/pi
    knownHostsFile: known_hosts
    hostKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9o pi@master01
  labels:
    disk: ssd
    piherd.io/rack: "1"
  taints:
    - key: dedicated
      value: control
      effect: NoSchedule
    - key: flaky
      effect: NoExecute
  allowReboot: true
status:
  phase: Joining
  conditions:
    - type: Reachable
      status: "True"
    - type: Joined
      status: Unknown
      reason: WaitingForLock
  observedGeneration: 1
  lastReconcileTime: "2025-01-02T03:04:05Z"
)";

const char* kFullVirtualIP = R"(apiVersion: piherd.io/v1alpha1
kind: VirtualIP
metadata:
  name: apiserver
spec:
  cluster: home
  address: 192.168.3.10/24
  port: 6443
  interface: eth0
  virtualRouterID: 51
  vrrpVersion: 3
  advertIntervalSeconds: 0.2
  authPasswordFile: /etc/piherd/vrrp
status:
  holders:
    - master01
  reachable: false
  lastFailoverTime: "2025-01-02T03:04:05Z"
  failovers: 3
  lastHolder: master01
  conditions:
    - type: Available
      status: "True"
    - type: SplitBrain
      status: "False"
  observedGeneration: 2
)";

LoadResult parseOk(const std::string& text, const std::string& file = "full.yaml") {
  LoadResult r;
  parseManifestText(text, file, r);
  for (const auto& d : r.diagnostics) ADD_FAILURE() << formatDiagnostic(d);
  return r;
}

// Every field path of a table, e.g. "spec.ssh.port", "status.conditions[].type".
void collectPaths(const std::vector<FieldSchema>& fields, const std::string& prefix,
                  std::vector<std::string>& out) {
  for (const auto& f : fields) {
    std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
    out.push_back(path);
    collectPaths(f.fields, f.type == FieldType::kArray ? path + "[]" : path, out);
  }
}

bool hasPath(const Json& v, const std::string& path) {
  size_t dot = path.find('.');
  std::string head = path.substr(0, dot);
  std::string rest = dot == std::string::npos ? "" : path.substr(dot + 1);
  bool each = head.size() > 2 && head.substr(head.size() - 2) == "[]";
  if (each) head.resize(head.size() - 2);
  auto it = v.find(head);
  if (it == v.end()) return false;
  if (rest.empty()) return true;
  if (!each) return hasPath(*it, rest);
  for (const auto& item : *it) {
    if (hasPath(item, rest)) return true;
  }
  return false;
}

// The fixture sets every field of the table (metadata's and conditions' only when
// `withShared`: the Cluster fixture covers those for all kinds).
template <class T>
void expectEveryFieldSet(const T& object, bool withShared) {
  std::vector<std::string> paths;
  collectPaths(fieldsOf<T>(), "", paths);
  Json json = toJsonValue(object);
  for (const auto& p : paths) {
    if (!withShared && (p.rfind("metadata.", 0) == 0 || p.rfind("status.conditions[].", 0) == 0)) {
      continue;
    }
    EXPECT_TRUE(hasPath(json, p)) << "fixture lacks " << p;
  }
}

TEST(ApiSerializeTest, FixturesSetEveryField) {
  expectEveryFieldSet(parseOk(kFullCluster).set.clusters.at(0), true);
  expectEveryFieldSet(parseOk(kFullMachine).set.machines.at(0), false);
  expectEveryFieldSet(parseOk(kFullVirtualIP).set.vips.at(0), false);
}

TEST(ApiSerializeTest, YamlRoundTripIsExact) {
  EXPECT_EQ(toYaml(parseOk(kFullCluster).set.clusters.at(0)), kFullCluster);
  EXPECT_EQ(toYaml(parseOk(kFullMachine).set.machines.at(0)), kFullMachine);
  EXPECT_EQ(toYaml(parseOk(kFullVirtualIP).set.vips.at(0)), kFullVirtualIP);
}

TEST(ApiSerializeTest, JsonRoundTripKeepsTheObject) {
  auto set =
      parseOk(std::string(kFullCluster) + "---\n" + kFullMachine + "---\n" + kFullVirtualIP).set;
  ASSERT_EQ(set.clusters.size() + set.machines.size() + set.vips.size(), 3u);
  auto viaJson = [](const std::string& text) { return parseOk(text, "full.json").set; };
  auto c = viaJson(toJson(set.clusters[0])).clusters.at(0);
  auto m = viaJson(toJson(set.machines[0])).machines.at(0);
  auto v = viaJson(toJson(set.vips[0])).vips.at(0);
  EXPECT_EQ(c.metadata, set.clusters[0].metadata);
  EXPECT_EQ(c.spec, set.clusters[0].spec);
  EXPECT_EQ(c.status, set.clusters[0].status);
  EXPECT_EQ(m.spec, set.machines[0].spec);
  EXPECT_EQ(m.status, set.machines[0].status);
  EXPECT_EQ(v.spec, set.vips[0].spec);
  EXPECT_EQ(v.status, set.vips[0].status);
  // JSON text is stable too.
  EXPECT_EQ(toJson(c), toJson(set.clusters[0]));
  // JSON -> object -> YAML gives the canonical YAML back.
  EXPECT_EQ(toYaml(c), kFullCluster);
}

TEST(ApiSerializeTest, ManifestSetRoundTrips) {
  LoadResult r = loadManifests({std::string(PIHERD_SOURCE_DIR) + "/examples/seed-8pi"});
  ASSERT_TRUE(r.ok());
  LoadResult yaml;
  parseManifestText(toYaml(r.set), "all.yaml", yaml);
  ASSERT_TRUE(yaml.ok());
  LoadResult json;
  parseManifestText(toJson(r.set), "all.json", json);
  ASSERT_TRUE(json.ok());
  for (const LoadResult* back : {&yaml, &json}) {
    ASSERT_EQ(back->set.clusters.size(), 1u);
    ASSERT_EQ(back->set.machines.size(), 7u);
    ASSERT_EQ(back->set.vips.size(), 1u);
    EXPECT_EQ(back->set.clusters[0].spec, r.set.clusters[0].spec);
    for (size_t i = 0; i < 7; ++i) {
      EXPECT_EQ(back->set.machines[i].metadata, r.set.machines[i].metadata);
      EXPECT_EQ(back->set.machines[i].spec, r.set.machines[i].spec);
    }
    EXPECT_EQ(back->set.vips[0].spec, r.set.vips[0].spec);
    EXPECT_EQ(toYaml(back->set), toYaml(r.set));
  }
}

TEST(ApiSerializeTest, StringsThatLookLikeOtherTypesAreQuoted) {
  Machine m;
  m.metadata.name = "m";
  m.metadata.annotations = {{"a", "true"}, {"b", "1.31"},  {"c", ""},      {"d", "null"},
                            {"e", "yes"},  {"f", "0x1F"},  {"g", "12:30"}, {"h", "~"},
                            {"i", "1e3"},  {"j", "-5"},    {"k", "NO"},    {"l", "a: b"},
                            {"m", "#x"},   {"n", "1_000"}, {"o", ".inf"},  {"p", "line\nbreak"}};
  m.spec.cluster = "007";
  std::string yaml = toYaml(m);
  LoadResult back;
  parseManifestText(yaml, "m.yaml", back);
  ASSERT_TRUE(back.ok()) << yaml;
  ASSERT_EQ(back.set.machines.size(), 1u);
  EXPECT_EQ(back.set.machines[0].metadata.annotations, m.metadata.annotations) << yaml;
  EXPECT_EQ(back.set.machines[0].spec.cluster, "007");
}

TEST(ApiSerializeTest, UnsetFieldsAreLeftOutButExplicitZerosAreKept) {
  VirtualIP v;
  v.metadata.name = "api";
  EXPECT_EQ(toYaml(v), "apiVersion: piherd.io/v1alpha1\nkind: VirtualIP\nmetadata:\n  name: api\n");
  v.spec.virtualRouterID = 0;
  v.status.reachable = false;
  EXPECT_EQ(toJsonValue(v)["spec"], Json({{"virtualRouterID", 0}}));
  EXPECT_EQ(toJsonValue(v)["status"], Json({{"reachable", false}}));
}

}  // namespace
}  // namespace piherd
