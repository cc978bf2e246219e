// A set of manifests: the one Cluster, its Machines and VirtualIPs, read from files (YAML,
// multi-document, or JSON) or directories of them. Loading collects every problem as a
// Diagnostic instead of stopping at the first, so `piherd validate` can print them all.
//
//   LoadResult r = loadValidatedManifests({"examples/seed-8pi"});
//   if (!r.ok()) { for (auto& d : r.diagnostics) print(formatDiagnostic(d)); }
//   const Cluster& cluster = *r.set.cluster();
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/cluster.h"
#include "api/diagnostic.h"
#include "api/json.h"
#include "api/machine.h"
#include "api/virtual_ip.h"

namespace piherd {

struct ManifestSet {
  std::vector<Cluster> clusters;  // a valid set holds exactly one
  std::vector<Machine> machines;
  std::vector<VirtualIP> vips;

  // The Cluster (the first when invalid sets hold several); nullptr when there is none.
  const Cluster* cluster() const { return clusters.empty() ? nullptr : &clusters.front(); }
  const Machine* findMachine(std::string_view name) const;
  const VirtualIP* findVirtualIP(std::string_view name) const;
  // The VirtualIP whose address is the Cluster's controlPlaneEndpoint host; nullptr if none.
  const VirtualIP* apiServerVip() const;
  std::vector<const Machine*> controlPlanes() const;
  std::vector<const Machine*> workers() const;

  bool operator==(const ManifestSet&) const = default;
};

struct LoadResult {
  ManifestSet set;
  std::vector<Diagnostic> diagnostics;  // errors and warnings
  std::vector<std::string> files;       // the manifest files read, in order

  bool ok() const { return !hasErrors(diagnostics); }
};

// The largest manifest file read (each file; a set of dozens of machines is a few KiB).
inline constexpr size_t kMaxManifestBytes = 4 * 1024 * 1024;

// Reads and parses: each PATH is a file or a directory, whose *.yaml, *.yml and *.json files
// (not hidden ones, not in subdirectories) are read in name order. A file named twice is read
// once. No defaulting, no validation beyond the syntax and types of the documents.
LoadResult loadManifests(const std::vector<std::string>& paths);

// loadManifests(), then applyDefaults() and validate() (see defaultAndValidate()).
LoadResult loadValidatedManifests(const std::vector<std::string>& paths);

// Defaults the set, validates it, and adds the validation diagnostics to the parse ones:
// problems at a field that already failed to parse are not reported twice; diagnostics are
// ordered by file (in reading order) and document, set-wide ones last.
void defaultAndValidate(LoadResult& result);

// Parses manifest text as if read from `file` (its extension picks JSON for ".json", YAML
// otherwise) and adds its objects and diagnostics to `into`.
void parseManifestText(std::string_view text, const std::string& file, LoadResult& into);

// Adds one parsed document (an object; a List of objects; an array of objects) to `into`.
void addDocument(const Json& document, const SourceRef& source, LoadResult& into);

// A path written in a manifest, resolved against the manifest's directory when relative
// ("keys/pi" in /etc/piherd/cluster.yaml is /etc/piherd/keys/pi). Empty values, absolute
// paths, ~-paths and URLs are returned as written.
std::string resolveManifestPath(const SourceRef& source, std::string_view path);

}  // namespace piherd
