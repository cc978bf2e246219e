#include "controller/url_fetch.h"

#include <httplib.h>

#include <regex>

namespace piherd {

bool isHttpUrl(const std::string& text) {
  return text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0;
}

Result<std::string> fetchUrl(const std::string& url, const FetchOptions& options) {
  static const std::regex kUrl("^(https?://[^/?#]+)(/[^#]*)?$");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl)) {
    return makeError(ErrorCode::kInvalidArgument, url + ": not an http(s)://HOST/PATH URL");
  }
  httplib::Client client(m[1].str());
  client.set_connection_timeout(options.timeout);
  client.set_read_timeout(options.timeout);
  client.set_follow_location(true);
  client.enable_server_certificate_verification(true);
  client.set_ca_cert_path(options.caBundle);
  std::string body;
  bool tooLarge = false;
  const std::string path = m[2].matched && !m[2].str().empty() ? m[2].str() : "/";
  auto res = client.Get(path, [&](const char* data, size_t n) {
    if (body.size() + n > options.maxBytes) {
      tooLarge = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (tooLarge) {
    return makeError(ErrorCode::kFailedPrecondition,
                     url + ": larger than " + std::to_string(options.maxBytes) + " bytes");
  }
  if (!res) {
    return makeError(ErrorCode::kUnavailable, url + ": " + httplib::to_string(res.error()));
  }
  if (res->status != 200) {
    return makeError(ErrorCode::kUnavailable,
                     url + ": the server answered " + std::to_string(res->status));
  }
  return body;
}

}  // namespace piherd
