// Several people followed from frame to frame, each with an id that stays theirs while they are
// in view (and through short occlusions). MultiPose (multipose.h) looks for people twice a second
// and at once when someone is lost; each person is followed in every frame by the single-pose
// model on a crop around them, as MoveNet::track() follows one body.
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

struct TrackedPerson {
  int id = 0;        // 1, 2, ...: never reused while the tracker runs
  Pose pose;         // this frame's keypoints, image pixels; the last seen while lost
  CropRegion box;    // normalised box around the confident keypoints
  bool seen = true;  // false while briefly lost (kept for PeopleTrackerOptions::keep_lost_s)
};

struct PeopleTrackerOptions {
  int max_people = 2;                // at most this many are followed
  double detect_every_s = 0.5;       // how often MultiPose looks for new people
  double keep_lost_s = 1.0;          // a person lost this long is forgotten
  float min_detection_score = 0.3f;  // MultiPose detections below this are ignored
  float same_person_iou = 0.4f;      // boxes overlapping this much are one person
};

// The box around the keypoints scoring at least min_score, normalised to the image; an empty box
// (all zero) when fewer than three are seen.
CropRegion pose_box(const Pose& pose, float min_score = 0.3f);
// Intersection over union of two normalised boxes (0 when either is empty).
float box_iou(const CropRegion& a, const CropRegion& b);

class PeopleTracker {
 public:
  static Result<PeopleTracker> load(const MoveNetOptions& single_pose,
                                    PeopleTrackerOptions options = {});
  PeopleTracker(PeopleTracker&&) noexcept;
  PeopleTracker& operator=(PeopleTracker&&) noexcept;
  ~PeopleTracker();

  // The people in `bgr` (CV_8UC3) at t_s seconds (increasing), lost ones included, by id.
  Result<std::vector<TrackedPerson>> track(const cv::Mat& bgr, double t_s);
  void reset();

 private:
  struct Impl;
  explicit PeopleTracker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
