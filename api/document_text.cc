#include "api/document_text.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <sstream>

#include "api/diagnostic.h"

namespace piherd {
namespace {

// Counts the documents of a YAML stream, events ignored. yaml-cpp 0.7's LoadAll never ends on
// some malformed input (a stream that is just ",": jbeder/yaml-cpp#1040, fixed upstream by
// #1319 after 0.7): the parser keeps reporting a null document without consuming anything.
// A real stream cannot hold more documents than it has bytes plus one, so more than that
// means the parser is stuck, and the text is refused before LoadAll sees it.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Throws what the parser throws (syntax errors, DeepRecursion); false when it is stuck.
bool parserTerminates(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  for (size_t documents = 0; parser.HandleNextDocument(counter);) {
    if (++documents > text.size() + 1) return false;
  }
  return true;
}


// Small matchers for the YAML scalar forms we care about (std::regex is avoided: slow, and
// GCC 12 warns inside it under the sanitizers).
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

size_t skipSign(std::string_view s) {
  return !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
}

// Consumes [0-9]* from `i` (and '_' when `underscores`); returns how many were consumed.
size_t digits(std::string_view s, size_t& i, bool underscores = false) {
  size_t start = i;
  while (i < s.size() && (isDigit(s[i]) || (underscores && s[i] == '_'))) ++i;
  return i - start;
}

bool allOf(std::string_view s, std::string_view allowed) {
  return !s.empty() && s.find_first_not_of(allowed) == std::string_view::npos;
}

// YAML 1.2 core schema int: [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+
bool isYamlInt(std::string_view s) {
  if (s.size() > 2 && s.substr(0, 2) == "0o") return allOf(s.substr(2), "01234567");
  if (s.size() > 2 && s.substr(0, 2) == "0x") return allOf(s.substr(2), "0123456789abcdefABCDEF");
  size_t i = skipSign(s);
  return digits(s, i) > 0 && i == s.size();
}

// YAML 1.2 core schema float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, and
// [-+]?.inf, .nan in three spellings each.
bool isYamlFloat(std::string_view s) {
  size_t i = skipSign(s);
  std::string_view rest = s.substr(i);
  if (rest == ".inf" || rest == ".Inf" || rest == ".INF") return true;
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  size_t whole = digits(s, i);
  size_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    fraction = digits(s, i);
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    i += skipSign(s.substr(i));
    if (digits(s, i) == 0) return false;
  }
  return i == s.size();
}

// What YAML 1.1 readers (Go's yaml.v2 behind kubectl, PyYAML) also take for something other
// than a string: more boolean words, sexagesimal and underscored numbers, timestamps. We
// quote these on output so that no reader misreads our files.
bool isYaml11Special(std::string_view s) {
  for (std::string_view w : {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On",
                             "ON", "off", "Off", "OFF"}) {
    if (s == w) return true;
  }
  if (s.size() >= 8 && isDigit(s[0]) && s.find_first_not_of("0123456789") == 4 && s[4] == '-') {
    return true;  // 2025-01-02, 2025-01-02T03:04:05Z: a timestamp
  }
  size_t i = skipSign(s);
  if (i >= s.size() || !isDigit(s[i])) return false;
  digits(s, i, true);
  bool sexagesimal = false;
  while (i < s.size() && s[i] == ':') {  // 1:20, 190:20:30
    ++i;
    size_t n = digits(s, i);
    if (n == 0 || n > 2) return false;
    sexagesimal = true;
  }
  bool underscored = s.find('_') != std::string_view::npos;
  if (i < s.size() && s[i] == '.') {
    ++i;
    digits(s, i, true);
  }
  return i == s.size() && (sexagesimal || underscored);
}

bool isNullWord(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

std::optional<bool> boolWord(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

Json parseIntText(const std::string& s) {
  int base = 10;
  std::string digits = s;
  if (s.rfind("0o", 0) == 0) base = 8, digits = s.substr(2);
  if (s.rfind("0x", 0) == 0) base = 16, digits = s.substr(2);
  if (!digits.empty() && digits[0] == '+') digits.erase(0, 1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec == std::errc() && end == digits.data() + digits.size()) return value;
  return std::strtod(s.c_str(), nullptr);  // too large for an integer
}

// A plain (unquoted) scalar, typed by the YAML 1.2 core schema.
Json resolvePlain(const std::string& s) {
  if (isNullWord(s)) return nullptr;
  if (auto b = boolWord(s)) return *b;
  if (isYamlInt(s)) return parseIntText(s);
  if (isYamlFloat(s)) {
    if (s.find("inf") != std::string::npos || s.find("Inf") != std::string::npos ||
        s.find("INF") != std::string::npos) {
      return s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    }
    if (s.find("nan") != std::string::npos || s.find("NaN") != std::string::npos ||
        s.find("NAN") != std::string::npos) {
      return std::nan("");
    }
    return std::strtod(s.c_str(), nullptr);
  }
  return s;
}

// Aliases are expanded into copies; a few nested ones can make a small file huge ("billion
// laughs"), so conversion stops past a size no manifest set comes near.
constexpr size_t kMaxNodes = 1'000'000;

struct Conversion {
  int document = 0;
  std::vector<TextIssue>& issues;
  size_t nodes = 0;
  bool tooLarge = false;
  int depth = 0;
};

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool isUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

// A scalar's text must be UTF-8 without NUL: what every later check assumes of a string.
bool checkScalarText(const std::string& text, const std::string& path, Conversion& c) {
  if (text.find('\0') != std::string::npos) {
    c.issues.push_back({c.document, path, "holds a NUL byte; manifests are text"});
    return false;
  }
  if (!isUtf8(text)) {
    c.issues.push_back({c.document, path, "holds bytes that are not UTF-8; manifests are UTF-8 text"});
    return false;
  }
  return true;
}

Json toJson(const YAML::Node& node, const std::string& path, Conversion& c);

Json toJsonGuarded(const YAML::Node& node, const std::string& path, Conversion& c) {
  if (++c.nodes > kMaxNodes) {
    if (!c.tooLarge)
      c.issues.push_back(
          {c.document, "", "document too large (aliases expand to over a million values)"});
    c.tooLarge = true;
    return nullptr;
  }
  if (c.depth >= kMaxManifestDepth) {
    if (!c.tooLarge) {
      c.issues.push_back({c.document, path,
                          "nested deeper than " + std::to_string(kMaxManifestDepth) +
                              " levels; no manifest field is"});
    }
    c.tooLarge = true;
    return nullptr;
  }
  ++c.depth;
  Json out = toJson(node, path, c);
  --c.depth;
  return out;
}

Json toJson(const YAML::Node& node, const std::string& path, Conversion& c) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      if (!checkScalarText(node.Scalar(), path, c)) return nullptr;
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return node.Scalar();
      return resolvePlain(node.Scalar());
    }
    case YAML::NodeType::Sequence: {
      Json array = Json::array();
      size_t i = 0;
      for (const auto& item : node) {
        array.push_back(toJsonGuarded(item, path + "[" + std::to_string(i++) + "]", c));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      Json object = Json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          c.issues.push_back({c.document, path, "a mapping key must be a plain value"});
          continue;
        }
        std::string key = entry.first.Scalar();
        if (!checkScalarText(key, path, c)) continue;
        std::string childPath = joinPath(path, key);
        if (object.contains(key)) {
          c.issues.push_back(
              {c.document, childPath, "duplicate field (each field may appear once)"});
          continue;
        }
        object[key] = toJsonGuarded(entry.second, childPath, c);
      }
      return object;
    }
  }
  return nullptr;
}

bool needsQuotes(const std::string& s) {
  if (isNullWord(s) || boolWord(s)) return true;
  return isYamlInt(s) || isYamlFloat(s) || isYaml11Special(s);
}

void emit(YAML::Emitter& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& [key, item] : v.items()) {
        out << YAML::Key;
        emit(out, Json(key));
        out << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      return;
    case Json::value_t::array:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : v) emit(out, item);
      out << YAML::EndSeq;
      return;
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (needsQuotes(s)) out << YAML::DoubleQuoted;
      out << s;
      return;
    }
    case Json::value_t::boolean:
      out << (v.get<bool>() ? "true" : "false");
      return;
    case Json::value_t::number_integer:
      out << std::to_string(v.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      out << std::to_string(v.get<uint64_t>());
      return;
    case Json::value_t::number_float:
      out << formatNumber(v.get<double>());
      return;
    default:
      out << YAML::Null;
      return;
  }
}

}  // namespace

std::optional<std::string> checkText(std::string_view text) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\0') {
      return "a NUL byte at line " + std::to_string(line) + ", column " + std::to_string(column) +
             ": manifests are text";
    }
    if (text[i] == '\n') {
      ++line, column = 1;
    } else {
      ++column;
    }
  }
  if (!isUtf8(text)) {
    // Find the line for the message: the first line that is not UTF-8 on its own.
    size_t start = 0;
    for (size_t n = 1; start <= text.size(); ++n) {
      size_t end = text.find('\n', start);
      std::string_view l = text.substr(start, end == std::string_view::npos ? end : end - start);
      if (!isUtf8(l)) {
        return "bytes at line " + std::to_string(n) + " are not UTF-8: manifests are UTF-8 text";
      }
      if (end == std::string_view::npos) break;
      start = end + 1;
    }
    return "not UTF-8 text";
  }
  return std::nullopt;
}

ParsedDocuments parseYamlText(std::string_view text) {
  ParsedDocuments result;
  if (text.find('\0') != std::string_view::npos) {  // yaml-cpp would stop reading there
    result.issues.push_back({0, "", *checkText(text)});
    return result;
  }
  std::vector<YAML::Node> nodes;
  try {
    const std::string copy(text);
    if (!parserTerminates(copy)) {
      result.issues.push_back({0, "",
                               "YAML syntax error: the parser makes no progress on this text "
                               "(a stray ',' or flow indicator outside a flow collection?)"});
      return result;
    }
    nodes = YAML::LoadAll(copy);
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own guard, past ~2000 levels
    result.issues.push_back({0, "",
                             "nested deeper than " + std::to_string(kMaxManifestDepth) +
                                 " levels at line " + std::to_string(e.mark.line + 1) +
                                 "; no manifest field is"});
    return result;
  } catch (const YAML::Exception& e) {
    result.issues.push_back({0, "",
                             "YAML syntax error at line " + std::to_string(e.mark.line + 1) +
                                 ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg});
    return result;
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    Conversion conversion{static_cast<int>(i + 1), result.issues};
    Json document = toJsonGuarded(nodes[i], "", conversion);
    result.documents.push_back(conversion.tooLarge ? Json() : std::move(document));
  }
  // Bytes that are not UTF-8 outside any value (in a comment, say) are refused too; inside
  // a value they were reported at its field.
  if (!isUtf8(text) && std::none_of(result.issues.begin(), result.issues.end(),
                                    [](const TextIssue& i) {
                                      return i.message.find("UTF-8") != std::string::npos;
                                    })) {
    result.issues.push_back({0, "", *checkText(text)});
  }
  return result;
}

ParsedDocuments parseJsonText(std::string_view text) {
  ParsedDocuments result;
  if (auto problem = checkText(text)) {
    result.issues.push_back({0, "", *problem});
    return result;
  }
  // Track the keys of each open object to report duplicates (the parser keeps the last).
  std::vector<std::set<std::string>> open;
  bool tooDeep = false;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth >= kMaxManifestDepth && !tooDeep) {
      tooDeep = true;  // a deep value is copied and printed recursively later: refuse it now
      result.issues.push_back({1, "",
                               "nested deeper than " + std::to_string(kMaxManifestDepth) +
                                   " levels; no manifest field is"});
    }
    if (tooDeep) return false;
    if (event == Json::parse_event_t::object_start) {
      open.emplace_back();
    } else if (event == Json::parse_event_t::object_end && !open.empty()) {
      open.pop_back();
    } else if (event == Json::parse_event_t::key && !open.empty()) {
      std::string key = parsed.get<std::string>();
      if (!open.back().insert(key).second) {
        result.issues.push_back({1, key, "duplicate field (each field may appear once)"});
      }
    }
    return true;
  };
  try {
    result.documents.push_back(Json::parse(text.begin(), text.end(), callback));
    if (tooDeep) result.documents = {Json()};
  } catch (const Json::exception& e) {
    std::string message = e.what();
    if (size_t close = message.find("] ");
        message.rfind("[json.exception", 0) == 0 && close != std::string::npos) {
      message = message.substr(close + 2);
    }
    result.issues = {{0, "", "JSON syntax error: " + message}};
    result.documents.clear();
  }
  return result;
}

std::string emitYaml(const Json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  emit(out, value);
  return std::string(out.c_str()) + "\n";
}

}  // namespace piherd
