// The host key policy: decides whether the key a host offered may be trusted, before any
// authentication or command. Strict by default: a Machine's pinned ssh.hostKey, else the
// known_hosts file, must hold exactly the offered key. Trust on first use only when asked
// (--insecure-accept-new-host-keys), and then only for hosts with no key on record: a
// changed key is refused whatever the options.
#pragma once

#include <string>

#include "platform/known_hosts.h"
#include "platform/status.h"

namespace piherd {

struct HostKeyPolicy {
  std::string pinnedHostKey;   // Machine.spec.ssh.hostKey ("ssh-ed25519 AAAA..."), or empty
  std::string knownHostsFile;  // consulted when nothing is pinned; new keys recorded here
  bool acceptNewHostKeys = false;

  bool operator==(const HostKeyPolicy&) const = default;
};

// What the caller needs to talk about the host in messages.
struct HostIdentity {
  std::string machine;  // Machine name
  std::string address;
  int port = 22;
};

// OK when the offered key is trusted (recording it when it is new and the policy accepts new
// keys); PermissionDenied (unknown, changed or revoked key, with the offered fingerprint)
// otherwise; InvalidArgument for a malformed pinned key; FailedPrecondition for an
// unreadable known_hosts file.
Status verifyHostKey(const HostIdentity& host, const HostKey& offered, const HostKeyPolicy& policy);

// Key types to prefer when negotiating with this host, so that a host with several keys
// offers the one on record. Empty when nothing is on record.
std::vector<std::string> expectedKeyTypes(const HostIdentity& host, const HostKeyPolicy& policy);

}  // namespace piherd
