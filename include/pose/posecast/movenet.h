// MoveNet single-pose estimator: an image of any size -> 17 keypoints in image pixels.
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core/types.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "posecast/engine.h"
#include "posecast/keypoints.h"
#include "posecast/status.h"

namespace cv {
class Mat;
}

namespace posecast {

enum class MoveNetVariant { kLightning, kThunder };

std::string_view variant_name(MoveNetVariant variant);
std::optional<MoveNetVariant> variant_from_name(std::string_view name);

struct MoveNetOptions {
  MoveNetVariant variant = MoveNetVariant::kLightning;
  std::filesystem::path models_dir;  // empty: model_store's default
  int threads = 1;
  // How many estimates may run at once, each on its caller's thread with its own copy of the
  // model (the engine's kernels keep per-run state): frames in flight in the live pipeline.
  int instances = 1;
};

// A crop of the image in normalised coordinates [0,1] (may extend past the edges).
struct CropRegion {
  float ymin = 0, xmin = 0, ymax = 1, xmax = 1;
  friend bool operator==(const CropRegion&, const CropRegion&) = default;
};

class MoveNet {
 public:
  static Result<MoveNet> load(const MoveNetOptions& options);
  MoveNet(MoveNet&&) noexcept;
  MoveNet& operator=(MoveNet&&) noexcept;
  ~MoveNet();

  // A still image: the whole image, padded to a square without distortion. `bgr` is CV_8UC3.
  // Safe to call from several threads: up to MoveNetOptions::instances run at once, the others
  // wait for a free copy of the model.
  Result<Pose> estimate(const cv::Mat& bgr) const;
  // Only `crop` of the image, resized to the model input (outside the image counts as black).
  Result<Pose> estimate(const cv::Mat& bgr, const CropRegion& crop) const;
  // A still image in two passes: the whole image, then the crop around the body it found (what
  // track() does on the next frame). Twice the time; worth it when the person fills little of
  // the image. Returns the pass with the higher mean score.
  Result<Pose> estimate_refined(const cv::Mat& bgr) const;

  // A video frame: crops around the body found in the previous frame (MoveNet's published
  // cropping algorithm), so people far from the camera are still found. A frame of a new size
  // starts again from the full frame; so does reset().
  Result<Pose> track(const cv::Mat& bgr);
  // track() in two halves, for frames in flight at once: the crop a frame of `frame_size` gets
  // now (from the latest body follow() was given; the full frame at first), and the body found
  // in a frame, which moves the crop for the frames after it.
  CropRegion tracking_crop(cv::Size frame_size) const;
  void follow(const Pose& pose, cv::Size frame_size);
  void reset();
  // The crop the next track() call will use; none before the first frame and after reset().
  std::optional<CropRegion> next_crop() const;

  MoveNetVariant variant() const;
  int input_size() const;  // 192 (Lightning) or 256 (Thunder)

 private:
  struct Impl;
  explicit MoveNet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
