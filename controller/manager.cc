#include "controller/manager.h"

#include <algorithm>

#include "controller/machine_status.h"
#include "controller/pki_setup.h"
#include "controller/vip_report.h"
#include "platform/log.h"

namespace piherd {
namespace {

double secondsBetween(Clock::TimePoint a, Clock::TimePoint b) {
  return std::chrono::duration<double>(b - a).count();
}

std::pair<std::string, std::string> splitKey(const std::string& key) {
  auto slash = key.find('/');
  return {key.substr(0, slash), slash == std::string::npos ? "" : key.substr(slash + 1)};
}

}  // namespace

std::string objectKey(std::string_view kind, std::string_view name) {
  return std::string(kind) + "/" + std::string(name);
}

Manager::Manager(ManagerOptions options, Store& store, Metrics& metrics, const Clock& clock,
                 std::vector<std::shared_ptr<const Facet>> facets,
                 std::vector<std::shared_ptr<ClusterObserver>> observers)
    : options_(std::move(options)),
      store_(store),
      metrics_(metrics),
      clock_(clock),
      observers_(std::move(observers)),
      coordination_(std::make_shared<Coordination>()),
      reconciler_(std::move(facets)),
      queue_(clock, defaultControllerRateLimiter(clock)) {
  reconciler_.setActionGate(coordination_);
  pool_ = std::make_unique<TransportPool>(TransportPool::Options{
      .maxConcurrent = static_cast<size_t>(std::max(options_.workers, 1)),
      .onCommandDuration = [this](const std::string&, double s) { metrics_.sshCommand(s); },
      .factory = options_.factory});
}

Manager::~Manager() { stop(); }

Status Manager::applySnapshot(const DesiredSnapshot& snapshot,
                              const std::vector<StoreEvent>* events) {
  auto targets = buildMachineTargets(snapshot.set, options_.cli);
  if (!targets) return tl::unexpected(targets.error());
  if (auto s = attachCertificates(snapshot.set, *targets); !s) return s;
  std::vector<std::string> toQueue, removed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    desired_ = snapshot;
    // At start (no events) the resync thread's first pass queues every machine.
    bool clusterWide = false;
    std::set<std::string> touched;
    if (events != nullptr) {
      for (const auto& e : *events) {
        if (e.kind == kKindMachine) touched.insert(e.name);
        else clusterWide = true;  // Cluster or VirtualIP: every machine's desired state may change
      }
    }
    std::set<std::string> present;
    for (auto& t : *targets) {
      const std::string name = t.desired.machine;
      present.insert(name);
      MachineEntry& e = machines_[name];
      const Machine* declared = snapshot.set.findMachine(name);
      MachineStatus status = e.object.status;
      if (e.object.metadata.name.empty()) {  // first sight: the previous controller's status
        if (auto it = prior_.machines.find(name); it != prior_.machines.end()) status = it->second.status;
        if (auto it = prior_.observed.find(name); it != prior_.observed.end()) e.observed = it->second;
      }
      e.object = *declared;
      e.object.status = status;
      e.target = std::move(t);
      e.transport = pool_->get(e.target.ssh);  // the same connection while the target is unchanged
      if (clusterWide || touched.contains(name)) toQueue.push_back(objectKey(kKindMachine, name));
    }
    for (auto it = machines_.begin(); it != machines_.end();) {
      if (present.contains(it->first)) {
        ++it;
        continue;
      }
      removed.push_back(it->first);
      outcomes_.erase(it->first);
      passPending_.erase(objectKey(kKindMachine, it->first));
      it = machines_.erase(it);
    }
  }
  for (const auto& name : removed) {
    // Gone from the manifests: forget it here. The host itself is left as it is (a lost file
    // must never wipe a node; pruning is `apply --prune`'s business).
    log::info("machine removed from the desired state", {{"object", objectKey(kKindMachine, name)}});
    pool_->remove(name);
    metrics_.forgetMachine(name);
    coordination_->hostReconciled(name, true);
    if (auto s = store_.removeStatus(std::string(kKindMachine), name); !s) {
      log::warn("cannot remove status", {{"object", objectKey(kKindMachine, name)}, {"error", s.error().message}});
    }
  }
  for (const auto& key : toQueue) queue_.add(key);
  if (const Cluster* c = snapshot.set.cluster(); c != nullptr && events != nullptr) {
    queue_.add(objectKey(kKindCluster, c->metadata.name));
  }
  return okStatus();
}

Status Manager::start() {
  auto snapshot = store_.list();
  if (!snapshot) return tl::unexpected(snapshot.error());
  if (auto prior = store_.readStatus()) prior_ = std::move(*prior);
  if (auto s = applySnapshot(*snapshot, nullptr); !s) return s;
  metrics_.setLeader(true);  // file mode: this process is the only controller (state dir lock)
  log::info("controller starting", {{"resourceVersion", snapshot->resourceVersion},
                                    {"machines", std::to_string(snapshot->set.machines.size())}});
  if (auto s = store_.watch(snapshot->resourceVersion, [this](const StoreEvent& e, const DesiredSnapshot& d) {
        onStoreEvent(e, d);
      });
      !s) {
    return s;
  }
  for (int i = 0; i < std::max(options_.workers, 1); ++i) workers_.emplace_back([this] { workerLoop(); });
  resyncThread_ = std::thread([this] { resyncLoop(); });
  return okStatus();
}

void Manager::onStoreEvent(const StoreEvent& event, const DesiredSnapshot& snapshot) {
  log::info("desired state changed", {{"object", event.kind + "/" + event.name},
                                      {"event", storeEventTypeName(event.type)},
                                      {"resourceVersion", event.resourceVersion}});
  ManifestSet before;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (snapshot.resourceVersion == desired_.resourceVersion) return;  // this snapshot is applied
    before = desired_.set;
  }
  // The store delivers a snapshot's events one by one; apply the snapshot once, with all of
  // them (they share its resourceVersion).
  auto events = diffSnapshots(before, snapshot.set, snapshot.resourceVersion);
  if (auto s = applySnapshot(snapshot, &events); !s) {
    log::error("desired state not applied; the previous one stays in force",
               {{"resourceVersion", snapshot.resourceVersion}, {"error", s.error().message}});
  }
}

void Manager::resyncLoop() {
  for (;;) {
    startPass();
    Clock::TimePoint next = clock_.now() + options_.resync;
    std::unique_lock<std::mutex> lock(stopMutex_);
    while (!stopping_ && clock_.now() < next) {
      auto left = std::clamp<Clock::Duration>(next - clock_.now(), Clock::Duration::zero(),
                                               std::chrono::milliseconds(100));
      stopCv_.wait_for(lock, left);
    }
    if (stopping_) return;
  }
}

Status Manager::attachCertificates(const ManifestSet& set, std::vector<MachineTarget>& targets) {
  if (options_.stateDir.empty()) return okStatus();
  // As apply attaches them: loaded (or made once) from the state directory, with the probe
  // for an initialized cluster going over SSH.
  std::vector<HostTarget> hosts;
  for (const auto& t : targets) {
    hosts.push_back({.desired = t.desired, .address = t.ssh.address, .transport = pool_->get(t.ssh)});
  }
  auto wallNow = [this] { return clock_.wallNow(); };
  if (auto s = attachClusterPki(hosts, set, options_.stateDir, ReconcileMode::kApply, wallNow); !s) {
    return s;
  }
  for (size_t i = 0; i < hosts.size(); ++i) targets[i].desired.certificates = hosts[i].desired.certificates;
  std::lock_guard<std::mutex> lock(mutex_);
  certificatesAt_ = clock_.now();
  return okStatus();
}

void Manager::refreshCertificates() {
  ManifestSet set;
  std::vector<MachineTarget> targets;
  std::string version;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (options_.stateDir.empty() || clock_.now() - certificatesAt_ < std::chrono::hours(1)) return;
    set = desired_.set;
    version = desired_.resourceVersion;
    for (const auto& [_, e] : machines_) targets.push_back(e.target);
  }
  if (auto s = attachCertificates(set, targets); !s) {
    log::warn("cannot refresh the cluster certificates", {{"error", s.error().message}});
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (desired_.resourceVersion != version) return;  // a reload attached newer ones meanwhile
  for (auto& t : targets) {
    if (auto it = machines_.find(t.desired.machine); it != machines_.end()) {
      it->second.target.desired.certificates = std::move(t.desired.certificates);
    }
  }
}

void Manager::startPass() {
  refreshCertificates();
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, _] : machines_) keys.push_back(objectKey(kKindMachine, name));
    if (!passRunning_) {
      passRunning_ = true;
      passStart_ = clock_.now();
      passPending_ = {keys.begin(), keys.end()};
    } else {
      // A pass still running when the next is due simply goes on: its machines are queued
      // or being reconciled already, and queueing them again would reconcile each twice
      // back to back (a key re-added while processing runs once more after).
      std::erase_if(keys, [&](const std::string& k) { return passPending_.contains(k); });
    }
  }
  for (const auto& k : keys) queue_.add(k);
  if (keys.empty()) finishedInPass("");
}

void Manager::finishedInPass(const std::string& key) {
  std::string clusterKey;
  double took = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!passRunning_) return;
    passPending_.erase(key);
    if (!passPending_.empty()) return;
    passRunning_ = false;
    took = secondsBetween(passStart_, clock_.now());
    if (const Cluster* c = desired_.set.cluster()) clusterKey = objectKey(kKindCluster, c->metadata.name);
  }
  metrics_.resyncPass(took);
  ++passes_;
  log::debug("resync pass done", {{"seconds", std::to_string(took)}});
  if (!clusterKey.empty()) queue_.add(clusterKey);
}

void Manager::workerLoop() {
  while (auto key = queue_.get()) {
    auto [kind, name] = splitKey(*key);
    if (kind == kKindMachine) {
      reconcileMachine(name, *key);
    } else if (kind == kKindCluster) {
      reconcileCluster(*key);
    }
    queue_.done(*key);
  }
}

void Manager::reconcileMachine(const std::string& name, const std::string& key) {
  HostDesired desired;
  std::shared_ptr<Transport> transport;
  std::string address;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = machines_.find(name);
    if (it == machines_.end()) return;  // deleted meanwhile
    desired = it->second.target.desired;
    transport = it->second.transport;
    address = it->second.target.ssh.address;
  }
  const std::string object = objectKey(kKindMachine, name);
  ProgressFn progress = [&](const std::string&, const std::string& facet, const std::string& msg) {
    if (msg == "observing" || msg == "converged") return;  // every pass: not worth a line
    log::info(msg, {{"object", object}, {"host", address}, {"facet", facet}});
  };
  Clock::TimePoint start = clock_.now();
  HostOutcome outcome = reconciler_.reconcile(*transport, desired, ReconcileMode::kApply, progress);
  double took = secondsBetween(start, clock_.now());
  const bool converged = outcome.converged();
  coordination_->hostReconciled(name, converged);
  if (coordination_->stopping()) {
    // Refused actions at shutdown are not the host's state: leave the last status as it is,
    // the next controller observes afresh.
    return;
  }

  const std::string now = rfc3339(clock_.wallNow());
  Machine toWrite;
  nlohmann::json facts = observedFacts(outcome, now);
  std::vector<std::string> drifted;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = machines_.find(name);
    if (it == machines_.end()) return;
    MachineEntry& e = it->second;
    for (const auto& f : outcome.facets) {
      if (f.state == FacetState::kChanged && facetWasConverged(e.observed, f.facet)) drifted.push_back(f.facet);
    }
    // A host that could not be observed keeps its last facet facts (they are still the best
    // knowledge), with reachability updated.
    if (!outcome.reachable || !outcome.error.empty()) {
      nlohmann::json kept = e.observed.is_object() ? e.observed : nlohmann::json::object();
      kept["time"] = now;
      kept["reachable"] = outcome.reachable;
      kept["error"] = outcome.error;
      facts = kept;
    }
    e.observed = facts;
    e.object.status = machineStatusFrom(e.object.status, outcome, now, e.object.metadata.generation);
    toWrite = e.object;
    outcomes_[name] = outcome;
  }
  for (const auto& facet : drifted) {
    metrics_.driftCorrected(name, facet);
    log::info("drift corrected", {{"object", object}, {"host", address}, {"facet", facet}});
  }
  for (const auto& f : outcome.facets) {
    metrics_.facetConverged(name, f.facet, f.state == FacetState::kConverged || f.state == FacetState::kChanged);
    if (!f.error.empty()) log::warn("facet not converged: " + f.error, {{"object", object}, {"host", address}, {"facet", f.facet}});
  }
  metrics_.machine(name, outcome.reachable && outcome.error.empty(), toWrite.status.phase == kPhaseReady);
  metrics_.reconciled(std::string(kKindMachine), converged ? "success" : "error", took);
  if (!outcome.error.empty()) log::warn("machine not observed: " + outcome.error, {{"object", object}, {"host", address}});
  if (auto s = store_.updateStatus(toWrite); !s) log::error("cannot write status", {{"object", object}, {"error", s.error().message}});
  if (auto s = store_.updateObserved(name, facts); !s) log::error("cannot write observed facts", {{"object", object}, {"error", s.error().message}});

  if (converged) {
    queue_.forget(key);
  } else {
    queue_.addRateLimited(key);  // retried with backoff; the resync re-adds it too
  }
  finishedInPass(key);
}

void Manager::reconcileCluster(const std::string& key) {
  Clock::TimePoint start = clock_.now();
  ManifestSet desired;
  std::map<std::string, HostOutcome> outcomes;
  std::map<std::string, Machine> machines;
  std::map<std::string, HostDesired> hostDesired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    desired = desired_.set;
    outcomes = outcomes_;
    for (const auto& [n, e] : machines_) {
      machines[n] = e.object;
      hostDesired[n] = e.target.desired;
    }
  }
  const Cluster* cluster = desired.cluster();
  if (cluster == nullptr) return;
  const std::string now = rfc3339(clock_.wallNow());

  // Defaults from the machines' phases; observers overwrite what they know better.
  ClusterReport report;
  report.cluster = cluster->status;
  if (auto it = prior_.clusters.find(cluster->metadata.name); it != prior_.clusters.end()) {
    report.cluster = it->second.status;
  }
  size_t cps = 0, cpsReady = 0, ready = 0;
  for (const auto& [n, m] : machines) {
    bool isReady = m.status.phase == kPhaseReady;
    ready += isReady;
    if (m.isControlPlane()) {
      ++cps;
      cpsReady += isReady;
    }
  }
  report.cluster.controlPlaneReady = std::to_string(cpsReady) + "/" + std::to_string(cps);
  report.cluster.phase = std::string(ready == machines.size() ? kPhaseReady : kPhaseDegraded);
  report.cluster.observedGeneration = cluster->metadata.generation;
  for (const auto& v : desired.vips) {
    VirtualIPStatus s = v.status;
    if (auto it = prior_.vips.find(v.metadata.name); it != prior_.vips.end()) s = it->second.status;
    if (findCondition(s.conditions, kConditionAvailable) == nullptr) {
      setCondition(s.conditions, kConditionAvailable, kConditionUnknown, "NotObserved",
                   "no VIP observer has reported yet", now, v.metadata.generation);
    }
    report.vips[v.metadata.name] = s;
  }
  ObserverContext context{.desired = desired,
                          .outcomes = outcomes,
                          .transport = [this](const std::string& machine) -> std::shared_ptr<Transport> {
                            std::lock_guard<std::mutex> lock(mutex_);
                            auto it = machines_.find(machine);
                            return it == machines_.end() ? nullptr : it->second.transport;
                          },
                          .hostDesired = hostDesired};
  if (!options_.stateDir.empty()) {
    context.clusterCaPem = readClusterCa(options_.stateDir);  // the certificate only, never a key
  }
  for (const auto& o : observers_) o->observe(context, report);
  coordination_->budget().setUnhealthy(report.unhealthyControlPlanes);

  Cluster c = *cluster;
  c.status = report.cluster;
  bool ok = true;
  if (auto s = store_.updateStatus(c); !s) {
    ok = false;
    log::error("cannot write status", {{"object", key}, {"error", s.error().message}});
  }
  for (const auto& v : desired.vips) {
    VirtualIP out = v;
    out.status = report.vips[v.metadata.name];
    if (auto s = store_.updateStatus(out); !s) {
      ok = false;
      log::error("cannot write status", {{"object", objectKey(kKindVirtualIP, v.metadata.name)}, {"error", s.error().message}});
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    prior_.clusters[c.metadata.name] = c;
    for (const auto& v : desired.vips) prior_.vips[v.metadata.name].status = report.vips[v.metadata.name];
  }
  metrics_.reconciled(std::string(kKindCluster), ok ? "success" : "error", secondsBetween(start, clock_.now()));
}

bool Manager::ready(std::string& why) const {
  if (passes_.load() == 0) {
    why = "the first pass over every machine has not finished";
    return false;
  }
  return true;
}

void Manager::stop() {
  {
    std::lock_guard<std::mutex> lock(stopMutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  stopCv_.notify_all();
  coordination_->stop();
  store_.stop();
  queue_.shutDown();
  if (resyncThread_.joinable()) resyncThread_.join();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
  log::info("controller stopped");
}

}  // namespace piherd
