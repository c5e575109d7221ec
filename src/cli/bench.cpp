// posecast bench: the group of benchmark subcommands and what they share.
#include "bench.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace posecast::cli {

void add_bench(CLI::App& app, Context& ctx) {
  CLI::App* bench = app.add_subcommand(
      "bench", "Measure a stage; each benchmark prints one JSON line to paste into an issue");
  bench->require_subcommand(1);
  add_bench_pose(*bench, ctx);
  add_bench_pipeline(*bench, ctx);
  add_bench_mqtt(*bench, ctx);
  add_bench_train(*bench, ctx);
  add_bench_reps(*bench, ctx);
}

LatencySummary summarize_latencies(std::vector<double> ms) {
  if (ms.empty()) return {};
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  LatencySummary s;
  s.min_ms = ms.front();
  s.median_ms = n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  const size_t rank = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(n)));
  s.p90_ms = ms[std::max<size_t>(rank, 1) - 1];
  return s;
}

double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    double kib = 0;
    fields >> kib;
    return kib / 1024.0;
  }
  return 0;
}

}  // namespace posecast::cli
