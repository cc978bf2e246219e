#include "kube/api_connection.h"

#include <httplib.h>

#include <charconv>
#include <csignal>
#include <mutex>

namespace piherd::kube {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxBodyBytes = 256 << 20;  // a list of every object of a big kind

struct ServerUrl {
  std::string host;
  int port = 443;
  std::string prefix;
};

Result<ServerUrl> parseServer(const std::string& server) {
  auto bad = [&](const std::string& why) {
    return makeError(ErrorCode::kInvalidArgument, "server '" + server + "': " + why);
  };
  constexpr std::string_view kScheme = "https://";
  if (server.rfind(kScheme, 0) != 0) return bad("only https:// is supported");
  std::string_view rest = std::string_view(server).substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  ServerUrl url;
  if (slash != std::string_view::npos) url.prefix = std::string(rest.substr(slash));
  while (!url.prefix.empty() && url.prefix.back() == '/') url.prefix.pop_back();
  std::string_view portText;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '['");
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return bad("junk after ']'");
      portText = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) portText = authority.substr(colon + 1);
  }
  if (url.host.empty()) return bad("no host");
  if (!portText.empty()) {
    auto [p, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), url.port);
    if (ec != std::errc() || p != portText.data() + portText.size() || url.port <= 0 ||
        url.port > 65535) {
      return bad("bad port");
    }
  }
  return url;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

ApiConnection::~ApiConnection() = default;

Result<std::unique_ptr<ApiConnection>> ApiConnection::create(const KubeConfig& config,
                                                             const Timeouts& timeouts) {
  // OpenSSL writes to the socket with write(2): a server that hung up would raise SIGPIPE and
  // end the whole process. Broken connections are errors to return, so ignore it (as
  // cpp-httplib's own Server does).
  static std::once_flag ignorePipe;
  std::call_once(ignorePipe, [] { std::signal(SIGPIPE, SIG_IGN); });
  Result<ServerUrl> url = parseServer(config.server);
  if (!url) return tl::unexpected(url.error());
  Result<std::shared_ptr<const TlsIdentity>> tls =
      TlsIdentity::fromPem(config.caPem, config.clientCertPem, config.clientKeyPem);
  if (!tls) {
    return makeError(tls.error().code, config.source + ": " + tls.error().message);
  }
  std::unique_ptr<ApiConnection> c(new ApiConnection());
  c->server_ = config.server;
  c->host_ = url->host;
  c->port_ = url->port;
  c->prefix_ = url->prefix;
  c->tls_ = *tls;
  c->token_ = config.bearerToken;
  c->tokenFile_ = config.tokenFile;
  c->timeouts_ = timeouts;
  return c;
}

Result<std::string> ApiConnection::bearerToken() const {
  if (tokenFile_.empty()) return token_;
  Result<std::string> token = readSmallFile(tokenFile_, "bearer token file");
  if (!token) return token;
  return trimmed(std::move(*token));
}

Result<std::unique_ptr<httplib::SSLClient>> ApiConnection::newClient(
    std::chrono::milliseconds readTimeout) {
  auto cli =
      std::make_unique<httplib::SSLClient>(host_, port_, tls_->clientCert(), tls_->clientKey());
  if (!cli->is_valid()) return makeError(ErrorCode::kInternal, "TLS: cannot set up a client");
  if (Status s = tls_->install(cli->ssl_context(), host_); !s) return tl::unexpected(s.error());
  cli->enable_server_certificate_verification(true);
  cli->set_connection_timeout(timeouts_.connect);
  cli->set_read_timeout(readTimeout);
  cli->set_write_timeout(timeouts_.request);
  cli->set_keep_alive(false);
  cli->set_follow_location(false);
  cli->set_url_encode(false);  // targets are encoded by resourcePath() and urlEncode()
  Result<std::string> token = bearerToken();
  if (!token) return tl::unexpected(token.error());
  httplib::Headers headers = {{"Accept", "application/json"},
                              {"User-Agent", "piherd/" PIHERD_VERSION}};
  if (!token->empty()) headers.emplace("Authorization", "Bearer " + *token);
  cli->set_default_headers(std::move(headers));
  return cli;
}

Error ApiConnection::transportError(const std::string& what, int httplibError,
                                    long verifyResult) const {
  const auto e = static_cast<httplib::Error>(httplibError);
  const std::string where = what + " (" + server_ + ")";
  switch (e) {
    case httplib::Error::SSLServerVerification:
      if (verifyResult != X509_V_OK) {
        return Error{ErrorCode::kPermissionDenied, where + ": server certificate not trusted: " +
                                                       X509_verify_cert_error_string(verifyResult)};
      }
      return Error{ErrorCode::kPermissionDenied,
                   where + ": server certificate does not name " + host_};
    case httplib::Error::SSLLoadingCerts:
      return Error{ErrorCode::kInternal, where + ": cannot load the CA certificates"};
    case httplib::Error::ConnectionTimeout:
      return Error{ErrorCode::kDeadlineExceeded, where + ": connect timed out"};
    default:
      return Error{ErrorCode::kUnavailable, where + ": " + httplib::to_string(e)};
  }
}

Result<HttpReply> ApiConnection::request(const std::string& method, const std::string& target,
                                         const std::string& body, const std::string& contentType) {
  const std::string what = method + " " + target;
  const auto deadline = Clock::now() + timeouts_.request;
  Result<std::unique_ptr<httplib::SSLClient>> cli =
      newClient(std::min(timeouts_.read, timeouts_.request));
  if (!cli) return makeError(cli.error().code, what + ": " + cli.error().message);
  HttpReply reply;
  bool late = false, tooBig = false;
  httplib::Request req;
  req.method = method;
  req.path = prefix_ + target;
  req.body = body;
  if (!contentType.empty()) req.set_header("Content-Type", contentType);
  req.response_handler = [&](const httplib::Response& r) {
    reply.status = r.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (Clock::now() > deadline) return !(late = true);
    if (reply.body.size() + n > kMaxBodyBytes) return !(tooBig = true);
    reply.body.append(data, n);
    return true;
  };
  httplib::Result res = (*cli)->send(req);
  if (late || (!res && Clock::now() > deadline)) {
    return makeError(
        ErrorCode::kDeadlineExceeded,
        what + ": no complete answer within " + std::to_string(timeouts_.request.count()) + " ms");
  }
  if (tooBig) return makeError(ErrorCode::kInternal, what + ": response larger than 256 MiB");
  if (!res) {
    return tl::unexpected(
        transportError(what, static_cast<int>(res.error()), (*cli)->get_openssl_verify_result()));
  }
  reply.status = res->status;
  return reply;
}

ApiConnection::StreamResult ApiConnection::stream(
    const std::string& target, std::chrono::milliseconds readTimeout,
    const std::function<bool(const char*, size_t)>& onChunk,
    const std::function<void(std::function<void()>)>& setCancel) {
  StreamResult out;
  const std::string what = "GET " + target;
  Result<std::unique_ptr<httplib::SSLClient>> cli = newClient(readTimeout);
  if (!cli) {
    out.transportError = Error{cli.error().code, what + ": " + cli.error().message};
    return out;
  }
  httplib::SSLClient* raw = cli->get();
  setCancel([raw] { raw->stop(); });
  httplib::Request req;
  req.method = "GET";
  req.path = prefix_ + target;
  req.response_handler = [&](const httplib::Response& r) {
    out.status = r.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (out.status != 200) {
      if (out.errorBody.size() < (1 << 20)) out.errorBody.append(data, n);
      return true;
    }
    if (!onChunk(data, n)) return !(out.stoppedByReceiver = true);
    return true;
  };
  httplib::Result res = raw->send(req);
  setCancel(nullptr);
  if (!res && !out.stoppedByReceiver) {
    out.transportError =
        transportError(what, static_cast<int>(res.error()), raw->get_openssl_verify_result());
  }
  return out;
}

}  // namespace piherd::kube
