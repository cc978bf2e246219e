#include "kube/kube_client.h"

namespace piherd::kube {

std::string_view watchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
  }
  return "UNKNOWN";
}

std::string WatchEvent::resourceVersion() const {
  const Json* rv = object.is_object() ? &object : nullptr;
  if (rv == nullptr || !rv->contains("metadata")) return "";
  const Json& md = (*rv)["metadata"];
  if (!md.is_object() || !md.contains("resourceVersion") || !md["resourceVersion"].is_string()) {
    return "";
  }
  return md["resourceVersion"].get<std::string>();
}

void WatchStop::request() {
  // Called under the lock so that the client cannot detach (and go away) meanwhile.
  std::lock_guard<std::mutex> lock(mu_);
  requested_ = true;
  if (cancel_) cancel_();
}

bool WatchStop::requested() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requested_;
}

void WatchStop::attach(std::function<void()> cancel) {
  std::lock_guard<std::mutex> lock(mu_);
  cancel_ = std::move(cancel);
  if (requested_ && cancel_) cancel_();  // requested while the watch was being set up
}

void WatchStop::detach() {
  std::lock_guard<std::mutex> lock(mu_);
  cancel_ = nullptr;
}

Result<ObjectList> listAll(KubeClient& client, const Resource& r, std::string_view ns,
                           ListOptions options) {
  ObjectList all;
  bool first = true;
  do {
    Result<ObjectList> page = client.list(r, ns, options);
    if (!page) return page;
    if (first) all.resourceVersion = page->resourceVersion;
    first = false;
    for (Json& item : page->items) all.items.push_back(std::move(item));
    options.continueToken = page->continueToken;
  } while (!options.continueToken.empty());
  return all;
}

Result<Json> updateStatusWithRetry(KubeClient& client, const Resource& r, std::string_view ns,
                                   std::string_view name,
                                   const std::function<Status(Json& object)>& mutate,
                                   int attempts) {
  Error last{ErrorCode::kAborted, "no attempt made"};
  for (int i = 0; i < attempts; ++i) {
    Result<Json> current = client.get(r, ns, name);
    if (!current) return current;
    if (Status s = mutate(*current); !s) return tl::unexpected(s.error());
    Result<Json> updated = client.updateStatus(r, ns, *current);
    if (updated || updated.error().code != ErrorCode::kAborted) return updated;
    last = updated.error();
  }
  return makeError(ErrorCode::kAborted, "status of " + r.plural + "/" + std::string(name) +
                                            ": still conflicting after " +
                                            std::to_string(attempts) +
                                            " attempts: " + last.message);
}

}  // namespace piherd::kube
