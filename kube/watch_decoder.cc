#include "kube/watch_decoder.h"

#include "kube/kube_errors.h"

namespace piherd::kube {
namespace {

constexpr std::size_t kMaxEventBytes = 16 << 20;  // far above any object etcd accepts (1.5 MiB)

std::optional<WatchEventType> typeFromName(std::string_view name) {
  if (name == "ADDED") return WatchEventType::kAdded;
  if (name == "MODIFIED") return WatchEventType::kModified;
  if (name == "DELETED") return WatchEventType::kDeleted;
  if (name == "BOOKMARK") return WatchEventType::kBookmark;
  return std::nullopt;
}

}  // namespace

bool WatchDecoder::feed(std::string_view bytes) {
  if (error_ || stoppedByHandler_) return false;
  pending_.append(bytes);
  std::size_t start = 0;
  for (std::size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
    if (!line(std::string_view(pending_).substr(start, nl - start))) {
      pending_.clear();
      return false;
    }
  }
  pending_.erase(0, start);
  if (pending_.size() > kMaxEventBytes) {
    error_ = Error{ErrorCode::kUnavailable, what_ + ": a watch event exceeds 16 MiB"};
    return false;
  }
  return true;
}

bool WatchDecoder::line(std::string_view text) {
  if (text.find_first_not_of(" \r\t") == std::string_view::npos) return true;
  const Json event = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object() || !event.contains("type") || !event["type"].is_string() ||
      !event.contains("object")) {
    error_ = Error{ErrorCode::kUnavailable, what_ + ": malformed watch event"};
    return false;
  }
  const std::string type = event["type"].get<std::string>();
  if (type == "ERROR") {
    error_ = errorFromStatusObject(what_ + " (watch ERROR event)", event["object"]);
    return false;
  }
  std::optional<WatchEventType> t = typeFromName(type);
  if (!t) {
    error_ = Error{ErrorCode::kUnavailable, what_ + ": unknown watch event type " + type};
    return false;
  }
  WatchEvent out{*t, event["object"]};
  if (std::string rv = out.resourceVersion(); !rv.empty()) lastResourceVersion_ = std::move(rv);
  ++events_;
  if (!handler_(out)) {
    stoppedByHandler_ = true;
    return false;
  }
  return true;
}

std::optional<Error> WatchDecoder::finish() const {
  if (error_) return error_;
  if (!stoppedByHandler_ && pending_.find_first_not_of(" \r\t\n") != std::string::npos) {
    return Error{ErrorCode::kUnavailable,
                 what_ + ": stream ended inside an event (" + std::to_string(pending_.size()) +
                     " bytes discarded); resume from the last whole event"};
  }
  return std::nullopt;
}

}  // namespace piherd::kube
