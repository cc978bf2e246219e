// Transport: how piherd reaches a host. Everything a reconciler does on a host goes through
// this interface (STYLE.md rule 3); production uses SshTransport (libssh), unit tests a fake.
//
// Commands are argument vectors, never shell strings: the implementation quotes them with
// shellJoin() (platform/shell_quote.h), the one quoting helper. Commands run as root: as the
// SSH user when that is root, else through `sudo -n`. Secret input goes through stdin, never
// the command line.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace piherd {

struct CommandResult {
  int exitStatus = -1;
  std::string out;  // stdout
  std::string err;  // stderr
  bool ok() const { return exitStatus == 0; }
};

struct ExecOptions {
  std::string stdinData;                                // written to the command's stdin, then EOF
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  // A host's answer is not trusted to be small: past this many bytes of stdout plus stderr
  // the command is cut off (its channel closed) and run() fails with FailedPrecondition.
  size_t maxOutputBytes = 64 * 1024 * 1024;
};

struct FileSpec {
  std::string path;      // absolute
  std::string content;
  mode_t mode = 0644;
  std::string owner = "root";
  std::string group = "root";
};

class Transport {
 public:
  virtual ~Transport() = default;

  // The machine this transport reaches (for messages and metrics).
  virtual const std::string& hostName() const = 0;

  // Runs argv on the host. A non-zero exit status is a CommandResult, not an Error; Errors
  // are for not being able to run it at all (Unavailable: host unreachable, PermissionDenied:
  // auth or host key refused, DeadlineExceeded: timed out).
  virtual Result<CommandResult> run(const std::vector<std::string>& argv,
                                    const ExecOptions& options = {}) = 0;

  // Writes a file atomically: a temp file in the same directory, chmod/chown, rename.
  // Missing parent directories are created.
  virtual Status writeFile(const FileSpec& file) = 0;

  // Reads a whole file; NotFound when it does not exist.
  virtual Result<std::string> readFile(const std::string& path) = 0;
};

}  // namespace piherd
