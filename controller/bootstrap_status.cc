#include "controller/bootstrap_status.h"

#include "api/conditions.h"
#include "controller/machine_status.h"

namespace piherd {

ClusterStatus clusterStatusFrom(const ClusterStatus& previous, const std::vector<Machine>& machines,
                                const ClusterView& view, const std::string& now,
                                int64_t generation) {
  ClusterStatus s = previous;
  s.observedGeneration = generation;
  s.initialized = view.initialized;
  int cps = 0, cpReady = 0, etcd = 0, nodesReady = 0;
  for (const Machine& m : machines) {
    auto n = view.nodes.find(m.metadata.name);
    bool ready = n != view.nodes.end() && n->second.ready;
    nodesReady += ready;
    if (!m.isControlPlane()) continue;
    ++cps;
    cpReady += ready;
    auto e = view.etcdHealthy.find(m.metadata.name);
    etcd += e != view.etcdHealthy.end() && e->second;
  }
  s.controlPlaneReady = std::to_string(cpReady) + "/" + std::to_string(cps);
  s.etcdHealthy = std::to_string(etcd) + "/" + std::to_string(cps);
  const bool allReady = view.nodesKnown && cpReady == cps && etcd == cps &&
                        nodesReady == static_cast<int>(machines.size());
  const bool wasReady = previous.phase == kPhaseReady || previous.phase == kPhaseDegraded;
  if (!view.initialized) {
    s.phase = std::string(kPhaseBootstrapping);
  } else if (allReady) {
    s.phase = std::string(kPhaseReady);
  } else {
    s.phase = std::string(wasReady ? kPhaseDegraded : kPhaseBootstrapping);
  }
  setCondition(s.conditions, "Initialized", view.initialized ? kConditionTrue : kConditionFalse,
               view.initialized ? "Initialized" : "NotInitialized", "", now, generation);
  if (!view.nodesKnown) {
    setCondition(s.conditions, "ControlPlaneReady", kConditionUnknown, "APIUnreachable",
                 "the cluster's API did not answer", now, generation);
  } else {
    setCondition(s.conditions, "ControlPlaneReady",
                 cpReady == cps && etcd == cps ? kConditionTrue : kConditionFalse,
                 cpReady == cps && etcd == cps ? "AllReady" : "NotAllReady",
                 s.controlPlaneReady + " control planes Ready, " + s.etcdHealthy +
                     " etcd members healthy",
                 now, generation);
  }
  return s;
}

void applyNodeConditions(MachineStatus& status, const Machine& machine, const ClusterView& view,
                         const std::string& now, int64_t generation) {
  if (!view.nodesKnown) {
    std::string why = view.initialized ? "the cluster's API did not answer" : "no cluster yet";
    setCondition(status.conditions, kConditionJoined,
                 view.initialized ? kConditionUnknown : kConditionFalse,
                 view.initialized ? "APIUnreachable" : "NotInitialized", why, now, generation);
    setCondition(status.conditions, kConditionNodeReady,
                 view.initialized ? kConditionUnknown : kConditionFalse,
                 view.initialized ? "APIUnreachable" : "NotInitialized", why, now, generation);
  } else {
    auto n = view.nodes.find(machine.metadata.name);
    bool joined = n != view.nodes.end();
    bool ready = joined && n->second.ready;
    setCondition(status.conditions, kConditionJoined, joined ? kConditionTrue : kConditionFalse,
                 joined ? "NodeRegistered" : "NotJoined", "", now, generation);
    setCondition(status.conditions, kConditionNodeReady, ready ? kConditionTrue : kConditionFalse,
                 ready ? "KubeletReady" : joined ? "NodeNotReady" : "NotJoined", "", now,
                 generation);
    // Host facets converged (Ready) but not a Ready node: not joined yet, or a node that
    // stopped being Ready.
    if (!ready && status.phase == kPhaseReady) {
      status.phase = std::string(joined ? kPhaseDegraded : kPhaseJoining);
    }
  }
}

}  // namespace piherd
