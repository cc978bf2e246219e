#include "platform/transport_pool.h"

#include <algorithm>
#include <condition_variable>

#include "platform/ssh_transport.h"

namespace piherd {

// Counting slots for operations in flight across hosts.
struct TransportPool::Shared {
  explicit Shared(size_t slots, DurationObserver observer)
      : available(std::max<size_t>(slots, 1)), onDuration(std::move(observer)) {}

  void acquire() {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [this] { return available > 0; });
    --available;
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++available;
    }
    cv.notify_one();
  }

  std::mutex mutex;
  std::condition_variable cv;
  size_t available;
  const DurationObserver onDuration;
};

namespace {

class SlotGuard {
 public:
  explicit SlotGuard(TransportPool::Shared& shared) : shared_(shared) { shared_.acquire(); }
  ~SlotGuard() { shared_.release(); }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;

 private:
  TransportPool::Shared& shared_;
};

// What the pool hands out: the host's transport behind its per-host mutex and a shared slot.
class PooledTransport : public Transport {
 public:
  PooledTransport(std::unique_ptr<Transport> inner, std::shared_ptr<TransportPool::Shared> shared)
      : inner_(std::move(inner)), shared_(std::move(shared)) {}

  const std::string& hostName() const override { return inner_->hostName(); }

  Result<CommandResult> run(const std::vector<std::string>& argv,
                            const ExecOptions& options) override {
    return guarded([&] { return inner_->run(argv, options); });
  }
  Status writeFile(const FileSpec& file) override {
    return guarded([&] { return inner_->writeFile(file); });
  }
  Result<std::string> readFile(const std::string& path) override {
    return guarded([&] { return inner_->readFile(path); });
  }

 private:
  template <typename F>
  auto guarded(F op) -> decltype(op()) {
    std::lock_guard<std::mutex> hostLock(hostMutex_);  // before the slot: see the header
    std::chrono::duration<double> took{};
    auto result = [&] {
      SlotGuard slot(*shared_);
      auto start = std::chrono::steady_clock::now();
      auto r = op();
      took = std::chrono::steady_clock::now() - start;
      return r;
    }();
    if (shared_->onDuration) shared_->onDuration(inner_->hostName(), took.count());
    return result;
  }

  std::unique_ptr<Transport> inner_;
  std::shared_ptr<TransportPool::Shared> shared_;
  std::mutex hostMutex_;
};

}  // namespace

TransportPool::TransportPool(Options options)
    : options_(std::move(options)),
      shared_(std::make_shared<Shared>(options_.maxConcurrent, options_.onCommandDuration)) {
  if (!options_.factory) {
    options_.factory = [](const SshTarget& target) -> std::unique_ptr<Transport> {
      return std::make_unique<SshTransport>(target);
    };
  }
}

TransportPool::TransportPool() : TransportPool(Options{}) {}

TransportPool::~TransportPool() = default;

std::shared_ptr<Transport> TransportPool::get(const SshTarget& target) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(target.machine);
  if (it != entries_.end() && it->second.target == target) return it->second.transport;
  auto transport = std::make_shared<PooledTransport>(options_.factory(target), shared_);
  entries_[target.machine] = Entry{target, transport};
  return transport;
}

void TransportPool::remove(const std::string& machine) {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.erase(machine);
}

size_t TransportPool::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

}  // namespace piherd
