// SshSession: one libssh connection to one host, owned by one SshTransport. It connects,
// checks the host key (host_key_verifier.h) before anything else, authenticates with a key
// file or ssh-agent, and can be dropped and reconnected. The session runs in libssh's
// non-blocking mode and every wait is bounded by a deadline of ours, so a host that
// vanishes, or a link that black-holes packets, costs a bounded time, never a hang.
//
// Not thread-safe (nor is libssh's session): the owner serializes all use.
#pragma once

#include <libssh/libssh.h>

#include <chrono>
#include <string>

#include "platform/host_key_verifier.h"
#include "platform/status.h"

namespace piherd {

using SteadyClock = std::chrono::steady_clock;

// Everything needed to reach one host; built from a Machine (and its Cluster's ssh defaults).
struct SshTarget {
  std::string machine;  // Machine name, for messages, metrics and the pool key
  std::string address;
  int port = 22;
  std::string user = "root";
  std::string privateKeyFile;  // "~/" expanded; empty: ssh-agent only
  bool useAgent = true;        // also try $SSH_AUTH_SOCK when the key file is missing/refused
  HostKeyPolicy hostKeys;
  std::chrono::milliseconds connectTimeout{std::chrono::seconds(10)};

  bool operator==(const SshTarget&) const = default;
};

class SshSession {
 public:
  explicit SshSession(SshTarget target);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  // Connects, verifies the host key, authenticates; each bounded by target.connectTimeout.
  Status connect();
  void disconnect();
  bool connected() const;

  ssh_session handle() const { return session_; }
  const SshTarget& target() const { return target_; }
  const std::string& endpoint() const { return endpoint_; }

  // Successful connections made so far (1 for a session that was never re-established).
  int connectCount() const { return connectCount_; }
  // The local TCP port of the current connection (0 when disconnected): a connection's
  // identity as the host sees it.
  int localPort() const;

 private:
  Status openTransport(SteadyClock::time_point deadline);
  Status checkHostKey();
  Status authenticate(SteadyClock::time_point deadline);

  SshTarget target_;
  std::string endpoint_;
  ssh_session session_ = nullptr;
  int connectCount_ = 0;
};

// Waits until the session's socket has something to do, the deadline passes, or `cap`
// elapses (libssh may also have work queued that the socket does not show).
void waitForSocket(ssh_session session, SteadyClock::time_point deadline,
                   std::chrono::milliseconds cap = std::chrono::milliseconds(100));

// Calls step() until it returns something other than `again`, waiting on the socket in
// between; returns `again` if the deadline passes first.
template <typename Step>
int pumpUntil(ssh_session session, SteadyClock::time_point deadline, Step step,
              int again = SSH_AGAIN) {
  for (;;) {
    int rc = step();
    if (rc != again || SteadyClock::now() >= deadline) return rc;
    waitForSocket(session, deadline);
  }
}

}  // namespace piherd
