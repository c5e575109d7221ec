// posecast keypoints: MoveNet on still images, one JSON line per image.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "json_output.h"
#include "photo_options.h"
#include "posecast/movenet.h"

namespace posecast::cli {

namespace {

struct KeypointsArgs {
  std::string model = "lightning";
  std::string models_dir;
  int threads = 1;
  bool refine = false;
  std::vector<std::string> images;
};

int run_keypoints(const KeypointsArgs& args) {
  MoveNetOptions options;
  options.variant = *variant_from_name(args.model);  // CLI11 checked the name
  options.models_dir = args.models_dir;
  options.threads = args.threads;
  Result<MoveNet> movenet = MoveNet::load(options);
  if (!movenet) {
    std::cerr << "posecast keypoints: " << movenet.error().message() << "\n";
    return 1;
  }

  int failed = 0;
  for (const std::string& path : args.images) {
    Result<cv::Mat> image = read_image(path);
    if (!image) {
      std::cerr << "posecast keypoints: " << image.error().message() << "\n";
      ++failed;
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    Result<Pose> pose = args.refine ? movenet->estimate_refined(*image) : movenet->estimate(*image);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (!pose) {
      std::cerr << "posecast keypoints: " << path << ": " << pose.error().message() << "\n";
      ++failed;
      continue;
    }
    print_json_line({{"image", path},
                     {"width", image->cols},
                     {"height", image->rows},
                     {"model", args.model},
                     {"ms", rounded(took.count(), 2)},
                     {"keypoints", keypoints_json(*pose)}});
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_keypoints(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<KeypointsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "keypoints",
      "Estimate 17 body keypoints (MoveNet) in still images. Prints one JSON line per image: "
      "{\"image\",\"width\",\"height\",\"model\",\"ms\",\"keypoints\":[{\"name\",\"x\",\"y\","
      "\"score\"}x17]} with x, y in image pixels and ms the time of the estimate (not of "
      "decoding the file). Images that cannot be read are reported on stderr, the others are "
      "still processed, and the exit code is 1.");
  cmd->add_option("--model", args->model, "MoveNet variant")
      ->check(CLI::IsMember({"lightning", "thunder"}))
      ->capture_default_str();
  cmd->add_option("--models", args->models_dir,
                  "Folder of the TF.js models (default: $POSECAST_MODELS, else "
                  "~/.cache/posecast/models)");
  cmd->add_option("--threads", args->threads, "Inference threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_flag("--refine", args->refine,
                "Run a second pass on the crop around the body found (MoveNet's video cropping): "
                "better keypoints when the person is small in the image, twice the time");
  add_max_pixels_option(*cmd);
  cmd->add_option("images", args->images, "Image files (JPEG, PNG, ...)")->required();
  cmd->callback([args, &ctx] { ctx.exit_code = run_keypoints(*args); });
}

}  // namespace posecast::cli
