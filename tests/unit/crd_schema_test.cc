// crds/ and api/ agree: each CRD's OpenAPI schema, field by field (type, enum, bounds,
// required, items, map values), equals the schema derived from the field tables the parser
// itself uses (api/crd_schema.h), in both directions. Descriptions may differ.
#include "api/crd_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "api/document_text.h"

namespace piherd {
namespace {

struct CrdFile {
  std::string kind;
  std::string file;
  std::string plural;
};

void PrintTo(const CrdFile& c, std::ostream* os) { *os << c.file; }

const std::vector<CrdFile> kCrds = {
    {"Cluster", "cluster.yaml", "clusters"},
    {"Machine", "machine.yaml", "machines"},
    {"VirtualIP", "virtualip.yaml", "virtualips"},
};

Json loadCrd(const std::string& file) {
  std::ifstream in(std::string(PIHERD_SOURCE_DIR) + "/crds/" + file);
  std::stringstream text;
  text << in.rdbuf();
  ParsedDocuments parsed = parseYamlText(text.str());
  EXPECT_TRUE(parsed.issues.empty()) << file << ": " << parsed.issues.front().message;
  EXPECT_EQ(parsed.documents.size(), 1u) << file;
  return parsed.documents.empty() ? Json() : parsed.documents[0];
}

std::string keys(const Json& object) {
  std::string out;
  if (!object.is_object()) return out;
  for (const auto& [k, v] : object.items()) out += (out.empty() ? "" : ",") + k;
  return out;
}

// Appends one line per difference between two schemas, at `path`; descriptions are ignored.
void compareSchemas(const Json& crd, const Json& api, const std::string& path,
                    std::vector<std::string>& diffs) {
  auto get = [](const Json& s, const char* k) {
    auto it = s.find(k);
    return it == s.end() ? Json() : *it;
  };
  for (const char* attr :
       {"type", "enum", "minimum", "maximum", "x-kubernetes-preserve-unknown-fields"}) {
    Json a = get(crd, attr), b = get(api, attr);
    bool same = a == b || (a.is_number() && b.is_number() && a.get<double>() == b.get<double>());
    if (!same)
      diffs.push_back(path + ": " + attr + " is " + a.dump() + " in crds/, " + b.dump() +
                      " in api/");
  }
  auto asSet = [](const Json& j) {
    std::set<std::string> s;
    if (j.is_array())
      for (const auto& v : j) s.insert(v.dump());
    return s;
  };
  if (asSet(get(crd, "required")) != asSet(get(api, "required"))) {
    diffs.push_back(path + ": required is " + get(crd, "required").dump() + " in crds/, " +
                    get(api, "required").dump() + " in api/");
  }
  Json cp = get(crd, "properties"), ap = get(api, "properties");
  if (cp.is_object() || ap.is_object()) {
    if (!cp.is_object() || !ap.is_object()) {
      diffs.push_back(path + ": properties {" + keys(cp) + "} in crds/, {" + keys(ap) +
                      "} in api/");
      return;
    }
    for (const auto& [name, sub] : cp.items()) {
      if (!ap.contains(name)) diffs.push_back(path + "." + name + ": in crds/ but not in api/");
    }
    for (const auto& [name, sub] : ap.items()) {
      if (!cp.contains(name)) {
        diffs.push_back(path + "." + name + ": in api/ but not in crds/");
      } else {
        compareSchemas(cp[name], sub, path + "." + name, diffs);
      }
    }
  }
  for (const char* nested : {"items", "additionalProperties"}) {
    Json a = get(crd, nested), b = get(api, nested);
    if (a.is_null() && b.is_null()) continue;
    if (a.is_null() || b.is_null()) {
      diffs.push_back(path + ": " + nested + " only in " + (a.is_null() ? "api/" : "crds/"));
    } else {
      compareSchemas(a, b, path + "." + nested, diffs);
    }
  }
}

const Json& crdVersion(const Json& crd) {
  return crd["spec"]["versions"][0];
}

class CrdTest : public ::testing::TestWithParam<CrdFile> {};

TEST_P(CrdTest, SchemaAgreesWithTheApiFieldTables) {
  const CrdFile& c = GetParam();
  Json crd = loadCrd(c.file);
  ASSERT_TRUE(crd.is_object());
  Json api = crdOpenApiSchema(c.kind);
  ASSERT_TRUE(api.is_object());
  std::vector<std::string> diffs;
  compareSchemas(crdVersion(crd)["schema"]["openAPIV3Schema"], api, "openAPIV3Schema", diffs);
  EXPECT_THAT(diffs, ::testing::IsEmpty())
      << "crds/" << c.file << " differs from api/. The schema api/ expects is:\n"
      << emitYaml(api);
}

TEST_P(CrdTest, DefinesTheKindWithStatusColumnsAndShortNames) {
  const CrdFile& c = GetParam();
  Json crd = loadCrd(c.file);
  EXPECT_EQ(crd["apiVersion"], "apiextensions.k8s.io/v1");
  EXPECT_EQ(crd["kind"], "CustomResourceDefinition");
  EXPECT_EQ(crd["metadata"]["name"], c.plural + ".piherd.io");
  EXPECT_EQ(crd["spec"]["group"], "piherd.io");
  EXPECT_EQ(crd["spec"]["names"]["kind"], c.kind);
  EXPECT_EQ(crd["spec"]["names"]["plural"], c.plural);
  EXPECT_FALSE(crd["spec"]["names"]["shortNames"].empty());
  ASSERT_EQ(crd["spec"]["versions"].size(), 1u);
  const Json& v = crdVersion(crd);
  EXPECT_EQ(v["name"], "v1alpha1");
  EXPECT_EQ(v["served"], true);
  EXPECT_EQ(v["storage"], true);
  EXPECT_EQ(v["subresources"]["status"], Json::object());

  // Every printer column points at a field the schema has, with a matching type.
  const Json schema = crdOpenApiSchema(c.kind);
  std::set<std::string> paths;
  for (const auto& col : v["additionalPrinterColumns"]) {
    std::string jsonPath = col["jsonPath"];
    paths.insert(jsonPath);
    if (jsonPath == ".metadata.creationTimestamp") continue;
    const Json* s = &schema;
    std::stringstream parts(jsonPath.substr(1));
    for (std::string part; std::getline(parts, part, '.');) {
      ASSERT_TRUE((*s)["properties"].contains(part)) << c.file << ": column " << jsonPath;
      s = &(*s)["properties"][part];
    }
    std::string type = col["type"];
    std::string fieldType = (*s)["type"];
    EXPECT_TRUE(type == fieldType || (type == "string" && fieldType == "array"))
        << c.file << ": column " << jsonPath << " is " << type << ", field is " << fieldType;
  }
  std::vector<std::string> wanted;
  if (c.kind == "Cluster") wanted = {".status.phase", ".spec.kubernetesVersion"};
  if (c.kind == "Machine") wanted = {".status.phase", ".spec.address", ".spec.role"};
  if (c.kind == "VirtualIP") wanted = {".spec.address", ".status.holders"};
  for (const auto& w : wanted) EXPECT_TRUE(paths.count(w)) << c.file << " lacks column " << w;
}

INSTANTIATE_TEST_SUITE_P(Kinds, CrdTest, ::testing::ValuesIn(kCrds),
                         [](const auto& info) { return info.param.kind; });

// The comparison itself catches drift, in either direction (so the tests above can fail).
TEST(CrdCompareTest, SeesEveryKindOfDrift) {
  const Json api = crdOpenApiSchema("VirtualIP");
  auto diffsAfter = [&](const std::function<void(Json&)>& change) {
    Json crd = api;
    change(crd);
    std::vector<std::string> diffs;
    compareSchemas(crd, api, "s", diffs);
    return diffs;
  };
  EXPECT_THAT(diffsAfter([](Json&) {}), ::testing::IsEmpty());
  EXPECT_THAT(diffsAfter([](Json& s) { s["properties"]["spec"]["properties"].erase("port"); }),
              ::testing::ElementsAre("s.spec.port: in api/ but not in crds/"));
  EXPECT_THAT(diffsAfter([](Json& s) {
                s["properties"]["spec"]["properties"]["vlan"] = {{"type", "integer"}};
              }),
              ::testing::ElementsAre("s.spec.vlan: in crds/ but not in api/"));
  EXPECT_THAT(
      diffsAfter([](Json& s) { s["properties"]["spec"]["properties"]["port"]["type"] = "string"; }),
      ::testing::ElementsAre("s.spec.port: type is \"string\" in crds/, \"integer\" in api/"));
  EXPECT_THAT(
      diffsAfter([](Json& s) {
        s["properties"]["spec"]["properties"]["virtualRouterID"]["maximum"] = 256;
      }),
      ::testing::ElementsAre("s.spec.virtualRouterID: maximum is 256 in crds/, 255 in api/"));
  EXPECT_THAT(diffsAfter([](Json& s) { s["properties"]["spec"]["required"] = {"cluster"}; }),
              ::testing::ElementsAre(::testing::HasSubstr("s.spec: required is [\"cluster\"]")));
  EXPECT_THAT(diffsAfter([](Json& s) {
                s["properties"]["status"]["properties"]["holders"]["items"]["type"] = "integer";
              }),
              ::testing::ElementsAre(::testing::HasSubstr("s.status.holders.items: type")));
  EXPECT_THAT(diffsAfter([](Json& s) { s["properties"]["spec"]["description"] = "changed"; }),
              ::testing::IsEmpty());
}

}  // namespace
}  // namespace piherd
