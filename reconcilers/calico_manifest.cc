#include "reconcilers/calico_manifest.h"

#include <algorithm>
#include <cstdlib>

#include "api/defaults.h"
#include "api/document_text.h"

namespace piherd {
namespace {

using KubeJson = nlohmann::json;

constexpr std::string_view kEnvCidr = "CALICO_IPV4POOL_CIDR";
constexpr std::string_view kEnvIpip = "CALICO_IPV4POOL_IPIP";
constexpr std::string_view kEnvVxlan = "CALICO_IPV4POOL_VXLAN";
constexpr std::string_view kEnvBackend = "CALICO_NETWORKING_BACKEND";

tl::unexpected<Error> invalid(std::string message) {
  return makeError(ErrorCode::kInvalidArgument, std::move(message));
}

std::string stringAt(const KubeJson& j, const KubeJson::json_pointer& p) {
  if (!j.contains(p)) return "";
  const KubeJson& v = j.at(p);
  return v.is_string() ? v.get<std::string>() : "";
}

// object.key when it is a string, else "" (never throws on a value of another type).
std::string field(const KubeJson& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool isCalicoNode(const KubeJson& object) {
  return stringAt(object, KubeJson::json_pointer("/kind")) == "DaemonSet" &&
         stringAt(object, KubeJson::json_pointer("/metadata/name")) == kCalicoNodeName;
}

// The calico-node container of a calico-node DaemonSet, or nullptr.
template <class J>
J* calicoNodeContainer(J& daemonSet) {
  const KubeJson::json_pointer p("/spec/template/spec/containers");
  if (!daemonSet.contains(p) || !daemonSet.at(p).is_array()) return nullptr;
  for (auto& c : daemonSet.at(p)) {
    if (field(c, "name") == kCalicoNodeName) return &c;
  }
  return nullptr;
}

std::string objectName(const KubeJson& object, int document) {
  std::string kind = stringAt(object, KubeJson::json_pointer("/kind"));
  std::string name = stringAt(object, KubeJson::json_pointer("/metadata/name"));
  return "document " + std::to_string(document) + " (" + (kind.empty() ? "?" : kind) + "/" +
         (name.empty() ? "?" : name) + ")";
}

// Every document of the stream as Kubernetes objects (List items flattened), or why not.
Result<std::vector<KubeJson>> objectsOf(std::string_view text) {
  ParsedDocuments parsed = parseYamlText(text);
  if (!parsed.issues.empty()) {
    const TextIssue& i = parsed.issues.front();
    std::string at = i.document > 0 ? "document " + std::to_string(i.document) + ": " : "";
    if (!i.path.empty()) at += i.path + ": ";
    return invalid("Calico manifest: " + at + i.message);
  }
  std::vector<KubeJson> out;
  int document = 0;
  for (const Json& d : parsed.documents) {
    ++document;
    if (d.is_null()) continue;  // an empty document (comments only, a trailing ---)
    KubeJson object(d);
    if (!object.is_object()) {
      return invalid("Calico manifest: document " + std::to_string(document) + " is not an object");
    }
    std::vector<KubeJson> items;
    if (stringAt(object, KubeJson::json_pointer("/kind")) == "List") {
      if (!object.contains("items") || !object["items"].is_array()) {
        return invalid("Calico manifest: document " + std::to_string(document) +
                       " is a List without an items array");
      }
      for (const KubeJson& item : object["items"]) items.push_back(item);
    } else {
      items.push_back(std::move(object));
    }
    for (KubeJson& item : items) {
      for (const char* path : {"/apiVersion", "/kind", "/metadata/name"}) {
        if (!item.is_object() || stringAt(item, KubeJson::json_pointer(path)).empty()) {
          return invalid("Calico manifest: " + objectName(item, document) + " has no " +
                         std::string(path + 1) +
                         ": not a Kubernetes object (server-side apply needs apiVersion, "
                         "kind and metadata.name)");
        }
      }
      out.push_back(std::move(item));
    }
  }
  return out;
}

// Sets env `name` to the literal `value`: replaces an entry of that name (dropping a
// valueFrom), else appends one.
void setEnv(KubeJson& container, std::string_view name, const std::string& value) {
  KubeJson& env = container["env"];
  if (!env.is_array()) env = KubeJson::array();
  for (KubeJson& e : env) {
    if (field(e, "name") == name) {
      e = {{"name", name}, {"value", value}};
      return;
    }
  }
  env.push_back({{"name", name}, {"value", value}});
}

// Removes `flag` from container.<probe>.exec.command; whether it was there.
bool dropProbeFlag(KubeJson& container, const char* probe, std::string_view flag) {
  const KubeJson::json_pointer p("/" + std::string(probe) + "/exec/command");
  if (!container.contains(p) || !container.at(p).is_array()) return false;
  KubeJson& command = container.at(p);
  const size_t before = command.size();
  KubeJson kept = KubeJson::array();
  for (const KubeJson& arg : command) {
    if (!(arg.is_string() && arg.get<std::string>() == flag)) kept.push_back(arg);
  }
  command = kept;
  return kept.size() != before;
}

bool probeHasFlag(const KubeJson& container, const char* probe, std::string_view flag) {
  const KubeJson::json_pointer p("/" + std::string(probe) + "/exec/command");
  if (!container.contains(p) || !container.at(p).is_array()) return false;
  const KubeJson& command = container.at(p);
  return std::any_of(command.begin(), command.end(), [&](const KubeJson& arg) {
    return arg.is_string() && arg.get<std::string>() == flag;
  });
}

void checkEnv(const KubeJson& container, const CalicoDesired& desired,
              std::vector<std::string>& out) {
  const KubeJson empty = KubeJson::array();
  const KubeJson& env =
      container.contains("env") && container["env"].is_array() ? container["env"] : empty;
  for (const auto& [name, want] : calicoNodeEnv(desired)) {
    const KubeJson* entry = nullptr;
    for (const KubeJson& e : env) {
      if (field(e, "name") == name) entry = &e;
    }
    const std::string what = "DaemonSet calico-node: env " + name + " ";
    if (!entry) {
      out.push_back(what + "is not set (want \"" + want + "\")");
    } else if (entry->contains("valueFrom")) {
      out.push_back(what + "comes from a valueFrom (want the value \"" + want + "\")");
    } else if (field(*entry, "value") != want) {
      out.push_back(what + "is \"" + field(*entry, "value") + "\" (want \"" + want + "\")");
    }
  }
}

void checkPool(const KubeJson& pool, const CalicoDesired& desired, const CalicoModeSettings& mode,
               std::vector<std::string>& out) {
  const std::string what = "IPPool " + std::string(kCalicoDefaultPoolName) + ": ";
  const std::string keep =
      "; calico-node makes its default pool only when none exists, and piherd never deletes "
      "a pool in use (its pods would lose their addresses): migrate to a new pool by hand "
      "(Calico's IP pool migration)";
  const std::string cidr = stringAt(pool, KubeJson::json_pointer("/spec/cidr"));
  if (cidr != desired.podSubnet) {
    out.push_back(what + "spec.cidr is \"" + cidr + "\", not podSubnet " + desired.podSubnet +
                  keep);
  }
  // An unset mode is Never (Calico's default).
  auto modeOf = [&](const char* field) {
    std::string v = stringAt(pool, KubeJson::json_pointer(std::string("/spec/") + field));
    return v.empty() ? std::string("Never") : v;
  };
  const std::pair<const char*, std::string> modes[] = {{"ipipMode", mode.ipipMode},
                                                       {"vxlanMode", mode.vxlanMode}};
  for (const auto& [field, want] : modes) {
    const std::string have = modeOf(field);
    if (have != want) {
      out.push_back(what + "spec." + field + " is " + have + ", not " + want + " (mode " +
                    desired.mode + ")" + keep);
    }
  }
}

}  // namespace

Result<CalicoDesired> calicoDesired(const Cluster& cluster) {
  const std::string at = "Cluster/" + cluster.metadata.name + ": ";
  CalicoDesired d;
  d.podSubnet = cluster.spec.networking.podSubnet;
  d.mode = cluster.spec.cni.calico.mode.empty() ? std::string(kDefaultCalicoMode)
                                                : cluster.spec.cni.calico.mode;
  if (d.podSubnet.empty()) {
    return invalid(at +
                   "spec.networking.podSubnet: is empty (Calico's pool would default to "
                   "192.168.0.0/16)");
  }
  if (auto s = calicoModeSettings(d.mode); !s) {
    return invalid(at + "spec.cni.calico.mode: " + s.error().message);
  }
  return d;
}

Result<CalicoModeSettings> calicoModeSettings(std::string_view mode) {
  if (mode == "BGP") return CalicoModeSettings{"Never", "Never", "bird"};
  if (mode == "IPIP") return CalicoModeSettings{"Always", "Never", "bird"};
  if (mode == "VXLAN") return CalicoModeSettings{"Never", "Always", "vxlan"};
  return invalid("\"" + std::string(mode) + "\" is not a Calico mode (BGP, VXLAN or IPIP)");
}

std::vector<std::pair<std::string, std::string>> calicoNodeEnv(const CalicoDesired& desired) {
  auto mode = calicoModeSettings(desired.mode);
  if (!mode) std::abort();  // calicoDesired() checked it: a broken invariant
  return {{std::string(kEnvCidr), desired.podSubnet},
          {std::string(kEnvIpip), mode->ipipMode},
          {std::string(kEnvVxlan), mode->vxlanMode},
          {std::string(kEnvBackend), mode->backend}};
}

namespace {

Result<std::vector<KubeJson>> objectsFor(std::string_view manifestText,
                                         const CalicoDesired& desired) {
  auto mode = calicoModeSettings(desired.mode);
  if (!mode) return tl::unexpected(mode.error());
  if (desired.podSubnet.empty()) return invalid("Calico: the pod subnet is empty");
  auto objects = objectsOf(manifestText);
  if (!objects) return tl::unexpected(objects.error());

  const auto nodes = std::count_if(objects->begin(), objects->end(), isCalicoNode);
  if (nodes == 0) {
    return invalid(
        "Calico manifest: no DaemonSet calico-node: refused before anything is "
        "applied (piherd sets the pod subnet and mode on its calico-node container)");
  }
  if (nodes > 1) {
    return invalid("Calico manifest: " + std::to_string(nodes) +
                   " DaemonSets named calico-node; want exactly one");
  }
  for (KubeJson& object : *objects) {
    if (isCalicoNode(object)) {
      KubeJson* container = calicoNodeContainer(object);
      if (!container) {
        return invalid(
            "Calico manifest: DaemonSet calico-node has no container named "
            "calico-node in spec.template.spec.containers");
      }
      for (const auto& [name, value] : calicoNodeEnv(desired)) setEnv(*container, name, value);
      if (mode->backend == "vxlan") {
        dropProbeFlag(*container, "livenessProbe", "-bird-live");
        dropProbeFlag(*container, "readinessProbe", "-bird-ready");
      }
    } else if (stringAt(object, KubeJson::json_pointer("/kind")) == "ConfigMap" &&
               stringAt(object, KubeJson::json_pointer("/metadata/name")) == kCalicoConfigMapName &&
               object.contains(KubeJson::json_pointer("/data/calico_backend"))) {
      object["data"]["calico_backend"] = mode->backend;
    }
  }
  return std::move(*objects);
}

}  // namespace

Result<std::vector<nlohmann::json>> calicoObjects(std::string_view manifestText,
                                                  const CalicoDesired& desired) {
  // The accessors above do not throw on values of unexpected types; this is the adapter's
  // guard all the same (STYLE.md: nlohmann's exceptions stop where it is called).
  try {
    return objectsFor(manifestText, desired);
  } catch (const nlohmann::json::exception& e) {
    return invalid(std::string("Calico manifest: ") + e.what());
  }
}

std::vector<std::string> checkCalico(const std::optional<nlohmann::json>& daemonSet,
                                     const std::optional<nlohmann::json>& defaultPool,
                                     const CalicoDesired& desired) {
  std::vector<std::string> out;
  auto mode = calicoModeSettings(desired.mode);
  if (!mode) {
    out.push_back("Calico: " + mode.error().message);
    return out;
  }
  if (!daemonSet) {
    out.push_back("DaemonSet " + std::string(kCalicoNamespace) +
                  "/calico-node not found (the Calico manifest is not applied)");
  } else if (const KubeJson* container = calicoNodeContainer(*daemonSet); !container) {
    out.push_back("DaemonSet calico-node has no calico-node container");
  } else {
    checkEnv(*container, desired, out);
    if (mode->backend == "vxlan") {
      const std::pair<const char*, const char*> birdChecks[] = {{"livenessProbe", "-bird-live"},
                                                                {"readinessProbe", "-bird-ready"}};
      for (const auto& [probe, flag] : birdChecks) {
        if (probeHasFlag(*container, probe, flag)) {
          out.push_back("DaemonSet calico-node: " + std::string(probe) + " checks " + flag +
                        ", but BIRD does not run with the vxlan backend");
        }
      }
    }
  }
  if (!defaultPool) {
    out.push_back("IPPool " + std::string(kCalicoDefaultPoolName) +
                  " not found (calico-node makes it at its first start; until then pods get "
                  "no address)");
  } else {
    checkPool(*defaultPool, desired, *mode, out);
  }
  return out;
}

}  // namespace piherd
