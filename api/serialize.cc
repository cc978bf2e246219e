#include "api/serialize.h"

#include "api/document_text.h"
#include "api/field_encoder.h"

namespace piherd {
namespace {

std::string pretty(const Json& value) {
  return value.dump(2) + "\n";
}

template <class F>
void forEachObject(const ManifestSet& set, F&& f) {
  for (const auto& c : set.clusters) f(toJsonValue(c));
  for (const auto& m : set.machines) f(toJsonValue(m));
  for (const auto& v : set.vips) f(toJsonValue(v));
}

}  // namespace

Json toJsonValue(const Cluster& object) {
  return encodeObject(object);
}
Json toJsonValue(const Machine& object) {
  return encodeObject(object);
}
Json toJsonValue(const VirtualIP& object) {
  return encodeObject(object);
}

std::string toJson(const Cluster& object) {
  return pretty(toJsonValue(object));
}
std::string toJson(const Machine& object) {
  return pretty(toJsonValue(object));
}
std::string toJson(const VirtualIP& object) {
  return pretty(toJsonValue(object));
}

std::string toJson(const ManifestSet& set) {
  Json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", Json::array()}};
  forEachObject(set, [&list](Json item) { list["items"].push_back(std::move(item)); });
  return pretty(list);
}

std::string toYaml(const Cluster& object) {
  return emitYaml(toJsonValue(object));
}
std::string toYaml(const Machine& object) {
  return emitYaml(toJsonValue(object));
}
std::string toYaml(const VirtualIP& object) {
  return emitYaml(toJsonValue(object));
}

std::string toYaml(const ManifestSet& set) {
  std::string out;
  forEachObject(set, [&out](const Json& item) {
    if (!out.empty()) out += "---\n";
    out += emitYaml(item);
  });
  return out;
}

}  // namespace piherd
