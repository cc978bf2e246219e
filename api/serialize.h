// Writes API objects back as JSON or YAML, in field-table order with unset fields left out
// (so a parsed manifest prints back in its own shape). Parsing is in manifest_set.h.
// Source locations are not written.
#pragma once

#include <string>

#include "api/cluster.h"
#include "api/json.h"
#include "api/machine.h"
#include "api/manifest_set.h"
#include "api/virtual_ip.h"

namespace piherd {

Json toJsonValue(const Cluster& object);
Json toJsonValue(const Machine& object);
Json toJsonValue(const VirtualIP& object);

// Pretty-printed JSON (2-space indent), ending in a newline.
std::string toJson(const Cluster& object);
std::string toJson(const Machine& object);
std::string toJson(const VirtualIP& object);
// A Kubernetes List (apiVersion v1, kind List) of the Cluster, Machines and VirtualIPs.
std::string toJson(const ManifestSet& set);

// One YAML document, ending in a newline.
std::string toYaml(const Cluster& object);
std::string toYaml(const Machine& object);
std::string toYaml(const VirtualIP& object);
// Every object as one multi-document YAML stream (Clusters, then Machines, then VirtualIPs).
std::string toYaml(const ManifestSet& set);

}  // namespace piherd
