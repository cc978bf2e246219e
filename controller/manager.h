// Manager: the continuous controller behind `piherd run` (docs/controller.md). It lists the
// desired state from a Store, reconciles every Machine through the HostReconciler on worker
// threads fed by a WorkQueue (one key per machine, so a host's work is serialized), re-adds
// every machine each resync period (drift raises no event), follows the Store's watch, runs
// the cluster observers after each pass, and writes status back to the Store.
//
// A pass over a converged host costs one SSH round trip: the HostReconciler observes every
// facet in one command, and the TransportPool keeps one connection per host for the life of
// the process. Failed reconciles are retried with the queue's per-key backoff.
//
// Shutdown (stop()): no new work is taken, no new action starts (Coordination), the action
// in flight finishes, workers are joined; the caller then drops the Manager, which closes
// the SSH sessions.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "controller/cli.h"
#include "controller/clock.h"
#include "controller/cluster_observer.h"
#include "controller/coordination.h"
#include "controller/desired_state.h"
#include "controller/metrics.h"
#include "controller/store.h"
#include "controller/work_queue.h"
#include "platform/transport_pool.h"

namespace piherd {

struct ManagerOptions {
  CliOptions cli;  // SSH overrides (--ssh-key, --known-hosts, ...) for the machine targets
  Clock::Duration resync = std::chrono::seconds(30);
  int workers = 8;                 // machines reconciled at once
  TransportPool::Factory factory;  // default: SSH; tests inject fakes
  // File mode: the cluster PKI lives in STATE/pki (platform/pki_store.h). Each desired state
  // gets its certificates from there (made once, as `piherd apply` does), and the observers
  // get the cluster CA. Empty: no PKI (the certificates facet has nothing to place).
  std::string stateDir;
};

class Manager {
 public:
  Manager(ManagerOptions options, Store& store, Metrics& metrics, const Clock& clock,
          std::vector<std::shared_ptr<const Facet>> facets,
          std::vector<std::shared_ptr<ClusterObserver>> observers);
  ~Manager();

  // Lists the desired state (an invalid one is an error: nothing starts), loads the status
  // the last controller wrote, then starts the workers, the watch and the resync timer.
  Status start();
  // Asks everything to stop and waits for it (see the header comment). Idempotent.
  void stop();

  // Ready once the first pass over every machine finished.
  bool ready(std::string& why) const;
  Coordination& coordination() { return *coordination_; }
  size_t passesCompleted() const { return passes_.load(); }

 private:
  struct MachineEntry {
    MachineTarget target;
    Machine object;         // as declared, with the status last written
    nlohmann::json observed;
    std::shared_ptr<Transport> transport;
  };

  Status applySnapshot(const DesiredSnapshot& snapshot, const std::vector<StoreEvent>* events);
  // Loads (or makes once) the cluster PKI and gives each control plane of `targets` its
  // certificates, judged at this moment (renewal windows, expiry notes).
  Status attachCertificates(const ManifestSet& set, std::vector<MachineTarget>& targets);
  // At the start of a pass, at most hourly: the certificates again, so that a controller
  // running for months renews what nears expiry without a manifest change.
  void refreshCertificates();
  void onStoreEvent(const StoreEvent& event, const DesiredSnapshot& snapshot);
  void workerLoop();
  void resyncLoop();
  void startPass();
  void finishedInPass(const std::string& key);
  void reconcileMachine(const std::string& name, const std::string& key);
  void reconcileCluster(const std::string& key);

  ManagerOptions options_;
  Store& store_;
  Metrics& metrics_;
  const Clock& clock_;
  std::vector<std::shared_ptr<ClusterObserver>> observers_;
  std::shared_ptr<Coordination> coordination_;
  HostReconciler reconciler_;
  std::unique_ptr<TransportPool> pool_;
  WorkQueue queue_;

  mutable std::mutex mutex_;
  DesiredSnapshot desired_;
  std::map<std::string, MachineEntry> machines_;
  std::map<std::string, HostOutcome> outcomes_;
  StatusSnapshot prior_;  // what the previous controller wrote (VIP, Cluster status)
  std::set<std::string> passPending_;
  Clock::TimePoint passStart_{};
  Clock::TimePoint certificatesAt_{};  // when the certificates were last attached
  bool passRunning_ = false;
  std::atomic<size_t> passes_{0};

  std::mutex stopMutex_;
  std::condition_variable stopCv_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::thread resyncThread_;
};

// Work queue keys: "Machine/NAME", "Cluster/NAME".
std::string objectKey(std::string_view kind, std::string_view name);

}  // namespace piherd
