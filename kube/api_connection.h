// HTTPS to one API server: builds a verified cpp-httplib client per call (TLS against the
// cluster CA only, the client certificate, the bearer token), enforces the timeouts, and turns
// transport failures into Errors. HttpKubeClient builds the Kubernetes calls on top.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "kube/kube_config.h"
#include "kube/tls_identity.h"
#include "platform/status.h"

namespace httplib {
class SSLClient;
}

namespace piherd::kube {

struct Timeouts {
  std::chrono::milliseconds connect{5000};   // TCP connect and TLS handshake
  std::chrono::milliseconds read{30000};     // any one read; watches add the server's timeout
  std::chrono::milliseconds request{30000};  // a whole non-watch call, body included
};

struct HttpReply {
  int status = 0;
  std::string body;
};

class ApiConnection {
 public:
  static Result<std::unique_ptr<ApiConnection>> create(const KubeConfig& config,
                                                       const Timeouts& timeouts);
  ~ApiConnection();

  // One request with the overall deadline. `target` is path and query (under the server's
  // path prefix). An HTTP error status is a reply, not an Error.
  Result<HttpReply> request(const std::string& method, const std::string& target,
                            const std::string& body = "", const std::string& contentType = "");

  // A streamed GET: `onChunk` gets the body of a 200 as it arrives and returns false to stop;
  // `cancel` is set to a function that aborts the stream from another thread while it runs.
  // A non-200 reply comes back whole. `readTimeout` bounds the wait for each chunk.
  struct StreamResult {
    int status = 0;
    std::string errorBody;  // the body of a non-200
    bool stoppedByReceiver = false;
    std::optional<Error> transportError;  // the stream broke (or never started)
  };
  StreamResult stream(const std::string& target, std::chrono::milliseconds readTimeout,
                      const std::function<bool(const char*, size_t)>& onChunk,
                      const std::function<void(std::function<void()>)>& setCancel);

  const std::string& server() const { return server_; }

 private:
  ApiConnection() = default;
  Result<std::unique_ptr<httplib::SSLClient>> newClient(std::chrono::milliseconds readTimeout);
  Result<std::string> bearerToken() const;
  Error transportError(const std::string& what, int httplibError, long verifyResult) const;

  std::string server_;  // as configured, for messages
  std::string host_;
  int port_ = 443;
  std::string prefix_;  // path prefix from the server URL, without a trailing '/'
  std::shared_ptr<const TlsIdentity> tls_;
  std::string token_;  // secret
  std::string tokenFile_;
  Timeouts timeouts_;
};

}  // namespace piherd::kube
