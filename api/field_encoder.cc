#include "api/field_encoder.h"

namespace piherd {

bool encodeValue(const std::string& in, Json& out) {
  if (in.empty()) return false;
  out = in;
  return true;
}

bool encodeValue(bool in, Json& out) {
  if (!in) return false;
  out = in;
  return true;
}

bool encodeValue(int in, Json& out) {
  if (in == 0) return false;
  out = in;
  return true;
}

bool encodeValue(int64_t in, Json& out) {
  if (in == 0) return false;
  out = in;
  return true;
}

bool encodeValue(double in, Json& out) {
  if (in == 0) return false;
  out = in;
  return true;
}

bool encodeValue(const std::map<std::string, std::string>& in, Json& out) {
  if (in.empty()) return false;
  out = Json::object();
  for (const auto& [key, value] : in) out[key] = value;
  return true;
}

bool encodeValue(const Json& in, Json& out) {
  if (in.is_null()) return false;
  out = in;
  return true;
}

}  // namespace piherd
