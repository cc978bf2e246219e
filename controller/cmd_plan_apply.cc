// `piherd plan` and `piherd apply` (docs/cli.md). Both load and validate the
// manifests first: an invalid set touches no host. plan observes every host and prints what
// would change (exit 0 nothing, 2 pending, 1 error); apply converges every host in parallel
// with live progress and a summary (exit 0 only when every machine converged).
#include <iostream>
#include <mutex>
#include <set>

#include "api/manifest_set.h"
#include "controller/bootstrap_runner.h"
#include "controller/cli.h"
#include "controller/desired_state.h"
#include "controller/file_store.h"
#include "controller/host_runner.h"
#include "controller/machine_status.h"
#include "controller/vip_status.h"
#include "controller/pki_setup.h"
#include "controller/vip_report.h"
#include "platform/transport_pool.h"

namespace piherd {
namespace {

struct Prepared {
  ManifestSet set;
  std::vector<HostTarget> hosts;
  std::unique_ptr<TransportPool> pool;
  std::unique_ptr<BootstrapRunner> bootstrap;  // null with --hosts-only
};

// Loads, validates and resolves everything; prints the problems and returns nullopt when the
// manifests cannot be used.
std::optional<Prepared> prepare(const CliOptions& o, ReconcileMode mode) {
  LoadResult loaded = loadValidatedManifests(o.manifests);
  for (const auto& d : loaded.diagnostics) std::cerr << formatDiagnostic(d) << "\n";
  if (!loaded.ok()) {
    std::cerr << "piherd " << o.command << ": the manifests are invalid; no host was touched\n";
    return std::nullopt;
  }
  auto targets = buildMachineTargets(loaded.set, o);
  if (!targets) {
    std::cerr << "piherd " << o.command << ": " << targets.error().message << "\n";
    return std::nullopt;
  }
  Prepared p;
  p.set = loaded.set;
  p.pool = std::make_unique<TransportPool>(
      TransportPool::Options{.maxConcurrent = static_cast<size_t>(o.parallel)});
  for (auto& t : *targets) {
    p.hosts.push_back({.desired = std::move(t.desired),
                       .address = t.ssh.address,
                       .transport = p.pool->get(t.ssh)});
  }
  if (auto s = attachClusterPki(p.hosts, loaded.set, stateDirFor(o), mode); !s) {
    std::cerr << "piherd " << o.command << ": certificates: " << s.error().message << "\n";
    return std::nullopt;
  }
  if (!o.hostsOnly) {
    // The host of a node no Machine declares (--prune): reached like a Machine of the
    // Cluster at the node's address, with the same SSH settings and host-key checks.
    TransportPool* pool = p.pool.get();
    HostConnector connector = [pool, set = p.set, o](const std::string& name,
                                                     const std::string& address)
        -> Result<std::shared_ptr<Transport>> {
      Machine m;
      m.metadata.name = name;
      m.spec.cluster = set.cluster()->metadata.name;
      m.spec.role = std::string(kRoleWorker);
      m.spec.address = address;
      ManifestSet one{.clusters = set.clusters, .machines = {m}, .vips = {}};
      auto targets = buildMachineTargets(one, o);
      if (!targets) return tl::unexpected(targets.error());
      return pool->get(targets->front().ssh);
    };
    auto b = BootstrapRunner::prepare(p.set, p.hosts, stateDirFor(o), connector);
    if (!b) {
      std::cerr << "piherd " << o.command << ": bootstrap: " << b.error().message
                << "\n(no host was touched; --hosts-only prepares the hosts without it)\n";
      return std::nullopt;
    }
    p.bootstrap = std::move(*b);
  }
  return p;
}

// Every VirtualIP's status after the pass (docs/vip.md): to the state dir and stdout.
void reportVirtualIPs(const CliOptions& o, const Prepared& p,
                      const std::vector<HostOutcome>& outcomes) {
  if (p.set.vips.empty()) return;
  TlsVipProber prober;
  std::string errors;
  auto vips = reportVips(p.set, outcomes, prober, stateDirFor(o), &errors);
  std::cout << "\n" << renderVipStatus(vips);
  if (!errors.empty()) std::cerr << errors;
}

// The Cluster's and every Machine's status after the bootstrap (docs/api.md), to the state
// directory: the host facets' conditions (as `piherd run` writes them) plus Joined and
// NodeReady, and the Cluster's initialized, controlPlaneReady and etcdHealthy.
void writeClusterStatus(const CliOptions& o, const Prepared& p,
                        const std::vector<HostOutcome>& outcomes, const BootstrapReport& report) {
  FileStore store({.stateDir = stateDirFor(o)});
  auto prior = store.readStatus();
  const std::string now = rfc3339Now();
  std::string errors;
  for (const HostOutcome& outcome : outcomes) {
    const Machine* spec = p.set.findMachine(outcome.machine);
    if (!spec) continue;
    Machine m = *spec;
    MachineStatus previous;
    if (prior) {
      if (auto it = prior->machines.find(m.metadata.name); it != prior->machines.end()) {
        previous = it->second.status;
      }
    }
    m.status = machineStatusFrom(previous, outcome, now, m.metadata.generation);
    applyNodeConditions(m.status, m, report.view, now, m.metadata.generation);
    if (auto s = store.updateStatus(m); !s) errors += s.error().message + "\n";
  }
  if (const Cluster* spec = p.set.cluster()) {
    Cluster c = *spec;
    ClusterStatus previous;
    if (prior) {
      if (auto it = prior->clusters.find(c.metadata.name); it != prior->clusters.end()) {
        previous = it->second.status;
      }
    }
    c.status = clusterStatusFrom(previous, p.set.machines, report.view, now, c.metadata.generation);
    if (auto s = store.updateStatus(c); !s) errors += s.error().message + "\n";
    std::cout << "Cluster " << c.metadata.name << ": " << c.status.phase << ", initialized "
              << (c.status.initialized.value_or(false) ? "yes" : "no") << ", control planes Ready "
              << c.status.controlPlaneReady << ", etcd healthy " << c.status.etcdHealthy << "\n";
  }
  if (!errors.empty()) std::cerr << errors;
}

}  // namespace

int cmdPlan(const CliOptions& o) {
  auto p = prepare(o, ReconcileMode::kPlan);
  if (!p) return 1;
  HostReconciler reconciler(HostReconciler::defaultFacets());
  auto outcomes = reconcileHosts(p->hosts, reconciler, ReconcileMode::kPlan, o.parallel, nullptr);
  std::cout << renderPlan(p->hosts, outcomes);
  reportVirtualIPs(o, *p, outcomes);
  size_t pending = 0, failed = 0;
  for (const auto& h : outcomes) {
    pending += h.changesPending();
    failed += !h.error.empty();
  }
  bool bootstrapPending = false;
  if (p->bootstrap) {
    std::set<std::string> observed;
    for (const auto& h : outcomes) {
      if (h.error.empty()) observed.insert(h.machine);
    }
    auto report = p->bootstrap->run(ReconcileMode::kPlan, observed, nullptr, o.prune);
    std::cout << "\n" << renderBootstrap(report, ReconcileMode::kPlan);
    bootstrapPending = report.changesPending();
    failed += !report.error.empty();
  }
  std::cout << "\nPlan: " << outcomes.size() << " machines, " << pending
            << " with changes pending, " << failed << " not observed"
            << (p->bootstrap ? bootstrapPending ? "; bootstrap pending" : "; bootstrap done" : "")
            << ".\n";
  pending += bootstrapPending;
  if (failed > 0) return 1;
  return pending > 0 ? 2 : 0;
}

int cmdApply(const CliOptions& o) {
  auto p = prepare(o, ReconcileMode::kApply);
  if (!p) return 1;
  std::mutex outMutex;
  ProgressFn progress = [&](const std::string& machine, const std::string& facet,
                            const std::string& message) {
    std::lock_guard<std::mutex> lock(outMutex);
    std::cout << "[" << machine << "] " << (facet.empty() ? "" : facet + ": ") << message
              << std::endl;
  };
  // One control plane's keepalived at a time (the controller's budget will replace this).
  HostReconciler reconciler(HostReconciler::defaultFacets(), 3, std::make_shared<OneHostAtATime>());
  auto outcomes = reconcileHosts(p->hosts, reconciler, ReconcileMode::kApply, o.parallel, progress);
  std::cout << "\n" << renderSummary(p->hosts, outcomes);
  reportVirtualIPs(o, *p, outcomes);
  size_t converged = 0;
  std::set<std::string> ready;
  for (const auto& h : outcomes) {
    converged += h.converged();
    if (h.converged()) ready.insert(h.machine);
  }
  bool bootstrapOk = true;
  if (p->bootstrap) {
    auto report = p->bootstrap->run(ReconcileMode::kApply, ready, progress, o.prune);
    std::cout << "\n" << renderBootstrap(report, ReconcileMode::kApply);
    writeClusterStatus(o, *p, outcomes, report);
    bootstrapOk = report.converged();
  }
  std::cout << "\nApply: " << converged << "/" << outcomes.size() << " machines converged"
            << (p->bootstrap ? bootstrapOk ? "; bootstrap done" : "; bootstrap NOT done" : "")
            << ".\n";
  return converged == outcomes.size() && bootstrapOk ? 0 : 1;
}

}  // namespace piherd
