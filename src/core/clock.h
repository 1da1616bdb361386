// Clock: time behind an interface so tests can control it.
// Thread-safe: both implementations may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace centaur {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic microseconds, for durations and timers.
  virtual int64_t NowMicros() const = 0;
  // Wall-clock Unix time in milliseconds, for records.
  virtual int64_t UnixMillis() const = 0;
};

// The process-wide real clock. Never null; never destroyed.
Clock* RealClock();

// A clock that moves only when told. Starts at 1,000,000 us / 1.7e12 ms.
class FakeClock : public Clock {
 public:
  int64_t NowMicros() const override { return now_us_.load(); }
  int64_t UnixMillis() const override { return 1700000000000 + now_us_.load() / 1000; }
  void Advance(int64_t micros) { now_us_ += micros; }

 private:
  std::atomic<int64_t> now_us_{1000000};
};

}  // namespace centaur
