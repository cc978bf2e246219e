#include "controller/file_store.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/serialize.h"
#include "platform/log.h"

namespace fs = std::filesystem;

namespace piherd {
namespace {

std::string errnoText() { return std::strerror(errno); }

const char* kindDir(const std::string& kind) {
  if (kind == kKindMachine) return "machines";
  if (kind == kKindVirtualIP) return "virtualips";
  return "clusters";
}

}  // namespace

Result<std::string> readWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::kNotFound, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string defaultStateDir(const std::vector<std::string>& paths) {
  if (paths.empty()) return ".piherd";
  fs::path p(paths.front());
  std::error_code ec;
  if (fs::is_directory(p, ec)) return (p / ".piherd").string();
  fs::path parent = p.parent_path();
  return (parent.empty() ? fs::path(".piherd") : parent / ".piherd").string();
}

std::string stateDirFor(const CliOptions& o) {
  return o.stateDir.empty() ? defaultStateDir(o.manifests) : o.stateDir;
}

Status writeFileAtomically(const std::string& path, const std::string& content) {
  fs::path target(path);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return makeError(ErrorCode::kInternal, "cannot create " + target.parent_path().string() + ": " + ec.message());
  std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." +
                    std::to_string(reinterpret_cast<uintptr_t>(&content));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return makeError(ErrorCode::kInternal, "cannot write " + tmp + ": " + errnoText());
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string why = errnoText();
      ::close(fd);
      ::unlink(tmp.c_str());
      return makeError(ErrorCode::kInternal, "cannot write " + tmp + ": " + why);
    }
    off += static_cast<size_t>(n);
  }
  // fsync before rename: after a crash the name points at the old or the complete new file.
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return makeError(ErrorCode::kInternal, "cannot write " + tmp + ": " + errnoText());
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = errnoText();
    ::unlink(tmp.c_str());
    return makeError(ErrorCode::kInternal, "cannot rename " + tmp + " to " + path + ": " + why);
  }
  return okStatus();
}

Result<std::unique_ptr<StateDirLock>> StateDirLock::acquire(const std::string& stateDir) {
  std::error_code ec;
  fs::create_directories(stateDir, ec);
  if (ec) return makeError(ErrorCode::kFailedPrecondition, "cannot create state directory " + stateDir + ": " + ec.message());
  std::string path = (fs::path(stateDir) / "lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return makeError(ErrorCode::kFailedPrecondition, "cannot open " + path + ": " + errnoText());
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    auto holder = readWhole(path);
    ::close(fd);
    std::string pid = holder ? holder->substr(0, holder->find('\n')) : "";
    if (err == EWOULDBLOCK) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "another piherd run (pid " + (pid.empty() ? std::string("unknown") : pid) +
                           ") is using the state directory " + stateDir +
                           "; stop it first, or give this one its own --state-dir");
    }
    return makeError(ErrorCode::kFailedPrecondition, "cannot lock " + path + ": " + std::strerror(err));
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for the message a second controller prints; the lock is what counts.
    log::warn("cannot record pid in state lock", {{"path", path}});
  }
  return std::unique_ptr<StateDirLock>(new StateDirLock(fd));
}

StateDirLock::~StateDirLock() { ::close(fd_); }

FileStore::FileStore(Options options) : options_(std::move(options)) {}

FileStore::~FileStore() { stop(); }

Result<DesiredSnapshot> FileStore::list() {
  LoadResult loaded = loadValidatedManifests(options_.manifests);
  std::lock_guard<std::mutex> lock(mutex_);
  if (listed_) return current_;
  if (!loaded.ok()) {
    std::string why;
    for (const auto& d : loaded.diagnostics) {
      if (d.severity == Severity::kError) why += "\n" + formatDiagnostic(d);
    }
    return makeError(ErrorCode::kInvalidArgument, "the manifests are invalid:" + why);
  }
  current_ = {.set = std::move(loaded.set), .resourceVersion = std::to_string(++version_)};
  listed_ = true;
  return current_;
}

bool FileStore::reload() {
  LoadResult loaded = loadValidatedManifests(options_.manifests);
  if (!loaded.ok()) {
    size_t errors = countErrors(loaded.diagnostics);
    log::warn("manifest change rejected; the last valid desired state stays in force",
              {{"errors", std::to_string(errors)}});
    for (const auto& d : loaded.diagnostics) {
      if (d.severity != Severity::kError) continue;
      log::warn("rejected: " + d.message,
                {{"file", d.file}, {"object", d.kind + "/" + d.name}, {"field", d.fieldPath}});
    }
    return false;
  }
  std::vector<StoreEvent> events;
  DesiredSnapshot snapshot;
  WatchHandler handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (loaded.set == current_.set) return false;
    std::string rv = std::to_string(++version_);
    events = diffSnapshots(current_.set, loaded.set, rv);
    current_ = {.set = std::move(loaded.set), .resourceVersion = rv};
    snapshot = current_;
    handler = handler_;
  }
  log::info("manifests changed", {{"resourceVersion", snapshot.resourceVersion},
                                  {"events", std::to_string(events.size())}});
  if (handler) {
    for (const auto& e : events) handler(e, snapshot);
  }
  return true;
}

Status FileStore::watch(const std::string& fromVersion, WatchHandler handler) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (thread_.joinable()) return makeError(ErrorCode::kFailedPrecondition, "already watching");
    if (fromVersion != current_.resourceVersion) {
      // The file store keeps no history: a watcher must start from the current list.
      return makeError(ErrorCode::kAborted, "resourceVersion " + fromVersion + " is gone; list again");
    }
    handler_ = std::move(handler);
  }
  inotifyFd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  stopFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (inotifyFd_ < 0 || stopFd_ < 0) return makeError(ErrorCode::kInternal, "inotify: " + errnoText());
  const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE |
                        IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
  for (const auto& path : options_.manifests) {
    std::error_code ec;
    bool dir = fs::is_directory(path, ec);
    fs::path watched = dir ? fs::path(path) : fs::path(path).parent_path();
    if (watched.empty()) watched = ".";
    int wd = inotify_add_watch(inotifyFd_, watched.c_str(), mask);
    if (wd < 0) return makeError(ErrorCode::kInternal, "inotify on " + watched.string() + ": " + errnoText());
    watches_.emplace_back(wd, dir ? "" : fs::path(path).filename().string());
  }
  thread_ = std::thread([this] { watchLoop(); });
  return okStatus();
}

void FileStore::watchLoop() {
  using Clock = std::chrono::steady_clock;
  // (A bool beside the time rather than std::optional: GCC 12 at -O2 reports a false
  // maybe-uninitialized on the optional.)
  bool dirty = false;
  Clock::time_point dirtySince{};
  alignas(inotify_event) char buf[8192];
  for (;;) {
    pollfd fds[2] = {{inotifyFd_, POLLIN, 0}, {stopFd_, POLLIN, 0}};
    int timeout = -1;
    if (dirty) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          dirtySince + options_.debounce - Clock::now());
      timeout = std::max<int>(0, static_cast<int>(left.count()));
    }
    int n = ::poll(fds, 2, timeout);
    if (n < 0 && errno != EINTR) {
      log::error("manifest watch failed", {{"error", errnoText()}});
      return;
    }
    if (fds[1].revents & POLLIN) return;
    if (fds[0].revents & POLLIN) {
      for (ssize_t len; (len = ::read(inotifyFd_, buf, sizeof buf)) > 0;) {
        for (char* p = buf; p < buf + len;) {
          auto* ev = reinterpret_cast<inotify_event*>(p);
          p += sizeof(inotify_event) + ev->len;
          std::string name = ev->len ? ev->name : "";
          if (!name.empty() && name[0] == '.') continue;  // the state dir, editor temp files
          for (const auto& [wd, filter] : watches_) {
            if (wd == ev->wd && (filter.empty() || filter == name)) {
              dirty = true;
              dirtySince = Clock::now();
            }
          }
        }
      }
      continue;  // debounce: wait until the files are quiet
    }
    if (dirty && Clock::now() >= dirtySince + options_.debounce) {
      dirty = false;
      reload();
    }
  }
}

void FileStore::stop() {
  if (stopFd_ >= 0) {
    uint64_t one = 1;
    if (::write(stopFd_, &one, sizeof one) < 0) log::warn("cannot wake the manifest watch");
  }
  if (thread_.joinable()) thread_.join();
  if (inotifyFd_ >= 0) ::close(inotifyFd_);
  if (stopFd_ >= 0) ::close(stopFd_);
  inotifyFd_ = stopFd_ = -1;
}

std::string FileStore::statusPath(const std::string& kind, const std::string& name) const {
  return (fs::path(options_.stateDir) / "status" / kindDir(kind) / (name + ".json")).string();
}

Status FileStore::updateStatus(const Machine& m) {
  return writeFileAtomically(statusPath(m.kind, m.metadata.name), toJson(m));
}
Status FileStore::updateStatus(const VirtualIP& v) {
  return writeFileAtomically(statusPath(v.kind, v.metadata.name), toJson(v));
}
Status FileStore::updateStatus(const Cluster& c) {
  return writeFileAtomically(statusPath(c.kind, c.metadata.name), toJson(c));
}

Status FileStore::updateObserved(const std::string& machine, const nlohmann::json& facts) {
  auto path = fs::path(options_.stateDir) / "observed" / (machine + ".json");
  return writeFileAtomically(path.string(), facts.dump(2) + "\n");
}

Status FileStore::removeStatus(const std::string& kind, const std::string& name) {
  std::error_code ec;
  fs::remove(statusPath(kind, name), ec);
  if (kind == kKindMachine) fs::remove(fs::path(options_.stateDir) / "observed" / (name + ".json"), ec);
  return okStatus();
}

Result<StatusSnapshot> FileStore::readStatus() const {
  StatusSnapshot out;
  fs::path root(options_.stateDir);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return makeError(ErrorCode::kNotFound, "no state directory " + options_.stateDir +
                                               ": has `piherd run` run on these manifests?");
  }
  for (const char* dir : {"machines", "virtualips", "clusters"}) {
    fs::path d = root / "status" / dir;
    if (!fs::is_directory(d, ec)) continue;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(d, ec)) {
      if (e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto text = readWhole(f.string());
      if (!text) continue;
      LoadResult parsed;
      parseManifestText(*text, f.string(), parsed);
      for (auto& m : parsed.set.machines) out.machines[m.metadata.name] = std::move(m);
      for (auto& v : parsed.set.vips) out.vips[v.metadata.name] = std::move(v);
      for (auto& c : parsed.set.clusters) out.clusters[c.metadata.name] = std::move(c);
    }
  }
  fs::path obs = root / "observed";
  if (fs::is_directory(obs, ec)) {
    for (const auto& e : fs::directory_iterator(obs, ec)) {
      if (e.path().extension() != ".json") continue;
      auto text = readWhole(e.path().string());
      if (!text) continue;
      auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
      if (!j.is_discarded()) out.observed[e.path().stem().string()] = std::move(j);
    }
  }
  return out;
}

}  // namespace piherd
