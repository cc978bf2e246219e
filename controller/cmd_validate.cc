// `piherd validate -f PATH...` (docs/cli.md): reads, defaults and validates
// the manifests, touching no host. Exit 0 when valid (a one-line summary on stdout, warnings
// on stderr), 1 when not (every problem on stderr, one per line, then a count).
#include <iostream>
#include <string>

#include "api/manifest_set.h"
#include "controller/cli.h"

namespace piherd {
namespace {

std::string plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string summary(const LoadResult& result) {
  const ManifestSet& set = result.set;
  const Cluster& cluster = *set.cluster();
  std::string line =
      "valid: Cluster/" + cluster.metadata.name + " (Kubernetes " + cluster.spec.kubernetesVersion +
      ", endpoint " + cluster.spec.controlPlaneEndpoint +
      "): " + plural(set.controlPlanes().size(), "control plane") + ", " +
      plural(set.workers().size(), "worker") + ", " + plural(set.vips.size(), "VirtualIP") +
      " from " + plural(result.files.size(), "file");
  return line;
}

}  // namespace

int cmdValidate(const CliOptions& options) {
  LoadResult result = loadValidatedManifests(options.manifests);
  for (const auto& d : result.diagnostics) std::cerr << formatDiagnostic(d) << "\n";
  size_t errors = countErrors(result.diagnostics);
  size_t warnings = result.diagnostics.size() - errors;
  if (errors > 0) {
    std::cerr << "piherd validate: invalid: " << plural(errors, "error")
              << (warnings ? ", " + plural(warnings, "warning") : "") << "\n";
    return 1;
  }
  std::cout << summary(result) << "\n";
  return 0;
}

}  // namespace piherd
