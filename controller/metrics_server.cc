#include "controller/metrics_server.h"

#include <httplib.h>
#include <sys/socket.h>

namespace piherd {

Result<std::pair<std::string, int>> parseHostPort(const std::string& addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) {
    return makeError(ErrorCode::kInvalidArgument, "--metrics-addr: \"" + addr + "\" is not HOST:PORT");
  }
  std::string host = addr.substr(0, colon), portText = addr.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  char* end = nullptr;
  long port = std::strtol(portText.c_str(), &end, 10);
  if (portText.empty() || *end != '\0' || port < 0 || port > 65535) {
    return makeError(ErrorCode::kInvalidArgument, "--metrics-addr: \"" + portText + "\" is not a port");
  }
  if (host.empty()) host = "0.0.0.0";
  return std::make_pair(host, static_cast<int>(port));
}

MetricsServer::MetricsServer(Metrics& metrics, ReadyFn ready)
    : metrics_(metrics), ready_(std::move(ready)), server_(std::make_unique<httplib::Server>()) {
  // httplib's default also sets SO_REUSEPORT, which lets a second process bind the same port
  // and steal half the scrapes; a port in use must be an error instead.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    std::string why;
    if (ready_ && !ready_(why)) {
      res.status = 503;
      res.set_content("not ready: " + why + "\n", "text/plain");
      return;
    }
    res.set_content("ok\n", "text/plain");
  });
}

MetricsServer::~MetricsServer() { stop(); }

Status MetricsServer::start(const std::string& addr) {
  auto hp = parseHostPort(addr);
  if (!hp) return tl::unexpected(hp.error());
  auto [host, port] = *hp;
  if (port == 0) {
    port_ = server_->bind_to_any_port(host);
    if (port_ < 0) port_ = 0;
  } else if (server_->bind_to_port(host, port)) {
    port_ = port;
  }
  if (port_ <= 0) {
    return makeError(ErrorCode::kUnavailable, "cannot listen on " + addr +
                                                  " (in use, or not an address of this host)");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  return okStatus();
}

void MetricsServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace piherd
