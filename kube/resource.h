// A Kubernetes resource type as its REST path needs it (group, version, plural, scope) and the
// paths of its collections, objects and subresources. The kinds piherd touches are built in;
// anything else (a Calico CRD, say) is spelled out by the caller.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace piherd::kube {

struct Resource {
  std::string group;    // "" for the core API
  std::string version;  // "v1"
  std::string plural;   // "nodes"
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
};

// The built-in table: core and group kinds named in docs/kube-client.md.
std::optional<Resource> resourceFor(std::string_view apiVersion, std::string_view kind);
// The resource of an object, from its apiVersion and kind.
Result<Resource> resourceOf(std::string_view apiVersion, std::string_view kind);

namespace resources {
Resource nodes();
Resource namespaces();
Resource leases();  // coordination.k8s.io/v1
Resource configMaps();
Resource secrets();
Resource customResourceDefinitions();
Resource piherd(std::string_view plural);  // piherd.io/v1alpha1: clusters, machines, virtualips
}  // namespace resources

// /api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]] or /apis/G/V/...; ns and name are checked to be
// safe path segments. ns must be empty for a cluster-scoped resource; for a namespaced one it
// may be empty only for a collection (all namespaces).
Result<std::string> resourcePath(const Resource& r, std::string_view ns, std::string_view name = "",
                                 std::string_view subresource = "");

// Percent-encodes everything outside RFC 3986's unreserved set (query values, selectors).
std::string urlEncode(std::string_view value);

}  // namespace piherd::kube
