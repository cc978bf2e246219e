#include "controller/coordination.h"

namespace piherd {
namespace {

// Units whose restart interrupts what a control plane serves.
bool disruptiveUnit(const std::string& unit) {
  for (const char* u : {"containerd", "kubelet", "keepalived", "kube-apiserver", "etcd"}) {
    if (unit == u || unit == std::string(u) + ".service") return true;
  }
  return false;
}

std::optional<ActionClass> hostActions(const Action& action) {
  if (std::holds_alternative<RebootAction>(action)) return ActionClass::kDisruptive;
  if (const auto* u = std::get_if<UnitAction>(&action)) {
    // Starting a stopped unit repairs; restarting a running one interrupts it.
    if (u->op == UnitAction::Op::kRestart && disruptiveUnit(u->unit)) return ActionClass::kDisruptive;
    return ActionClass::kOrdinary;
  }
  return std::nullopt;
}

// Actions a facet marks disruptive itself (the vip facet's keepalived config, reload, start).
std::optional<ActionClass> markedDisruptive(const Action& action) {
  if (isDisruptive(action)) return ActionClass::kDisruptive;
  return std::nullopt;
}

}  // namespace

const std::vector<ActionClassifier>& actionClassifiers() {
  // One line per facet that brings actions of its own.
  static const std::vector<ActionClassifier> classifiers = {markedDisruptive, hostActions};
  return classifiers;
}

ActionClass classifyAction(const Action& action) {
  for (const auto& c : actionClassifiers()) {
    if (auto cls = c(action)) return *cls;
  }
  return ActionClass::kOrdinary;
}

bool JoinLock::tryAcquire(const std::string& machine) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!holder_.empty() && holder_ != machine) return false;
  holder_ = machine;
  return true;
}

void JoinLock::release(const std::string& machine) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (holder_ == machine) holder_.clear();
}

std::string JoinLock::holder() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return holder_;
}

bool ControlPlaneBudget::tryAcquire(const std::string& machine, std::string& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (disrupted_.contains(machine)) return true;
  std::set<std::string> others = disrupted_;
  for (const auto& m : unhealthy_) {
    if (m != machine) others.insert(m);
  }
  if (static_cast<int>(others.size()) >= allowed_) {
    why = "disruption budget: ";
    for (const auto& m : others) why += m + (disrupted_.contains(m) ? " is disrupted; " : " is unhealthy; ");
    why += "one control plane at a time";
    return false;
  }
  disrupted_.insert(machine);
  return true;
}

void ControlPlaneBudget::release(const std::string& machine) {
  std::lock_guard<std::mutex> lock(mutex_);
  disrupted_.erase(machine);
}

void ControlPlaneBudget::setUnhealthy(std::set<std::string> machines) {
  std::lock_guard<std::mutex> lock(mutex_);
  unhealthy_ = std::move(machines);
}

std::set<std::string> ControlPlaneBudget::disrupted() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return disrupted_;
}

Status Coordination::beforeAction(const HostDesired& desired, const Action& action) {
  if (stopping_) return makeError(ErrorCode::kAborted, "the controller is shutting down");
  switch (classifyAction(action)) {
    case ActionClass::kOrdinary: return okStatus();
    case ActionClass::kJoin:
      if (!join_.tryAcquire(desired.machine)) {
        return makeError(ErrorCode::kUnavailable,
                         "join lock: " + join_.holder() + " is joining; one join at a time");
      }
      return okStatus();
    case ActionClass::kDisruptive: {
      if (!desired.controlPlane) return okStatus();  // the budget counts control planes
      std::string why;
      if (!budget_.tryAcquire(desired.machine, why)) return makeError(ErrorCode::kUnavailable, why);
      return okStatus();
    }
  }
  return okStatus();
}

void Coordination::hostReconciled(const std::string& machine, bool converged) {
  join_.release(machine);
  if (converged) budget_.release(machine);
}

}  // namespace piherd
