// The cluster's status from what the bootstrap sees after a run (docs/api.md, the status
// contract): the Cluster's phase, `initialized`, `controlPlaneReady` ("2/3") and
// `etcdHealthy` ("3/3"), and each Machine's Joined and NodeReady conditions (its phase
// becomes Joining while its host is prepared but it is not a Ready node yet). Pure:
// table-tested; `piherd apply` writes the result to the state directory.
#pragma once

#include <map>
#include <string>

#include "api/cluster.h"
#include "api/machine.h"
#include "reconcilers/bootstrap.h"

namespace piherd {

// What a run found, by Machine name.
struct ClusterView {
  bool initialized = false;
  bool nodesKnown = false;                     // the API answered with the Node list
  std::map<std::string, ClusterNode> nodes;    // every Node, by name
  std::map<std::string, bool> etcdHealthy;     // control planes whose etcd was asked
};

ClusterStatus clusterStatusFrom(const ClusterStatus& previous, const std::vector<Machine>& machines,
                                const ClusterView& view, const std::string& now,
                                int64_t generation);

// Sets Joined and NodeReady on `status` (a Machine's, already holding its host facets'
// conditions) and moves a Ready machine that is not a Ready node to Joining. Without a Node
// list (the API did not answer) both are Unknown.
void applyNodeConditions(MachineStatus& status, const Machine& machine, const ClusterView& view,
                         const std::string& now, int64_t generation);

}  // namespace piherd
