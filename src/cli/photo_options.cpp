#include "photo_options.h"

#include <filesystem>

#include "posecast/image_io.h"

namespace posecast::cli {

void add_model_options(CLI::App& cmd, std::string& pose_model, std::string& models_dir,
                       std::string& library) {
  cmd.add_option("--pose-model", pose_model, "MoveNet variant for the keypoints")
      ->check(CLI::IsMember({"lightning", "thunder"}))
      ->capture_default_str();
  cmd.add_option(
      "--models", models_dir,
      "Folder of the pretrained models (default: $POSECAST_MODELS, else ~/.cache/posecast/models)");
  cmd.add_option("--library", library, "Pose library JSON (default: the built-in data/poses.json)");
}

void add_max_pixels_option(CLI::App& cmd) {
  cmd.add_option_function<int64_t>(
         "--max-pixels", [](const int64_t& pixels) { set_max_image_pixels(pixels); },
         "Refuse images larger than this many pixels, from their header, before decoding "
         "(default: " +
             std::to_string(kDefaultMaxImagePixels) + ")")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
}

void add_photo_options(CLI::App& cmd, PhotoArgs& args) {
  add_model_options(cmd, args.pose_model, args.models_dir, args.library);
  add_max_pixels_option(cmd);
  cmd.add_flag(
      "--no-refine", args.no_refine,
      "One MoveNet pass per photo instead of two (whole image, then the crop around the body)");
}

void add_background_option(CLI::App& cmd, PhotoArgs& args) {
  cmd.add_option("--background", args.background,
                 "'remove': segment the person (the selfie model) and paint the background one "
                 "flat grey before MoveNet and the classifier see the photo")
      ->check(CLI::IsMember({"keep", "remove"}))
      ->capture_default_str();
}

PoseExtractionOptions extraction_options(const PhotoArgs& args) {
  PoseExtractionOptions o;
  o.movenet.variant = *variant_from_name(args.pose_model);  // CLI11 checked the name
  o.movenet.models_dir = args.models_dir;
  o.refine = !args.no_refine;
  o.cache_dir = args.cache;
  o.workers = args.workers;
  o.background = *background_mode_from_name(args.background);  // CLI11 checked the name
  return o;
}

Result<PoseLibrary> load_library(const PhotoArgs& args) {
  return load_pose_library(args.library.empty() ? default_pose_library_path()
                                                : std::filesystem::path(args.library));
}

Result<cv::Mat> read_image(const std::string& path) { return read_image_file(path); }

}  // namespace posecast::cli
