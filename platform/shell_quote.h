// The one shell-quoting helper (STYLE.md rule 4). Every value that reaches a remote shell
// goes through here; nothing else in piherd builds shell strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace piherd {

// Quotes one word for a POSIX shell so that it reaches the command as exactly these bytes.
// A NUL byte cannot be passed through a shell: InvalidArgument.
Result<std::string> shellQuote(std::string_view word);

// Quotes and joins an argument vector into one command line. An empty argv is InvalidArgument.
Result<std::string> shellJoin(const std::vector<std::string>& argv);

}  // namespace piherd
