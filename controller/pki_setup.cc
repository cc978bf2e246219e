#include "controller/pki_setup.h"

#include "controller/cluster_pki.h"

namespace piherd {

Status attachClusterPki(std::vector<HostTarget>& hosts, const ManifestSet& set,
                        const std::string& stateDir, ReconcileMode mode, pki::WallClock clock) {
  const Cluster* cluster = set.cluster();
  if (cluster == nullptr) return makeError(ErrorCode::kInvalidArgument, "no Cluster");
  std::vector<ControlPlaneRef> controlPlanes;
  for (const Machine* m : set.controlPlanes()) {
    controlPlanes.push_back({m->metadata.name, m->spec.address});
  }
  auto transportFor = [&](const std::string& machine) -> Transport* {
    for (auto& h : hosts) {
      if (h.desired.machine == machine) return h.transport.get();
    }
    return nullptr;
  };
  // One command per control plane: which of the files an initialized cluster leaves exist.
  InitializedProbe probe = [&](const ControlPlaneRef& cp) -> Result<std::optional<std::string>> {
    Transport* t = transportFor(cp.name);
    if (t == nullptr) return makeError(ErrorCode::kInternal, "no transport for " + cp.name);
    std::vector<std::string> argv = {"sh", "-c", "for f; do [ -e \"$f\" ] && echo \"$f\"; done; true",
                                     "piherd-probe"};
    for (const auto& f : initializedClusterEvidence()) argv.push_back(f);
    auto r = t->run(argv);
    if (!r) return tl::unexpected(r.error());
    if (!r->ok()) return makeError(ErrorCode::kInternal, "probe exit " + std::to_string(r->exitStatus));
    if (r->out.empty()) return std::optional<std::string>{};
    std::string first = r->out.substr(0, r->out.find('\n'));
    return std::optional<std::string>(first + " exists");
  };
  FilePkiStore store(stateDir);
  auto pki = prepareClusterPki(store, *cluster, controlPlanes, probe,
                               {.save = mode == ReconcileMode::kApply, .clock = std::move(clock)});
  if (!pki) return tl::unexpected(pki.error());
  for (auto& h : hosts) {
    auto it = pki->byMachine.find(h.desired.machine);
    if (it != pki->byMachine.end()) h.desired.certificates = it->second;
  }
  return okStatus();
}

}  // namespace piherd
