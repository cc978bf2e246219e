// Clock: the controller's one source of time (STYLE.md rule 3), so that the work queue's
// backoff and rate limits, the resync timer and status timestamps are stepped by a fake
// clock in tests. steady() is for durations and deadlines, wallNow() for RFC 3339 status
// times. SystemClock is the production one; tests/unit/fake_clock.h steps time by hand.
#pragma once

#include <chrono>
#include <string>

namespace piherd {

class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  virtual std::chrono::system_clock::time_point wallNow() const = 0;
};

class SystemClock : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point wallNow() const override {
    return std::chrono::system_clock::now();
  }
};

// "2026-12-02T01:02:03Z".
std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace piherd
