#include "reconcilers/bootstrap.h"

#include <algorithm>
#include <sstream>

namespace piherd {
namespace {

// Fixed: no value of piherd's reaches it. One line per fact that holds.
constexpr const char* kNodeFactsScript =
    "test -s /etc/kubernetes/kubelet.conf && echo kubelet-conf\n"
    "test -s /etc/kubernetes/admin.conf && echo admin-conf\n"
    "test -d /var/lib/etcd/member && echo etcd-data\n"
    "pgrep -x kubeadm >/dev/null 2>&1 && echo kubeadm-running\n"
    "exit 0\n";

bool hasEtcdOrKubeconfig(const NodeFacts& f) { return f.kubeletConf || f.adminConf || f.etcdData; }

// Nodes no Machine declares: removal steps with prune (workers first, then control planes
// while etcd keeps its quorum), notes without.
void planRemovals(const BootstrapInput& in, BootstrapPlan& plan) {
  if (!in.nodesKnown) return;
  std::set<std::string> declared;
  for (const Machine* m : in.machines) declared.insert(m->metadata.name);
  std::vector<ClusterNode> orphans;
  int controlPlanes = 0, readyControlPlanes = 0;
  for (const ClusterNode& n : in.nodes) {
    if (n.controlPlane) {
      ++controlPlanes;
      readyControlPlanes += n.ready;
    }
    if (!declared.count(n.name)) orphans.push_back(n);
  }
  std::stable_sort(orphans.begin(), orphans.end(), [](const ClusterNode& a, const ClusterNode& b) {
    return a.controlPlane < b.controlPlane;
  });
  for (const ClusterNode& n : orphans) {
    if (!in.prune) {
      plan.notes.push_back("node " + n.name + " is in the cluster but no Machine declares it: " +
                           "`piherd apply --prune` drains, deletes and resets it");
      continue;
    }
    if (n.controlPlane) {
      // etcd changes membership only with a quorum of today's members, and must keep one.
      int remaining = controlPlanes - 1;
      int readyRemaining = readyControlPlanes - (n.ready ? 1 : 0);
      if (remaining < 1 || readyControlPlanes < controlPlanes / 2 + 1 ||
          readyRemaining < remaining / 2 + 1) {
        plan.notes.push_back("control plane " + n.name + " is not removed: with " +
                             std::to_string(readyControlPlanes) + " of " +
                             std::to_string(controlPlanes) +
                             " control planes Ready, removing it would break etcd's quorum");
        continue;
      }
      controlPlanes = remaining;
      readyControlPlanes = readyRemaining;
    }
    plan.steps.push_back({.kind = BootstrapStepKind::kRemove,
                          .machine = n.name,
                          .controlPlane = n.controlPlane,
                          .reason = "no Machine declares it",
                          .address = n.address});
  }
}

}  // namespace

std::vector<std::string> nodeFactsCommand() { return {"sh", "-c", kNodeFactsScript}; }

NodeFacts parseNodeFacts(const CommandResult& result) {
  NodeFacts f;
  if (!result.ok()) {
    f.error = "kubeadm state not observed (exit " + std::to_string(result.exitStatus) + ")";
    return f;
  }
  f.observed = true;
  std::istringstream in(result.out);
  for (std::string line; std::getline(in, line);) {
    if (line == "kubelet-conf") f.kubeletConf = true;
    else if (line == "admin-conf") f.adminConf = true;
    else if (line == "etcd-data") f.etcdData = true;
    else if (line == "kubeadm-running") f.kubeadmRunning = true;
  }
  return f;
}

std::string_view bootstrapStepKindName(BootstrapStepKind kind) {
  switch (kind) {
    case BootstrapStepKind::kInit: return "init";
    case BootstrapStepKind::kCalico: return "calico";
    case BootstrapStepKind::kJoin: return "join";
    case BootstrapStepKind::kRemove: return "remove";
  }
  return "?";
}

Result<BootstrapPlan> planBootstrap(const BootstrapInput& in) {
  std::vector<const Machine*> cps, workers;
  for (const Machine* m : in.machines) (m->isControlPlane() ? cps : workers).push_back(m);
  auto byName = [](const Machine* a, const Machine* b) {
    return a->metadata.name < b->metadata.name;
  };
  std::sort(cps.begin(), cps.end(), byName);
  std::sort(workers.begin(), workers.end(), byName);
  if (cps.empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "no control-plane Machine: kubeadm init needs one (spec.role: control-plane)");
  }
  BootstrapPlan plan;
  plan.initMachine = cps.front()->metadata.name;  // initControlPlane()'s rule

  auto factsOf = [&](const std::string& name) -> const NodeFacts* {
    auto it = in.facts.find(name);
    return it == in.facts.end() || !it->second.observed ? nullptr : &it->second;
  };
  auto ready = [&](const std::string& name) { return in.hostsReady.count(name) > 0; };

  // Initialized: some control plane holds admin.conf, kubelet.conf or etcd data, or some
  // worker has joined. A host that did not answer may be the only one that knows: then
  // nothing is decided (an init beside a live cluster would split it).
  bool unknown = false;
  for (const Machine* m : in.machines) {
    const NodeFacts* f = factsOf(m->metadata.name);
    if (!f) {
      unknown = true;
      continue;
    }
    if (m->isControlPlane() ? hasEtcdOrKubeconfig(*f) : f->kubeletConf) plan.initialized = true;
  }
  if (!plan.initialized) {
    if (unknown) {
      for (const Machine* m : in.machines) {
        if (!factsOf(m->metadata.name)) {
          plan.notes.push_back("kubeadm init waits: " + m->metadata.name +
                               " was not observed, and it may hold an initialized cluster");
        }
        plan.waiting.push_back(m->metadata.name);
      }
      return plan;
    }
    if (!ready(plan.initMachine)) {
      plan.notes.push_back("kubeadm init waits for " + plan.initMachine +
                           " (the init control plane) to converge its host facets");
      for (const Machine* m : in.machines) plan.waiting.push_back(m->metadata.name);
      return plan;
    }
    plan.steps.push_back({.kind = BootstrapStepKind::kInit,
                          .machine = plan.initMachine,
                          .controlPlane = true,
                          .reason = "no host shows an initialized cluster"});
  }

  if (in.calicoConfigured) {
    if (!plan.initialized) {
      plan.steps.push_back({.kind = BootstrapStepKind::kCalico, .reason = "after init"});
    } else if (!in.calicoKnown) {
      plan.notes.push_back("Calico not checked: the cluster's API did not answer");
    } else {
      for (const auto& l : in.calicoNotes) plan.notes.push_back("Calico: " + l);
      if (!in.calicoMismatches.empty()) {
        std::string why;
        for (const auto& l : in.calicoMismatches) why += (why.empty() ? "" : "; ") + l;
        plan.steps.push_back({.kind = BootstrapStepKind::kCalico, .reason = why});
      }
    }
  }

  // Joins: the interrupted one first, then control planes, then workers.
  std::vector<const Machine*> order;
  for (const Machine* m : cps) {
    if (m->metadata.name == in.joinLockHolder) order.insert(order.begin(), m);
    else order.push_back(m);
  }
  for (const Machine* m : workers) {
    if (m->metadata.name == in.joinLockHolder) order.insert(order.begin(), m);
    else order.push_back(m);
  }
  for (const Machine* m : order) {
    const std::string& name = m->metadata.name;
    if (!plan.initialized && name == plan.initMachine) continue;  // init makes it a node
    const NodeFacts* f = factsOf(name);
    if (f && f->kubeletConf) {
      if (name == in.joinLockHolder) {
        plan.steps.push_back({.kind = BootstrapStepKind::kJoin,
                              .machine = name,
                              .controlPlane = m->isControlPlane(),
                              .waitOnly = true,
                              .reason = "its join was interrupted after kubeadm finished"});
      }
      continue;
    }
    if (!f) {
      plan.notes.push_back("join of " + name + " waits: the host was not observed");
      plan.waiting.push_back(name);
      continue;
    }
    if (!ready(name)) {
      plan.notes.push_back("join of " + name + " waits for its host facets to converge");
      plan.waiting.push_back(name);
      continue;
    }
    BootstrapStep s{.kind = BootstrapStepKind::kJoin,
                    .machine = name,
                    .controlPlane = m->isControlPlane(),
                    .reason = "not joined"};
    if (f->etcdData || f->adminConf || f->kubeadmRunning || name == in.joinLockHolder) {
      s.reset = true;
      s.reason = name == in.joinLockHolder ? "its join was interrupted" : "a half-done join";
    }
    plan.steps.push_back(std::move(s));
  }
  planRemovals(in, plan);
  return plan;
}

std::string describeStep(const BootstrapStep& s) {
  switch (s.kind) {
    case BootstrapStepKind::kInit:
      return "kubeadm init on " + s.machine + " (" + s.reason + ")";
    case BootstrapStepKind::kCalico:
      return "apply Calico (" + s.reason + ")";
    case BootstrapStepKind::kJoin:
      if (s.waitOnly) return "wait for " + s.machine + " to be Ready (" + s.reason + ")";
      return std::string(s.reset ? "kubeadm reset -f, then " : "") + "kubeadm join of " +
             s.machine + (s.controlPlane ? " as a control plane" : " as a worker") + " (" +
             s.reason + "; one join at a time)";
    case BootstrapStepKind::kRemove:
      return "remove " + s.machine + ": drain, delete the node" +
             (s.controlPlane ? ", remove its etcd member" : "") + ", kubeadm reset -f on " +
             (s.address.empty() ? "its host" : s.address) + " (" + s.reason + ")";
  }
  return "?";
}

}  // namespace piherd
