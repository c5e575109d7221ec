// Runs fn(0..n-1) on a few threads. fn must not throw (wrap OpenCV calls): an exception escaping
// a thread would end the process. Private to src/data.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace posecast::data {

// workers <= 0: one per core.
inline int worker_count(int workers, size_t n) {
  if (workers <= 0) workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return static_cast<int>(std::min<size_t>(static_cast<size_t>(workers), std::max<size_t>(n, 1)));
}

template <class Fn>
void parallel_for(size_t n, int workers, Fn&& fn) {
  const int threads = worker_count(workers, n);
  if (threads <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto loop = [&] {
    for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(loop);
  loop();
  for (std::thread& t : pool) t.join();
}

}  // namespace posecast::data
