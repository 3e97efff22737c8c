#pragma once
// A mutex that Clang's thread-safety analysis understands (-Wthread-safety, on in the clang
// builds: `make test` builds the fuzz targets, and with them most modules, with clang). State
// a mutex protects is declared ARENA_GUARDED_BY(mu_); a function that expects the lock held is
// ARENA_REQUIRES(mu_). libstdc++'s std::mutex carries no annotations, hence this thin wrapper.
// With GCC the macros expand to nothing.
#include <mutex>

#if defined(__clang__)
#define ARENA_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define ARENA_THREAD_ANNOTATION(x)
#endif

#define ARENA_CAPABILITY(x) ARENA_THREAD_ANNOTATION(capability(x))
#define ARENA_SCOPED_CAPABILITY ARENA_THREAD_ANNOTATION(scoped_lockable)
#define ARENA_GUARDED_BY(x) ARENA_THREAD_ANNOTATION(guarded_by(x))
#define ARENA_PT_GUARDED_BY(x) ARENA_THREAD_ANNOTATION(pt_guarded_by(x))
#define ARENA_REQUIRES(...) ARENA_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ARENA_ACQUIRE(...) ARENA_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ARENA_RELEASE(...) ARENA_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define ARENA_TRY_ACQUIRE(...) ARENA_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define ARENA_EXCLUDES(...) ARENA_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ARENA_NO_THREAD_SAFETY_ANALYSIS ARENA_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace arena::core {

class ARENA_CAPABILITY("mutex") Mutex {
 public:
  void lock() ARENA_ACQUIRE() { mu_.lock(); }
  void unlock() ARENA_RELEASE() { mu_.unlock(); }
  bool try_lock() ARENA_TRY_ACQUIRE(true) { return mu_.try_lock(); }

 private:
  std::mutex mu_;
};

// std::lock_guard for Mutex, visible to the analysis.
class ARENA_SCOPED_CAPABILITY Lock {
 public:
  explicit Lock(Mutex& mu) ARENA_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~Lock() ARENA_RELEASE() { mu_.unlock(); }
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

 private:
  Mutex& mu_;
};

// std::unique_lock for Mutex (for a condition_variable_any, or to unlock early).
class ARENA_SCOPED_CAPABILITY UniqueLock {
 public:
  explicit UniqueLock(Mutex& mu) ARENA_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~UniqueLock() ARENA_RELEASE() {
    if (owns_) mu_.unlock();
  }
  void lock() ARENA_ACQUIRE() {
    mu_.lock();
    owns_ = true;
  }
  void unlock() ARENA_RELEASE() {
    mu_.unlock();
    owns_ = false;
  }
  UniqueLock(const UniqueLock&) = delete;
  UniqueLock& operator=(const UniqueLock&) = delete;

 private:
  Mutex& mu_;
  bool owns_ = true;
};

}  // namespace arena::core
