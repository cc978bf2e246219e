#include "platform/host_key_verifier.h"

#include "platform/log.h"
#include "platform/ssh_errors.h"

namespace piherd {
namespace {

std::string endpointOf(const HostIdentity& host) {
  return ssh_errors::endpoint(host.machine, host.address, host.port);
}

Status verifyPinned(const HostIdentity& host, const HostKey& offered, const HostKeyPolicy& p) {
  auto pinned = parseHostKey(p.pinnedHostKey);
  if (!pinned) {
    return makeError(ErrorCode::kInvalidArgument,
                     "Machine " + host.machine + " spec.ssh.hostKey: " + pinned.error().message);
  }
  if (*pinned == offered) return okStatus();
  return tl::unexpected(ssh_errors::hostKeyMismatch(endpointOf(host), describeKey(offered),
                                                    describeKey(*pinned),
                                                    "the Machine's pinned ssh.hostKey"));
}

std::string expectedList(const std::vector<KnownHosts::Entry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    if (!out.empty()) out += " or ";
    out += describeKey(e.key) + " (line " + std::to_string(e.line) + ")";
  }
  return out;
}

Status refuse(const HostIdentity& host, const HostKey& offered, const std::string& file,
              const KnownHosts::Check& check) {
  if (check.verdict == KnownHosts::Verdict::kRevoked) {
    return tl::unexpected(ssh_errors::hostKeyRevoked(endpointOf(host), describeKey(offered), file));
  }
  return tl::unexpected(ssh_errors::hostKeyMismatch(endpointOf(host), describeKey(offered),
                                                    expectedList(check.expected), file));
}

Status trustOnFirstUse(const HostIdentity& host, const HostKey& offered, const std::string& file,
                       const std::string& name) {
  auto verdict = KnownHosts::recordIfUnknown(file, name, offered);
  if (!verdict) return tl::unexpected(verdict.error());
  if (*verdict == KnownHosts::Verdict::kUnknown) {
    log::warn("accepted a new host key on first use and recorded it",
              {{"machine", host.machine},
               {"host", name},
               {"key", describeKey(offered)},
               {"knownHosts", file}});
    return okStatus();
  }
  if (*verdict == KnownHosts::Verdict::kKnown) return okStatus();
  // Someone recorded a different key between our read and the lock: re-check and refuse.
  auto hosts = KnownHosts::load(file);
  if (!hosts) return tl::unexpected(hosts.error());
  return refuse(host, offered, file, hosts->check(name, offered));
}

}  // namespace

Status verifyHostKey(const HostIdentity& host, const HostKey& offered,
                     const HostKeyPolicy& policy) {
  if (!policy.pinnedHostKey.empty()) return verifyPinned(host, offered, policy);

  std::string file = expandHome(policy.knownHostsFile);
  std::string name = knownHostsName(host.address, host.port);
  auto hosts = file.empty() ? Result<KnownHosts>(KnownHosts{}) : KnownHosts::load(file);
  if (!hosts) return tl::unexpected(hosts.error());
  KnownHosts::Check check = hosts->check(name, offered);
  switch (check.verdict) {
    case KnownHosts::Verdict::kKnown:
      return okStatus();
    case KnownHosts::Verdict::kChanged:
    case KnownHosts::Verdict::kRevoked:
      return refuse(host, offered, file, check);
    case KnownHosts::Verdict::kUnknown:
      break;
  }
  if (!policy.acceptNewHostKeys || file.empty()) {
    return tl::unexpected(ssh_errors::hostKeyUnknown(
        endpointOf(host), describeKey(offered), file.empty() ? "(no known_hosts file)" : file));
  }
  return trustOnFirstUse(host, offered, file, name);
}

std::vector<std::string> expectedKeyTypes(const HostIdentity& host, const HostKeyPolicy& policy) {
  if (!policy.pinnedHostKey.empty()) {
    auto pinned = parseHostKey(policy.pinnedHostKey);
    if (pinned) return {pinned->type};
    return {};
  }
  auto hosts = KnownHosts::load(expandHome(policy.knownHostsFile));
  if (!hosts) return {};
  return hosts->keyTypesFor(knownHostsName(host.address, host.port));
}

}  // namespace piherd
