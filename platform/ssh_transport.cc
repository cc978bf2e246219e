#include "platform/ssh_transport.h"

#include <algorithm>
#include <cstdio>

#include "platform/log.h"
#include "platform/remote_file_commands.h"
#include "platform/shell_quote.h"
#include "platform/ssh_command.h"
#include "platform/ssh_errors.h"

namespace piherd {
namespace {

using std::chrono::milliseconds;
using Kind = ExecOutcome::Kind;

// How long a connection may take to show it still answers after a command timed out.
constexpr milliseconds kProbeTimeout{3000};

// The program a command runs, for messages; for our `sh -c SCRIPT NAME ...` commands, NAME
// (piherd-write, piherd-read). Arguments are left out: they add noise, not meaning.
std::string programOf(const std::vector<std::string>& argv) {
  if (argv.size() > 3 && argv[0] == "sh" && argv[1] == "-c") return argv[3];
  return argv.empty() ? std::string("(empty)") : argv.front();
}

}  // namespace

SshTransport::SshTransport(SshTarget target) : target_(target), session_(std::move(target)) {}

int SshTransport::connectCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return session_.connectCount();
}

int SshTransport::localPort() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return session_.localPort();
}

Status SshTransport::connect() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (session_.connected()) return okStatus();
  return session_.connect();
}

void SshTransport::disconnect() {
  std::lock_guard<std::mutex> lock(mutex_);
  session_.disconnect();
}

std::vector<std::string> SshTransport::asRoot(const std::vector<std::string>& argv) const {
  if (target_.user == "root") return argv;
  std::vector<std::string> wrapped = {"sudo", "-n", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

Result<CommandResult> SshTransport::run(const std::vector<std::string>& argv,
                                        const ExecOptions& options) {
  std::lock_guard<std::mutex> lock(mutex_);
  return runLocked(argv, options);
}

std::vector<std::string> SshTransport::withHostTimeout(const std::vector<std::string>& argv,
                                                       std::chrono::milliseconds timeout) {
  long long ms = std::max<long long>(timeout.count(), 1);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%lld.%03llds", ms / 1000, ms % 1000);
  std::vector<std::string> wrapped = {"timeout", "--kill-after=5s", seconds};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

std::vector<std::string> SshTransport::inCLocale(const std::vector<std::string>& argv) {
  std::vector<std::string> wrapped = {"env", "LC_ALL=C"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

std::vector<std::string> SshTransport::commandFor(const std::vector<std::string>& argv,
                                                  std::chrono::milliseconds timeout) const {
  auto inner = inCLocale(withHostTimeout(argv, timeout));
  return target_.user == "root" ? inner : inCLocale(asRoot(inner));
}

Result<CommandResult> SshTransport::runLocked(const std::vector<std::string>& argv,
                                              const ExecOptions& options) {
  if (argv.empty()) return makeError(ErrorCode::kInvalidArgument, "an empty command cannot be run");
  auto line = shellJoin(commandFor(argv, options.timeout));
  if (!line) return tl::unexpected(line.error());
  const std::string& where = session_.endpoint();

  // Two attempts at most, and the second only when the first never started the command on a
  // connection that had been idle (it may have died meanwhile).
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = !session_.connected();
    if (fresh) {
      if (auto st = session_.connect(); !st) return tl::unexpected(st.error());
    }
    auto start = SteadyClock::now();
    auto deadline = start + options.timeout;
    auto openDeadline = std::min(deadline, start + target_.connectTimeout);
    ExecOutcome outcome = execCommand(session_, *line, options.stdinData, openDeadline, deadline,
                                      options.maxOutputBytes);
    switch (outcome.kind) {
      case Kind::kDone:
        if (target_.user != "root" &&
            ssh_errors::isSudoPasswordRefusal(outcome.result.exitStatus, outcome.result.err)) {
          return tl::unexpected(ssh_errors::sudoRefused(where, target_.user));
        }
        return std::move(outcome.result);
      case Kind::kOpenFailed:
        session_.disconnect();
        if (!fresh && attempt == 0) {
          log::info("SSH connection went stale; reconnecting",
                    {{"machine", target_.machine}, {"reason", outcome.detail}});
          continue;
        }
        return tl::unexpected(ssh_errors::connectionLost(where, outcome.detail));
      case Kind::kLost:
        session_.disconnect();
        return tl::unexpected(ssh_errors::connectionLost(
            where, outcome.detail + " (while running " + programOf(argv) +
                       "; it may or may not have run)"));
      case Kind::kTimedOut:
        return tl::unexpected(afterTimeout(argv, options));
      case Kind::kTooLarge:
        return makeError(ErrorCode::kFailedPrecondition,
                         where + ": " + programOf(argv) + " answered with more than " +
                             std::to_string(options.maxOutputBytes) +
                             " bytes of output; cut off (the host's answer is not trusted)");
    }
  }
  return makeError(ErrorCode::kInternal, "unreachable");
}

Error SshTransport::afterTimeout(const std::vector<std::string>& argv, const ExecOptions& options) {
  // The channel is closed by now. If the connection itself stopped answering (a black-holed
  // link looks exactly like a slow command), drop it so the next call starts afresh.
  if (!sessionResponds(session_, SteadyClock::now() + kProbeTimeout)) {
    log::info("SSH connection stopped answering after a timeout; dropping it",
              {{"machine", target_.machine}});
    session_.disconnect();
  }
  return ssh_errors::commandTimedOut(session_.endpoint(), programOf(argv), options.timeout);
}

Status SshTransport::writeFile(const FileSpec& file) {
  auto argv = writeFileCommand(file);
  if (!argv) return tl::unexpected(argv.error());
  ExecOptions options;
  options.stdinData = file.content;
  auto result = run(*argv, options);
  if (!result) return tl::unexpected(result.error());
  return writeFileOutcome(*result, session_.endpoint(), file.path);
}

Result<std::string> SshTransport::readFile(const std::string& path) {
  auto argv = readFileCommand(path);
  if (!argv) return tl::unexpected(argv.error());
  auto result = run(*argv);
  if (!result) return tl::unexpected(result.error());
  return readFileOutcome(std::move(*result), session_.endpoint(), path);
}

}  // namespace piherd
