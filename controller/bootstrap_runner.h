// BootstrapRunner: carries out the bootstrap plan (reconcilers/bootstrap.h; docs/bootstrap.md)
// after the host facets: `kubeadm init` on the init control plane, Calico through piherd's
// Kubernetes client (server-side apply), then each join, strictly one at a time:
//   - the join lock is a file in the state directory (STATE/bootstrap/join-lock, naming the
//     machine), written before a join starts and removed once its Node is Ready (and, for a
//     control plane, its etcd member healthy), so a run killed mid-join leaves it behind and
//     the next run finishes that host first: it waits for the left-over kubeadm to end,
//     resets the host unless it has joined, and joins it again;
//   - each join gets a fresh bootstrap token (a Secret created through the API, 15 minutes,
//     deleted after the join) and discovers the cluster through the VIP, pinning the CA hash;
//   - a failed join runs `kubeadm reset -f` on that host only and retries with backoff;
//     a host with kubelet.conf is never reset.
// kubeadm's config files reach the host over stdin (0600) and are removed after a join;
// kubeadm's output, which prints tokens, is never shown except its last lines with every
// token-shaped word redacted.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/manifest_set.h"
#include "controller/bootstrap_status.h"
#include "controller/host_runner.h"
#include "reconcilers/bootstrap.h"
#include "reconcilers/calico_manifest.h"

namespace piherd {

struct BootstrapTimeouts {
  std::chrono::seconds kubeadm{600};    // one init or join
  std::chrono::seconds apiReady{180};   // the API through the VIP after init
  std::chrono::seconds nodeReady{300};  // the joined Node turning Ready
  std::chrono::seconds etcdHealthy{180};
  std::chrono::seconds leftoverKubeadm{600};  // an interrupted run's kubeadm to end
  int joinAttempts = 3;
  std::chrono::seconds retryBackoff{5};  // doubled after each failed attempt
};

struct BootstrapReport {
  BootstrapPlan plan;
  std::vector<std::string> done;  // steps carried out, described
  std::string error;              // the step that failed and why ("" when none did)
  ClusterView view;               // the cluster as it stands after the run (for status)
  bool changesPending() const { return !plan.empty(); }
  // apply: every machine is a node (or was made one) and nothing failed.
  bool converged() const { return error.empty() && plan.waiting.empty(); }
};

// Reaches the host of a node no Machine declares (for --prune), at its InternalIP with the
// Cluster's SSH settings. An error when it cannot be built (not when the host is down).
using HostConnector =
    std::function<Result<std::shared_ptr<Transport>>(const std::string& name,
                                                     const std::string& address)>;

class BootstrapRunner {
 public:
  // Reads and checks what bootstrap will need before any host is touched: the Calico
  // manifest (a file; refused when it has no calico-node DaemonSet) and the cluster CA.
  static Result<std::unique_ptr<BootstrapRunner>> prepare(const ManifestSet& set,
                                                          const std::vector<HostTarget>& hosts,
                                                          std::string stateDir,
                                                          HostConnector connector = nullptr,
                                                          BootstrapTimeouts timeouts = {});

  // Observes every host, plans, and in apply mode carries the plan out. `hostsReady`: the
  // machines whose host facets converged (apply) or were observed (plan). `prune`: nodes no
  // Machine declares are removed (apply --prune); otherwise they are only reported.
  BootstrapReport run(ReconcileMode mode, const std::set<std::string>& hostsReady,
                      const ProgressFn& progress, bool prune = false);

  class Impl;
  ~BootstrapRunner();

 private:
  explicit BootstrapRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The plan or apply section: the steps (or what was done), notes and the error.
std::string renderBootstrap(const BootstrapReport& report, ReconcileMode mode);

// kubeadm output made safe to show: its last `lines` lines, with every bootstrap-token-shaped
// word ([a-z0-9]{6}.[a-z0-9]{16}) and every sha256 hash replaced by "<redacted>".
std::string redactKubeadmOutput(const std::string& output, size_t lines = 6);

}  // namespace piherd
