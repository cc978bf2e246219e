// How an API server's answer becomes an Error whose code says what to do next
// (docs/kube-client.md has the table). The server's Status object supplies reason and
// message; a body that is not a Status is cut short and quoted as is.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace piherd::kube {

ErrorCode codeForHttpStatus(int httpStatus);

// `what` names the call ("GET /api/v1/nodes/n1"); body is the response body.
Error errorFromResponse(std::string_view what, int httpStatus, std::string_view body);

// A Status object (from a body or a watch ERROR event) as an Error.
Error errorFromStatusObject(std::string_view what, const nlohmann::json& status);

}  // namespace piherd::kube
