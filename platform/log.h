// Process-wide structured logging: one line per event, text or JSON (--log-format).
// Callers pass key/value fields; values are written as given, so secret material must never
// be passed here (STYLE.md rule 11).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace piherd::log {

enum class Format { kText, kJson };
enum class Level { kDebug, kInfo, kWarn, kError };

void setFormat(Format format);
void setLevel(Level level);
using Fields = std::initializer_list<std::pair<std::string_view, std::string>>;
void write(Level level, std::string_view message, Fields fields = {});

inline void debug(std::string_view m, Fields f = {}) { write(Level::kDebug, m, f); }
inline void info(std::string_view m, Fields f = {}) { write(Level::kInfo, m, f); }
inline void warn(std::string_view m, Fields f = {}) { write(Level::kWarn, m, f); }
inline void error(std::string_view m, Fields f = {}) { write(Level::kError, m, f); }

}  // namespace piherd::log
