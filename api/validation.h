// Validation of a defaulted ManifestSet: every rule of docs/api.md ("Validation"), each
// problem reported with its file, object and field path; warnings (an even number of control
// planes) do not make a set invalid. Pure: reads no file and touches no host.
#pragma once

#include <vector>

#include "api/diagnostic.h"
#include "api/manifest_set.h"

namespace piherd {

// All problems of the set. Call applyDefaults() first (loadValidatedManifests() does both).
std::vector<Diagnostic> validate(const ManifestSet& set);

// The rules of one object alone (field tables, formats, relations between its own fields).
void validateCluster(const Cluster& cluster, std::vector<Diagnostic>& out);
void validateMachine(const Machine& machine, std::vector<Diagnostic>& out);
void validateVirtualIP(const VirtualIP& vip, std::vector<Diagnostic>& out);

// The rules between objects: one Cluster, references, unique names and addresses, subnets,
// the control-plane endpoint, the number of control planes.
void validateRelations(const ManifestSet& set, std::vector<Diagnostic>& out);

}  // namespace piherd
