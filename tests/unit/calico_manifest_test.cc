// Calico (reconcilers/calico_manifest.h): the objects of a manifest in the official
// calico.yaml's shape (tests/unit/testdata/calico.yaml) come out ready to apply, with
// calico-node's env carrying podSubnet and the mode; manifests that cannot be applied are
// refused before anything is; and the observation check reports what differs in the live
// DaemonSet and default IPPool, never proposing to delete a pool.
#include "reconcilers/calico_manifest.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "api/cluster.h"
#include "api/document_text.h"

namespace piherd {
namespace {

using KubeJson = nlohmann::json;

std::string fixture() {
  std::ifstream in(std::string(PIHERD_SOURCE_DIR) + "/tests/unit/testdata/calico.yaml");
  EXPECT_TRUE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CalicoDesired desired(const std::string& mode = "BGP") {
  return {"10.244.0.0/16", mode};
}

std::vector<KubeJson> objects(const std::string& mode = "BGP",
                              const std::string& text = fixture()) {
  auto r = calicoObjects(text, desired(mode));
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r.value_or(std::vector<KubeJson>{});
}

const KubeJson& find(const std::vector<KubeJson>& objs, const std::string& kind,
                     const std::string& name) {
  for (const KubeJson& o : objs) {
    if (o["kind"] == kind && o["metadata"]["name"] == name) return o;
  }
  ADD_FAILURE() << "no " << kind << "/" << name;
  static const KubeJson none = KubeJson::object();
  return none;
}

const KubeJson& container(const KubeJson& ds, const std::string& name) {
  for (const KubeJson& c : ds["spec"]["template"]["spec"]["containers"]) {
    if (c["name"] == name) return c;
  }
  ADD_FAILURE() << "no container " << name;
  static const KubeJson none = KubeJson::object();
  return none;
}

// Every env entry named `name`.
std::vector<KubeJson> env(const KubeJson& c, const std::string& name) {
  std::vector<KubeJson> out;
  for (const KubeJson& e : c["env"]) {
    if (e.is_object() && e.contains("name") && e["name"] == name) out.push_back(e);
  }
  return out;
}

std::string value(const KubeJson& c, const std::string& name) {
  auto e = env(c, name);
  EXPECT_EQ(e.size(), 1u) << name;
  if (e.size() != 1) return "";
  EXPECT_FALSE(e[0].contains("valueFrom")) << name;
  return e[0].value("value", "");
}

std::vector<std::string> probe(const KubeJson& c, const char* which) {
  return c[which]["exec"]["command"].get<std::vector<std::string>>();
}

Error refusal(const std::string& text) {
  auto r = calicoObjects(text, desired());
  EXPECT_FALSE(r.has_value());
  return r ? Error{} : r.error();
}

KubeJson pool(const std::string& cidr, const std::string& ipip = "Never",
              const std::string& vxlan = "Never");

const char* kDaemonSet = R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: calico-node, namespace: kube-system}
spec:
  template:
    spec:
      containers:
      - name: calico-node
        image: docker.io/calico/node:v3.28.0
)";

// ---- the objects --------------------------------------------------------------------------

TEST(CalicoObjectsTest, EveryObjectOfTheManifestInOrder) {
  std::vector<KubeJson> objs = objects();
  std::vector<std::string> kinds;
  for (const KubeJson& o : objs) kinds.push_back(o["kind"].get<std::string>());
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"PodDisruptionBudget", "ServiceAccount", "ServiceAccount",
                                      "ConfigMap", "CustomResourceDefinition", "ClusterRole",
                                      "ClusterRoleBinding", "DaemonSet", "Deployment"}));
  // Values keep their YAML types (a string that looks like a number stays a string).
  EXPECT_EQ(find(objs, "ConfigMap", "calico-config")["data"]["veth_mtu"], "0");
  EXPECT_EQ(find(objs, "Deployment", "calico-kube-controllers")["spec"]["replicas"], 1);
}

TEST(CalicoObjectsTest, BgpModeSetsThePoolCidrAndNoEncapsulation) {
  std::vector<KubeJson> objs = objects("BGP");
  const KubeJson& node = container(find(objs, "DaemonSet", "calico-node"), "calico-node");
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_CIDR"), "10.244.0.0/16");
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_IPIP"), "Never");
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_VXLAN"), "Never");
  EXPECT_EQ(value(node, "CALICO_NETWORKING_BACKEND"), "bird");
  EXPECT_EQ(find(objs, "ConfigMap", "calico-config")["data"]["calico_backend"], "bird");
  // BIRD runs: its probe checks stay.
  EXPECT_EQ(probe(node, "livenessProbe"),
            (std::vector<std::string>{"/bin/calico-node", "-felix-live", "-bird-live"}));
  EXPECT_EQ(probe(node, "readinessProbe"),
            (std::vector<std::string>{"/bin/calico-node", "-felix-ready", "-bird-ready"}));
}

TEST(CalicoObjectsTest, IpipMode) {
  std::vector<KubeJson> objs = objects("IPIP");
  const KubeJson& node = container(find(objs, "DaemonSet", "calico-node"), "calico-node");
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_IPIP"), "Always");
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_VXLAN"), "Never");
  EXPECT_EQ(value(node, "CALICO_NETWORKING_BACKEND"), "bird");
}

TEST(CalicoObjectsTest, VxlanModeSwitchesTheBackendAndDropsTheBirdChecks) {
  std::vector<KubeJson> objs = objects("VXLAN");
  const KubeJson& node = container(find(objs, "DaemonSet", "calico-node"), "calico-node");
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_IPIP"), "Never");
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_VXLAN"), "Always");
  EXPECT_EQ(value(node, "CALICO_NETWORKING_BACKEND"), "vxlan");
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_CIDR"), "10.244.0.0/16");
  EXPECT_EQ(find(objs, "ConfigMap", "calico-config")["data"]["calico_backend"], "vxlan");
  EXPECT_EQ(probe(node, "livenessProbe"),
            (std::vector<std::string>{"/bin/calico-node", "-felix-live"}));
  EXPECT_EQ(probe(node, "readinessProbe"),
            (std::vector<std::string>{"/bin/calico-node", "-felix-ready"}));
}

TEST(CalicoObjectsTest, EverythingElseIsLeftAsWritten) {
  std::vector<KubeJson> objs = objects();
  const KubeJson& ds = find(objs, "DaemonSet", "calico-node");
  const KubeJson& node = container(ds, "calico-node");
  EXPECT_EQ(value(node, "DATASTORE_TYPE"), "kubernetes");
  EXPECT_EQ(value(node, "CALICO_IPV6POOL_VXLAN"), "Never");
  EXPECT_EQ(value(node, "CLUSTER_TYPE"), "k8s,bgp");
  EXPECT_EQ(env(node, "NODENAME").at(0)["valueFrom"]["fieldRef"]["fieldPath"], "spec.nodeName");
  // The 13 env entries of the fixture, plus CALICO_IPV4POOL_CIDR.
  EXPECT_EQ(node["env"].size(), 14u);
  // The init container is not calico-node: untouched.
  const KubeJson& cni = ds["spec"]["template"]["spec"]["initContainers"][0];
  EXPECT_EQ(cni["name"], "install-cni");
  EXPECT_EQ(cni["env"].size(), 4u);
  // The other objects come out as they went in.
  auto plain = calicoObjects(fixture(), desired());
  ASSERT_TRUE(plain);
  EXPECT_EQ(find(*plain, "Deployment", "calico-kube-controllers"),
            find(objs, "Deployment", "calico-kube-controllers"));
}

TEST(CalicoObjectsTest, ACidrAlreadySetIsReplacedNotDoubled) {
  std::string text = std::string(kDaemonSet) + R"(        env:
        - name: CALICO_IPV4POOL_CIDR
          value: "192.168.0.0/16"
        - name: CALICO_NETWORKING_BACKEND
          valueFrom:
            configMapKeyRef: {name: calico-config, key: calico_backend}
)";
  std::vector<KubeJson> objs = objects("BGP", text);
  const KubeJson& node = container(find(objs, "DaemonSet", "calico-node"), "calico-node");
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_CIDR"), "10.244.0.0/16");
  EXPECT_EQ(value(node, "CALICO_NETWORKING_BACKEND"), "bird");
  EXPECT_EQ(node["env"].size(), 4u);
}

TEST(CalicoObjectsTest, AContainerWithoutEnvGetsOne) {
  std::vector<KubeJson> objs = objects("BGP", kDaemonSet);
  const KubeJson& node = container(find(objs, "DaemonSet", "calico-node"), "calico-node");
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_CIDR"), "10.244.0.0/16");
  EXPECT_EQ(node["env"].size(), 4u);
}

TEST(CalicoObjectsTest, ValuesOfUnexpectedTypesAreCarriedNotThrownOn) {
  std::string text = std::string(kDaemonSet) + R"(        env:
        - name: FELIX_IPINIPMTU
          value: 1440
        - name: 7
        - CALICO_IPV4POOL_CIDR
)";
  std::vector<KubeJson> objs = objects("BGP", text);
  const KubeJson& node = container(find(objs, "DaemonSet", "calico-node"), "calico-node");
  EXPECT_EQ(env(node, "FELIX_IPINIPMTU").at(0)["value"], 1440);
  EXPECT_EQ(value(node, "CALICO_IPV4POOL_CIDR"), "10.244.0.0/16");
  EXPECT_EQ(node["env"].size(), 7u);
  // And in a live object: a number where a string belongs is a mismatch, not an exception.
  KubeJson live = find(objs, "DaemonSet", "calico-node");
  for (KubeJson& e : live["spec"]["template"]["spec"]["containers"][0]["env"]) {
    if (e.is_object() && e.contains("name") && e["name"] == "CALICO_IPV4POOL_IPIP") e["value"] = 0;
  }
  EXPECT_EQ(checkCalico(live, pool("10.244.0.0/16"), desired()),
            std::vector<std::string>{
                "DaemonSet calico-node: env CALICO_IPV4POOL_IPIP is \"\" (want \"Never\")"});
}

TEST(CalicoObjectsTest, AListContributesItsItems) {
  std::string text = R"(apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata: {name: calico-node, namespace: kube-system}
- apiVersion: apps/v1
  kind: DaemonSet
  metadata: {name: calico-node, namespace: kube-system}
  spec: {template: {spec: {containers: [{name: calico-node}]}}}
)";
  std::vector<KubeJson> objs = objects("BGP", text);
  ASSERT_EQ(objs.size(), 2u);
  EXPECT_EQ(value(container(objs[1], "calico-node"), "CALICO_IPV4POOL_CIDR"), "10.244.0.0/16");
}

// ---- refusals -----------------------------------------------------------------------------

TEST(CalicoRefusalTest, NoCalicoNodeDaemonSet) {
  std::string text = fixture();
  const size_t at =
      text.find("kind: DaemonSet\napiVersion: apps/v1\nmetadata:\n  name: calico-node");
  ASSERT_NE(at, std::string::npos);
  text.replace(
      at,
      std::string("kind: DaemonSet\napiVersion: apps/v1\nmetadata:\n  name: calico-node").size(),
      "kind: DaemonSet\napiVersion: apps/v1\nmetadata:\n  name: calico-typha");
  Error e = refusal(text);
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(e.message.find("no DaemonSet calico-node"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("before anything is applied"), std::string::npos) << e.message;
}

TEST(CalicoRefusalTest, AnEmptyManifest) {
  EXPECT_NE(refusal("# nothing here\n---\n").message.find("no DaemonSet calico-node"),
            std::string::npos);
}

TEST(CalicoRefusalTest, ADaemonSetWithoutTheCalicoNodeContainer) {
  std::string text = kDaemonSet;
  text.replace(text.find("- name: calico-node"), 19, "- name: felix");
  EXPECT_NE(refusal(text).message.find("no container named calico-node"), std::string::npos);
}

TEST(CalicoRefusalTest, TwoCalicoNodeDaemonSets) {
  EXPECT_NE(refusal(std::string(kDaemonSet) + "---\n" + kDaemonSet).message.find("2 DaemonSets"),
            std::string::npos);
}

TEST(CalicoRefusalTest, NotKubernetesObjects) {
  Error e = refusal(std::string(kDaemonSet) + "---\nkind: ConfigMap\ndata: {a: b}\n");
  EXPECT_NE(e.message.find("document 2 (ConfigMap/?) has no apiVersion"), std::string::npos)
      << e.message;
  EXPECT_NE(refusal(std::string(kDaemonSet) + "---\n- a\n- b\n").message.find("not an object"),
            std::string::npos);
}

TEST(CalicoRefusalTest, NotYaml) {
  Error e = refusal(std::string(kDaemonSet) + "---\nkind: [unclosed\n");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(e.message.find("Calico manifest"), std::string::npos) << e.message;
}

TEST(CalicoDesiredTest, FromTheCluster) {
  Cluster c;
  c.metadata.name = "home";
  c.spec.networking.podSubnet = "10.244.0.0/16";
  auto d = calicoDesired(c);
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, (CalicoDesired{"10.244.0.0/16", "BGP"})) << "mode defaults to BGP";
  c.spec.cni.calico.mode = "VXLAN";
  EXPECT_EQ(calicoDesired(c)->mode, "VXLAN");
  c.spec.cni.calico.mode = "vxlan";
  auto bad = calicoDesired(c);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("Cluster/home: spec.cni.calico.mode"), std::string::npos);
  c.spec.cni.calico.mode = "";
  c.spec.networking.podSubnet = "";
  bad = calicoDesired(c);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("spec.networking.podSubnet"), std::string::npos);
  EXPECT_FALSE(calicoObjects(fixture(), {"10.244.0.0/16", "Flannel"}));
}

// ---- observation --------------------------------------------------------------------------

KubeJson pool(const std::string& cidr, const std::string& ipip, const std::string& vxlan) {
  return {
      {"apiVersion", "crd.projectcalico.org/v1"},
      {"kind", "IPPool"},
      {"metadata", {{"name", "default-ipv4-ippool"}}},
      {"spec", {{"cidr", cidr}, {"ipipMode", ipip}, {"vxlanMode", vxlan}, {"natOutgoing", true}}}};
}

TEST(CalicoCheckTest, WhatPiherdAppliedChecksClean) {
  for (const char* mode : {"BGP", "IPIP", "VXLAN"}) {
    auto ds = find(objects(mode), "DaemonSet", "calico-node");
    auto settings = calicoModeSettings(mode);
    ASSERT_TRUE(settings);
    EXPECT_EQ(checkCalico(ds, pool("10.244.0.0/16", settings->ipipMode, settings->vxlanMode),
                          desired(mode)),
              std::vector<std::string>{})
        << mode;
  }
}

TEST(CalicoCheckTest, TheManifestAsShippedDiffers) {
  // The fixture's DaemonSet read as it is, without piherd's changes: no CIDR, IPIP Always,
  // the backend from calico-config.
  KubeJson shipped;
  for (const Json& d : parseYamlText(fixture()).documents) {
    if (d.is_object() && d["kind"] == "DaemonSet") shipped = KubeJson(d);
  }
  ASSERT_TRUE(shipped.is_object());
  std::vector<std::string> lines = checkCalico(shipped, pool("10.244.0.0/16"), desired("BGP"));
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "DaemonSet calico-node: env CALICO_IPV4POOL_CIDR is not set (want "
                       "\"10.244.0.0/16\")",
                       "DaemonSet calico-node: env CALICO_IPV4POOL_IPIP is \"Always\" (want "
                       "\"Never\")",
                       "DaemonSet calico-node: env CALICO_NETWORKING_BACKEND comes from a "
                       "valueFrom (want the value \"bird\")"}));
}

TEST(CalicoCheckTest, APoolWithAnotherCidrIsReportedNeverDeleted) {
  auto ds = find(objects(), "DaemonSet", "calico-node");
  std::vector<std::string> lines = checkCalico(ds, pool("192.168.0.0/16"), desired());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("spec.cidr is \"192.168.0.0/16\", not podSubnet 10.244.0.0/16"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("never deletes a pool in use"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("kubectl delete"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("calicoctl delete"), std::string::npos) << lines[0];
}

TEST(CalicoCheckTest, APoolWithAnotherEncapsulationIsReported) {
  auto ds = find(objects("BGP"), "DaemonSet", "calico-node");
  // Made by the shipped manifest's IPIP default before piherd set BGP.
  std::vector<std::string> lines = checkCalico(ds, pool("10.244.0.0/16", "Always"), desired());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("spec.ipipMode is Always, not Never (mode BGP)"), std::string::npos)
      << lines[0];
  // An unset mode is Never.
  KubeJson bare = pool("10.244.0.0/16");
  bare["spec"].erase("ipipMode");
  bare["spec"].erase("vxlanMode");
  EXPECT_TRUE(checkCalico(ds, bare, desired()).empty());
}

TEST(CalicoCheckTest, VxlanProbesThatStillCheckBird) {
  auto ds = find(objects("BGP"), "DaemonSet", "calico-node");
  // The env says VXLAN, the probes were left as shipped.
  KubeJson& c = ds["spec"]["template"]["spec"]["containers"][0];
  for (KubeJson& e : c["env"]) {
    if (e["name"] == "CALICO_IPV4POOL_VXLAN") e["value"] = "Always";
    if (e["name"] == "CALICO_NETWORKING_BACKEND") e["value"] = "vxlan";
  }
  std::vector<std::string> lines =
      checkCalico(ds, pool("10.244.0.0/16", "Never", "Always"), desired("VXLAN"));
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "DaemonSet calico-node: livenessProbe checks -bird-live, but BIRD does "
                       "not run with the vxlan backend",
                       "DaemonSet calico-node: readinessProbe checks -bird-ready, but BIRD does "
                       "not run with the vxlan backend"}));
}

TEST(CalicoCheckTest, MissingObjects) {
  std::vector<std::string> lines = checkCalico(std::nullopt, std::nullopt, desired());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find("DaemonSet kube-system/calico-node not found"), std::string::npos);
  EXPECT_NE(lines[1].find("IPPool default-ipv4-ippool not found"), std::string::npos);
  KubeJson noContainer = {
      {"kind", "DaemonSet"},
      {"spec", {{"template", {{"spec", {{"containers", KubeJson::array()}}}}}}}};
  lines = checkCalico(noContainer, pool("10.244.0.0/16"), desired());
  EXPECT_EQ(lines, std::vector<std::string>{"DaemonSet calico-node has no calico-node container"});
}

}  // namespace
}  // namespace piherd
