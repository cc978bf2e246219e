// docs/api.md documents every field of every kind: each spec and status field path (down to
// the values; objects that only group fields need no row of their own) of the
// field tables (api/) appears, in backticks, in its kind's section (metadata and condition
// fields, shared by all kinds, anywhere in the page).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "api/crd_schema.h"
#include "api/field_schema.h"

namespace piherd {
namespace {

std::string readDocs() {
  std::ifstream in(std::string(PIHERD_SOURCE_DIR) + "/docs/api.md");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The text between "## <kind>" and the next "## " heading.
std::string section(const std::string& docs, const std::string& kind) {
  size_t start = docs.find("\n## " + kind + "\n");
  if (start == std::string::npos) return "";
  size_t end = docs.find("\n## ", start + 1);
  return docs.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

void collectPaths(const std::vector<FieldSchema>& fields, const std::string& prefix,
                  std::vector<std::string>& out) {
  for (const auto& f : fields) {
    std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
    if (f.type != FieldType::kObject) out.push_back(path);  // objects only group their fields
    collectPaths(f.fields, f.type == FieldType::kArray ? path + "[]" : path, out);
  }
}

class ApiDocsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ApiDocsTest, EveryFieldIsDocumented) {
  const std::string docs = readDocs();
  ASSERT_FALSE(docs.empty());
  const std::string kind = GetParam();
  const std::string own = section(docs, kind);
  ASSERT_FALSE(own.empty()) << "docs/api.md has no \"## " << kind << "\" section";
  std::vector<std::string> paths;
  collectPaths(kindFields(kind), "", paths);
  for (const auto& p : paths) {
    if (p.find('.') == std::string::npos) continue;  // apiVersion, kind, metadata, spec, status
    bool shared = p.rfind("metadata.", 0) == 0 || p.rfind("status.conditions[].", 0) == 0;
    const std::string& where = shared ? docs : own;
    EXPECT_NE(where.find("`" + p + "`"), std::string::npos)
        << "docs/api.md does not document " << kind << " field `" << p << "`";
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, ApiDocsTest, ::testing::Values("Cluster", "Machine", "VirtualIP"));

TEST(ApiDocsTest, StatesTheSupportedVersions) {
  const std::string docs = readDocs();
  EXPECT_THAT(docs, ::testing::HasSubstr("Kubernetes 1.31 and newer"));
  EXPECT_THAT(docs, ::testing::HasSubstr("v1beta4"));
}

}  // namespace
}  // namespace piherd
