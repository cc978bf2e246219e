#include "controller/vip_status.h"

#include "controller/clock.h"

#include <algorithm>
#include <ctime>

namespace piherd {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

const Condition* findCondition(const VirtualIPStatus& s, std::string_view type) {
  for (const auto& c : s.conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

// A condition whose lastTransitionTime moves only when its status changes.
Condition condition(const VirtualIPStatus& previous, std::string_view type, bool status,
                    std::string reason, std::string message, const std::string& now,
                    int64_t generation) {
  Condition c{.type = std::string(type),
              .status = std::string(status ? kConditionTrue : kConditionFalse),
              .reason = std::move(reason),
              .message = std::move(message),
              .lastTransitionTime = now,
              .observedGeneration = generation};
  const Condition* before = findCondition(previous, type);
  if (before && before->status == c.status) c.lastTransitionTime = before->lastTransitionTime;
  return c;
}

// Once the apiserver answered through the VIP, not answering is an alarm (Unreachable), and
// stays one until it answers again; before that it is "not reachable yet".
bool everReachable(const VirtualIPStatus& previous) {
  const Condition* a = findCondition(previous, kConditionAvailable);
  return previous.reachable.value_or(false) || (a && a->reason == "Unreachable");
}

}  // namespace

VirtualIPStatus nextVipStatus(const VirtualIP& vip, const VirtualIPStatus& previous,
                              const std::vector<VipHostView>& hosts, const VipProbeResult& probe,
                              const std::string& now) {
  VirtualIPStatus s;
  s.observedGeneration = vip.metadata.generation;
  std::vector<std::string> unobserved;
  for (const auto& h : hosts) {
    if (h.observed && h.holds) s.holders.push_back(h.machine);
    if (!h.observed) unobserved.push_back(h.machine);
  }
  std::sort(s.holders.begin(), s.holders.end());
  s.failovers = previous.failovers;
  s.lastFailoverTime = previous.lastFailoverTime;
  s.lastHolder = previous.lastHolder;
  if (s.holders.size() == 1) {
    if (!previous.lastHolder.empty() && previous.lastHolder != s.holders[0]) {
      ++s.failovers;
      s.lastFailoverTime = now;
    }
    s.lastHolder = s.holders[0];
  }
  s.reachable = probe.tcp && probe.tls;
  const std::string address = vipHost(vip) + ":" + std::to_string(vip.spec.port.value_or(6443));
  const std::string unseen =
      unobserved.empty() ? "" : " (not observed this pass: " + joined(unobserved) + ")";

  bool split = s.holders.size() > 1;
  s.conditions.push_back(condition(
      previous, kConditionSplitBrain, split,
      split ? "MultipleHolders" : (s.holders.empty() ? "NoHolder" : "SingleHolder"),
      split ? "held by " + joined(s.holders) + " at once: VRRP adverts do not get through"
            : (s.holders.empty() ? "held by no observed control plane" : "held by " + s.holders[0]) +
                  unseen,
      now, s.observedGeneration));

  bool available = false;
  std::string reason, message;
  if (s.holders.empty()) {
    reason = "NoHolder", message = "no observed control plane holds " + vipHost(vip) + unseen;
  } else if (split) {
    reason = "SplitBrain", message = "held by " + joined(s.holders);
  } else if (probe.tcp && probe.tls && probe.verified) {
    available = true, reason = "Reachable";
    message = "held by " + s.holders[0] + "; TLS to " + address + " verified against the cluster CA";
  } else if (probe.tcp && probe.tls) {
    available = true, reason = "Unverified";
    message = "held by " + s.holders[0] + "; TLS to " + address +
              " answered, not verified (no cluster CA yet)";
  } else if (!probe.tcp && !everReachable(previous)) {
    // Before any apiserver exists (a fresh cluster) this is the expected state, not an alarm.
    reason = "NotReachableYet";
    message = "held by " + s.holders[0] + "; nothing answers on " + address + " yet: " + probe.detail;
  } else if (!probe.tcp) {
    reason = "Unreachable", message = "held by " + s.holders[0] + "; " + address + ": " + probe.detail;
  } else {
    reason = "TLSFailed", message = "held by " + s.holders[0] + "; " + address + ": " + probe.detail;
  }
  s.conditions.insert(s.conditions.begin(),
                      condition(previous, kConditionAvailable, available, reason, message, now,
                                s.observedGeneration));
  return s;
}

VipMetrics vipMetrics(const VirtualIP& vip) {
  return {.vip = vip.metadata.name,
          .holders = static_cast<double>(vip.status.holders.size()),
          .reachable = vip.status.reachable.value_or(false) ? 1.0 : 0.0,
          .failoversTotal = static_cast<double>(vip.status.failovers),
          .holderMachines = vip.status.holders};
}

std::string rfc3339Now() { return rfc3339(std::chrono::system_clock::now()); }

}  // namespace piherd
