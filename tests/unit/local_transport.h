// Test-only Transport that runs commands on this machine (fork/exec, stdin piped), so the
// observation script can be exercised for real in hermetic unit tests. Not a stand-in for
// SSH: it keeps only the Transport interface's run() contract; file writes are direct.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "platform/transport.h"

namespace piherd::testing {

class LocalTransport : public Transport {
 public:
  const std::string& hostName() const override { return name_; }

  Result<CommandResult> run(const std::vector<std::string>& argv,
                            const ExecOptions& options = {}) override {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return makeError(ErrorCode::kInternal, "pipe");
    pid_t pid = fork();
    if (pid == 0) {
      dup2(in[0], 0), dup2(out[1], 1), dup2(err[1], 2);
      for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(in[0]), close(out[1]), close(err[1]);
    (void)!write(in[1], options.stdinData.data(), options.stdinData.size());
    close(in[1]);
    CommandResult r;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open = 2;
    while (open > 0 && poll(fds, 2, -1) > 0) {
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
        char buf[65536];
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          close(fds[i].fd), fds[i].fd = -1, --open;
        } else {
          (i == 0 ? r.out : r.err).append(buf, size_t(n));
        }
      }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return r;
  }

  Status writeFile(const FileSpec& file) override {
    std::ofstream(file.path, std::ios::binary) << file.content;
    return okStatus();
  }

  Result<std::string> readFile(const std::string& path) override {
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::kNotFound, path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  std::string name_ = "localhost";
};

}  // namespace piherd::testing
