#include "platform/remote_file_commands.h"

#include <algorithm>
#include <cstdio>

namespace piherd {
namespace {

// $1 target, $2 mode (octal), $3 owner, $4 group, $5 content size; content on stdin. Missing
// parent directories are created (root's umask: 755). The
// temp name starts with a dot and ends in random letters so that directories read by glob
// (*.conf, *.list) never pick it up half-written. The size check matters: if the connection
// drops mid-transfer, cat sees an early EOF, and a truncated file must not be installed.
constexpr const char* kWriteScript = R"(set -eu
target=$1
dir=$(dirname -- "$target")
mkdir -p -- "$dir"
base=$(basename -- "$target")
tmp=$(mktemp "$dir/.$base.piherd-XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
cat > "$tmp"
size=$(wc -c < "$tmp")
if [ "$size" -ne "$5" ]; then echo "received $size of $5 bytes" >&2; exit 1; fi
chmod -- "$2" "$tmp"
chown -- "$3:$4" "$tmp"
sync -- "$tmp" 2>/dev/null || true
mv -fT -- "$tmp" "$target"
trap - EXIT
)";

// $1 path.
constexpr const char* kReadScript = R"(if [ ! -e "$1" ]; then exit 44; fi
exec cat -- "$1"
)";

bool validName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

Status validatePath(const std::string& path) {
  if (path.empty() || path[0] != '/' || path.back() == '/' ||
      path.find('\0') != std::string::npos) {
    return makeError(ErrorCode::kInvalidArgument,
                     "remote file path must be absolute and name a file: \"" + path + "\"");
  }
  return okStatus();
}

std::string firstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 300) line.resize(300);
  return line;
}

}  // namespace

Result<std::vector<std::string>> writeFileCommand(const FileSpec& file) {
  if (auto st = validatePath(file.path); !st) return tl::unexpected(st.error());
  if (!validName(file.owner) || !validName(file.group)) {
    return makeError(ErrorCode::kInvalidArgument, "owner and group of " + file.path +
                                                      " must be user/group names: \"" + file.owner +
                                                      ":" + file.group + "\"");
  }
  if (file.mode > 07777) {
    return makeError(ErrorCode::kInvalidArgument, "mode of " + file.path + " is not a mode");
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(file.mode));
  return std::vector<std::string>{"sh",           "-c",       kWriteScript,
                                  "piherd-write", file.path,  mode,
                                  file.owner,     file.group, std::to_string(file.content.size())};
}

Result<std::vector<std::string>> readFileCommand(const std::string& path) {
  if (auto st = validatePath(path); !st) return tl::unexpected(st.error());
  return std::vector<std::string>{"sh", "-c", kReadScript, "piherd-read", path};
}

Status writeFileOutcome(const CommandResult& result, const std::string& where,
                        const std::string& path) {
  if (result.ok()) return okStatus();
  // stderr of mktemp/chown/mv names the failure; it never holds the content (that went to
  // cat's stdin and then to the temp file only).
  return makeError(ErrorCode::kFailedPrecondition, where + ": cannot write " + path + " (exit " +
                                                       std::to_string(result.exitStatus) +
                                                       "): " + firstLine(result.err));
}

Result<std::string> readFileOutcome(CommandResult result, const std::string& where,
                                    const std::string& path) {
  if (result.ok()) return std::move(result.out);
  if (result.exitStatus == kReadNotFoundStatus) {
    return makeError(ErrorCode::kNotFound, where + ": " + path + " does not exist");
  }
  return makeError(ErrorCode::kFailedPrecondition, where + ": cannot read " + path + " (exit " +
                                                       std::to_string(result.exitStatus) +
                                                       "): " + firstLine(result.err));
}

}  // namespace piherd
