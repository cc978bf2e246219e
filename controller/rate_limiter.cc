#include "controller/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace piherd {

Clock::Duration ExponentialBackoffLimiter::when(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  int exp = failures_[key]++;
  // base * 2^exp, computed in floating point so a large exponent saturates instead of
  // overflowing (client-go does the same).
  double d = std::chrono::duration<double>(base_).count() * std::pow(2.0, std::min(exp, 62));
  double maxSeconds = std::chrono::duration<double>(max_).count();
  if (d >= maxSeconds) return max_;
  return std::chrono::round<Clock::Duration>(std::chrono::duration<double>(d));
}

void ExponentialBackoffLimiter::forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_.erase(key);
}

int ExponentialBackoffLimiter::retries(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

TokenBucketLimiter::TokenBucketLimiter(const Clock& clock, double qps, int burst)
    : clock_(clock), qps_(qps), burst_(burst), tokens_(burst), last_(clock.now()) {}

Clock::Duration TokenBucketLimiter::when(const std::string&) {
  std::lock_guard<std::mutex> lock(mutex_);
  Clock::TimePoint now = clock_.now();
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() * qps_);
    last_ = now;
  }
  tokens_ -= 1;  // reserve one, possibly going into debt: later callers wait longer
  if (tokens_ >= 0) return Clock::Duration::zero();
  return std::chrono::round<Clock::Duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

Clock::Duration MaxOfLimiter::when(const std::string& key) {
  Clock::Duration longest = Clock::Duration::zero();
  for (auto& p : parts_) longest = std::max(longest, p->when(key));
  return longest;
}

void MaxOfLimiter::forget(const std::string& key) {
  for (auto& p : parts_) p->forget(key);
}

int MaxOfLimiter::retries(const std::string& key) const {
  int most = 0;
  for (const auto& p : parts_) most = std::max(most, p->retries(key));
  return most;
}

std::unique_ptr<RateLimiter> defaultControllerRateLimiter(const Clock& clock) {
  std::vector<std::unique_ptr<RateLimiter>> parts;
  parts.push_back(std::make_unique<ExponentialBackoffLimiter>(std::chrono::milliseconds(5),
                                                              std::chrono::seconds(1000)));
  parts.push_back(std::make_unique<TokenBucketLimiter>(clock, 10.0, 100));
  return std::make_unique<MaxOfLimiter>(std::move(parts));
}

}  // namespace piherd
