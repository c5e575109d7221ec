// Polls a condition that another thread or process makes true, for tests of asynchronous parts.
#pragma once

#include <chrono>
#include <thread>

namespace posecast::testing {

// True as soon as `predicate` holds, polling every 20 ms; false when it still does not after
// `timeout`.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return predicate();
}

}  // namespace posecast::testing
