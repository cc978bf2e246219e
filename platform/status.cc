#include "platform/status.h"

namespace piherd {

std::string_view errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kFailedPrecondition: return "FailedPrecondition";
    case ErrorCode::kPermissionDenied: return "PermissionDenied";
    case ErrorCode::kUnavailable: return "Unavailable";
    case ErrorCode::kDeadlineExceeded: return "DeadlineExceeded";
    case ErrorCode::kAborted: return "Aborted";
    case ErrorCode::kInternal: return "Internal";
    case ErrorCode::kExpired: return "Expired";
  }
  return "Unknown";
}

std::string Error::toString() const {
  return std::string(errorCodeName(code)) + ": " + message;
}

}  // namespace piherd
