#pragma once
// Time as a collaborator: everything that expires, widens or backs off asks a Clock, so tests
// advance a FakeClock instead of sleeping.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace arena::core {

using SystemTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual SystemTime now() const = 0;

  std::int64_t now_unix() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  SystemTime now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(SystemTime start = SystemTime{std::chrono::seconds{1'700'000'000}})
      : ns_(start.time_since_epoch().count()) {}
  SystemTime now() const override { return SystemTime{SystemTime::duration{ns_.load()}}; }
  void advance(std::chrono::nanoseconds d) {
    ns_.fetch_add(std::chrono::duration_cast<SystemTime::duration>(d).count());
  }
  void set(SystemTime t) { ns_.store(t.time_since_epoch().count()); }

 private:
  std::atomic<SystemTime::rep> ns_;
};

}  // namespace arena::core
