// `piherd run` and `piherd status` (docs/cli.md, docs/controller.md).
//
// run: takes the state directory's lock, serves /metrics, /healthz, /readyz, starts the
// Manager over the file store, and waits for SIGTERM or SIGINT; then stops taking work, lets
// the action in flight finish, closes the SSH sessions and exits 0. Exit codes: 0 stopped by
// a signal, 1 could not start (invalid manifests, unreadable files, a flag), 3 another
// `piherd run` holds the state directory, 4 the metrics address cannot be bound.
//
// status: reads what the controller last wrote; machines declared but never reconciled show
// as Pending.
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <iostream>

#include "controller/cli.h"
#include "controller/cluster_observer.h"
#include "controller/file_store.h"
#include "controller/manager.h"
#include "controller/metrics_server.h"
#include "controller/status_render.h"
#include "platform/log.h"

namespace piherd {
int cmdRun(const CliOptions& o) {
  if (!o.kubeconfig.empty()) {
    std::cerr << "piherd run: the Kubernetes store (--kubeconfig) is not available in this "
                 "version yet; run without it to use the manifest files\n";
    return kExitRunStartFailed;
  }
  // Signals are taken by sigwait() below, so every thread started from here on blocks them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const std::string stateDir = stateDirFor(o);
  auto lock = StateDirLock::acquire(stateDir);
  if (!lock) {
    std::cerr << "piherd run: " << lock.error().message << "\n";
    return lock.error().code == ErrorCode::kFailedPrecondition &&
                   lock.error().message.find("another piherd run") != std::string::npos
               ? kExitRunStateDirLocked
               : kExitRunStartFailed;
  }
  FileStore store({.manifests = o.manifests, .stateDir = stateDir});
  Metrics metrics;
  SystemClock clock;
  std::vector<std::shared_ptr<ClusterObserver>> observers;
  for (const auto& factory : clusterObserverFactories()) observers.push_back(factory(metrics.registry()));
  Manager manager({.cli = o,
                   .resync = std::chrono::seconds(o.resyncSeconds),
                   .workers = o.parallel,
                   .stateDir = stateDir},
                  store, metrics, clock, HostReconciler::defaultFacets(), std::move(observers));
  MetricsServer server(metrics, [&manager](std::string& why) { return manager.ready(why); });
  if (auto s = server.start(o.metricsAddr); !s) {
    std::cerr << "piherd run: " << s.error().message << "\n";
    return kExitRunMetricsAddr;
  }
  auto hp = parseHostPort(o.metricsAddr);
  std::string served = hp->first + ":" + std::to_string(server.port());
  // Where this controller serves, for `piherd status` and for tests that asked for port 0.
  nlohmann::json run = {{"pid", getpid()}, {"metricsAddr", served}, {"startedAt", rfc3339(clock.wallNow())}};
  if (auto s = writeFileAtomically(stateDir + "/run.json", run.dump(2) + "\n"); !s) {
    log::warn("cannot write run.json", {{"error", s.error().message}});
  }
  log::info("serving metrics", {{"addr", served}, {"stateDir", stateDir}});
  if (auto s = manager.start(); !s) {
    std::cerr << "piherd run: " << s.error().message << "\n";
    server.stop();
    return kExitRunStartFailed;
  }
  int sig = 0;
  sigwait(&signals, &sig);
  log::info("stopping: finishing the action in flight", {{"signal", strsignal(sig)}});
  manager.stop();
  server.stop();
  return kExitOk;
}

int cmdStatus(const CliOptions& o) {
  FileStore store({.manifests = o.manifests, .stateDir = stateDirFor(o)});
  auto snapshot = store.readStatus();
  if (!snapshot) {
    std::cerr << "piherd status: " << snapshot.error().message << "\n";
    return 1;
  }
  // Declared machines the controller has not written yet are Pending.
  LoadResult declared = loadValidatedManifests(o.manifests);
  if (declared.ok()) {
    for (const auto& m : declared.set.machines) {
      if (snapshot->machines.contains(m.metadata.name)) continue;
      Machine pending = m;
      pending.status.phase = std::string(kPhasePending);
      snapshot->machines[m.metadata.name] = pending;
    }
  }
  std::cout << (o.output == "json" ? renderStatusJson(*snapshot) : renderStatusTables(*snapshot));
  return 0;
}

}  // namespace piherd
