// Rate limiters of the work queue, after client-go's util/workqueue/default_rate_limiters.go:
// when() says how long to wait before a key may be processed again. The controller's default
// is the maximum of a per-key exponential backoff (5 ms doubling to 1000 s, reset by forget())
// and an overall token bucket (10 per second, burst 100) so that a flood of failures cannot
// turn into a flood of SSH commands. Time comes from the injected Clock.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/clock.h"

namespace piherd {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // The delay before `key` may be processed again; counts as one more failure of it.
  virtual Clock::Duration when(const std::string& key) = 0;
  // The key succeeded: its backoff starts over.
  virtual void forget(const std::string& key) = 0;
  // Failures counted for the key since the last forget().
  virtual int retries(const std::string& key) const = 0;
};

class ExponentialBackoffLimiter : public RateLimiter {
 public:
  ExponentialBackoffLimiter(Clock::Duration base, Clock::Duration max) : base_(base), max_(max) {}
  Clock::Duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  int retries(const std::string& key) const override;

 private:
  const Clock::Duration base_, max_;
  mutable std::mutex mutex_;
  std::map<std::string, int> failures_;
};

// A token bucket: `qps` tokens a second, at most `burst` saved up. A request that finds no
// token is given the time at which its reserved token will exist (golang.org/x/time/rate's
// Reserve().Delay(), which client-go uses).
class TokenBucketLimiter : public RateLimiter {
 public:
  TokenBucketLimiter(const Clock& clock, double qps, int burst);
  Clock::Duration when(const std::string& key) override;
  void forget(const std::string&) override {}
  int retries(const std::string&) const override { return 0; }

 private:
  const Clock& clock_;
  const double qps_;
  const double burst_;
  std::mutex mutex_;
  double tokens_;
  Clock::TimePoint last_;
};

// The longest delay of its parts.
class MaxOfLimiter : public RateLimiter {
 public:
  explicit MaxOfLimiter(std::vector<std::unique_ptr<RateLimiter>> parts) : parts_(std::move(parts)) {}
  Clock::Duration when(const std::string& key) override;
  void forget(const std::string& key) override;
  int retries(const std::string& key) const override;

 private:
  std::vector<std::unique_ptr<RateLimiter>> parts_;
};

// 5 ms .. 1000 s per key, combined with 10 qps / burst 100 overall.
std::unique_ptr<RateLimiter> defaultControllerRateLimiter(const Clock& clock);

}  // namespace piherd
