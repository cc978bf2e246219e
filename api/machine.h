// Machine: one host of the cluster, reached over SSH (docs/api.md), and what
// the controller observed of it in status. Plain data plus its field table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/cluster.h"
#include "api/conditions.h"
#include "api/diagnostic.h"
#include "api/field_schema.h"
#include "api/object_meta.h"

namespace piherd {

// Per-machine SSH overrides; anything unset comes from Cluster.spec.ssh.
struct MachineSsh {
  std::string user;
  std::optional<int> port;
  std::string privateKeyFile;
  std::string knownHostsFile;
  std::string hostKey;  // "ssh-ed25519 AAAA...": pins the host key; no trust on first use
  bool operator==(const MachineSsh&) const = default;
};

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule | PreferNoSchedule | NoExecute
  bool operator==(const Taint&) const = default;
};

struct MachineSpec {
  std::string cluster;  // the Cluster's metadata.name
  std::string role;     // control-plane | worker
  std::string address;  // IPv4
  MachineSsh ssh;
  std::map<std::string, std::string> labels;  // Node labels
  std::vector<Taint> taints;                  // Node taints
  bool allowReboot = false;  // may piherd reboot it (e.g. after a kernel command line change)
  bool operator==(const MachineSpec&) const = default;
};

struct MachineStatus {
  std::string phase;  // Pending | Provisioning | Joining | Ready | Degraded | Unreachable | Failed
  std::vector<Condition> conditions;
  int64_t observedGeneration = 0;
  std::string lastReconcileTime;  // RFC 3339
  bool operator==(const MachineStatus&) const = default;
};

struct Machine {
  std::string apiVersion = std::string(kApiVersion);
  std::string kind = std::string(kKindMachine);
  ObjectMeta metadata;
  MachineSpec spec;
  MachineStatus status;
  SourceRef source;  // where it was read from; not serialized
  bool operator==(const Machine&) const = default;

  bool isControlPlane() const { return spec.role == kRoleControlPlane; }
};

// ---- field tables -------------------------------------------------------------------------

template <class V, SameStruct<MachineSsh> S>
void visitFields(V& v, S& s) {
  v.field("user", s.user, {.format = StringFormat::kUserName, .description = "SSH user. Default: the Cluster's."});
  v.field("port", s.port,
          {.minimum = 1, .maximum = 65535, .description = "SSH port. Default: the Cluster's."});
  v.field("privateKeyFile", s.privateKeyFile,
          {.format = StringFormat::kFilePath, .description = "Private key file. Default: the Cluster's."});
  v.field("knownHostsFile", s.knownHostsFile,
          {.format = StringFormat::kFilePath, .description = "known_hosts file. Default: the Cluster's."});
  v.field("hostKey", s.hostKey,
          {.format = StringFormat::kSshPublicKey, .description = "The host's public key (\"ssh-ed25519 AAAA...\"); when set, only "
                          "this key is accepted."});
}

template <class V, SameStruct<Taint> S>
void visitFields(V& v, S& s) {
  v.field("key", s.key, {.required = true, .format = StringFormat::kLabelKey, .description = "Taint key."});
  v.field("value", s.value, {.format = StringFormat::kLabelValue, .description = "Taint value."});
  v.field("effect", s.effect,
          {.required = true,
           .enumValues = {"NoSchedule", "PreferNoSchedule", "NoExecute"},
           .description = "NoSchedule, PreferNoSchedule or NoExecute."});
}

template <class V, SameStruct<MachineSpec> S>
void visitFields(V& v, S& s) {
  v.field("cluster", s.cluster,
          {.required = true, .format = StringFormat::kClusterRef, .description = "Name of the Cluster this machine belongs to."});
  v.field("role", s.role,
          {.required = true,
           .enumValues = {"control-plane", "worker"},
           .description = "control-plane or worker."});
  v.field("address", s.address,
          {.required = true, .format = StringFormat::kIPv4Address, .description = "IPv4 address piherd reaches the host at."});
  v.field("ssh", s.ssh, {.description = "Overrides of the Cluster's SSH settings."});
  v.field("labels", s.labels, {.format = StringFormat::kLabelValue, .keyFormat = StringFormat::kLabelKey, .description = "Labels of the machine's Node."});
  v.field("taints", s.taints, {.description = "Taints of the machine's Node."});
  v.field("allowReboot", s.allowReboot,
          {.description = "Whether piherd may reboot the host when a change needs it. "
                          "Default false: the change is reported as reboot required."});
}

template <class V, SameStruct<MachineStatus> S>
void visitFields(V& v, S& s) {
  v.field("phase", s.phase,
          {.enumValues = {"Pending", "Provisioning", "Joining", "Ready", "Degraded", "Unreachable",
                          "Failed"},
           .description = "Pending, Provisioning, Joining, Ready, Degraded, Unreachable or "
                          "Failed."});
  v.field("conditions", s.conditions, {.description = "Latest observations per facet."});
  v.field("observedGeneration", s.observedGeneration,
          {.description = "metadata.generation the status was computed from."});
  v.field("lastReconcileTime", s.lastReconcileTime,
          {.description = "When the machine was last reconciled (RFC 3339)."});
}

template <class V, SameStruct<Machine> S>
void visitFields(V& v, S& s) {
  v.field("apiVersion", s.apiVersion, {.required = true});
  v.field("kind", s.kind, {.required = true});
  v.field("metadata", s.metadata, {.required = true});
  v.field("spec", s.spec, {.required = true, .description = "The machine as declared."});
  v.field("status", s.status, {.description = "Observed by the controller; never edit."});
}

// ---- effective values ---------------------------------------------------------------------

// How to reach a machine: its Machine.spec.ssh overrides merged over Cluster.spec.ssh, then
// over the built-in defaults. Paths are as written (a leading ~ is the controller user's
// home; relative paths are relative to the manifest, see resolveManifestPath()).
struct MachineSettings {
  std::string host;  // Machine.spec.address
  int port = 22;
  std::string user;
  std::string privateKeyFile;
  std::string knownHostsFile;
  std::string hostKey;  // "" = verify against knownHostsFile
  bool operator==(const MachineSettings&) const = default;
};
MachineSettings effectiveSsh(const Machine& machine, const Cluster& cluster);

}  // namespace piherd
