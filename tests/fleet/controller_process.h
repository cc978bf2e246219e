// `piherd run` as a child process of a fleet test, and the polling helper the controller
// tests wait with. The child dies with the test (PR_SET_PDEATHSIG): a test killed by a
// timeout leaves no controller behind holding the state directory or the hosts.
#pragma once

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace piherd::fleet {

// Polls `condition` every 100 ms until it holds or `limit` passes; its last value.
template <class F>
bool eventually(F condition, std::chrono::seconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

// The controller as a child process; stderr (its log) goes to a file.
class ControllerProcess {
 public:
  ControllerProcess() = default;
  ControllerProcess(const ControllerProcess&) = delete;
  ControllerProcess& operator=(const ControllerProcess&) = delete;
  ~ControllerProcess() { kill(SIGKILL); }

  void start(const std::vector<std::string>& args, const std::string& log) {
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);  // the test died before prctl
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 2);
      int null = ::open("/dev/null", O_RDONLY);
      dup2(null, 0);
      std::vector<char*> argv{const_cast<char*>(PIHERD_BINARY)};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  pid_t pid() const { return pid_; }
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return false;
    }
    return true;
  }
  // Sends `sig` and waits up to `limit`; the exit code (128+signal when killed), -1 on timeout.
  int kill(int sig, std::chrono::seconds limit = std::chrono::seconds(30)) {
    if (pid_ <= 0) return exit_;
    ::kill(pid_, sig);
    if (!eventually([&] { return !running(); }, limit)) return -1;
    return exit_;
  }

 private:
  pid_t pid_ = -1;
  int exit_ = -1;
};

// GET on the controller's metrics server; the body, "" when it did not answer.
inline std::string controllerGet(int port, const std::string& path, int* status = nullptr) {
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get(path.c_str());
  if (status) *status = res ? res->status : -1;
  return res ? res->body : "";
}

// A series' value in a scrape text; -1 when absent.
inline double seriesValue(const std::string& scrape, const std::string& series) {
  auto at = scrape.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(scrape.substr(at + series.size() + 2));
}

}  // namespace piherd::fleet
