// Keypoints of many photos for training and evaluation: MoveNet on every photo, on all cores,
// cached by the file's content so that re-training and re-evaluating are instant.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "posecast/keypoints.h"
#include "posecast/movenet.h"
#include "posecast/status.h"

namespace posecast {

struct PoseExtractionOptions {
  MoveNetOptions movenet;  // threads is per worker
  // Two passes (whole image, then the crop around the body): the keypoints live tracking sees.
  bool refine = true;
  std::filesystem::path cache_dir;  // empty: default_keypoint_cache_dir(); "-": no cache
  int workers = 0;                  // 0: one per core
};

struct ExtractedPose {
  std::optional<Pose> pose;  // none when the photo could not be read
  std::string error;         // why not: names the file
  bool from_cache = false;
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
