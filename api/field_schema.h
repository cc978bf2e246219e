// The field tables of the API objects. Each API struct has a `visitFields(visitor, object)`
// function (next to the struct, in its header) that lists its fields in order with their
// JSON names and options. That one list is what everything else walks:
//   - the decoder (object_codec.cc): reads JSON into the struct and reports unknown fields;
//   - the encoder (object_codec.cc): writes the struct back as JSON/YAML;
//   - the field checker (field_checker.h): required fields, enums and numeric ranges;
//   - SchemaBuilder below: a FieldSchema tree, from which crd_schema.cc builds the OpenAPI
//     schema that the checked-in CRDs (crds/) are tested against.
// So a field added to a struct and its table is parsed, printed, checked and compared with
// the CRDs without further edits; a field missing from the table cannot be parsed at all.
//
// The JSON type of a field follows from its C++ type: std::string -> string, integers ->
// integer, double -> number, bool -> boolean, std::map<string,string> -> object of strings,
// std::vector<T> -> array, Json -> anything (kept as is), a struct with visitFields -> object.
// std::optional<T> is T that may be unset (so an explicit 0 is not confused with "absent").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "api/json.h"
#include "api/string_formats.h"

namespace piherd {

enum class FieldType { kString, kInteger, kNumber, kBoolean, kObject, kStringMap, kArray, kAny };

// The OpenAPI type name ("string", "integer", ...); "any" for kAny.
std::string_view fieldTypeName(FieldType type);

// What a field table entry says about a field besides its name and type.
struct FieldOptions {
  bool required = false;                     // must be set (non-empty) after defaulting
  std::vector<std::string_view> enumValues;  // allowed values of a string field
  std::optional<double> minimum;             // numeric fields: inclusive bounds
  std::optional<double> maximum;
  // Strings, items of string arrays, values of string maps: the syntax rule of the value
  // (string_formats.h); keyFormat: the keys of a string map.
  StringFormat format = StringFormat::kNone;
  StringFormat keyFormat = StringFormat::kNone;
  std::string_view description;  // for the CRD and `kubectl explain`
};

// One field as the schema sees it.
struct FieldSchema {
  std::string name;
  FieldType type = FieldType::kString;
  bool required = false;
  std::vector<std::string> enumValues;
  std::optional<double> minimum;
  std::optional<double> maximum;
  StringFormat format = StringFormat::kNone;
  StringFormat keyFormat = StringFormat::kNone;
  std::string description;
  FieldType itemType = FieldType::kString;  // kArray: the type of the items
  std::vector<FieldSchema> fields;          // kObject, or kArray of kObject: the item's fields
};

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {
  using Inner = T;
};
template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {
  using Item = T;
};

// A visitor that does nothing; used to ask whether a type has a field table.
struct FieldProbe {
  template <class T>
  void field(std::string_view, const T&, const FieldOptions& = {}) {}
};

// A type with a field table (found by argument-dependent lookup).
template <class T>
concept Reflected = requires(FieldProbe& probe, const T& value) {
  visitFields(probe, value);
};

// True when S is T or const T: visitFields is written once for both.
template <class S, class T>
concept SameStruct = std::is_same_v<std::remove_const_t<S>, T>;

template <class T>
constexpr FieldType fieldTypeOf() {
  if constexpr (IsOptional<T>::value) {
    return fieldTypeOf<typename IsOptional<T>::Inner>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return FieldType::kString;
  } else if constexpr (std::is_same_v<T, bool>) {
    return FieldType::kBoolean;
  } else if constexpr (std::is_integral_v<T>) {
    return FieldType::kInteger;
  } else if constexpr (std::is_floating_point_v<T>) {
    return FieldType::kNumber;
  } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
    return FieldType::kStringMap;
  } else if constexpr (IsVector<T>::value) {
    return FieldType::kArray;
  } else if constexpr (std::is_same_v<T, Json>) {
    return FieldType::kAny;
  } else {
    static_assert(Reflected<T>, "a field's type needs a visitFields table");
    return FieldType::kObject;
  }
}

template <class T>
std::vector<FieldSchema> fieldsOf();

template <class T>
FieldSchema makeFieldSchema(std::string_view name, const FieldOptions& options) {
  FieldSchema s;
  s.name = std::string(name);
  s.type = fieldTypeOf<T>();
  s.required = options.required;
  for (auto v : options.enumValues) s.enumValues.emplace_back(v);
  s.minimum = options.minimum;
  s.maximum = options.maximum;
  s.format = options.format;
  s.keyFormat = options.keyFormat;
  s.description = std::string(options.description);
  if constexpr (IsVector<T>::value) {
    using Item = typename IsVector<T>::Item;
    s.itemType = fieldTypeOf<Item>();
    if constexpr (Reflected<Item>) s.fields = fieldsOf<Item>();
  } else if constexpr (Reflected<T>) {
    s.fields = fieldsOf<T>();
  }
  return s;
}

// Collects a struct's field table into FieldSchema values.
class SchemaBuilder {
 public:
  template <class T>
  void field(std::string_view name, const T&, const FieldOptions& options = {}) {
    fields_.push_back(makeFieldSchema<T>(name, options));
  }
  std::vector<FieldSchema> take() { return std::move(fields_); }

 private:
  std::vector<FieldSchema> fields_;
};

// The field table of T as data.
template <class T>
std::vector<FieldSchema> fieldsOf() {
  SchemaBuilder builder;
  const T value{};
  visitFields(builder, value);
  return builder.take();
}

// The field named `name` in `fields`, or nullptr.
const FieldSchema* findField(const std::vector<FieldSchema>& fields, std::string_view name);

}  // namespace piherd
