#include "api/machine.h"

#include "api/defaults.h"

namespace piherd {
namespace {

std::string firstSet(const std::string& a, const std::string& b, std::string_view fallback) {
  if (!a.empty()) return a;
  if (!b.empty()) return b;
  return std::string(fallback);
}

}  // namespace

MachineSettings effectiveSsh(const Machine& machine, const Cluster& cluster) {
  const MachineSsh& own = machine.spec.ssh;
  const ClusterSsh& shared = cluster.spec.ssh;
  MachineSettings t;
  t.host = machine.spec.address;
  t.port = own.port.value_or(shared.port.value_or(kDefaultSshPort));
  t.user = firstSet(own.user, shared.user, kDefaultSshUser);
  t.privateKeyFile = firstSet(own.privateKeyFile, shared.privateKeyFile, kDefaultPrivateKeyFile);
  t.knownHostsFile = firstSet(own.knownHostsFile, shared.knownHostsFile, kDefaultKnownHostsFile);
  t.hostKey = own.hostKey;
  return t;
}

}  // namespace piherd
