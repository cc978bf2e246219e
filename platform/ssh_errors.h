// The errors of the SSH transport, in the user's words, with codes that tell the caller
// whether to retry (platform/status.h). One place so that every path says the same thing and
// none of them can leak secret material: messages carry host names, addresses, user names,
// file paths and public key fingerprints only, never key material, stdin or file content.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace piherd::ssh_errors {

// "master01 (192.168.3.11:22)": how every message names the host.
std::string endpoint(std::string_view machine, std::string_view address, int port);

// Unavailable: TCP connect or SSH handshake failed. `detail` is libssh's reason.
Error hostUnreachable(std::string_view endpoint, std::string_view detail);

// Unavailable: an established connection broke (host stopped, network dropped).
Error connectionLost(std::string_view endpoint, std::string_view detail);

// PermissionDenied: the host refused every key we offered for `user`.
Error authRefused(std::string_view endpoint, std::string_view user, std::string_view keys);

// FailedPrecondition: our own private key cannot be used (missing, unreadable, encrypted).
Error privateKeyUnusable(std::string_view path, std::string_view why);

// PermissionDenied: no key on record for this host and trust on first use is off.
Error hostKeyUnknown(std::string_view endpoint, std::string_view offered,
                     std::string_view knownHostsFile);

// PermissionDenied: the host offered a different key than the one on record.
Error hostKeyMismatch(std::string_view endpoint, std::string_view offered,
                      std::string_view expected, std::string_view source);

// PermissionDenied: the offered key is marked @revoked.
Error hostKeyRevoked(std::string_view endpoint, std::string_view offered, std::string_view source);

// DeadlineExceeded: the command did not finish in time. `command` is the program name.
Error commandTimedOut(std::string_view endpoint, std::string_view command,
                      std::chrono::milliseconds timeout);

// PermissionDenied: the SSH user is not root and sudo wants a password.
Error sudoRefused(std::string_view endpoint, std::string_view user);

// Classifies a failure of ssh_connect by libssh's error text: a key exchange that found no
// common algorithm will not succeed on retry (FailedPrecondition); everything else is the
// network or the host (Unavailable).
Error connectFailure(std::string_view endpoint, std::string_view sshError);

// Whether a command's stderr says that sudo -n refused to run it without a password.
bool isSudoPasswordRefusal(int exitStatus, std::string_view err);

}  // namespace piherd::ssh_errors
