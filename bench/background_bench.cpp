// Background removal per frame on one thread: the selfie model's mask of tests/data/person2.png
// (640x480, the live pipeline's default size, and scaled to 1280x720), the whole flatten (mask +
// blend), unguided and guided by the body, and the blend alone.
//   build/background_bench [--benchmark_min_time=2]
#include <benchmark/benchmark.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "posecast/background.h"
#include "posecast/movenet.h"
#include "posecast/source_dir.h"

namespace {

const posecast::BackgroundRemover* remover() {
  static std::optional<posecast::BackgroundRemover> loaded = [] {
    std::optional<posecast::BackgroundRemover> r;
    if (auto l = posecast::BackgroundRemover::load()) r.emplace(std::move(l).value());
    return r;
  }();
  return loaded ? &*loaded : nullptr;
}

cv::Mat frame(int width, int height) {
  cv::Mat photo =
      cv::imread((std::filesystem::path(POSECAST_SOURCE_DIR) / "tests/data/person2.png").string(),
                 cv::IMREAD_COLOR);
  if (!photo.empty() && photo.cols != width) cv::resize(photo, photo, {width, height});
  return photo;
}

void BM_Mask(benchmark::State& state) {
  const cv::Mat image = frame(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  if (!remover() || image.empty()) return state.SkipWithError("selfie model or photo missing");
  for (auto _ : state) benchmark::DoNotOptimize(remover()->mask(image));
}

void BM_Flatten(benchmark::State& state) {
  const cv::Mat image = frame(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  if (!remover() || image.empty()) return state.SkipWithError("selfie model or photo missing");
  for (auto _ : state) benchmark::DoNotOptimize(remover()->flatten(image));
}

// Guided by the body MoveNet finds in the frame (what `run` and the photo commands do): the model
// sees the box around the body, and the bones are drawn into the mask.
void BM_FlattenGuided(benchmark::State& state) {
  const cv::Mat image = frame(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  posecast::Result<posecast::MoveNet> movenet = posecast::MoveNet::load({});
  if (!remover() || image.empty() || !movenet)
    return state.SkipWithError("selfie or MoveNet model, or photo missing");
  const posecast::Pose body = movenet->estimate(image).value();
  for (auto _ : state) benchmark::DoNotOptimize(remover()->flatten(image, body));
}

// The blend alone (no model): what flatten adds to mask.
void BM_FlattenWithMask(benchmark::State& state) {
  const cv::Mat image = frame(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  if (image.empty()) return state.SkipWithError("photo missing");
  cv::Mat mask(image.size(), CV_32FC1);
  cv::randu(mask, 0.0f, 1.0f);
  for (auto _ : state) benchmark::DoNotOptimize(posecast::flatten_with_mask(image, mask));
}

}  // namespace

BENCHMARK(BM_Mask)->Args({640, 480})->Args({1280, 720})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Flatten)->Args({640, 480})->Args({1280, 720})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FlattenGuided)->Args({640, 480})->Args({1280, 720})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FlattenWithMask)->Args({640, 480})->Args({1280, 720})->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
