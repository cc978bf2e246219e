#include "api/field_decoder.h"

#include <algorithm>
#include <limits>

#include "api/secret_detection.h"
#include "api/text_distance.h"

namespace piherd {
namespace {

std::string describe(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return v.get<bool>() ? "boolean true" : "boolean false";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number " + v.dump();
    case Json::value_t::string:
      return "string " + quoteValue(v.get<std::string>());
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "a list";
    default:
      return "an unsupported value";
  }
}

const std::string kPrivateKeyMessage =
    "secret material (a private key) must not be written in a manifest (value not shown); "
    "put it in a file readable only by you and name that file in privateKeyFile";

// Reports inline private keys anywhere inside a free-form value.
bool rejectPrivateKeys(const Json& v, const std::string& path, DiagnosticReporter& r) {
  if (v.is_string()) {
    if (!looksLikePrivateKey(v.get_ref<const std::string&>())) return true;
    r.error(path, kPrivateKeyMessage);
    return false;
  }
  bool ok = true;
  if (v.is_object()) {
    for (const auto& [key, item] : v.items())
      ok = rejectPrivateKeys(item, path + "[" + key + "]", r) && ok;
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.size(); ++i) {
      ok = rejectPrivateKeys(v[i], path + "[" + std::to_string(i) + "]", r) && ok;
    }
  }
  return ok;
}

}  // namespace

std::string typeMismatch(std::string_view expected, const Json& got) {
  std::string message = "expected " + std::string(expected) + ", got " + describe(got);
  if (expected == "a string" && (got.is_number() || got.is_boolean())) {
    message += " (quote it to make it a string)";
  }
  return message;
}

void reportUnknownField(const std::string& key, const std::vector<std::string>& known,
                        const std::string& parent, DiagnosticReporter& r) {
  std::string path = joinPath(parent, key);
  if (looksLikeSecretFieldName(key)) {
    r.error(path, secretFieldMessage(key, known));
    return;
  }
  std::string message = "unknown field";
  if (auto guess = closestMatch(key, known)) message += " (did you mean \"" + *guess + "\"?)";
  r.error(path, message);
}

bool decodeValue(const Json& in, std::string& out, const std::string& path, DiagnosticReporter& r) {
  if (!in.is_string()) {
    r.error(path, typeMismatch("a string", in));
    return false;
  }
  if (!rejectPrivateKeys(in, path, r)) return false;
  out = in.get<std::string>();
  return true;
}

bool decodeValue(const Json& in, bool& out, const std::string& path, DiagnosticReporter& r) {
  if (!in.is_boolean()) {
    r.error(path, typeMismatch("true or false", in));
    return false;
  }
  out = in.get<bool>();
  return true;
}

bool decodeValue(const Json& in, int64_t& out, const std::string& path, DiagnosticReporter& r) {
  if (in.is_number_unsigned() &&
      in.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    r.error(path, "number " + in.dump() + " is too large");
    return false;
  }
  if (!in.is_number_integer()) {
    r.error(path, typeMismatch("an integer", in));
    return false;
  }
  out = in.get<int64_t>();
  return true;
}

bool decodeValue(const Json& in, int& out, const std::string& path, DiagnosticReporter& r) {
  int64_t wide = 0;
  if (!decodeValue(in, wide, path, r)) return false;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    r.error(path, "number " + in.dump() + " is too large");
    return false;
  }
  out = static_cast<int>(wide);
  return true;
}

bool decodeValue(const Json& in, double& out, const std::string& path, DiagnosticReporter& r) {
  if (!in.is_number()) {
    r.error(path, typeMismatch("a number", in));
    return false;
  }
  out = in.get<double>();
  return true;
}

bool decodeValue(const Json& in, std::map<std::string, std::string>& out, const std::string& path,
                 DiagnosticReporter& r) {
  if (!in.is_object()) {
    r.error(path, typeMismatch("an object of strings", in));
    return false;
  }
  out.clear();
  bool ok = true;
  for (const auto& [key, value] : in.items()) {
    std::string itemPath = path + "[" + key + "]";
    std::string text;
    if (decodeValue(value, text, itemPath, r)) {
      out[key] = std::move(text);
    } else {
      ok = false;
    }
  }
  return ok;
}

bool decodeValue(const Json& in, Json& out, const std::string& path, DiagnosticReporter& r) {
  if (!rejectPrivateKeys(in, path, r)) return false;
  out = in;
  return true;
}

}  // namespace piherd
