// The adapter between manifest text and JSON values: the only place that calls yaml-cpp and
// nlohmann's parser, and catches their exceptions. YAML scalars are typed by the YAML 1.2
// core schema (so `port: 22` is a number, `version: "1.31"` and `version: 1.34.2` are
// strings, `version: 1.31` is a number); duplicate keys are reported, not silently merged.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"

namespace piherd {

// How deep a document may nest (manifests need about 6 levels): deeper values are refused
// before anything copies or prints them recursively.
inline constexpr int kMaxManifestDepth = 64;

struct TextIssue {
  int document = 0;  // 1-based; 0 when the whole text failed to parse
  std::string path;  // field path of a duplicate key
  std::string message;
};

struct ParsedDocuments {
  std::vector<Json> documents;  // one per document; null for empty documents
  std::vector<TextIssue> issues;
};

// nullopt when `text` can be a manifest at all: no NUL byte, well-formed UTF-8; else why
// not, with the line. The parsers below call it first.
std::optional<std::string> checkText(std::string_view text);

// Every document of a YAML stream (documents separated by ---).
ParsedDocuments parseYamlText(std::string_view text);
// One JSON value (an object, or an array of objects).
ParsedDocuments parseJsonText(std::string_view text);

// One YAML document (no leading ---), ending in a newline. Strings that a YAML reader would
// take for a number, boolean or null are quoted.
std::string emitYaml(const Json& value);

}  // namespace piherd
