// Store: where the controller reads desired state from and writes status to (docs/controller.md).
// Two backends share this interface: FileStore (a directory of manifests watched with
// inotify, status in a state directory) and, later, the Kubernetes API (CRs and their status
// subresource). The manager only sees this interface:
// - list(): the current valid desired state and its resourceVersion;
// - watch(): events (added/modified/deleted objects) after a resourceVersion, delivered on the
//   store's own thread. A change that does not validate produces no event: the last valid
//   desired state stays in force (the store logs why it rejected the change);
// - updateStatus(): writes one object's status (the object's spec is the store's business);
// - readStatus(): what was last written, so a restarted controller and `piherd status` see it.
// Observed facts (facet states per machine) travel beside the status.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/manifest_set.h"
#include "platform/status.h"

namespace piherd {

struct DesiredSnapshot {
  ManifestSet set;
  std::string resourceVersion;  // file store: a counter; kube store: the list's resourceVersion
};

struct StoreEvent {
  enum class Type { kAdded, kModified, kDeleted };
  Type type = Type::kModified;
  std::string kind;  // Cluster | Machine | VirtualIP
  std::string name;
  std::string resourceVersion;  // of the snapshot this event leads to
};
const char* storeEventTypeName(StoreEvent::Type type);

// Everything the controller last wrote, by object name.
struct StatusSnapshot {
  std::map<std::string, Machine> machines;  // objects as last written (spec and status)
  std::map<std::string, VirtualIP> vips;
  std::map<std::string, Cluster> clusters;
  std::map<std::string, nlohmann::json> observed;  // machine -> observed facts
};

class Store {
 public:
  using WatchHandler = std::function<void(const StoreEvent&, const DesiredSnapshot&)>;

  virtual ~Store() = default;

  virtual Result<DesiredSnapshot> list() = 0;
  // Delivers every change after `fromVersion` to `handler` (with the snapshot it leads to)
  // until stop(). One watch per store.
  virtual Status watch(const std::string& fromVersion, WatchHandler handler) = 0;
  virtual void stop() = 0;

  virtual Status updateStatus(const Machine& machine) = 0;
  virtual Status updateStatus(const VirtualIP& vip) = 0;
  virtual Status updateStatus(const Cluster& cluster) = 0;
  virtual Status updateObserved(const std::string& machine, const nlohmann::json& facts) = 0;
  // A Machine is gone from the desired state: its status and facts are dropped.
  virtual Status removeStatus(const std::string& kind, const std::string& name) = 0;

  virtual Result<StatusSnapshot> readStatus() const = 0;
};

// The events that lead from `before` to `after` (by kind and name; a changed object is
// modified), in the order Cluster, VirtualIP, Machine.
std::vector<StoreEvent> diffSnapshots(const ManifestSet& before, const ManifestSet& after,
                                      const std::string& resourceVersion);

}  // namespace piherd
