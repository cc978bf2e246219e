// MetricsServer: the controller's HTTP endpoints on --metrics-addr (default 127.0.0.1:9820):
//   /metrics  the Prometheus text exposition of the registry (Metrics::render())
//   /healthz  200 while the process serves at all (liveness)
//   /readyz   200 once the controller finished its first pass over every machine, 503 before
// Served by cpp-httplib on its own threads; stop() ends it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "controller/metrics.h"
#include "platform/status.h"

namespace httplib {
class Server;
}

namespace piherd {

// "HOST:PORT" -> (host, port); port 0 picks a free one.
Result<std::pair<std::string, int>> parseHostPort(const std::string& addr);

class MetricsServer {
 public:
  using ReadyFn = std::function<bool(std::string& why)>;
  MetricsServer(Metrics& metrics, ReadyFn ready);
  ~MetricsServer();

  // Binds and starts serving; Unavailable when the address cannot be bound.
  Status start(const std::string& addr);
  void stop();
  int port() const { return port_; }

 private:
  Metrics& metrics_;
  ReadyFn ready_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace piherd
