// The one shell-quoting helper. Words made only of characters that no POSIX shell (nor bash
// or zsh) treats specially pass through bare, so logged commands stay readable; every other
// word is wrapped in single quotes, inside which a shell interprets nothing at all. A single
// quote itself cannot appear inside single quotes, so it is written as '\'' (close, escaped
// quote, reopen).
#include "platform/shell_quote.h"

#include <algorithm>
#include <array>

namespace piherd {
namespace {

// '=' is left out on purpose: a bare `A=b` in command position is an assignment. So is '%'
// (a bare `%1` names a job in bash), and '~' (tilde expansion), '*?[' (globs), '{}' (brace
// expansion), '!' (history, negation).
bool isSafeChar(unsigned char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  switch (c) {
    case '_':
    case '@':
    case '+':
    case ':':
    case ',':
    case '.':
    case '/':
    case '-':
      return true;
    default:
      return false;
  }
}

// Bare reserved words change the meaning of a command line in command position (`if`, `do`);
// quoted they are ordinary words.
bool isReservedWord(std::string_view word) {
  static constexpr std::array<std::string_view, 17> kReserved = {
      "case",     "coproc", "do", "done",   "elif", "else", "esac",  "fi",   "for",
      "function", "if",     "in", "select", "then", "time", "until", "while"};
  return std::find(kReserved.begin(), kReserved.end(), word) != kReserved.end();
}

}  // namespace

Result<std::string> shellQuote(std::string_view word) {
  if (word.find('\0') != std::string_view::npos) {
    return makeError(ErrorCode::kInvalidArgument,
                     "a command argument contains a NUL byte, which no shell can pass on");
  }
  bool bare = !word.empty() && !isReservedWord(word) &&
              std::all_of(word.begin(), word.end(),
                          [](char c) { return isSafeChar(static_cast<unsigned char>(c)); });
  if (bare) return std::string(word);

  std::string quoted;
  quoted.reserve(word.size() + 2);
  quoted += '\'';
  for (char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

Result<std::string> shellJoin(const std::vector<std::string>& argv) {
  if (argv.empty()) {
    return makeError(ErrorCode::kInvalidArgument, "an empty command cannot be run");
  }
  std::string line;
  for (const std::string& word : argv) {
    auto quoted = shellQuote(word);
    if (!quoted) return tl::unexpected(quoted.error());
    if (!line.empty()) line += ' ';
    line += *quoted;
  }
  return line;
}

}  // namespace piherd
