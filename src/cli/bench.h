// `posecast bench <what>`: each subcommand measures one stage and prints one JSON line that a user
// can paste into an issue. A new benchmark is a file bench_<what>.cpp defining add_bench_<what>,
// declared here and registered in add_bench (bench.cpp).
#pragma once

#include <vector>

#include "commands.h"

namespace posecast::cli {

void add_bench_pose(CLI::App& bench, Context& ctx);
void add_bench_pipeline(CLI::App& bench, Context& ctx);
void add_bench_mqtt(CLI::App& bench, Context& ctx);
void add_bench_train(CLI::App& bench, Context& ctx);
void add_bench_reps(CLI::App& bench, Context& ctx);

struct LatencySummary {
  double min_ms = 0;
  double median_ms = 0;
  double p90_ms = 0;  // nearest-rank 90th percentile
};
LatencySummary summarize_latencies(std::vector<double> ms);

// Peak resident set size of this process so far in MiB (VmHWM in /proc/self/status); 0 where
// that file is unavailable.
double peak_rss_mb();

}  // namespace posecast::cli
