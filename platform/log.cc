#include "platform/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <nlohmann/json.hpp>

namespace piherd::log {
namespace {

std::atomic<Format> gFormat{Format::kText};
std::atomic<Level> gLevel{Level::kInfo};
std::mutex gMutex;

const char* levelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

void setFormat(Format format) { gFormat = format; }
void setLevel(Level level) { gLevel = level; }

void write(Level level, std::string_view message, Fields fields) {
  if (level < gLevel.load()) return;
  std::string line;
  if (gFormat.load() == Format::kJson) {
    nlohmann::json j;
    j["time"] = timestamp();
    j["level"] = levelName(level);
    j["msg"] = std::string(message);
    for (const auto& [k, v] : fields) j[std::string(k)] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = timestamp() + " " + levelName(level) + " " + std::string(message);
    for (const auto& [k, v] : fields) {
      // Not " " + std::string(k): GCC 12 -O3 false -Wrestrict (GCC bugs 105329, 105651).
      line += ' ';
      line.append(k);
      line += '=';
      bool quote = v.empty() || v.find_first_of(" \t\"=") != std::string::npos;
      line += quote ? nlohmann::json(v).dump() : v;
    }
  }
  std::lock_guard<std::mutex> lock(gMutex);
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace piherd::log
