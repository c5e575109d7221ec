// posecast bench reps: the rep counter's time per frame (it runs inside the analysis of every
// frame, in classify_ms), on sketched bodies doing squats, push-ups and jumping jacks.
#include <chrono>
#include <cmath>
#include <iostream>

#include "bench.h"
#include "json_output.h"
#include "posecast/exercise_sketches.h"
#include "posecast/rep_counter.h"

namespace posecast::cli {

namespace {

struct RepsBenchArgs {
  std::string library;
  int frames = 30000;
};

// Frame i of a 30 fps sequence: 2 s reps cycling through three exercises, 20 reps each.
Pose sketched_frame(int i) {
  static const char* const kIds[] = {"squat", "pushup", "jumping_jack"};
  const int frames_per_rep = 60;
  const int rep = i / frames_per_rep;
  const float phase = static_cast<float>(i % frames_per_rep) / frames_per_rep;
  const float depth = (1 - std::cos(2 * 3.14159265f * phase)) / 2;
  const SketchView view = rep / 20 % 2 ? SketchView::kFront : SketchView::kSide;
  return exercise_pose(*exercise_sketch(kIds[rep / 20 % 3], depth, view));
}

int run_bench_reps(const RepsBenchArgs& args) {
  auto library = load_exercise_library(args.library.empty() ? default_exercise_library_path()
                                                            : std::filesystem::path(args.library));
  if (!library) {
    std::cerr << "posecast bench reps: " << library.error().message() << "\n";
    return 1;
  }
  const size_t exercises = library->exercises.size();
  RepCounter counter(std::move(library).value());
  std::vector<Pose> poses;
  for (int i = 0; i < args.frames; ++i) poses.push_back(sketched_frame(i));
  std::vector<double> ms;
  ms.reserve(poses.size());
  int total_reps = 0;
  for (size_t i = 0; i < poses.size(); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto state = counter.update(poses[i], true, static_cast<double>(i) / 30);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (state) total_reps = state->total_reps;  // keeps the call from being optimised away
  }
  const LatencySummary s = summarize_latencies(ms);
  double max_ms = 0;
  for (double v : ms) max_ms = std::max(max_ms, v);
  auto us = [](double v) { return rounded(v * 1000, 2); };
  print_json_line({{"bench", "reps"},
                   {"frames", args.frames},
                   {"exercises", exercises},
                   {"last_total_reps", total_reps},
                   {"median_us", us(s.median_ms)},
                   {"p90_us", us(s.p90_ms)},
                   {"max_us", us(max_ms)}});
  return 0;
}

}  // namespace

void add_bench_reps(CLI::App& bench, Context& ctx) {
  auto args = std::make_shared<RepsBenchArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "reps",
      "The rep counter's time per frame (every exercise's phase machine) on sketched squats, "
      "push-ups and jumping jacks. One JSON line: frames, exercises, median/p90/max microseconds.");
  cmd->add_option("--library", args->library, "Exercise library (default: the built-in one)");
  cmd->add_option("--frames", args->frames, "Frames to time")
      ->check(CLI::Range(100, 10000000))
      ->capture_default_str();
  cmd->callback([args, &ctx] { ctx.exit_code = run_bench_reps(*args); });
}

}  // namespace posecast::cli
