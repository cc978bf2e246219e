// Test-only Clock that moves only when a test steps it (STYLE.md rule 10: no real time).
#pragma once

#include <atomic>

#include "controller/clock.h"

namespace piherd::testing {

class FakeClock : public Clock {
 public:
  TimePoint now() const override { return TimePoint(Duration(ticks_.load())); }
  std::chrono::system_clock::time_point wallNow() const override {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(Duration(ticks_.load()))) +
           std::chrono::hours(24 * 365 * 56);
  }
  void step(Duration d) { ticks_ += d.count(); }

 private:
  std::atomic<Duration::rep> ticks_{Duration(std::chrono::hours(1)).count()};
};

}  // namespace piherd::testing
