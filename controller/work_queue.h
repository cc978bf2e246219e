// WorkQueue: the controller's queue of keys to reconcile ("Machine/master01"), with
// client-go's workqueue semantics (util/workqueue/queue.go, delaying_queue.go,
// rate_limiting_queue.go):
// - a key added while queued is queued once (the dirty set);
// - a key is never handed to two workers at once (the processing set); added while it is
//   being processed, it is queued again when done() is called: "once more after";
// - addAfter() holds a key until its time on the injected Clock, addRateLimited() asks the
//   RateLimiter how long; forget() resets a key's backoff after a success.
// get() blocks until a key is ready or the queue is shut down; tryGet() never blocks
// (tests step a fake clock and then call it).
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "controller/clock.h"
#include "controller/rate_limiter.h"

namespace piherd {

class WorkQueue {
 public:
  WorkQueue(const Clock& clock, std::unique_ptr<RateLimiter> limiter);

  void add(const std::string& key);
  void addAfter(const std::string& key, Clock::Duration delay);
  void addRateLimited(const std::string& key);
  void forget(const std::string& key);
  int retries(const std::string& key) const;

  // The next ready key, marked processing; nullopt once shut down (queued keys are dropped).
  std::optional<std::string> get();
  std::optional<std::string> tryGet();
  // The worker finished `key`; if it was added meanwhile, it is queued again.
  void done(const std::string& key);

  // Wakes get() to re-check delayed keys (after a fake clock was stepped).
  void wake();
  void shutDown();
  bool shuttingDown() const;

  size_t length() const;           // keys ready to be handed out
  size_t delayedLength() const;    // keys waiting for their time
  bool isProcessing(const std::string& key) const;

 private:
  void promoteDueLocked();
  void insertLocked(const std::string& key);
  std::optional<std::string> popLocked();

  const Clock& clock_;
  std::unique_ptr<RateLimiter> limiter_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> dirty_;
  std::set<std::string> processing_;
  // Delayed keys: the earliest time each is wanted (a later addAfter never postpones it).
  std::map<std::string, Clock::TimePoint> waiting_;
  bool shutDown_ = false;
};

}  // namespace piherd
