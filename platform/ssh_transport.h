// SshTransport: the production Transport, over one persistent libssh connection per host.
//
// - Connects lazily on first use, keeps the connection for every later command and pass, and
//   reconnects transparently when it broke while idle (the host rebooted, the network
//   dropped): a command whose channel could not even be opened never started, so it is
//   retried once on a fresh connection. A command whose connection broke after it was sent
//   may have run: that is reported (Unavailable), never silently repeated.
// - Host keys are checked before authentication (host_key_verifier.h).
// - Commands are argv, joined with shellJoin; as a non-root user they run under `sudo -n --`.
//   Every command runs with LC_ALL=C (inCLocale), here once for all commands.
// - A timeout closes the command's channel and, if the connection no longer answers, the
//   connection too, so the next command works. The host ends the command itself at the same
//   deadline (timeout(1) wraps every command), so nothing is left running there.
// - Thread-safe: calls are serialized per transport (a libssh session is not thread-safe);
//   different hosts' transports run in parallel (see TransportPool).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "platform/ssh_session.h"
#include "platform/transport.h"

namespace piherd {

class SshTransport : public Transport {
 public:
  explicit SshTransport(SshTarget target);

  const std::string& hostName() const override { return target_.machine; }
  Result<CommandResult> run(const std::vector<std::string>& argv,
                            const ExecOptions& options = {}) override;
  Status writeFile(const FileSpec& file) override;
  Result<std::string> readFile(const std::string& path) override;

  // Connects now (run() would on first use); for callers that want to report reachability.
  Status connect();
  // Drops the connection; the next call reconnects.
  void disconnect();

  const SshTarget& target() const { return target_; }
  // Successful connections so far: 1 for a transport whose connection never had to be
  // re-established.
  int connectCount() const;
  // Local TCP port of the current connection (0 when disconnected).
  int localPort() const;

  // argv prefixed with `sudo -n --` unless the SSH user is root.
  std::vector<std::string> asRoot(const std::vector<std::string>& argv) const;

  // argv under coreutils timeout(1) on the host. OpenSSH refuses to deliver signals to
  // sessions of root logins, so closing our end of a timed-out command would leave it
  // running there; with this the host ends it at the same deadline (TERM, then KILL 5 s on).
  static std::vector<std::string> withHostTimeout(const std::vector<std::string>& argv,
                                                  std::chrono::milliseconds timeout);

  // argv under `env LC_ALL=C`: every command piherd runs on a host runs in the C locale, so
  // what piherd parses (apt's and dpkg's messages, systemctl's states) never depends on the
  // host's language. LC_ALL overrides LANG and every LC_*; in the C locale gettext also
  // ignores LANGUAGE.
  static std::vector<std::string> inCLocale(const std::vector<std::string>& argv);

  // The full argv sent for a command: C locale, host-side timeout, sudo for non-root users
  // (with the C locale outside sudo too, so sudo's own messages are parseable as well).
  std::vector<std::string> commandFor(const std::vector<std::string>& argv,
                                      std::chrono::milliseconds timeout) const;

 private:
  Result<CommandResult> runLocked(const std::vector<std::string>& argv, const ExecOptions& options);
  Error afterTimeout(const std::vector<std::string>& argv, const ExecOptions& options);

  const SshTarget target_;
  mutable std::mutex mutex_;  // serializes every use of session_
  SshSession session_;
};

}  // namespace piherd
