// Conditions in status (the Kubernetes metav1.Condition shape), written by the controller
// only, and the condition types and phases the contract in docs/api.md names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/field_schema.h"

namespace piherd {

struct Condition {
  std::string type;                // e.g. Reachable
  std::string status;              // True | False | Unknown
  std::string reason;              // CamelCase, machine-readable
  std::string message;             // for humans; never secret material
  std::string lastTransitionTime;  // RFC 3339
  int64_t observedGeneration = 0;

  bool operator==(const Condition&) const = default;
};

template <class V, SameStruct<Condition> S>
void visitFields(V& v, S& s) {
  v.field("type", s.type,
          {.required = true, .description = "The aspect this condition reports on."});
  v.field("status", s.status,
          {.required = true,
           .enumValues = {"True", "False", "Unknown"},
           .description = "True, False or Unknown."});
  v.field("reason", s.reason, {.description = "Why, in one CamelCase word."});
  v.field("message", s.message, {.description = "Details for humans."});
  v.field("lastTransitionTime", s.lastTransitionTime,
          {.description = "When status last changed (RFC 3339)."});
  v.field("observedGeneration", s.observedGeneration,
          {.description = "metadata.generation this condition was computed from."});
}

inline constexpr std::string_view kConditionTrue = "True";
inline constexpr std::string_view kConditionFalse = "False";
inline constexpr std::string_view kConditionUnknown = "Unknown";

// Machine condition types.
inline constexpr std::string_view kConditionReachable = "Reachable";
inline constexpr std::string_view kConditionKernelConfigured = "KernelConfigured";
inline constexpr std::string_view kConditionRuntimeReady = "RuntimeReady";
inline constexpr std::string_view kConditionPackagesInstalled = "PackagesInstalled";
inline constexpr std::string_view kConditionCertificatesReady = "CertificatesReady";
inline constexpr std::string_view kConditionVIPConfigured = "VIPConfigured";  // control planes
inline constexpr std::string_view kConditionJoined = "Joined";
inline constexpr std::string_view kConditionNodeReady = "NodeReady";
// VirtualIP condition types.
inline constexpr std::string_view kConditionAvailable = "Available";
inline constexpr std::string_view kConditionSplitBrain = "SplitBrain";

// Machine phases.
inline constexpr std::string_view kPhasePending = "Pending";
inline constexpr std::string_view kPhaseProvisioning = "Provisioning";
inline constexpr std::string_view kPhaseJoining = "Joining";
inline constexpr std::string_view kPhaseReady = "Ready";        // also a Cluster phase
inline constexpr std::string_view kPhaseDegraded = "Degraded";  // also a Cluster phase
inline constexpr std::string_view kPhaseUnreachable = "Unreachable";
inline constexpr std::string_view kPhaseFailed = "Failed";
// Cluster phases (besides Ready and Degraded).
inline constexpr std::string_view kPhaseBootstrapping = "Bootstrapping";

}  // namespace piherd
