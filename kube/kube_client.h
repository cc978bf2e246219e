// KubeClient: the calls piherd makes on a Kubernetes API server, as an interface so the
// controller and tests can swap in a fake. HttpKubeClient (http_kube_client.h) is the real
// one. Objects travel as JSON (nlohmann::json) exactly as the API serves them.
//
// Errors (docs/kube-client.md): 401/403 PermissionDenied, 404 NotFound, 409 Aborted
// (conflict or AlreadyExists: re-read and retry), 410 Expired (relist), 400/422
// InvalidArgument, 429/5xx and connection failures Unavailable, timeouts DeadlineExceeded.
// Messages carry the server's Status message and reason, never credentials.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "kube/resource.h"
#include "platform/status.h"

namespace piherd::kube {

using Json = nlohmann::json;

struct ListOptions {
  std::string labelSelector;  // as the API takes it: "app=calico,tier!=x"
  std::string fieldSelector;
  int limit = 0;                // 0: everything in one response
  std::string continueToken;    // from the previous page
  std::string resourceVersion;  // "" (most recent, quorum read), or "0" (any cached)
};

struct ObjectList {
  std::vector<Json> items;
  std::string resourceVersion;  // watch from here to see every later change
  std::string continueToken;    // non-empty: more pages
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };
std::string_view watchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  Json object;  // for a bookmark, only metadata.resourceVersion is meaningful
  std::string resourceVersion() const;
};

// Lets another thread end a running watch (say, at shutdown) without waiting for an event.
class WatchStop {
 public:
  void request();
  bool requested() const;
  // Used by a client while a watch runs: `cancel` is called by request(); detach() undoes.
  void attach(std::function<void()> cancel);
  void detach();

 private:
  mutable std::mutex mu_;
  bool requested_ = false;
  std::function<void()> cancel_;
};

struct WatchOptions {
  std::string resourceVersion;  // resume after this version; "" starts from "now"
  std::string labelSelector;
  std::string fieldSelector;
  bool allowBookmarks = true;
  int timeoutSeconds = 300;   // the server ends the stream after this; callers re-watch
  WatchStop* stop = nullptr;  // optional
};

// Returns false to end the watch (watch() then returns ok).
using WatchHandler = std::function<bool(const WatchEvent&)>;

struct ApplyOptions {
  std::string fieldManager = "piherd";
  bool force = true;  // take over fields another manager owns: piherd is the source of truth
};

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  virtual Result<Json> get(const Resource& r, std::string_view ns, std::string_view name) = 0;
  virtual Result<ObjectList> list(const Resource& r, std::string_view ns,
                                  const ListOptions& options) = 0;
  // Streams events until the server ends the stream (ok), the handler returns false (ok), a
  // stop is requested (ok), or an error: Expired when the version is too old (relist),
  // Unavailable when the stream breaks (resume from the last event's version).
  virtual Status watch(const Resource& r, std::string_view ns, const WatchOptions& options,
                       const WatchHandler& handler) = 0;
  virtual Result<Json> create(const Resource& r, std::string_view ns, const Json& object) = 0;
  // PUT of the whole object; metadata.resourceVersion makes it conditional (409 when stale).
  virtual Result<Json> update(const Resource& r, std::string_view ns, const Json& object) = 0;
  // Server-side apply of `object` (its metadata.name names it).
  virtual Result<Json> apply(const Resource& r, std::string_view ns, const Json& object,
                             const ApplyOptions& options = {}) = 0;
  // PUT to the status subresource; conditional on metadata.resourceVersion.
  virtual Result<Json> updateStatus(const Resource& r, std::string_view ns, const Json& object) = 0;
  // NotFound when already gone.
  virtual Status remove(const Resource& r, std::string_view ns, std::string_view name) = 0;
};

// Every page of a list (limit/continue), as one list with the first page's resourceVersion.
Result<ObjectList> listAll(KubeClient& client, const Resource& r, std::string_view ns,
                           ListOptions options);

// Read-modify-write of an object's status, retried on 409 Conflict (re-reading each time),
// like client-go's RetryOnConflict. `mutate` edits the freshly read object in place.
Result<Json> updateStatusWithRetry(KubeClient& client, const Resource& r, std::string_view ns,
                                   std::string_view name,
                                   const std::function<Status(Json& object)>& mutate,
                                   int attempts = 5);

}  // namespace piherd::kube
