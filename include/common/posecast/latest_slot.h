// A one-value hand-off between two threads that keeps only the newest value: a slow consumer
// skips values instead of letting a queue grow, and the producer never blocks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

namespace posecast {

template <class T>
class LatestSlot {
 public:
  // Stores `value`; a value nobody took yet is dropped (and counted).
  void put(T value) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (value_) ++dropped_;
      value_ = std::move(value);
    }
    ready_.notify_one();
  }

  // Waits up to `timeout` for a value; nullopt on timeout or after close().
  std::optional<T> take(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    ready_.wait_for(lock, timeout, [&] { return value_.has_value() || closed_; });
    std::optional<T> out;
    out.swap(value_);
    if (out) taken_.notify_all();
    return out;
  }

  // Waits up to `timeout` until nobody's value is waiting (taken, or none put); false on timeout
  // or after close(). For a producer that must not outrun its consumer (benchmarks at full rate).
  bool wait_until_taken(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return taken_.wait_for(lock, timeout, [&] { return !value_.has_value() || closed_; }) &&
           !closed_;
  }

  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
    taken_.notify_all();
  }

  int64_t dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable taken_;
  std::optional<T> value_;
  int64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace posecast
