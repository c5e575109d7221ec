// posecast bench pose: latency of one MoveNet estimate (pre-processing, model run, decoding).
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "bench.h"
#include "json_output.h"
#include "posecast/crop_region.h"
#include "posecast/image_io.h"
#include "posecast/movenet.h"
#include "posecast/movenet_io.h"
#include "posecast/multipose.h"
#include "posecast/source_dir.h"

namespace posecast::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct BenchPoseArgs {
  std::string model = "lightning";
  std::string models_dir;
  std::string image;
  int threads = 1;
  int iters = 50;
  int warmup = 5;
  bool profile = false;
};

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A person-like input: the repository's test photo when there is one, else a drawn figure.
Result<cv::Mat> bench_image(const std::string& requested, std::string& description) {
  std::string path = requested;
  if (path.empty()) {
    const std::filesystem::path photo =
        std::filesystem::path(POSECAST_SOURCE_DIR) / "tests" / "data" / "person.jpg";
    std::error_code ec;
    if (std::filesystem::is_regular_file(photo, ec)) path = photo.string();
  }
  if (!path.empty()) {
    Result<cv::Mat> image = read_image_file(path);
    if (image) description = path;
    return image;
  }
  cv::Mat image(480, 640, CV_8UC3, cv::Scalar(90, 110, 120));
  const cv::Scalar skin(120, 150, 200), shirt(40, 40, 160), legs(80, 60, 40);
  cv::circle(image, {320, 110}, 28, skin, cv::FILLED);
  cv::rectangle(image, {290, 145}, {350, 260}, shirt, cv::FILLED);
  cv::line(image, {295, 155}, {240, 240}, skin, 14);
  cv::line(image, {345, 155}, {400, 240}, skin, 14);
  cv::line(image, {305, 260}, {290, 420}, legs, 18);
  cv::line(image, {335, 260}, {350, 420}, legs, 18);
  description = "synthetic 640x480";
  return image;
}

// The model timed: MoveNet single-pose (one estimate on the whole image) or MultiPose (one
// detection of everyone in it).
struct PoseModelUnderTest {
  std::function<Status(const cv::Mat&)> estimate;
  int input_size = 0;
};

Result<PoseModelUnderTest> load_model_under_test(const BenchPoseArgs& args) {
  MoveNetOptions options;
  options.models_dir = args.models_dir;
  options.threads = args.threads;
  if (args.model == "multipose") {
    auto multi = MultiPoseNet::load(options);
    if (!multi) return multi.error();
    auto shared = std::make_shared<MultiPoseNet>(std::move(multi).value());
    return PoseModelUnderTest{[shared](const cv::Mat& image) -> Status {
                                auto people = shared->detect(image);
                                return people ? Status::Ok() : Status(people.error());
                              },
                              shared->input_size()};
  }
  options.variant = *variant_from_name(args.model);  // CLI11 checked the name
  auto single = MoveNet::load(options);
  if (!single) return single.error();
  auto shared = std::make_shared<MoveNet>(std::move(single).value());
  return PoseModelUnderTest{[shared](const cv::Mat& image) -> Status {
                              auto pose = shared->estimate(image);
                              return pose ? Status::Ok() : Status(pose.error());
                            },
                            shared->input_size()};
}

int run_bench_pose(const BenchPoseArgs& args) {
  // The engine prints its time per operator kind to stderr when the model is freed.
  if (args.profile) ::setenv("POSECAST_PROFILE", "1", 1);
  std::string description;
  Result<cv::Mat> image = bench_image(args.image, description);
  if (!image) {
    std::cerr << "posecast bench pose: " << image.error().message() << "\n";
    return 1;
  }
  const Clock::time_point load_start = Clock::now();
  Result<PoseModelUnderTest> model = load_model_under_test(args);
  if (!model) {
    std::cerr << "posecast bench pose: " << model.error().message() << "\n";
    return 1;
  }
  const double load_ms = ms_since(load_start);

  for (int i = 0; i < args.warmup; ++i) {
    if (Status s = model->estimate(*image); !s.ok()) {
      std::cerr << "posecast bench pose: " << s.error().message() << "\n";
      return 1;
    }
  }
  std::vector<double> estimate_ms;
  for (int i = 0; i < args.iters; ++i) {
    const Clock::time_point start = Clock::now();
    Status s = model->estimate(*image);
    estimate_ms.push_back(ms_since(start));
    if (!s.ok()) {
      std::cerr << "posecast bench pose: " << s.error().message() << "\n";
      return 1;
    }
  }
  // The per-frame work outside the model, timed on its own to show it stays negligible.
  cv::Mat square;
  HostTensor input;
  const CropRegion crop = full_frame_crop(image->cols, image->rows);
  std::vector<double> preprocess_ms;
  for (int i = 0; i < args.iters; ++i) {
    const Clock::time_point start = Clock::now();
    crop_and_resize(*image, crop, model->input_size, square);
    fill_rgb_int32(square, input);
    preprocess_ms.push_back(ms_since(start));
  }

  const LatencySummary estimate = summarize_latencies(estimate_ms);
  print_json_line(
      {{"model", args.model},
       {"iters", args.iters},
       {"threads", args.threads},
       {"min_ms", rounded(estimate.min_ms, 3)},
       {"median_ms", rounded(estimate.median_ms, 3)},
       {"p90_ms", rounded(estimate.p90_ms, 3)},
       {"rss_mb", rounded(peak_rss_mb(), 1)},
       {"preprocess_median_ms", rounded(summarize_latencies(preprocess_ms).median_ms, 3)},
       {"load_ms", rounded(load_ms, 1)},
       {"image", description}});
  return 0;
}

}  // namespace

void add_bench_pose(CLI::App& bench, Context& ctx) {
  auto args = std::make_shared<BenchPoseArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "pose",
      "Time MoveNet on one image after warm-up runs. Prints {\"model\",\"iters\",\"threads\","
      "\"min_ms\",\"median_ms\",\"p90_ms\",\"rss_mb\",\"preprocess_median_ms\",\"load_ms\","
      "\"image\"}: *_ms of one estimate (crop and resize, model run, decoding); "
      "preprocess_median_ms of the crop and resize alone; rss_mb the process's PEAK resident "
      "memory (VmHWM), model included.");
  cmd->add_option("--model", args->model,
                  "MoveNet variant, or multipose (MultiPose Lightning: everyone in the image)")
      ->check(CLI::IsMember({"lightning", "thunder", "multipose"}))
      ->capture_default_str();
  cmd->add_option("--iters", args->iters, "Timed runs")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_option("--warmup", args->warmup, "Untimed runs first")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads, "Inference threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_flag("--profile", args->profile,
                "Also print the model's time per operator kind (total ms and calls) to stderr, "
                "slowest first");
  cmd->add_option("--models", args->models_dir,
                  "Folder of the TF.js models (default: $POSECAST_MODELS, else "
                  "~/.cache/posecast/models)");
  cmd->add_option("--image", args->image,
                  "Input image (default: tests/data/person.jpg of the source tree, else a drawn "
                  "figure)");
  cmd->callback([args, &ctx] { ctx.exit_code = run_bench_pose(*args); });
}

}  // namespace posecast::cli
