#include "platform/ssh_command.h"

#include <libssh/callbacks.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace piherd {
namespace {

using Kind = ExecOutcome::Kind;

constexpr uint32_t kWriteChunk = 32 * 1024;

// What the channel's callbacks learn while packets are processed.
struct ExitInfo {
  bool gotStatus = false;
  int status = -1;
  std::string signal;  // "TERM", "KILL", ... when the command died of a signal
};

void onExitStatus(ssh_session, ssh_channel, int status, void* userdata) {
  auto* info = static_cast<ExitInfo*>(userdata);
  info->gotStatus = true;
  info->status = status;
}

void onExitSignal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*,
                  void* userdata) {
  static_cast<ExitInfo*>(userdata)->signal = signal ? signal : "UNKNOWN";
}

// A shell reports death by signal N as status 128+N; do the same.
int signalStatus(const std::string& name) {
  static const std::map<std::string, int> kSignals = {
      {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},   {"ABRT", 6},
      {"FPE", 8},   {"KILL", 9},  {"USR1", 10}, {"SEGV", 11}, {"USR2", 12},
      {"PIPE", 13}, {"ALRM", 14}, {"TERM", 15}};
  auto it = kSignals.find(name);
  return it == kSignals.end() ? 255 : 128 + it->second;
}

std::string sshError(ssh_session session) {
  const char* e = ssh_get_error(session);
  return (e && *e) ? e : "connection closed";
}

// Owns a channel; closes and frees it on every path, detaching our callbacks first so that
// late packets for it (libssh keeps a closed channel until the peer confirms) never reach
// the stack frame that registered them.
class ChannelGuard {
 public:
  explicit ChannelGuard(ssh_channel channel) : channel_(channel) {}
  ~ChannelGuard() {
    if (callbacks_ != nullptr) ssh_remove_channel_callbacks(channel_, callbacks_);
    if (channel_ != nullptr) {
      ssh_channel_close(channel_);
      ssh_channel_free(channel_);
    }
  }
  ChannelGuard(const ChannelGuard&) = delete;
  ChannelGuard& operator=(const ChannelGuard&) = delete;
  void setCallbacks(ssh_channel_callbacks callbacks) {
    if (ssh_set_channel_callbacks(channel_, callbacks) == SSH_OK) callbacks_ = callbacks;
  }
  ssh_channel get() const { return channel_; }

 private:
  ssh_channel channel_;
  ssh_channel_callbacks callbacks_ = nullptr;
};

// Drains what has arrived on one stream. Returns false when the connection broke.
bool drain(ssh_channel channel, bool isStderr, std::string& into, bool& progressed) {
  char buf[64 * 1024];
  for (;;) {
    int n = ssh_channel_read_nonblocking(channel, buf, sizeof buf, isStderr ? 1 : 0);
    if (n > 0) {
      into.append(buf, static_cast<size_t>(n));
      progressed = true;
      continue;
    }
    return n == 0 || n == SSH_EOF;
  }
}

// The exchange after exec: stdin out, stdout/stderr in, until the command has exited and
// both streams are drained.
class Exchange {
 public:
  Exchange(SshSession& session, ssh_channel channel, const std::string& stdinData,
           size_t maxOutputBytes)
      : session_(session), channel_(channel), stdin_(stdinData), maxOutput_(maxOutputBytes) {}

  ExecOutcome run(const ExitInfo& exit, SteadyClock::time_point deadline) {
    ExecOutcome outcome;
    for (;;) {
      bool progressed = false;
      if (!writeStdin(progressed) || !drain(channel_, false, outcome.result.out, progressed) ||
          !drain(channel_, true, outcome.result.err, progressed)) {
        return lost(std::move(outcome));
      }
      if (outcome.result.out.size() + outcome.result.err.size() > maxOutput_) {
        outcome.kind = Kind::kTooLarge;
        outcome.result.out.clear();  // never handed on: the caller gets an error
        outcome.result.err.clear();
        ssh_channel_request_send_signal(channel_, "TERM");
        return outcome;
      }
      ssh_channel_get_exit_status(channel_);  // non-blocking: processes pending packets
      if (ssh_channel_is_eof(channel_) &&
          (exit.gotStatus || !exit.signal.empty() || ssh_channel_is_closed(channel_))) {
        outcome.result.exitStatus = exit.gotStatus        ? exit.status
                                    : exit.signal.empty() ? -1
                                                          : signalStatus(exit.signal);
        return outcome;
      }
      if (!session_.connected()) return lost(std::move(outcome));
      if (SteadyClock::now() >= deadline) {
        outcome.kind = Kind::kTimedOut;
        // Best effort: OpenSSH delivers signals to non-root sessions only (the host-side
        // timeout(1) of SshTransport covers root); closing the channel detaches us anyway.
        ssh_channel_request_send_signal(channel_, "TERM");
        return outcome;
      }
      if (!progressed) waitForSocket(session_.handle(), deadline);
    }
  }

 private:
  // Returns false when the connection broke. A command that exits without reading all of
  // its stdin closes the channel: the rest is dropped, as a local pipe would.
  bool writeStdin(bool& progressed) {
    if (eofSent_) return true;
    if (written_ < stdin_.size()) {
      uint32_t chunk =
          static_cast<uint32_t>(std::min<size_t>(stdin_.size() - written_, kWriteChunk));
      int n = ssh_channel_write(channel_, stdin_.data() + written_, chunk);
      if (n == SSH_ERROR) {
        eofSent_ = true;
        return session_.connected();
      }
      if (n > 0) {
        written_ += static_cast<size_t>(n);
        progressed = true;
      }
    }
    if (written_ == stdin_.size()) {
      eofSent_ = true;
      if (ssh_channel_send_eof(channel_) == SSH_ERROR) return session_.connected();
    }
    return true;
  }

  ExecOutcome lost(ExecOutcome outcome) {
    outcome.kind = Kind::kLost;
    outcome.detail = sshError(session_.handle());
    return outcome;
  }

  SshSession& session_;
  ssh_channel channel_;
  const std::string& stdin_;
  size_t maxOutput_;
  size_t written_ = 0;
  bool eofSent_ = false;
};

}  // namespace

ExecOutcome execCommand(SshSession& session, const std::string& commandLine,
                        const std::string& stdinData, SteadyClock::time_point openDeadline,
                        SteadyClock::time_point deadline, size_t maxOutputBytes) {
  ssh_session s = session.handle();
  ChannelGuard channel(ssh_channel_new(s));
  if (channel.get() == nullptr) return {Kind::kOpenFailed, {}, sshError(s)};
  int rc = pumpUntil(s, openDeadline, [&] { return ssh_channel_open_session(channel.get()); });
  if (rc != SSH_OK) {
    return {Kind::kOpenFailed,
            {},
            rc == SSH_AGAIN ? "no answer from the host when opening a channel" : sshError(s)};
  }

  ExitInfo exit;
  ssh_channel_callbacks_struct callbacks;
  std::memset(&callbacks, 0, sizeof callbacks);
  callbacks.userdata = &exit;
  callbacks.channel_exit_status_function = onExitStatus;
  callbacks.channel_exit_signal_function = onExitSignal;
  ssh_callbacks_init(&callbacks);
  channel.setCallbacks(&callbacks);

  rc = pumpUntil(s, deadline,
                 [&] { return ssh_channel_request_exec(channel.get(), commandLine.c_str()); });
  if (rc == SSH_AGAIN) return {Kind::kTimedOut, {}, "no answer to the exec request"};
  if (rc != SSH_OK) return {Kind::kLost, {}, sshError(s)};
  return Exchange(session, channel.get(), stdinData, maxOutputBytes).run(exit, deadline);
}

bool sessionResponds(SshSession& session, SteadyClock::time_point deadline) {
  if (!session.connected()) return false;
  ssh_session s = session.handle();
  ChannelGuard channel(ssh_channel_new(s));
  if (channel.get() == nullptr) return false;
  int rc = pumpUntil(s, deadline, [&] { return ssh_channel_open_session(channel.get()); });
  return rc == SSH_OK && session.connected();
}

}  // namespace piherd
