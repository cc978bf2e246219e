// Turns a watch response body (one JSON event per line, as the API server streams it) into
// WatchEvents as bytes arrive. A line cut short by a closed connection is never delivered:
// finish() reports it, so the caller resumes from the last whole event.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "kube/kube_client.h"

namespace piherd::kube {

class WatchDecoder {
 public:
  WatchDecoder(std::string what, const WatchHandler& handler)
      : what_(std::move(what)), handler_(handler) {}

  // Feeds bytes; false once decoding should stop: the handler said so, or an ERROR event or a
  // malformed line arrived (see error()).
  bool feed(std::string_view bytes);
  // After the stream ended: an error when a partial line is left over.
  std::optional<Error> finish() const;

  const std::optional<Error>& error() const { return error_; }
  bool stoppedByHandler() const { return stoppedByHandler_; }
  int events() const { return events_; }
  // The resourceVersion of the last whole event (bookmarks included).
  const std::string& lastResourceVersion() const { return lastResourceVersion_; }

 private:
  bool line(std::string_view text);

  std::string what_;
  const WatchHandler& handler_;
  std::string pending_;
  std::optional<Error> error_;
  bool stoppedByHandler_ = false;
  int events_ = 0;
  std::string lastResourceVersion_;
};

}  // namespace piherd::kube
