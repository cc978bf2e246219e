// DisruptionBudget: how many hosts may run disruptive actions (isDisruptive(): keepalived's
// config, reload, start) at the same time. The controller owns the cluster-wide budget;
// until it lands, `piherd apply` uses OneHostAtATime, so no two control planes' keepalived
// are touched at once and the VIP never loses two candidates in one step.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>

namespace piherd {

class DisruptionBudget {
 public:
  virtual ~DisruptionBudget() = default;
  // Blocks until `machine` may disrupt; every acquire() is paired with one release().
  virtual void acquire(const std::string& machine) = 0;
  virtual void release(const std::string& machine) = 0;
};

// One host at a time, in the order they ask.
class OneHostAtATime : public DisruptionBudget {
 public:
  void acquire(const std::string&) override {
    std::unique_lock<std::mutex> lock(mutex_);
    free_.wait(lock, [&] { return !busy_; });
    busy_ = true;
  }
  void release(const std::string&) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      busy_ = false;
    }
    free_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable free_;
  bool busy_ = false;
};

}  // namespace piherd
