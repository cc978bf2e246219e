// FileStore: the embedded Store backend (store.h). Desired state is a set of manifest files
// or directories (the -f paths), watched with inotify; status is kept in a state directory
// (--state-dir, default `.piherd` beside the manifests):
//   STATE/lock                      flock()ed by the running controller (one per state dir)
//   STATE/status/machines/NAME.json the Machine as last reconciled, with its status
//   STATE/status/virtualips/NAME.json, STATE/status/clusters/NAME.json
//   STATE/observed/NAME.json        facts observed on the machine (facet states)
// Every file is written atomically (temp file in the same directory, fsync, rename), so a
// controller killed at any point leaves the previous or the new version, never half a file.
//
// A manifest change is reloaded after the files have been quiet for a short debounce (an
// editor's save is several events); a set that fails validation is rejected as a whole, each
// reason logged, and the last valid one stays in force.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controller/cli.h"
#include "controller/store.h"

namespace piherd {

// The state directory for manifests at `paths` when --state-dir is not given: `.piherd` in
// the (first) manifest directory, or beside the (first) manifest file.
std::string defaultStateDir(const std::vector<std::string>& paths);
// The one state directory of a command: --state-dir, else defaultStateDir(-f paths).
std::string stateDirFor(const CliOptions& options);

// A file of the state directory, whole; NotFound when it cannot be read.
Result<std::string> readWhole(const std::string& path);

// Writes `content` to `path` atomically (temp file, fsync, rename), creating parents.
Status writeFileAtomically(const std::string& path, const std::string& content);

// Holds the state directory's lock file for the life of the object.
class StateDirLock {
 public:
  // FailedPrecondition, with the holder's pid, when another process holds it.
  static Result<std::unique_ptr<StateDirLock>> acquire(const std::string& stateDir);
  ~StateDirLock();
  StateDirLock(const StateDirLock&) = delete;
  StateDirLock& operator=(const StateDirLock&) = delete;

 private:
  explicit StateDirLock(int fd) : fd_(fd) {}
  int fd_;
};

class FileStore : public Store {
 public:
  struct Options {
    std::vector<std::string> manifests;  // -f paths
    std::string stateDir;
    std::chrono::milliseconds debounce{150};
  };

  explicit FileStore(Options options);
  ~FileStore() override;

  Result<DesiredSnapshot> list() override;
  Status watch(const std::string& fromVersion, WatchHandler handler) override;
  void stop() override;

  Status updateStatus(const Machine& machine) override;
  Status updateStatus(const VirtualIP& vip) override;
  Status updateStatus(const Cluster& cluster) override;
  Status updateObserved(const std::string& machine, const nlohmann::json& facts) override;
  Status removeStatus(const std::string& kind, const std::string& name) override;
  Result<StatusSnapshot> readStatus() const override;

  const std::string& stateDir() const { return options_.stateDir; }
  // Reloads the manifests now (what the watch thread does after a change); returns whether a
  // new valid snapshot was taken. Exposed for tests that do not want to wait for inotify.
  bool reload();

 private:
  void watchLoop();
  std::string statusPath(const std::string& kind, const std::string& name) const;

  const Options options_;
  std::mutex mutex_;
  DesiredSnapshot current_;
  uint64_t version_ = 0;
  bool listed_ = false;
  WatchHandler handler_;
  int inotifyFd_ = -1;
  int stopFd_ = -1;  // eventfd: wakes the watch thread to stop
  std::vector<std::pair<int, std::string>> watches_;  // watch descriptor, file filter ("" = all)
  std::thread thread_;
};

}  // namespace piherd
