// The commands behind Transport::writeFile and readFile, as argument vectors for any
// transport: fixed POSIX sh scripts whose every variable value arrives as its own argv word
// (quoted by shellJoin like any other), and whose file content travels on stdin, never on the
// command line. Kept apart from SSH so unit tests can run them against a local /bin/sh.
#pragma once

#include <string>
#include <vector>

#include "platform/status.h"
#include "platform/transport.h"

namespace piherd {

// sh -c SCRIPT piherd-write PATH MODE OWNER GROUP SIZE, with file.content as stdin: mktemp
// beside the target, write, check the size, chmod, chown, fsync, rename over the target (mv -T, so
// an existing directory is an error rather than a destination). The temp file is removed on any
// failure.
Result<std::vector<std::string>> writeFileCommand(const FileSpec& file);

// sh -c SCRIPT piherd-read PATH: exits kReadNotFoundStatus when PATH does not exist.
Result<std::vector<std::string>> readFileCommand(const std::string& path);

inline constexpr int kReadNotFoundStatus = 44;

// Turn the results of those commands into the Transport's answers. `where` names the host.
Status writeFileOutcome(const CommandResult& result, const std::string& where,
                        const std::string& path);
Result<std::string> readFileOutcome(CommandResult result, const std::string& where,
                                    const std::string& path);

}  // namespace piherd
