#include "reconcilers/unified_diff.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace piherd {
namespace {

std::string writeTemp(const std::string& content) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "piherd-diff-XXXXXX").string();
  int fd = mkstemp(tmpl.data());
  if (fd < 0) return "";
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  return tmpl;
}

}  // namespace

std::string unifiedDiff(const std::string& path, const std::string& before,
                        const std::string& after) {
  if (before == after) return "";
  std::string a = writeTemp(before), b = writeTemp(after);
  std::string out;
  int pipefd[2];
  if (!a.empty() && !b.empty() && pipe(pipefd) == 0) {
    pid_t pid = fork();
    if (pid == 0) {
      dup2(pipefd[1], 1);
      ::close(pipefd[0]);
      ::close(pipefd[1]);
      std::string la = path + " (now)", lb = path + " (planned)";
      execlp("diff", "diff", "-u", "--label", la.c_str(), "--label", lb.c_str(), a.c_str(),
             b.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    ::close(pipefd[1]);
    char buf[4096];
    for (ssize_t n; (n = ::read(pipefd[0], buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
    ::close(pipefd[0]);
    int status = 0;
    if (pid > 0) waitpid(pid, &status, 0);
  }
  if (!a.empty()) std::remove(a.c_str());
  if (!b.empty()) std::remove(b.c_str());
  if (out.empty()) out = "(content differs; diff unavailable)\n";
  return out;
}

}  // namespace piherd
