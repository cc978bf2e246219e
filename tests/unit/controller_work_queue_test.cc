// The work queue and its rate limiters (client-go semantics), stepped by a fake clock.
#include "controller/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/unit/fake_clock.h"

namespace piherd {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;

class WorkQueueTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  WorkQueue queue_{clock_, defaultControllerRateLimiter(clock_)};
};

TEST_F(WorkQueueTest, AKeyAddedTwiceIsQueuedOnce) {
  queue_.add("Machine/a");
  queue_.add("Machine/b");
  queue_.add("Machine/a");
  EXPECT_EQ(queue_.length(), 2u);
  EXPECT_EQ(queue_.tryGet(), "Machine/a");
  EXPECT_EQ(queue_.tryGet(), "Machine/b");
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
}

TEST_F(WorkQueueTest, AKeyIsNeverHandedOutTwiceAtOnceAndReAddedWhileProcessingRunsOnceMoreAfter) {
  queue_.add("Machine/a");
  ASSERT_EQ(queue_.tryGet(), "Machine/a");
  EXPECT_TRUE(queue_.isProcessing("Machine/a"));
  queue_.add("Machine/a");
  queue_.add("Machine/a");
  EXPECT_EQ(queue_.tryGet(), std::nullopt) << "a key being processed must not be handed out again";
  queue_.done("Machine/a");
  EXPECT_EQ(queue_.tryGet(), "Machine/a") << "re-added while processing: once more after";
  queue_.done("Machine/a");
  EXPECT_EQ(queue_.tryGet(), std::nullopt) << "the two re-adds collapse into one";
}

TEST_F(WorkQueueTest, AddAfterWaitsForTheClock) {
  queue_.addAfter("Machine/a", 10s);
  queue_.addAfter("Machine/a", 30s);  // a later time never postpones an earlier one
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
  EXPECT_EQ(queue_.delayedLength(), 1u);
  clock_.step(9s);
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
  clock_.step(1s);
  EXPECT_EQ(queue_.tryGet(), "Machine/a");
  queue_.done("Machine/a");
  clock_.step(60s);
  EXPECT_EQ(queue_.tryGet(), std::nullopt) << "the key was queued once";
}

TEST_F(WorkQueueTest, PerKeyBackoffDoublesFrom5msUpTo1000sAndForgetResetsIt) {
  ExponentialBackoffLimiter limiter(5ms, 1000s);
  EXPECT_EQ(limiter.when("a"), 5ms);
  EXPECT_EQ(limiter.when("a"), 10ms);
  EXPECT_EQ(limiter.when("a"), 20ms);
  EXPECT_EQ(limiter.when("b"), 5ms) << "backoff is per key";
  EXPECT_EQ(limiter.retries("a"), 3);
  for (int i = 0; i < 40; ++i) limiter.when("a");
  EXPECT_EQ(limiter.when("a"), 1000s);
  limiter.forget("a");
  EXPECT_EQ(limiter.retries("a"), 0);
  EXPECT_EQ(limiter.when("a"), 5ms);
}

TEST_F(WorkQueueTest, OverallBucketAllowsBurst100ThenTenPerSecond) {
  TokenBucketLimiter bucket(clock_, 10, 100);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(bucket.when("k" + std::to_string(i)), 0ms) << i;
  EXPECT_EQ(bucket.when("x"), 100ms);
  EXPECT_EQ(bucket.when("y"), 200ms) << "each further request waits for its own token";
  clock_.step(1s);  // 10 tokens back, 2 owed
  for (int i = 0; i < 8; ++i) EXPECT_EQ(bucket.when("z"), 0ms) << i;
  EXPECT_EQ(bucket.when("z"), 100ms);
}

TEST_F(WorkQueueTest, RateLimitedAddsBackOffPerKeyUntilForgotten) {
  queue_.addRateLimited("Machine/a");  // 5 ms
  clock_.step(4ms);
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
  clock_.step(1ms);
  ASSERT_EQ(queue_.tryGet(), "Machine/a");
  queue_.done("Machine/a");
  queue_.addRateLimited("Machine/a");  // 10 ms
  clock_.step(9ms);
  EXPECT_EQ(queue_.tryGet(), std::nullopt);
  clock_.step(1ms);
  ASSERT_EQ(queue_.tryGet(), "Machine/a");
  queue_.done("Machine/a");
  EXPECT_EQ(queue_.retries("Machine/a"), 2);
  queue_.forget("Machine/a");
  queue_.addRateLimited("Machine/a");
  clock_.step(5ms);
  EXPECT_EQ(queue_.tryGet(), "Machine/a");
}

TEST_F(WorkQueueTest, BlockingGetSeesASteppedClockAndShutDownEndsIt) {
  queue_.addAfter("Machine/a", 1h);
  std::optional<std::string> got;
  std::thread worker([&] { got = queue_.get(); });
  clock_.step(1h);
  queue_.wake();
  worker.join();
  EXPECT_EQ(got, "Machine/a");
  std::thread waiter([&] { got = queue_.get(); });
  queue_.shutDown();
  waiter.join();
  EXPECT_EQ(got, std::nullopt);
  queue_.add("Machine/b");
  EXPECT_EQ(queue_.length(), 0u) << "a shut-down queue takes nothing";
}

}  // namespace
}  // namespace piherd
