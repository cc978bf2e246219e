// The parts every piherd API object shares: group/version, kind names, and metadata.
// Manifests written by hand need only metadata.name; the other metadata fields are accepted
// so that objects read back from the Kubernetes API (kubectl get -o yaml, the kube store)
// parse too. metadata is not described in the CRDs (the API server owns its schema).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/field_schema.h"
#include "api/json.h"

namespace piherd {

inline constexpr std::string_view kApiGroup = "piherd.io";
inline constexpr std::string_view kApiVersionName = "v1alpha1";
inline constexpr std::string_view kApiVersion = "piherd.io/v1alpha1";
inline constexpr std::string_view kKindCluster = "Cluster";
inline constexpr std::string_view kKindMachine = "Machine";
inline constexpr std::string_view kKindVirtualIP = "VirtualIP";

struct ObjectMeta {
  std::string name;  // an RFC 1123 label
  std::string namespaceName;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  // Set by the Kubernetes API server; kept so objects read from it round-trip.
  std::string uid;
  std::string resourceVersion;
  int64_t generation = 0;
  std::string creationTimestamp;
  std::string deletionTimestamp;
  std::optional<int64_t> deletionGracePeriodSeconds;
  std::vector<std::string> finalizers;
  Json ownerReferences;
  Json managedFields;

  bool operator==(const ObjectMeta&) const = default;
};

template <class V, SameStruct<ObjectMeta> S>
void visitFields(V& v, S& s) {
  v.field("name", s.name, {.required = true, .format = StringFormat::kObjectName});
  v.field("namespace", s.namespaceName, {.format = StringFormat::kObjectName});
  v.field("labels", s.labels,
          {.format = StringFormat::kLabelValue, .keyFormat = StringFormat::kLabelKey});
  // Annotation values are free text (Kubernetes allows any); piherd sends none to a host.
  v.field("annotations", s.annotations, {.keyFormat = StringFormat::kLabelKey});
  v.field("uid", s.uid);
  v.field("resourceVersion", s.resourceVersion);
  v.field("generation", s.generation);
  v.field("creationTimestamp", s.creationTimestamp);
  v.field("deletionTimestamp", s.deletionTimestamp);
  v.field("deletionGracePeriodSeconds", s.deletionGracePeriodSeconds);
  v.field("finalizers", s.finalizers);
  v.field("ownerReferences", s.ownerReferences);
  v.field("managedFields", s.managedFields);
}

}  // namespace piherd
