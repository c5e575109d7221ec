// Keypoints of many photos for training and evaluation: MoveNet on every photo, on all cores,
// cached by the file's content so that re-training and re-evaluating are instant.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "posecast/background.h"
#include "posecast/keypoints.h"
#include "posecast/movenet.h"
#include "posecast/status.h"

namespace posecast {

struct PoseExtractionOptions {
  MoveNetOptions movenet;  // threads is per worker
  // Two passes (whole image, then the crop around the body): the keypoints live tracking sees.
  bool refine = true;
  // kRemove: the background is flattened (background.h) before MoveNet; cached apart from kKeep.
  BackgroundMode background = BackgroundMode::kKeep;
  std::filesystem::path cache_dir;  // empty: default_keypoint_cache_dir(); "-": no cache
  int workers = 0;                  // 0: one per core
};

struct ExtractedPose {
  std::optional<Pose> pose;  // none when the photo could not be read
  std::string error;         // why not: names the file
  bool from_cache = false;
};

// One photo as training and evaluation see it, for one thread at a time: the background flattened
// when the options say so, then MoveNet (two passes with `refine`). extract_poses() uses it for
// every photo; `posecast classify` for its images, so that both see the same keypoints.
class PhotoPoseEstimator {
 public:
  static Result<PhotoPoseEstimator> load(const PoseExtractionOptions& options);

  struct Analysed {
    cv::Mat image;  // what MoveNet saw: the flattened photo, or the photo itself (shared, no copy)
    Pose pose;
  };
  Result<Analysed> estimate(const cv::Mat& bgr) const;

 private:
  PhotoPoseEstimator(MoveNet movenet, std::optional<BackgroundRemover> remover, bool refine);
  MoveNet movenet_;
  std::optional<BackgroundRemover> remover_;
  bool refine_ = true;
};

// done / total photos, after each one.
using ExtractionProgress = std::function<void(size_t done, size_t total)>;

// $XDG_CACHE_HOME/posecast/keypoints, else ~/.cache/posecast/keypoints.
std::filesystem::path default_keypoint_cache_dir();

// One entry per photo, in order. A photo that cannot be read is an entry with an error, not a
// failure of the whole call; the call fails only when MoveNet cannot be loaded.
Result<std::vector<ExtractedPose>> extract_poses(const std::vector<std::filesystem::path>& photos,
                                                 const PoseExtractionOptions& options,
                                                 const ExtractionProgress& progress = {});

}  // namespace posecast
