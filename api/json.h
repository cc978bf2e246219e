// The JSON value type used throughout api/: nlohmann's ordered_json, so that objects keep
// their fields in the order they were written (diagnostics follow the file, output follows
// the field tables).
#pragma once

#include <nlohmann/json.hpp>

namespace piherd {

using Json = nlohmann::ordered_json;

}  // namespace piherd
