#include "api/crd_schema.h"

#include <cmath>

#include "api/cluster.h"
#include "api/machine.h"
#include "api/object_meta.h"
#include "api/virtual_ip.h"

namespace piherd {
namespace {

Json number(FieldType type, double value) {
  if (type == FieldType::kInteger || value == std::floor(value)) {
    return static_cast<int64_t>(value);
  }
  return value;
}

}  // namespace

Json openApiSchema(const FieldSchema& f) {
  Json s = Json::object();
  if (!f.description.empty()) s["description"] = f.description;
  switch (f.type) {
    case FieldType::kObject:
      return openApiObjectSchema(f.fields, f.description);
    case FieldType::kStringMap:
      s["type"] = "object";
      s["additionalProperties"] = {{"type", "string"}};
      return s;
    case FieldType::kArray: {
      s["type"] = "array";
      if (f.itemType == FieldType::kObject) {
        s["items"] = openApiObjectSchema(f.fields, "");
      } else {
        s["items"] = {{"type", fieldTypeName(f.itemType)}};
      }
      return s;
    }
    case FieldType::kAny:
      s["x-kubernetes-preserve-unknown-fields"] = true;
      return s;
    default:
      break;
  }
  s["type"] = fieldTypeName(f.type);
  if (!f.enumValues.empty()) s["enum"] = f.enumValues;
  if (f.minimum) s["minimum"] = number(f.type, *f.minimum);
  if (f.maximum) s["maximum"] = number(f.type, *f.maximum);
  return s;
}

Json openApiObjectSchema(const std::vector<FieldSchema>& fields, std::string_view description) {
  Json s = Json::object();
  if (!description.empty()) s["description"] = std::string(description);
  s["type"] = "object";
  Json properties = Json::object();
  Json required = Json::array();
  for (const auto& f : fields) {
    properties[f.name] = openApiSchema(f);
    if (f.required) required.push_back(f.name);
  }
  s["properties"] = std::move(properties);
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}

std::vector<FieldSchema> kindFields(std::string_view kind) {
  if (kind == kKindCluster) return fieldsOf<Cluster>();
  if (kind == kKindMachine) return fieldsOf<Machine>();
  if (kind == kKindVirtualIP) return fieldsOf<VirtualIP>();
  return {};
}

Json crdOpenApiSchema(std::string_view kind) {
  std::vector<FieldSchema> fields = kindFields(kind);
  if (fields.empty()) return Json();
  Json s = Json::object();
  s["type"] = "object";
  Json properties = Json::object();
  for (const auto& f : fields) {
    if (f.name == "metadata") {
      properties["metadata"] = {{"type", "object"}};  // owned by the API server
    } else if (f.name == "apiVersion" || f.name == "kind") {
      properties[f.name] = {{"type", "string"}};
    } else {
      properties[f.name] = openApiSchema(f);
    }
  }
  s["properties"] = std::move(properties);
  s["required"] = Json::array({"spec"});
  return s;
}

}  // namespace piherd
