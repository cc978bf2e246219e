#include "kube/kube_errors.h"

namespace piherd::kube {
namespace {

constexpr std::size_t kMaxQuoted = 300;

std::string field(const nlohmann::json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return "";
}

std::string printable(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, kMaxQuoted)) out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  if (body.size() > kMaxQuoted) out += "...";
  return out;
}

}  // namespace

ErrorCode codeForHttpStatus(int httpStatus) {
  switch (httpStatus) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:  // unauthenticated: the credential is wrong or expired
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kAborted;  // Conflict, AlreadyExists: re-read, retry
    case 410:
      return ErrorCode::kExpired;
    case 422:
      return ErrorCode::kInvalidArgument;
    case 429:
      return ErrorCode::kUnavailable;  // throttled: retry later
    case 504:
      return ErrorCode::kDeadlineExceeded;
    default:
      break;
  }
  if (httpStatus >= 500) return ErrorCode::kUnavailable;
  if (httpStatus >= 400) return ErrorCode::kFailedPrecondition;
  return ErrorCode::kInternal;  // a 1xx/3xx where an answer was due
}

Error errorFromStatusObject(std::string_view what, const nlohmann::json& status) {
  int code = 0;
  if (status.is_object() && status.contains("code") && status["code"].is_number_integer()) {
    code = status["code"].get<int>();
  }
  const std::string reason = field(status, "reason");
  std::string message = std::string(what) + ": " + std::to_string(code);
  if (!reason.empty()) message += " " + reason;
  const std::string text = field(status, "message");
  if (!text.empty()) message += ": " + printable(text);
  ErrorCode ec = codeForHttpStatus(code);
  if (reason == "Expired" || reason == "Gone") ec = ErrorCode::kExpired;
  return Error{ec, message};
}

Error errorFromResponse(std::string_view what, int httpStatus, std::string_view body) {
  nlohmann::json status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_object() && field(status, "kind") == "Status") {
    if (!status.contains("code")) status["code"] = httpStatus;
    Error e = errorFromStatusObject(what, status);
    e.code = codeForHttpStatus(httpStatus);  // the HTTP status decides; the body explains
    return e;
  }
  std::string message = std::string(what) + ": HTTP " + std::to_string(httpStatus);
  if (!body.empty()) message += ": " + printable(body);
  return Error{codeForHttpStatus(httpStatus), message};
}

}  // namespace piherd::kube
