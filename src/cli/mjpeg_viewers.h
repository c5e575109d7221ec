// The clients of `posecast bench pipeline`: K viewers of /stream.mjpg over plain loopback sockets,
// each on its own thread, timing what reaches them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace posecast::cli {

// Wall-clock time in milliseconds since the epoch, with the fraction.
double unix_ms_precise();

// What all viewers saw together.
struct ViewerTotals {
  std::vector<double> latency_ms;
  double cpu_seconds = 0;
  double min_fps = -1;
  int64_t frames = 0;
  std::string error;  // the first viewer's that failed
};

class MjpegViewer;

// The --viewers clients, one thread each, started by the constructor. A viewer counts frames only
// while `measuring` is set.
class ViewerGroup {
 public:
  ViewerGroup(int count, uint16_t port, const std::atomic<bool>& measuring);
  ~ViewerGroup();  // request_stop() and join()
  ViewerGroup(const ViewerGroup&) = delete;
  ViewerGroup& operator=(const ViewerGroup&) = delete;

  void request_stop() { stop_ = true; }
  void join();
  // After join(); `wall`: the measured seconds.
  ViewerTotals totals(double wall) const;

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<MjpegViewer>> viewers_;
  std::vector<std::thread> threads_;
};

}  // namespace posecast::cli
