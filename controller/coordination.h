// Coordination: the controller's cluster-wide safety rules, behind the HostReconciler's
// ActionGate (reconcilers/host_reconciler.h), so facets need not know about them:
// - the disruption budget: one control plane at a time. A control plane becomes disrupted
//   when an action classified disruptive starts on it (restarting containerd, kubelet,
//   keepalived, the apiserver; a reboot) and stays so until a reconcile of it ends converged.
//   Meanwhile the same kind of action on another control plane is refused (Unavailable: the
//   work queue retries it with backoff). A control plane that observers report unhealthy (an
//   etcd member down: etcd is at bare quorum) counts as disrupted too.
// - the join lock: one `kubeadm join` at a time cluster-wide (etcd admits one learner at a
//   time, cluster-api#2050). Held from the join action until that host's reconcile ends.
// - shutdown: once stopping, no action starts; the one in flight finishes.
// Facets that add actions (the bootstrap facet's join, the VIP facet's keepalived restart)
// classify them by adding a classifier to actionClassifiers() in coordination.cc.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reconcilers/host_reconciler.h"

namespace piherd {

enum class ActionClass { kOrdinary, kDisruptive, kJoin };

// Returns a class for actions it knows, nullopt for the others.
using ActionClassifier = std::function<std::optional<ActionClass>(const Action&)>;
const std::vector<ActionClassifier>& actionClassifiers();
ActionClass classifyAction(const Action& action);

class JoinLock {
 public:
  // True when `machine` holds it now (it may already have).
  bool tryAcquire(const std::string& machine);
  void release(const std::string& machine);
  std::string holder() const;

 private:
  mutable std::mutex mutex_;
  std::string holder_;
};

class ControlPlaneBudget {
 public:
  explicit ControlPlaneBudget(int allowed = 1) : allowed_(allowed) {}
  // True when `machine` may be disrupted now (it may already be); it then counts as disrupted.
  bool tryAcquire(const std::string& machine, std::string& why);
  void release(const std::string& machine);
  // Control planes unhealthy for reasons of their own (reported by observers).
  void setUnhealthy(std::set<std::string> machines);
  std::set<std::string> disrupted() const;

 private:
  mutable std::mutex mutex_;
  const int allowed_;
  std::set<std::string> disrupted_;
  std::set<std::string> unhealthy_;
};

class Coordination : public ActionGate {
 public:
  Status beforeAction(const HostDesired& desired, const Action& action) override;

  // The engine calls this when a host's reconcile ends.
  void hostReconciled(const std::string& machine, bool converged);
  void stop() { stopping_ = true; }
  bool stopping() const { return stopping_; }

  JoinLock& joinLock() { return join_; }
  ControlPlaneBudget& budget() { return budget_; }

 private:
  std::atomic<bool> stopping_{false};
  JoinLock join_;
  ControlPlaneBudget budget_;
};

}  // namespace piherd
