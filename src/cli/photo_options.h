// Options shared by the subcommands that work on photos (classify, eval, train pose, pose add):
// which MoveNet, where the models and the pose library are, the keypoint cache, the background.
#pragma once

#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>
#include <string>

#include "posecast/pose_extraction.h"
#include "posecast/pose_library.h"
#include "posecast/status.h"

namespace posecast::cli {

struct PhotoArgs {
  std::string pose_model = "lightning";
  std::string models_dir;
  std::string library;  // empty: default_pose_library_path()
  std::string cache;    // empty: the default keypoint cache; "-": none
  bool no_refine = false;
  int workers = 0;
  std::string background = "keep";  // --background: "keep" or "remove"
};

void add_photo_options(CLI::App& cmd, PhotoArgs& args);
// --pose-model, --models and --library: which MoveNet, where the models and the pose library are
// (the photo commands and the video commands share them).
void add_model_options(CLI::App& cmd, std::string& pose_model, std::string& models_dir,
                       std::string& library);
// --background keep|remove (classify, eval, train pose).
void add_background_option(CLI::App& cmd, PhotoArgs& args);
PoseExtractionOptions extraction_options(const PhotoArgs& args);
Result<PoseLibrary> load_library(const PhotoArgs& args);

// --max-pixels (the photo commands, train image, run's photo sources): decode_image's cap, for
// the whole process (image_io.h).
void add_max_pixels_option(CLI::App& cmd);

// The image as BGR, or an error naming it and saying what is wrong with it.
Result<cv::Mat> read_image(const std::string& path);

}  // namespace posecast::cli
