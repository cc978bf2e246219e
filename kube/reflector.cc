#include "kube/reflector.h"

namespace piherd::kube {

Reflector::Reflector(KubeClient& client, Resource resource, ReflectorOptions options,
                     ReflectorHandlers handlers)
    : client_(client),
      resource_(std::move(resource)),
      options_(std::move(options)),
      handlers_(std::move(handlers)) {}

Status Reflector::relist() {
  ListOptions list;
  list.labelSelector = options_.labelSelector;
  list.fieldSelector = options_.fieldSelector;
  list.limit = options_.pageSize;
  Result<ObjectList> all = listAll(client_, resource_, options_.ns, list);
  if (!all && all.error().code == ErrorCode::kExpired) {
    // The continue token expired between pages: take everything in one response instead.
    list.limit = 0;
    all = listAll(client_, resource_, options_.ns, list);
  }
  if (!all) return tl::unexpected(all.error());
  ++lists_;
  resourceVersion_ = all->resourceVersion;
  if (handlers_.replace) handlers_.replace(all->items, resourceVersion_);
  return okStatus();
}

Status Reflector::step() {
  if (resourceVersion_.empty()) {
    if (Status s = relist(); !s) return s;
  }
  WatchOptions watch;
  watch.resourceVersion = resourceVersion_;
  watch.labelSelector = options_.labelSelector;
  watch.fieldSelector = options_.fieldSelector;
  watch.allowBookmarks = true;
  watch.timeoutSeconds = options_.watchTimeoutSeconds;
  watch.stop = options_.stop;
  Status s = client_.watch(resource_, options_.ns, watch, [this](const WatchEvent& e) {
    if (std::string rv = e.resourceVersion(); !rv.empty()) resourceVersion_ = std::move(rv);
    if (e.type != WatchEventType::kBookmark && handlers_.event) handlers_.event(e);
    return true;
  });
  if (!s && s.error().code == ErrorCode::kExpired) resourceVersion_.clear();
  return s;
}

void Reflector::run(const std::function<void(int failures)>& pause) {
  int failures = 0;
  while (options_.stop == nullptr || !options_.stop->requested()) {
    Status s = step();
    if (s) {
      failures = 0;
    } else if (s.error().code != ErrorCode::kExpired) {  // Expired: relist right away
      pause(++failures);
    }
  }
}

}  // namespace piherd::kube
