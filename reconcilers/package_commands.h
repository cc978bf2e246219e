// The apt and dpkg commands of the actions (install, hold, finish an interrupted dpkg run),
// run so that a busy host is waited for rather than failed: another package manager holding
// the dpkg lock (unattended-upgrades, for minutes after boot on Ubuntu and Raspberry Pi OS)
// is waited for up to ApplyContext::dpkgLockTimeout, with progress naming the holder; if it
// still holds the lock then, the result is Unavailable (retry later, with backoff), not a
// failure. apt's own failures come back as short messages (apt_output.h).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "platform/status.h"
#include "platform/transport.h"

namespace piherd {

// What applying an action may use besides the transport.
struct ApplyContext {
  // How long to wait for another process to release the dpkg lock (--dpkg-lock-timeout).
  std::chrono::seconds dpkgLockTimeout{std::chrono::minutes(5)};
  std::function<void(const std::string&)> progress;  // live progress lines; may be empty
  // Injectable for tests; empty means the real steady clock and sleep.
  std::function<std::chrono::steady_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Runs the command argvFor(lockWaitSeconds) builds until it does not fail for a lock, or
// the lock timeout passes (Unavailable). apt waits for the lock itself for lockWaitSeconds
// (`-o DPkg::Lock::Timeout=N`: the first attempt 0, so the wait is reported at once, then
// slices of at most 10 s); a command that cannot wait (dpkg) is retried every 2 s.
// A failure for any other reason is returned as the CommandResult, for the caller to read.
Result<CommandResult> runWithDpkgLock(Transport& transport, const ApplyContext& ctx,
                                      const std::function<std::vector<std::string>(int)>& argvFor,
                                      const ExecOptions& options = {});

// apt-get update, then apt-get install of `specs` ("kubeadm=1.34.2-*"), noninteractive,
// keeping existing config files.
Status aptInstall(Transport& transport, const ApplyContext& ctx,
                  const std::vector<std::string>& specs);
// apt-mark hold.
Status aptMarkHold(Transport& transport, const ApplyContext& ctx,
                   const std::vector<std::string>& names);
// dpkg --configure -a: finishes what an interrupted dpkg run (killed, power lost) left
// unpacked or half-configured; apt refuses to install anything until it is done.
Status dpkgConfigurePending(Transport& transport, const ApplyContext& ctx);

}  // namespace piherd
