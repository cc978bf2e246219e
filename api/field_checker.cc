#include "api/field_checker.h"

#include <algorithm>

#include "api/name_formats.h"

namespace piherd {

void reportRequired(const std::string& path, DiagnosticReporter& r) {
  r.error(path, "required field is not set");
}

void checkValue(const std::string& value, const FieldOptions& options, const std::string& path,
                DiagnosticReporter& r) {
  if (value.empty()) {
    if (options.required) reportRequired(path, r);
    return;
  }
  const auto& allowed = options.enumValues;
  if (allowed.empty()) {
    if (auto problem = checkStringFormat(options.format, value)) r.error(path, *problem);
    return;
  }
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return;
  std::string list;
  for (auto v : allowed) list += (list.empty() ? "" : ", ") + std::string(v);
  r.error(path, quoteValue(value) + " is not one of " + list);
}

void checkStringList(const std::vector<std::string>& value, const FieldOptions& options,
                     const std::string& path, DiagnosticReporter& r) {
  for (size_t i = 0; i < value.size(); ++i) {
    if (auto problem = checkStringFormat(options.format, value[i])) {
      r.error(path + "[" + std::to_string(i) + "]", *problem);
    }
  }
}

void checkStringMap(const std::map<std::string, std::string>& value, const FieldOptions& options,
                    const std::string& path, DiagnosticReporter& r) {
  for (const auto& [key, item] : value) {
    // A key that is not one plain line is shown escaped, so the diagnostic stays one line.
    std::string at = path + "[" + (isSingleLine(key) ? key : quoteValue(key)) + "]";
    if (auto problem = checkStringFormat(options.keyFormat, key)) {
      r.error(at, *problem);
    } else if (auto problem = checkStringFormat(options.format, item)) {
      r.error(at, *problem);
    }
  }
}

void checkNumber(double value, const FieldOptions& options, const std::string& path,
                 DiagnosticReporter& r) {
  bool low = options.minimum && value < *options.minimum;
  bool high = options.maximum && value > *options.maximum;
  if (!low && !high) return;
  std::string message = formatNumber(value) + " is out of range: ";
  if (options.minimum && options.maximum) {
    message += "must be " + formatNumber(*options.minimum) + "-" + formatNumber(*options.maximum);
  } else if (options.minimum) {
    message += "must be at least " + formatNumber(*options.minimum);
  } else {
    message += "must be at most " + formatNumber(*options.maximum);
  }
  r.error(path, message);
}

}  // namespace piherd
