#include "reconcilers/package_commands.h"

#include <algorithm>
#include <thread>

#include "reconcilers/apt_output.h"

namespace piherd {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr seconds kAptLockSlice{10};
constexpr milliseconds kRetryPause{2000};
const ExecOptions kSlow{.timeout = std::chrono::minutes(20)};

std::string tail(const std::string& text, size_t maxChars = 400) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t.size() > maxChars ? "..." + t.substr(t.size() - maxChars) : t;
}

// A failed apt/dpkg command as an error: the recognized causes when there are any, else the
// tail of what it said. An unreachable repository may come back by itself: Unavailable.
Error commandFailure(const std::string& what, const CommandResult& r,
                     const std::string& context = "") {
  std::string summary = summarizeAptFailure(r.out + "\n" + r.err);
  std::string msg = what + " failed (exit " + std::to_string(r.exitStatus) + "): " +
                    (summary.empty() ? tail(r.err.empty() ? r.out : r.err) : summary);
  if (!context.empty()) msg += "; apt-get update had reported: " + context;
  bool transient = (summary + context).find("is unreachable") != std::string::npos;
  return Error{transient ? ErrorCode::kUnavailable : ErrorCode::kFailedPrecondition, msg};
}

std::vector<std::string> aptArgv(int lockWait, std::vector<std::string> args) {
  std::vector<std::string> argv = {"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-q",
                                   "-o", "DPkg::Lock::Timeout=" + std::to_string(lockWait)};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

Result<CommandResult> runWithDpkgLock(Transport& transport, const ApplyContext& ctx,
                                      const std::function<std::vector<std::string>(int)>& argvFor,
                                      const ExecOptions& options) {
  auto now = [&] { return ctx.now ? ctx.now() : steady_clock::now(); };
  auto pause = [&](milliseconds d) {
    if (ctx.sleep) {
      ctx.sleep(d);
    } else {
      std::this_thread::sleep_for(d);
    }
  };
  const auto start = now();
  const auto deadline = start + ctx.dpkgLockTimeout;
  for (int attempt = 0;; ++attempt) {
    auto left = std::chrono::duration_cast<seconds>(deadline - now());
    int wait = attempt == 0 ? 0 : static_cast<int>(std::clamp(left, seconds(1), kAptLockSlice).count());
    auto began = now();
    auto r = transport.run(argvFor(wait), options);
    if (!r) return r;
    if (r->ok()) return r;
    auto holder = parseLockHolder(r->out + "\n" + r->err);
    if (!holder) return r;
    auto waited = std::chrono::duration_cast<seconds>(now() - start).count();
    if (now() >= deadline) {
      return makeError(ErrorCode::kUnavailable,
                       "waited " + std::to_string(waited) + " s for " + holder->describe() +
                           " (--dpkg-lock-timeout " +
                           std::to_string(ctx.dpkgLockTimeout.count()) + "s); retry later");
    }
    if (ctx.progress) {
      ctx.progress("waiting for " + holder->describe() +
                   (waited > 0 ? ", " + std::to_string(waited) + " s so far" : ""));
    }
    // apt waited on the host; a command that failed at once (dpkg, or apt's first attempt)
    // is paused here so that retries do not spin.
    if (now() - began < seconds(1)) {
      pause(std::min(kRetryPause, std::chrono::duration_cast<milliseconds>(deadline - now())));
    }
  }
}

Status aptInstall(Transport& transport, const ApplyContext& ctx,
                  const std::vector<std::string>& specs) {
  auto update = runWithDpkgLock(transport, ctx, [](int w) { return aptArgv(w, {"update"}); }, kSlow);
  if (!update) return tl::unexpected(update.error());
  if (!update->ok()) return tl::unexpected(commandFailure("apt-get update", *update));
  // apt-get update exits 0 when a repository cannot be fetched (it keeps the old lists):
  // what it said is kept to explain an install that fails for it.
  std::string updateProblems = summarizeAptFailure(update->out + "\n" + update->err);
  if (!updateProblems.empty() && ctx.progress) {
    ctx.progress("apt-get update: " + updateProblems + " (apt goes on with the index files it had)");
  }
  std::vector<std::string> args = {"install", "-y", "--no-install-recommends",
                                   "--allow-downgrades", "--allow-change-held-packages",
                                   "-o", "Dpkg::Options::=--force-confold",
                                   "-o", "Dpkg::Options::=--force-confdef"};
  args.insert(args.end(), specs.begin(), specs.end());
  auto install = runWithDpkgLock(transport, ctx, [&](int w) { return aptArgv(w, args); }, kSlow);
  if (!install) return tl::unexpected(install.error());
  if (!install->ok()) {
    return tl::unexpected(commandFailure("apt-get install", *install, updateProblems));
  }
  return okStatus();
}

Status aptMarkHold(Transport& transport, const ApplyContext& ctx,
                   const std::vector<std::string>& names) {
  auto r = runWithDpkgLock(transport, ctx, [&](int w) {
    std::vector<std::string> argv = {"apt-mark", "-o", "DPkg::Lock::Timeout=" + std::to_string(w),
                                     "hold"};
    argv.insert(argv.end(), names.begin(), names.end());
    return argv;
  });
  if (!r) return tl::unexpected(r.error());
  if (!r->ok()) return tl::unexpected(commandFailure("apt-mark hold", *r));
  return okStatus();
}

Status dpkgConfigurePending(Transport& transport, const ApplyContext& ctx) {
  auto r = runWithDpkgLock(
      transport, ctx,
      [](int) {
        return std::vector<std::string>{"env", "DEBIAN_FRONTEND=noninteractive", "dpkg",
                                        "--force-confdef", "--force-confold", "--configure", "-a"};
      },
      kSlow);
  if (!r) return tl::unexpected(r.error());
  if (!r->ok()) return tl::unexpected(commandFailure("dpkg --configure -a", *r));
  return okStatus();
}

}  // namespace piherd
