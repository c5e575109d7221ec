// One person's analysis from frame to frame: the state that links their frames (keypoint
// filters, the stillness gate, label hysteresis, the hold timer, the rep counter) and the steps
// that turn their body into a PersonResult. FrameAnalyzer keeps one per person it follows.
#pragma once

#include <opencv2/core.hpp>
#include <string>

#include "posecast/classifier.h"
#include "posecast/frame_result.h"
#include "posecast/guidance.h"
#include "posecast/hold_timer.h"
#include "posecast/pose_library.h"
#include "posecast/rep_counter.h"
#include "posecast/smoothing.h"
#include "posecast/stillness.h"

namespace posecast {

// What one person is asked to do: the instructor's target pose and exercise, when they apply
// to this person.
struct PersonControls {
  std::string target;
  ExerciseTarget exercise;
};

class PersonAnalysis {
 public:
  PersonAnalysis(ExerciseLibrary exercises, bool motion_gate);

  // The person's raw body at t_s (`seen`: enough keypoints to call it a body) -> their result.
  PersonResult update(const Pose& raw, bool seen, double t_s, const cv::Mat& image,
                      const PoseClassifier& classifier, const PoseLibrary& library,
                      const PersonControls& controls);
  void reset();
  // Whether the set-up check (guidance.h) is going on for this person.
  bool setup_check() const { return framing_.setup_check(); }

 private:
  Classification gate_on_motion(const Classification& frame, const Pose& pose, bool seen,
                                double t_s);
  void apply_exercise_target(const ExerciseTarget& wanted);

  bool motion_gate_;
  KeypointSmoother keypoints_;
  StillnessDetector stillness_;
  LabelSmoother labels_;
  HoldTimer hold_;
  RepCounter reps_;
  FramingGuide framing_;
  ExerciseTarget exercise_target_;  // the last one given to reps_
};

// The pose `coached` (a library id, else nothing) scored on `pose`; `variant` ("left", "right"
// or "") picks the side of a recognised sided pose.
std::optional<CoachReport> coach_person(const Pose& pose, const PoseLibrary& library,
                                        const std::string& coached, const std::string& variant);

}  // namespace posecast
