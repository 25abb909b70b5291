#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

// Clang's thread-safety annotations (-Wthread-safety); no-ops for other compilers.
#if defined(__clang__)
#define MA_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define MA_THREAD_ANNOTATION(x)
#endif

#define MA_CAPABILITY(x) MA_THREAD_ANNOTATION(capability(x))
#define MA_SCOPED_CAPABILITY MA_THREAD_ANNOTATION(scoped_lockable)
#define MA_GUARDED_BY(x) MA_THREAD_ANNOTATION(guarded_by(x))
#define MA_ACQUIRE(...) MA_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define MA_ACQUIRE_SHARED(...) MA_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define MA_RELEASE(...) MA_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define MA_RELEASE_SHARED(...) MA_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define MA_EXCLUDES(...) MA_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define MA_REQUIRES(...) MA_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
// For code that locks a dynamic set of mutexes, which the analysis cannot follow.
#define MA_NO_THREAD_SAFETY_ANALYSIS MA_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace accumulator {

// std::shared_mutex with annotations, so clang checks every GUARDED_BY field.
class MA_CAPABILITY("mutex") Mutex {
 public:
  void Lock() MA_ACQUIRE() { mu_.lock(); }
  void Unlock() MA_RELEASE() { mu_.unlock(); }
  void LockShared() MA_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() MA_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

class MA_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) MA_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() MA_RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// std::mutex with annotations, for state that threads wait on with a CondVar.
class MA_CAPABILITY("mutex") WaitMutex {
 public:
  void Lock() MA_ACQUIRE() { mu_.lock(); }
  void Unlock() MA_RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

class MA_SCOPED_CAPABILITY WaitMutexLock {
 public:
  explicit WaitMutexLock(WaitMutex& mu) MA_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~WaitMutexLock() MA_RELEASE() { mu_.Unlock(); }
  WaitMutexLock(const WaitMutexLock&) = delete;
  WaitMutexLock& operator=(const WaitMutexLock&) = delete;

 private:
  WaitMutex& mu_;
};

// A condition variable over a WaitMutex (leveldb's port::CondVar): a wait releases the
// mutex and holds it again when it returns, so the analysis sees it held throughout.
// Callers loop on their condition; waits may wake spuriously.
class CondVar {
 public:
  void Wait(WaitMutex& mu) MA_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // Returns after `timeout` at the latest.
  void WaitFor(WaitMutex& mu, std::chrono::nanoseconds timeout) MA_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait_for(lock, timeout);
    lock.release();
  }
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

class MA_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(Mutex& mu) MA_ACQUIRE_SHARED(mu) : mu_(mu) { mu_.LockShared(); }
  ~ReaderLock() MA_RELEASE() { mu_.UnlockShared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace accumulator
