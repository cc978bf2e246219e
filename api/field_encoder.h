// Writes API structs as JSON by walking their field tables (field_schema.h). Unset values
// are left out (empty strings and containers, false, zero plain numbers, unset optionals),
// like Go's omitempty, so that a manifest read and written back keeps its shape. Fields
// come out in table order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_schema.h"
#include "api/json.h"

namespace piherd {

class FieldEncoder {
 public:
  explicit FieldEncoder(Json& object) : object_(object) {}

  template <class T>
  void field(std::string_view name, const T& member, const FieldOptions& = {});

 private:
  Json& object_;
};

// Each returns false, leaving `out` alone, when the value is unset.
bool encodeValue(const std::string& in, Json& out);
bool encodeValue(bool in, Json& out);
bool encodeValue(int in, Json& out);
bool encodeValue(int64_t in, Json& out);
bool encodeValue(double in, Json& out);
bool encodeValue(const std::map<std::string, std::string>& in, Json& out);
bool encodeValue(const Json& in, Json& out);
template <class T>
bool encodeValue(const std::optional<T>& in, Json& out);
template <class T>
bool encodeValue(const std::vector<T>& in, Json& out);
template <Reflected T>
bool encodeValue(const T& in, Json& out);

// An object's field table as a JSON object; {} when every field is unset.
template <Reflected T>
Json encodeObject(const T& in) {
  Json object = Json::object();
  FieldEncoder encoder(object);
  visitFields(encoder, in);
  return object;
}

template <class T>
void FieldEncoder::field(std::string_view name, const T& member, const FieldOptions&) {
  Json value;
  if (encodeValue(member, value)) object_[std::string(name)] = std::move(value);
}

template <class T>
bool encodeValue(const std::optional<T>& in, Json& out) {
  if (!in) return false;
  out = *in;  // set optionals are written even when zero or false
  return true;
}

template <class T>
bool encodeValue(const std::vector<T>& in, Json& out) {
  if (in.empty()) return false;
  out = Json::array();
  for (const auto& item : in) {
    if constexpr (Reflected<T>) {
      out.push_back(encodeObject(item));
    } else {
      out.push_back(item);  // list items are written even when empty
    }
  }
  return true;
}

template <Reflected T>
bool encodeValue(const T& in, Json& out) {
  Json object = encodeObject(in);
  if (object.empty()) return false;
  out = std::move(object);
  return true;
}

}  // namespace piherd
