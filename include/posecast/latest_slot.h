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
    return out;
  }

  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

  int64_t dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<T> value_;
  int64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace posecast
