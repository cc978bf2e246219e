// Reads JSON values into API structs by walking their field tables (field_schema.h).
// Strict like `kubectl --validate=strict`: a value of the wrong type and a key that no
// table names are errors (with a "did you mean" hint), a secret-looking key or an inline
// private key is rejected without repeating the value. Every problem is reported; decoding
// goes on after one, leaving the offending field unset. null means "not set".
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/diagnostic.h"
#include "api/field_schema.h"
#include "api/json.h"

namespace piherd {

// Decodes the one field named `key` of `object` when visitFields() offers it. Objects are
// decoded key by key in the order they were written, so diagnostics follow the document.
class FieldDecoder {
 public:
  FieldDecoder(const Json& object, std::string_view key, std::string path,
               DiagnosticReporter& reporter)
      : object_(object), key_(key), path_(std::move(path)), reporter_(reporter) {}

  template <class T>
  void field(std::string_view name, T& member, const FieldOptions& = {});

 private:
  const Json& object_;
  std::string_view key_;
  std::string path_;
  DiagnosticReporter& reporter_;
};

// Collects the names of a field table.
class FieldNameCollector {
 public:
  template <class T>
  void field(std::string_view name, const T&, const FieldOptions& = {}) {
    names_.emplace_back(name);
  }
  std::vector<std::string> take() { return std::move(names_); }

 private:
  std::vector<std::string> names_;
};

// Reports a key that no field of the table (`known`) names: a secret-looking one as such,
// others as unknown with a "did you mean" hint.
void reportUnknownField(const std::string& key, const std::vector<std::string>& known,
                        const std::string& path, DiagnosticReporter& r);

// Decodes a JSON object into a struct with a field table, reporting every problem.
template <Reflected T>
bool decodeObject(const Json& in, T& out, const std::string& path, DiagnosticReporter& r);

// Each returns false (after reporting why) when the value cannot be stored in `out`.
bool decodeValue(const Json& in, std::string& out, const std::string& path, DiagnosticReporter& r);
bool decodeValue(const Json& in, bool& out, const std::string& path, DiagnosticReporter& r);
bool decodeValue(const Json& in, int& out, const std::string& path, DiagnosticReporter& r);
bool decodeValue(const Json& in, int64_t& out, const std::string& path, DiagnosticReporter& r);
bool decodeValue(const Json& in, double& out, const std::string& path, DiagnosticReporter& r);
bool decodeValue(const Json& in, std::map<std::string, std::string>& out, const std::string& path,
                 DiagnosticReporter& r);
bool decodeValue(const Json& in, Json& out, const std::string& path, DiagnosticReporter& r);
template <class T>
bool decodeValue(const Json& in, std::optional<T>& out, const std::string& path,
                 DiagnosticReporter& r);
template <class T>
bool decodeValue(const Json& in, std::vector<T>& out, const std::string& path,
                 DiagnosticReporter& r);
template <Reflected T>
bool decodeValue(const Json& in, T& out, const std::string& path, DiagnosticReporter& r);

// "expected an object, got string \"x\"": the wording of a type mismatch.
std::string typeMismatch(std::string_view expected, const Json& got);

template <class T>
void FieldDecoder::field(std::string_view name, T& member, const FieldOptions&) {
  if (name != key_) return;
  auto it = object_.find(std::string(name));
  if (it == object_.end() || it->is_null()) return;
  decodeValue(*it, member, joinPath(path_, name), reporter_);
}

template <class T>
bool decodeValue(const Json& in, std::optional<T>& out, const std::string& path,
                 DiagnosticReporter& r) {
  T value{};
  if (!decodeValue(in, value, path, r)) return false;
  out = std::move(value);
  return true;
}

template <class T>
bool decodeValue(const Json& in, std::vector<T>& out, const std::string& path,
                 DiagnosticReporter& r) {
  if (!in.is_array()) {
    r.error(path, typeMismatch("a list", in));
    return false;
  }
  out.clear();
  bool ok = true;
  for (size_t i = 0; i < in.size(); ++i) {
    T item{};
    if (decodeValue(in[i], item, path + "[" + std::to_string(i) + "]", r)) {
      out.push_back(std::move(item));
    } else {
      ok = false;
    }
  }
  return ok;
}

template <Reflected T>
bool decodeObject(const Json& in, T& out, const std::string& path, DiagnosticReporter& r) {
  if (!in.is_object()) {
    r.error(path, typeMismatch("an object", in));
    return false;
  }
  FieldNameCollector collector;
  visitFields(collector, out);
  std::vector<std::string> known = collector.take();
  for (const auto& [key, value] : in.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      reportUnknownField(key, known, path, r);
      continue;
    }
    FieldDecoder decoder(in, key, path, r);
    visitFields(decoder, out);
  }
  return true;
}

template <Reflected T>
bool decodeValue(const Json& in, T& out, const std::string& path, DiagnosticReporter& r) {
  return decodeObject(in, out, path, r);
}

}  // namespace piherd
