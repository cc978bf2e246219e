// Checks what the field tables declare (field_schema.h): required fields are set, string
// fields hold one of their enum values, numbers lie within their bounds. The same options
// become `required`, `enum`, `minimum` and `maximum` in the CRDs, so piherd and the
// Kubernetes API server reject the same values. String fields are also checked against their
// format (string_formats.h), array items and map keys and values included. Rules the tables
// cannot express (relations between fields and objects) are in validation_objects.cc.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "api/diagnostic.h"
#include "api/field_schema.h"
#include "api/json.h"

namespace piherd {

class FieldChecker {
 public:
  FieldChecker(std::string path, DiagnosticReporter& reporter)
      : path_(std::move(path)), reporter_(reporter) {}

  template <class T>
  void field(std::string_view name, const T& member, const FieldOptions& options = {});

 private:
  std::string path_;
  DiagnosticReporter& reporter_;
};

void checkValue(const std::string& value, const FieldOptions& options, const std::string& path,
                DiagnosticReporter& r);
void checkNumber(double value, const FieldOptions& options, const std::string& path,
                 DiagnosticReporter& r);
void reportRequired(const std::string& path, DiagnosticReporter& r);
void checkStringList(const std::vector<std::string>& value, const FieldOptions& options,
                     const std::string& path, DiagnosticReporter& r);
void checkStringMap(const std::map<std::string, std::string>& value, const FieldOptions& options,
                    const std::string& path, DiagnosticReporter& r);

template <Reflected T>
void checkFields(const T& value, const std::string& path, DiagnosticReporter& r) {
  FieldChecker checker(path, r);
  visitFields(checker, value);
}

template <class T>
void checkValue(const T& value, const FieldOptions& options, const std::string& path,
                DiagnosticReporter& r) {
  if constexpr (IsOptional<T>::value) {
    if (!value) {
      if (options.required) reportRequired(path, r);
      return;
    }
    checkValue(*value, options, path, r);
  } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    checkNumber(static_cast<double>(value), options, path, r);
  } else if constexpr (IsVector<T>::value) {
    if (options.required && value.empty()) reportRequired(path, r);
    if constexpr (std::is_same_v<typename IsVector<T>::Item, std::string>) {
      checkStringList(value, options, path, r);
    } else if constexpr (Reflected<typename IsVector<T>::Item>) {
      for (size_t i = 0; i < value.size(); ++i) {
        checkFields(value[i], path + "[" + std::to_string(i) + "]", r);
      }
    }
  } else if constexpr (std::is_same_v<T, std::map<std::string, std::string>>) {
    if (options.required && value.empty()) reportRequired(path, r);
    checkStringMap(value, options, path, r);
  } else if constexpr (Reflected<T>) {
    checkFields(value, path, r);
  }
  // bool and Json: nothing to check.
}

template <class T>
void FieldChecker::field(std::string_view name, const T& member, const FieldOptions& options) {
  checkValue(member, options, joinPath(path_, name), reporter_);
}

}  // namespace piherd
