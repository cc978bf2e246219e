// The real KubeClient: Kubernetes REST calls over ApiConnection (HTTPS verified against the
// cluster CA). Safe to use from several threads: each call opens its own connection.
//
//   auto client = kube::HttpKubeClient::fromKubeconfig("/etc/kubernetes/admin.conf");
//   auto nodes = (*client)->list(kube::resources::nodes(), "", {});
#pragma once

#include <memory>

#include "kube/api_connection.h"
#include "kube/kube_client.h"
#include "kube/kube_config.h"

namespace piherd::kube {

class HttpKubeClient final : public KubeClient {
 public:
  static Result<std::unique_ptr<HttpKubeClient>> create(const KubeConfig& config,
                                                        const Timeouts& timeouts = {});
  // loadKubeconfig(path) (its current context), then create().
  static Result<std::unique_ptr<HttpKubeClient>> fromKubeconfig(const std::string& path,
                                                                const Timeouts& timeouts = {});

  Result<Json> get(const Resource& r, std::string_view ns, std::string_view name) override;
  Result<ObjectList> list(const Resource& r, std::string_view ns,
                          const ListOptions& options) override;
  Status watch(const Resource& r, std::string_view ns, const WatchOptions& options,
               const WatchHandler& handler) override;
  Result<Json> create(const Resource& r, std::string_view ns, const Json& object) override;
  Result<Json> update(const Resource& r, std::string_view ns, const Json& object) override;
  Result<Json> apply(const Resource& r, std::string_view ns, const Json& object,
                     const ApplyOptions& options = {}) override;
  Result<Json> updateStatus(const Resource& r, std::string_view ns, const Json& object) override;
  Status remove(const Resource& r, std::string_view ns, std::string_view name) override;

  // GET of any path (discovery, /version, /readyz), returned as the body on 2xx.
  Result<std::string> getRaw(const std::string& path);

  const Timeouts& timeouts() const { return timeouts_; }

 private:
  HttpKubeClient(std::unique_ptr<ApiConnection> connection, const Timeouts& timeouts)
      : connection_(std::move(connection)), timeouts_(timeouts) {}
  Result<Json> call(const std::string& method, const std::string& target, const Json* body,
                    const std::string& contentType);

  std::unique_ptr<ApiConnection> connection_;
  Timeouts timeouts_;
};

}  // namespace piherd::kube
