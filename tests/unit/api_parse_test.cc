// Parsing manifests (api/manifest_set.h): YAML (multi-document) and JSON, files and
// directories, strict types and fields, secrets refused, every problem collected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "api/manifest_set.h"

namespace piherd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::vector<std::string> lines(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics) out.push_back(formatDiagnostic(d));
  return out;
}

LoadResult parse(const std::string& text, const std::string& file = "m.yaml") {
  LoadResult r;
  parseManifestText(text, file, r);
  return r;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "piherd-api-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    fs::path p = fs::path(path_) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const char* kMachine = R"(apiVersion: piherd.io/v1alpha1
kind: Machine
metadata: {name: master01}
spec: {cluster: home, role: control-plane, address: 192.168.3.11}
)";

TEST(ApiParseTest, ReadsEveryDocumentOfAYamlStream) {
  auto r = parse(std::string("---\n") + kMachine + "---\n" +
                 "apiVersion: piherd.io/v1alpha1\nkind: VirtualIP\nmetadata: {name: api}\n"
                 "spec: {cluster: home, address: 192.168.3.10/24, interface: eth0, "
                 "virtualRouterID: 51, advertIntervalSeconds: 0.2}\n---\n");
  EXPECT_THAT(lines(r.diagnostics), ::testing::IsEmpty());
  ASSERT_EQ(r.set.machines.size(), 1u);
  ASSERT_EQ(r.set.vips.size(), 1u);
  EXPECT_EQ(r.set.machines[0].metadata.name, "master01");
  EXPECT_EQ(r.set.machines[0].spec.address, "192.168.3.11");
  EXPECT_EQ(r.set.machines[0].source, (SourceRef{"m.yaml", 1}));  // a leading --- opens document 1
  EXPECT_EQ(r.set.vips[0].spec.virtualRouterID, 51);
  EXPECT_EQ(r.set.vips[0].spec.advertIntervalSeconds, 0.2);
  EXPECT_EQ(r.set.vips[0].source.document, 2);
}

// yaml-cpp 0.7's LoadAll loops forever (and grows without bound) on a stream that is just a
// stray ',' (jbeder/yaml-cpp#1040; found by tests/fuzz/manifest): refused, at once.
TEST(ApiParseTest, TextTheYamlParserCannotGetThroughIsASyntaxErrorNotAHang) {
  for (const std::string text : {",", ",# spe0c.addc", "\n,\n", ", x"}) {
    SCOPED_TRACE(text);
    LoadResult r = parse(text);
    ASSERT_FALSE(r.ok());
    auto said = lines(r.diagnostics);
    ASSERT_EQ(said.size(), 1u);
    EXPECT_NE(said[0].find("YAML syntax error"), std::string::npos) << said[0];
  }
  EXPECT_EQ(parse(std::string("---\n") + kMachine + "---\n").set.machines.size(), 1u)
      << "empty documents around a real one still parse";
}

TEST(ApiParseTest, ReadsJsonObjectsArraysAndLists) {
  auto one = parse(R"({"apiVersion": "piherd.io/v1alpha1", "kind": "Machine",
      "metadata": {"name": "n1"}, "spec": {"cluster": "home", "role": "worker",
      "address": "10.0.0.5", "ssh": {"port": 2222}, "allowReboot": true}})",
                   "m.json");
  EXPECT_THAT(lines(one.diagnostics), ::testing::IsEmpty());
  ASSERT_EQ(one.set.machines.size(), 1u);
  EXPECT_EQ(one.set.machines[0].spec.ssh.port, 2222);
  EXPECT_TRUE(one.set.machines[0].spec.allowReboot);

  auto array = parse(R"([{"apiVersion": "piherd.io/v1alpha1", "kind": "Machine",
      "metadata": {"name": "a"}}, {"apiVersion": "piherd.io/v1alpha1", "kind": "Machine",
      "metadata": {"name": "b"}}])",
                     "m.json");
  ASSERT_EQ(array.set.machines.size(), 2u);
  EXPECT_EQ(array.set.machines[1].metadata.name, "b");

  auto list = parse(std::string("apiVersion: v1\nkind: List\nitems:\n- ") +
                    "{apiVersion: piherd.io/v1alpha1, kind: Machine, metadata: {name: c}}\n");
  EXPECT_THAT(lines(list.diagnostics), ::testing::IsEmpty());
  ASSERT_EQ(list.set.machines.size(), 1u);
  EXPECT_EQ(list.set.machines[0].metadata.name, "c");
}

TEST(ApiParseTest, NullMeansUnset) {
  auto r = parse(std::string(kMachine) +
                 "---\napiVersion: piherd.io/v1alpha1\nkind: Cluster\n"
                 "metadata: {name: home}\nspec:\n  kernel:\n"
                 "    sysctls:\n    modules: ~\n  ssh: null\n");
  EXPECT_THAT(lines(r.diagnostics), ::testing::IsEmpty());
  ASSERT_EQ(r.set.clusters.size(), 1u);
  EXPECT_TRUE(r.set.clusters[0].spec.kernel.sysctls.empty());
  EXPECT_FALSE(r.set.clusters[0].spec.ssh.port.has_value());
}

TEST(ApiParseTest, UnknownFieldsAreErrorsWithAHint) {
  auto r = parse(R"(apiVersion: piherd.io/v1alpha1
kind: Machine
metadata: {name: m1}
spec:
  cluster: home
  adress: 192.168.3.11
  ssh: {prot: 22}
extra: 1
)");
  EXPECT_THAT(lines(r.diagnostics),
              ::testing::ElementsAre(
                  "m.yaml: Machine/m1: spec.adress: unknown field (did you mean \"address\"?)",
                  "m.yaml: Machine/m1: spec.ssh.prot: unknown field (did you mean \"port\"?)",
                  "m.yaml: Machine/m1: extra: unknown field"));
}

// Diagnostics follow the order of the document.
TEST(ApiParseTest, WrongTypesAreErrorsAndParsingGoesOn) {
  auto r = parse(R"(apiVersion: piherd.io/v1alpha1
kind: Cluster
metadata: {name: home}
spec:
  kubernetesVersion: 1.31
  networking: [10.244.0.0/16]
  ssh: {port: "22"}
  kernel: {modules: overlay, sysctls: {net.ipv4.ip_forward: 1}}
  certificates: {renewBeforeDays: 1.5}
status: {initialized: "yes"}
)");
  EXPECT_THAT(
      lines(r.diagnostics),
      ::testing::ElementsAre(
          "m.yaml: Cluster/home: spec.kubernetesVersion: expected a string, got number 1.31 "
          "(quote it to make it a string)",
          "m.yaml: Cluster/home: spec.networking: expected an object, got a list",
          "m.yaml: Cluster/home: spec.ssh.port: expected an integer, got string \"22\"",
          "m.yaml: Cluster/home: spec.kernel.modules: expected a list, got string \"overlay\"",
          "m.yaml: Cluster/home: spec.kernel.sysctls[net.ipv4.ip_forward]: expected a string, "
          "got number 1 (quote it to make it a string)",
          "m.yaml: Cluster/home: spec.certificates.renewBeforeDays: expected an integer, got "
          "number 1.5",
          "m.yaml: Cluster/home: status.initialized: expected true or false, got string \"yes\""));
  ASSERT_EQ(r.set.clusters.size(), 1u);
  EXPECT_EQ(r.set.clusters[0].metadata.name, "home");
}

TEST(ApiParseTest, DuplicateKeysAreErrors) {
  auto yaml = parse(std::string(kMachine) + "kind: Machine\n");
  EXPECT_THAT(lines(yaml.diagnostics),
              ::testing::Contains("m.yaml: Machine/master01: kind: duplicate field (each field "
                                  "may appear once)"));
  auto json = parse(R"({"apiVersion": "piherd.io/v1alpha1", "kind": "Machine",
      "metadata": {"name": "x", "name": "y"}})",
                    "m.json");
  EXPECT_THAT(lines(json.diagnostics),
              ::testing::Contains(HasSubstr("name: duplicate field (each field may appear once)")));
}

TEST(ApiParseTest, SyntaxErrorsNameTheLine) {
  auto yaml = parse("apiVersion: piherd.io/v1alpha1\nkind: [Machine\n");
  ASSERT_EQ(yaml.diagnostics.size(), 1u);
  EXPECT_THAT(formatDiagnostic(yaml.diagnostics[0]),
              HasSubstr("m.yaml: YAML syntax error at line 3"));
  auto json = parse("{\"kind\": }", "m.json");
  ASSERT_EQ(json.diagnostics.size(), 1u);
  EXPECT_THAT(formatDiagnostic(json.diagnostics[0]),
              HasSubstr("m.json: JSON syntax error: parse error at line 1, column 10"));
}

TEST(ApiParseTest, AliasBombsAreRefused) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'h'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    text += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  auto r = parse(text);
  EXPECT_THAT(lines(r.diagnostics),
              ::testing::ElementsAre("m.yaml: document 1: document too large (aliases expand to "
                                     "over a million values)"));
}

TEST(ApiParseTest, ApiVersionAndKindAreChecked) {
  auto r = parse(R"(apiVersion: piherd.io/v1
kind: Machine
metadata: {name: a}
---
apiVersion: piherd.io/v1alpha1
kind: Node
metadata: {name: b}
---
metadata: {name: c}
---
just a string
)");
  EXPECT_THAT(lines(r.diagnostics),
              ::testing::ElementsAre(
                  "m.yaml: Machine/a: apiVersion: \"piherd.io/v1\" is not piherd.io/v1alpha1",
                  "m.yaml: Node/b: kind: \"Node\" is not one of Cluster, Machine, VirtualIP",
                  "m.yaml: document 3: apiVersion: required field is not set (piherd.io/v1alpha1)",
                  "m.yaml: document 3: kind: required field is not set (Cluster, Machine or "
                  "VirtualIP)",
                  "m.yaml: document 4: expected an object with apiVersion, kind, metadata and "
                  "spec, got string \"just a string\""));
}

TEST(ApiParseTest, InlinePrivateKeysAreRefusedWithoutEchoingThem) {
  auto r = parse(R"(apiVersion: piherd.io/v1alpha1
kind: Machine
metadata: {name: m1, annotations: {note: "-----BEGIN RSA PRIVATE KEY-----\nMIIEsecretbits\n-----END RSA PRIVATE KEY-----"}}
spec:
  ssh:
    hostKey: |
      -----BEGIN OPENSSH PRIVATE KEY-----
      b3BlbnNzaC1rZXktdjEsecretbits
      -----END OPENSSH PRIVATE KEY-----
)");
  auto all = lines(r.diagnostics);
  EXPECT_THAT(all, ::testing::ElementsAre(
                       HasSubstr("m.yaml: Machine/m1: metadata.annotations[note]: secret material "
                                 "(a private key) must not be written in a manifest"),
                       HasSubstr("m.yaml: Machine/m1: spec.ssh.hostKey: secret material (a "
                                 "private key) must not be written in a manifest (value not "
                                 "shown); put it in a file readable only by you and name that "
                                 "file in privateKeyFile")));
  for (const auto& line : all) EXPECT_THAT(line, ::testing::Not(HasSubstr("secretbits")));
  ASSERT_EQ(r.set.machines.size(), 1u);
  EXPECT_EQ(r.set.machines[0].spec.ssh.hostKey, "");  // the key is not kept either
}

TEST(ApiParseTest, SecretLookingFieldsPointAtTheFileField) {
  auto r = parse(R"(apiVersion: piherd.io/v1alpha1
kind: VirtualIP
metadata: {name: api}
spec: {authPassword: hunter2, cluster: home}
---
apiVersion: piherd.io/v1alpha1
kind: Cluster
metadata: {name: home}
spec:
  ssh: {privateKey: abc, password: hunter2}
  joinToken: abcdef.0123456789abcdef
)");
  auto all = lines(r.diagnostics);
  EXPECT_THAT(all, ::testing::ElementsAre(
                       "m.yaml: VirtualIP/api: spec.authPassword: secret material must not be "
                       "written in a manifest (value not shown); put it in a file readable only "
                       "by you and name that file in authPasswordFile instead",
                       HasSubstr("spec.ssh.privateKey: secret material must not be written in "
                                 "a manifest (value not shown); put it in a file readable only "
                                 "by you and name that file in privateKeyFile instead"),
                       HasSubstr("spec.ssh.password: secret material"),
                       HasSubstr("spec.joinToken: secret material must not be written in a "
                                 "manifest (value not shown); put it in a file readable only by "
                                 "you and name that file in a *File field instead "
                                 "(privateKeyFile, authPasswordFile)")));
  for (const auto& line : all) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("hunter2")));
    EXPECT_THAT(line, ::testing::Not(HasSubstr("0123456789abcdef")));
  }
}

TEST(ApiParseTest, DirectoriesAreReadInNameOrderSkippingOtherFiles) {
  TempDir dir;
  dir.write("b.yaml", kMachine);
  dir.write("a.yml",
            std::string(kMachine).replace(std::string(kMachine).find("master01"), 8, "aaa"));
  dir.write("c.json", R"({"apiVersion": "piherd.io/v1alpha1", "kind": "Machine",
                          "metadata": {"name": "ccc"}})");
  dir.write("README.md", "not a manifest: {");
  dir.write(".hidden.yaml", "kind: [broken");
  dir.write("sub/d.yaml", "kind: [broken");
  auto r = loadManifests({dir.path()});
  EXPECT_THAT(lines(r.diagnostics), ::testing::IsEmpty());
  ASSERT_EQ(r.set.machines.size(), 3u);
  EXPECT_EQ(r.set.machines[0].metadata.name, "aaa");
  EXPECT_EQ(r.set.machines[1].metadata.name, "master01");
  EXPECT_EQ(r.set.machines[2].metadata.name, "ccc");
  EXPECT_EQ(r.files, (std::vector<std::string>{dir.path() + "/a.yml", dir.path() + "/b.yaml",
                                               dir.path() + "/c.json"}));
  EXPECT_EQ(r.set.machines[1].source.file, dir.path() + "/b.yaml");
}

TEST(ApiParseTest, AFileNamedTwiceIsReadOnce) {
  TempDir dir;
  std::string file = dir.write("m.yaml", kMachine);
  auto r = loadManifests({file, dir.path(), dir.path() + "/./m.yaml"});
  EXPECT_EQ(r.set.machines.size(), 1u);
  EXPECT_EQ(r.files.size(), 1u);
}

TEST(ApiParseTest, MissingPathsAndEmptyDirectoriesAreErrors) {
  TempDir dir;
  fs::create_directory(dir.path() + "/empty");
  auto r = loadManifests({dir.path() + "/nope.yaml", dir.path() + "/empty"});
  EXPECT_THAT(lines(r.diagnostics),
              ::testing::ElementsAre(dir.path() + "/nope.yaml: no such file or directory",
                                     dir.path() + "/empty: no manifest files (*.yaml, *.yml, "
                                                  "*.json) in directory"));
}

TEST(ApiParseTest, AParseErrorIsNotReportedAgainByValidation) {
  TempDir dir;
  std::string text = std::string(PIHERD_SOURCE_DIR) + "/examples/seed-8pi";
  // spec.address of the wrong type: one error, not also "required field is not set".
  dir.write("extra.yaml", R"(apiVersion: piherd.io/v1alpha1
kind: Machine
metadata: {name: node05}
spec: {cluster: home, role: worker, address: [192.168.3.25]}
)");
  auto r = loadValidatedManifests({text, dir.path()});
  EXPECT_THAT(lines(r.diagnostics),
              ::testing::ElementsAre(dir.path() + "/extra.yaml: Machine/node05: spec.address: "
                                                  "expected a string, got a list"));
}

TEST(ApiParseTest, DiagnosticsFollowTheFiles) {
  TempDir dir;
  dir.write("a.yaml", "apiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: A}\n");
  dir.write("b.yaml", "apiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: b}\nx: 1\n");
  auto r = loadValidatedManifests({dir.path()});
  auto all = lines(r.diagnostics);
  ASSERT_GE(all.size(), 3u);
  EXPECT_THAT(all.front(), HasSubstr("a.yaml: Machine/A"));
  EXPECT_EQ(all.back(), "no Cluster: a manifest set needs exactly one Cluster object");
  size_t lastA = 0, firstB = all.size();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].find("a.yaml") != std::string::npos) lastA = i;
    if (all[i].find("b.yaml") != std::string::npos) firstB = std::min(firstB, i);
  }
  EXPECT_LT(lastA, firstB);
}

}  // namespace
}  // namespace piherd
