// Fetching a document piherd is pointed at by URL (the Calico manifest, spec.cni.calico.
// manifest): HTTP or HTTPS with cpp-httplib, the server verified against the system's CA
// bundle, redirects followed, the body capped. Run on the management host, before any host is
// touched.
#pragma once

#include <chrono>
#include <string>

#include "platform/status.h"

namespace piherd {

struct FetchOptions {
  size_t maxBytes = 8 * 1024 * 1024;
  std::chrono::seconds timeout{30};
  std::string caBundle = "/etc/ssl/certs/ca-certificates.crt";
};

bool isHttpUrl(const std::string& text);

// The body of a 200 answer. InvalidArgument for a URL that is not http(s)://HOST[:PORT]/...,
// Unavailable when the server cannot be reached or answers with another status (named in
// the message), FailedPrecondition when the body is larger than maxBytes.
Result<std::string> fetchUrl(const std::string& url, const FetchOptions& options = {});

}  // namespace piherd
