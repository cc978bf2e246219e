// Runs one command line on a connected SshSession: opens a session channel, execs, streams
// stdin in while draining stdout and stderr (so neither side can stall the other on a full
// window), and collects the exit status. Every wait is bounded by a deadline. The outcome
// tells the transport what happened to the connection, so it can decide whether the command
// may be retried (it never ran) or not.
#pragma once

#include <string>

#include "platform/ssh_session.h"
#include "platform/transport.h"

namespace piherd {

struct ExecOutcome {
  enum class Kind {
    kDone,        // the command ran and exited; result holds its status and output
    kOpenFailed,  // no channel could be opened: the command never started
    kLost,        // the connection broke after the command was sent: it may have run
    kTimedOut,    // the deadline passed; the channel has been closed, the command signalled
    kTooLarge,    // more output than maxOutputBytes; the channel has been closed
  };
  Kind kind = Kind::kDone;
  CommandResult result;
  std::string detail;  // libssh's reason, for messages
};

// `openDeadline` bounds opening the channel (a stale connection shows here); `deadline`
// bounds the whole command.
// `maxOutputBytes` caps stdout plus stderr.
ExecOutcome execCommand(SshSession& session, const std::string& commandLine,
                        const std::string& stdinData, SteadyClock::time_point openDeadline,
                        SteadyClock::time_point deadline,
                        size_t maxOutputBytes = 64 * 1024 * 1024);

// Whether the session still answers: opens and closes a channel within the deadline. Used
// after a timeout to tell a slow command from a wedged connection.
bool sessionResponds(SshSession& session, SteadyClock::time_point deadline);

}  // namespace piherd
