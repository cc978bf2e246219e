// `piherd status` output (docs/cli.md): what the controller last wrote to the state
// directory, one table per kind (Machines, VirtualIPs, Clusters), or one JSON document for
// scripts. Pure: rendering tests feed it snapshots.
#pragma once

#include <string>

#include "controller/store.h"

namespace piherd {

std::string renderStatusTables(const StatusSnapshot& snapshot);
// {"clusters": [...], "virtualIPs": [...], "machines": [...]}: the objects with their status.
std::string renderStatusJson(const StatusSnapshot& snapshot);

}  // namespace piherd
