// TransportPool: one Transport per machine, kept for the life of the process so that every
// reconcile pass reuses the same SSH connection, with a bound on how many operations run at
// once across all hosts. Per host, operations run one at a time (in call order as the mutex
// grants it); different hosts run in parallel up to Options::maxConcurrent. A host waiting
// for its own previous command does not hold one of the shared slots.
//
// Command durations go to an optional observer, where the metrics layer hooks its
// ssh_command_duration_seconds histogram (platform/ has no Prometheus dependency).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "platform/ssh_session.h"
#include "platform/transport.h"

namespace piherd {

class TransportPool {
 public:
  using Factory = std::function<std::unique_ptr<Transport>(const SshTarget&)>;
  // machine name, seconds the operation took on the host (waiting for a slot excluded)
  using DurationObserver = std::function<void(const std::string& machine, double seconds)>;

  struct Options {
    size_t maxConcurrent = 16;  // operations in flight across all hosts (at least 1)
    DurationObserver onCommandDuration;
    Factory factory;  // default: SshTransport; tests inject fakes
  };

  TransportPool();
  explicit TransportPool(Options options);
  ~TransportPool();
  TransportPool(const TransportPool&) = delete;
  TransportPool& operator=(const TransportPool&) = delete;

  // The transport of target.machine: the same object (and connection) on every call while
  // the target is unchanged. A changed target (new address, user, key...) gets a fresh one;
  // holders of the old one may finish with it.
  std::shared_ptr<Transport> get(const SshTarget& target);

  // Forgets a machine (deleted from the manifests); its connection closes when the last
  // holder lets go.
  void remove(const std::string& machine);

  size_t size() const;

  struct Shared;  // slots and observer, shared with the transports handed out

 private:
  struct Entry {
    SshTarget target;
    std::shared_ptr<Transport> transport;
  };

  Options options_;
  std::shared_ptr<Shared> shared_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace piherd
