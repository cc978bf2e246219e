#include "controller/work_queue.h"

#include <algorithm>

namespace piherd {

WorkQueue::WorkQueue(const Clock& clock, std::unique_ptr<RateLimiter> limiter)
    : clock_(clock), limiter_(std::move(limiter)) {}

void WorkQueue::insertLocked(const std::string& key) {
  if (shutDown_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  if (processing_.contains(key)) return;  // queued by done()
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  insertLocked(key);
}

void WorkQueue::addAfter(const std::string& key, Clock::Duration delay) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shutDown_) return;
  if (delay <= Clock::Duration::zero()) {
    insertLocked(key);
    return;
  }
  Clock::TimePoint at = clock_.now() + delay;
  auto [it, inserted] = waiting_.emplace(key, at);
  if (!inserted && at < it->second) it->second = at;
  cv_.notify_all();  // a sleeping get() may now have an earlier deadline
}

void WorkQueue::addRateLimited(const std::string& key) { addAfter(key, limiter_->when(key)); }

void WorkQueue::forget(const std::string& key) { limiter_->forget(key); }

int WorkQueue::retries(const std::string& key) const { return limiter_->retries(key); }

void WorkQueue::promoteDueLocked() {
  Clock::TimePoint now = clock_.now();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second <= now) {
      insertLocked(it->first);
      it = waiting_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<std::string> WorkQueue::popLocked() {
  if (queue_.empty()) return std::nullopt;
  std::string key = queue_.front();
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (shutDown_) return std::nullopt;
    promoteDueLocked();
    if (auto key = popLocked()) return key;
    // Sleep until the earliest delayed key is due. The clock may be a fake one that a test
    // steps, so the wait is also capped: a stepped clock is noticed within 50 ms, or at once
    // after wake().
    auto cap = std::chrono::milliseconds(50);
    Clock::Duration wait = cap;
    if (!waiting_.empty()) {
      auto earliest = std::min_element(waiting_.begin(), waiting_.end(), [](auto& a, auto& b) {
        return a.second < b.second;
      });
      wait = std::clamp<Clock::Duration>(earliest->second - clock_.now(), Clock::Duration::zero(),
                                         cap);
    }
    cv_.wait_for(lock, wait);
  }
}

std::optional<std::string> WorkQueue::tryGet() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shutDown_) return std::nullopt;
  promoteDueLocked();
  return popLocked();
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  processing_.erase(key);
  if (dirty_.contains(key) && !shutDown_) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::wake() { cv_.notify_all(); }

void WorkQueue::shutDown() {
  std::lock_guard<std::mutex> lock(mutex_);
  shutDown_ = true;
  cv_.notify_all();
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return shutDown_;
}

size_t WorkQueue::length() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

size_t WorkQueue::delayedLength() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.size();
}

bool WorkQueue::isProcessing(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return processing_.contains(key);
}

}  // namespace piherd
