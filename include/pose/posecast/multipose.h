// MoveNet MultiPose Lightning: up to six people in one pass over the whole image, each with a box,
// a detection score and 17 keypoints. posecast uses it to find people; each one found is then
// followed with the single-pose model on a crop around them (people_tracker.h), whose keypoints
// are the ones the classifier and the coach were tuned on.
#pragma once

#include <memory>
#include <vector>

#include "posecast/keypoints.h"
#include "posecast/movenet.h"
#include "posecast/status.h"

namespace cv {
class Mat;
}

namespace posecast {

struct PersonDetection {
  Pose pose;        // image pixels
  CropRegion box;   // normalised to the image: the model's own box around the person
  float score = 0;  // 0-1
};

// MultiPose's output row [17 x (y, x, score), ymin, xmin, ymax, xmax, score], normalised to the
// input square that showed `crop` of a width x height image, as a detection in image pixels.
PersonDetection decode_person_row(const float* row, const CropRegion& crop, int width, int height);

class MultiPoseNet {
 public:
  // options.variant is ignored (there is one MultiPose model); models_dir and threads apply.
  static Result<MultiPoseNet> load(const MoveNetOptions& options);
  MultiPoseNet(MultiPoseNet&&) noexcept;
  MultiPoseNet& operator=(MultiPoseNet&&) noexcept;
  ~MultiPoseNet();

  // The people in `bgr` (CV_8UC3) scoring at least min_score, best first.
  Result<std::vector<PersonDetection>> detect(const cv::Mat& bgr, float min_score = 0.2f) const;
  int input_size() const;

 private:
  struct Impl;
  explicit MultiPoseNet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
