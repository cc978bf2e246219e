#include "api/field_schema.h"

namespace piherd {

std::string_view fieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "string";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kNumber:
      return "number";
    case FieldType::kBoolean:
      return "boolean";
    case FieldType::kObject:
      return "object";
    case FieldType::kStringMap:
      return "object";
    case FieldType::kArray:
      return "array";
    case FieldType::kAny:
      return "any";
  }
  return "any";
}

const FieldSchema* findField(const std::vector<FieldSchema>& fields, std::string_view name) {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

}  // namespace piherd
