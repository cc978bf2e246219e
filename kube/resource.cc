#include "kube/resource.h"

#include <array>

namespace piherd::kube {
namespace {

struct KindEntry {
  std::string_view apiVersion;
  std::string_view kind;
  std::string_view plural;
  bool namespaced;
};

constexpr std::array kKinds = {
    KindEntry{"v1", "Namespace", "namespaces", false},
    KindEntry{"v1", "Node", "nodes", false},
    KindEntry{"v1", "ConfigMap", "configmaps", true},
    KindEntry{"v1", "Secret", "secrets", true},
    KindEntry{"v1", "ServiceAccount", "serviceaccounts", true},
    KindEntry{"v1", "Service", "services", true},
    KindEntry{"v1", "Pod", "pods", true},
    KindEntry{"v1", "Endpoints", "endpoints", true},
    KindEntry{"v1", "Event", "events", true},
    KindEntry{"coordination.k8s.io/v1", "Lease", "leases", true},
    KindEntry{"apps/v1", "Deployment", "deployments", true},
    KindEntry{"apps/v1", "DaemonSet", "daemonsets", true},
    KindEntry{"apps/v1", "StatefulSet", "statefulsets", true},
    KindEntry{"apps/v1", "ReplicaSet", "replicasets", true},
    KindEntry{"policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", true},
    KindEntry{"rbac.authorization.k8s.io/v1", "Role", "roles", true},
    KindEntry{"rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", true},
    KindEntry{"rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", false},
    KindEntry{"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", false},
    KindEntry{"apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions",
              false},
    KindEntry{"piherd.io/v1alpha1", "Cluster", "clusters", false},
    KindEntry{"piherd.io/v1alpha1", "Machine", "machines", false},
    KindEntry{"piherd.io/v1alpha1", "VirtualIP", "virtualips", false},
};

Resource fromApiVersion(std::string_view apiVersion, std::string_view plural, bool namespaced) {
  Resource r;
  const std::size_t slash = apiVersion.find('/');
  if (slash == std::string_view::npos) {
    r.version = std::string(apiVersion);
  } else {
    r.group = std::string(apiVersion.substr(0, slash));
    r.version = std::string(apiVersion.substr(slash + 1));
  }
  r.plural = std::string(plural);
  r.namespaced = namespaced;
  return r;
}

// Object names are DNS subdomains, RBAC names may hold ':'; nothing that could change the path.
bool safeSegment(std::string_view s) {
  if (s.empty() || s.size() > 253 || s == "." || s == "..") return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == ':' || c == '@';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<Resource> resourceFor(std::string_view apiVersion, std::string_view kind) {
  for (const KindEntry& e : kKinds) {
    if (e.apiVersion == apiVersion && e.kind == kind) {
      return fromApiVersion(e.apiVersion, e.plural, e.namespaced);
    }
  }
  return std::nullopt;
}

Result<Resource> resourceOf(std::string_view apiVersion, std::string_view kind) {
  if (std::optional<Resource> r = resourceFor(apiVersion, kind)) return *r;
  return makeError(ErrorCode::kInvalidArgument,
                   "no built-in resource for " + std::string(apiVersion) + " " + std::string(kind));
}

namespace resources {
Resource nodes() {
  return fromApiVersion("v1", "nodes", false);
}
Resource namespaces() {
  return fromApiVersion("v1", "namespaces", false);
}
Resource leases() {
  return fromApiVersion("coordination.k8s.io/v1", "leases", true);
}
Resource configMaps() {
  return fromApiVersion("v1", "configmaps", true);
}
Resource secrets() {
  return fromApiVersion("v1", "secrets", true);
}
Resource customResourceDefinitions() {
  return fromApiVersion("apiextensions.k8s.io/v1", "customresourcedefinitions", false);
}
Resource piherd(std::string_view plural) {
  return fromApiVersion("piherd.io/v1alpha1", plural, false);
}
}  // namespace resources

Result<std::string> resourcePath(const Resource& r, std::string_view ns, std::string_view name,
                                 std::string_view subresource) {
  auto bad = [&](const std::string& why) {
    return makeError(ErrorCode::kInvalidArgument, r.plural + ": " + why);
  };
  if (!safeSegment(r.version) || !safeSegment(r.plural) ||
      (!r.group.empty() && !safeSegment(r.group))) {
    return bad("bad group, version or plural");
  }
  std::string path = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  if (!r.namespaced && !ns.empty()) return bad("cluster-scoped, yet a namespace was given");
  if (r.namespaced && ns.empty() && !name.empty()) return bad("namespaced: a namespace is needed");
  if (!ns.empty()) {
    if (!safeSegment(ns)) return bad("bad namespace '" + std::string(ns) + "'");
    path += "/namespaces/" + std::string(ns);
  }
  path += "/" + r.plural;
  if (!name.empty()) {
    if (!safeSegment(name)) return bad("bad name '" + std::string(name) + "'");
    path += "/" + std::string(name);
  }
  if (!subresource.empty()) {
    if (name.empty() || !safeSegment(subresource)) return bad("bad subresource");
    path += "/" + std::string(subresource);
  }
  return path;
}

std::string urlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace piherd::kube
