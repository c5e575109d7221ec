// The render stage: draws what the student needs to see onto the frame.
#pragma once

#include <opencv2/core/mat.hpp>

#include "posecast/frame_result.h"

namespace posecast {

struct OverlayOptions {
  float band_opacity = 0.7f;  // the translucent label band (the original system's value)
  float min_keypoint_score = 0.3f;
  int guide_box = 0;  // side of the centred guide box in pixels; 0 = none
  bool show_fps = true;
};

// Skeleton, label band ("Tree 87 %" / "Take your pose"), form score, the top correction with the
// joint that is off ringed, hold timer, fps, guide box and the instructor's message; during a rep
// exercise the rep counter on the right ("7/10", the exercise and set, "Rest 0:12" between sets)
// and the last rep's cue above the bottom; the framing guidance ("Step back so your feet are in
// view") in a band above those at the bottom, "Set-up check: ..." during the set-up check.
// With several people (result.people), each skeleton in the person's colour (person_colour.h)
// with a tag above their box ("2 Tree 87 %", "2 Squat 7"; framed in white for the primary
// person); the bands keep showing the primary person.
void draw_overlay(cv::Mat& bgr, const FrameResult& result, const OverlayOptions& options = {});

// The last picture, dimmed, with "Camera lost - reconnecting..." across it (an empty `bgr` becomes
// a dark 640x480 frame with the notice).
void draw_source_lost(cv::Mat& bgr, const std::string& source);

// OpenCV's Hershey fonts have no "°" or "→": "148° → 175°" becomes "148 -> 175 deg".
std::string ascii_for_overlay(const std::string& text);

}  // namespace posecast
