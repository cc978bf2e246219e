// Errors as values. An Error's code tells the caller what to do next (after absl::Status):
// Unavailable = retry the call, Aborted = retry the whole operation, DeadlineExceeded =
// retry later, FailedPrecondition / InvalidArgument / PermissionDenied = do not retry until
// something changes. Messages are for humans and never carry secret material.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace piherd {

enum class ErrorCode {
  kInvalidArgument,     // bad input: fix the manifest or flags
  kNotFound,            // the thing asked for does not exist
  kFailedPrecondition,  // the world is not in a state where this can work yet
  kPermissionDenied,    // authentication or authorization refused, host key refused
  kUnavailable,         // host or service unreachable: retry the call
  kDeadlineExceeded,    // timed out: retry later
  kAborted,             // a conflict: retry the whole operation
  kInternal,            // a bug or an unexpected failure of a tool
  kExpired,             // a Kubernetes resourceVersion too old to resume from (HTTP 410): relist
};

std::string_view errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  // Whether retrying the same call later may succeed without anything else changing.
  bool retryable() const {
    return code == ErrorCode::kUnavailable || code == ErrorCode::kDeadlineExceeded ||
           code == ErrorCode::kAborted;
  }
  std::string toString() const;
};

template <typename T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> makeError(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

inline Status okStatus() { return {}; }

}  // namespace piherd
