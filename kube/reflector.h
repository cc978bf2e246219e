// A small reflector (after client-go's tools/cache/reflector.go): list a resource, then watch
// from the list's resourceVersion, following bookmarks; when the server says the version is
// too old (410 Expired) list again. The caller's handlers keep whatever cache they need.
//
// step() does one list (if one is due) and one watch, so tests and the controller's loop
// decide about pacing; run() is that loop with a backoff between failed steps.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kube/kube_client.h"

namespace piherd::kube {

struct ReflectorHandlers {
  // The full set after a (re)list: replace the cache with it.
  std::function<void(const std::vector<Json>& items, const std::string& resourceVersion)> replace;
  // ADDED, MODIFIED, DELETED (bookmarks only advance the resourceVersion).
  std::function<void(const WatchEvent& event)> event;
};

struct ReflectorOptions {
  std::string ns;  // "" for all namespaces or a cluster-scoped resource
  std::string labelSelector;
  std::string fieldSelector;
  int pageSize = 500;
  int watchTimeoutSeconds = 300;  // jittered by the caller if many reflectors share a server
  WatchStop* stop = nullptr;
};

class Reflector {
 public:
  Reflector(KubeClient& client, Resource resource, ReflectorOptions options,
            ReflectorHandlers handlers);

  // Lists when no resourceVersion is held, then watches until the stream ends. Returns the
  // watch's status; after Expired the next step relists.
  Status step();
  // Steps until options.stop is requested (forever without one); `pause` is called with the attempt
  // count after a failed step (a backoff; tests pass one that counts).
  void run(const std::function<void(int failures)>& pause);

  const std::string& resourceVersion() const { return resourceVersion_; }
  int lists() const { return lists_; }

 private:
  Status relist();

  KubeClient& client_;
  Resource resource_;
  ReflectorOptions options_;
  ReflectorHandlers handlers_;
  std::string resourceVersion_;
  int lists_ = 0;
};

}  // namespace piherd::kube
