// Bootstrap: where hosts become a cluster (docs/bootstrap.md). Unlike the host facets, it is
// a cluster-wide sequence: `kubeadm init` once on the init control plane, Calico after init,
// then `kubeadm join` strictly one host at a time, control planes first. This header holds
// its pure parts: what one host says about its kubeadm state (one command, parsed), and the
// plan made from every host's answer. controller/bootstrap_runner.h carries the plan out.
//
// Whether the cluster is initialized is learned from the hosts on every run (admin.conf,
// kubelet.conf, etcd data), never remembered: the controller may have restarted, or the
// cluster may predate piherd.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/machine.h"
#include "platform/transport.h"

namespace piherd {

// Files kubeadm leaves on a host (kubeadm's own paths).
inline constexpr const char* kKubeletKubeconfig = "/etc/kubernetes/kubelet.conf";
inline constexpr const char* kAdminKubeconfig = "/etc/kubernetes/admin.conf";
inline constexpr const char* kEtcdMemberDir = "/var/lib/etcd/member";
// Where piherd puts kubeadm's config files on a host while kubeadm runs (0700, root).
inline constexpr const char* kKubeadmConfigDir = "/etc/kubernetes/piherd";

// What one host says about kubeadm. `observed` false: the host did not answer (`error`).
struct NodeFacts {
  bool observed = false;
  std::string error;
  bool kubeletConf = false;     // kubelet.conf: the host was initialized or has joined
  bool adminConf = false;       // admin.conf: an initialized or joined control plane
  bool etcdData = false;        // /var/lib/etcd/member: an etcd member's data
  bool kubeadmRunning = false;  // a kubeadm process is running (an interrupted run's join)
  bool operator==(const NodeFacts&) const = default;
};

// The one command that observes a host's kubeadm state (fixed script, no input), and its
// parse. Unknown lines are ignored; a non-zero exit is an observation error.
std::vector<std::string> nodeFactsCommand();
NodeFacts parseNodeFacts(const CommandResult& result);

enum class BootstrapStepKind {
  kInit,    // kubeadm init on the init control plane
  kCalico,  // server-side apply of the Calico manifest
  kJoin,    // kubeadm join of one machine (a reset first when `reset`)
  kRemove,  // a node no Machine declares: drain, delete, remove its etcd member, reset
};
std::string_view bootstrapStepKindName(BootstrapStepKind kind);

struct BootstrapStep {
  BootstrapStepKind kind = BootstrapStepKind::kJoin;
  std::string machine;  // kInit, kJoin
  bool controlPlane = false;
  // kJoin: the host shows a half-done join (etcd data or a kubeadm run left by an
  // interrupted piherd, without kubelet.conf): `kubeadm reset -f` runs first. Never set for a
  // host with kubelet.conf: a joined node is never reset.
  bool reset = false;
  // kJoin: the join lock's holder has kubelet.conf (an interrupted run's kubeadm finished):
  // nothing runs on it, piherd waits until its Node is Ready (and etcd member healthy).
  bool waitOnly = false;
  std::string reason;   // why: "not initialized", "not joined", "DaemonSet ... differs"
  std::string address;  // kRemove: the node's InternalIP, where its host is reset
  bool operator==(const BootstrapStep&) const = default;
};

// A Node of the cluster (from the API).
struct ClusterNode {
  std::string name;
  std::string address;  // InternalIP
  bool controlPlane = false;  // the node-role.kubernetes.io/control-plane label
  bool ready = false;
};

struct BootstrapInput {
  std::vector<const Machine*> machines;      // every Machine of the cluster
  std::map<std::string, NodeFacts> facts;    // by Machine name; missing = not observed
  // Hosts whose facets are converged (apply) or will be once the plan is applied (plan):
  // only those are initialized or joined.
  std::set<std::string> hostsReady;
  // Calico: whether a manifest is configured, and what the live cluster shows (empty: as
  // wanted; unknown when the cluster is not initialized or its API did not answer).
  bool calicoConfigured = false;
  bool calicoKnown = false;
  std::vector<std::string> calicoMismatches;  // DaemonSet lines (checkCalico): re-applied
  std::vector<std::string> calicoNotes;       // IPPool lines: reported, never "fixed"
  // The machine that held the join lock when the last run ended (state directory): its
  // join was interrupted. "" when the lock is free.
  std::string joinLockHolder;
  // The cluster's Nodes, when its API answered (nodesKnown): nodes no Machine declares are
  // removed with `prune` (apply --prune), and only shown otherwise.
  bool nodesKnown = false;
  std::vector<ClusterNode> nodes;
  bool prune = false;
};

struct BootstrapPlan {
  bool initialized = false;
  std::string initMachine;  // the init control plane (docs/bootstrap.md)
  std::vector<BootstrapStep> steps;
  // Why something does not happen yet (a host not ready, unreachable, the API down).
  std::vector<std::string> notes;
  // Machines that are not nodes and get no step in this plan (waiting, unobserved).
  std::vector<std::string> waiting;
  bool empty() const { return steps.empty(); }
};

// The plan: init when no host shows an initialized cluster; Calico when configured and
// (after init, or) not as wanted; then a join for every machine without kubelet.conf, the
// interrupted one first, then control planes by name, then workers by name; then, with
// `prune`, the removal of every node no Machine declares, workers first. A control plane is
// removed only while etcd keeps its quorum: the Ready control planes, it included, are a
// majority of today's, and those that remain are a majority of what remains. Without
// `prune` those nodes are notes. Pure.
// InvalidArgument when there is no control plane.
Result<BootstrapPlan> planBootstrap(const BootstrapInput& input);

// One line per step for plan output and progress ("kubeadm init on cp1 (not initialized)").
std::string describeStep(const BootstrapStep& step);

}  // namespace piherd
