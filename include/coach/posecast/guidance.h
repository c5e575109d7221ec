// Guidance into view: from where the body is in the picture, what the student should do so that
// the camera sees what the pose or exercise needs ("Step back so your feet are in view", "Move to
// your left", "Turn sideways: Push-up is judged from the side"). Every output carries it as
// "guidance": {"code", "text"}.
//
// Codes, by priority (one at a time, the first that applies):
//   step_into_view   no body
//   step_back        the body is cut by both side edges or the top edge, or its feet are out of
//                    the picture (cut by the bottom edge, or unseen with the body reaching low)
//   upper_body_only  shoulders seen, nothing below the hips (no knee, no ankle)
//   move_left        the body is cut by one side edge, or far off-centre: the student moves
//   move_right       to THEIR OWN left/right ("Move to your left"). The camera is taken to face
//                    the student, so the image's left is the student's right: a body cut by the
//                    image's left edge is told to move to their left. (A mirrored display does
//                    not change this: the student's own left stays their left.)
//   come_closer      the body spans less than a third of the frame (the larger of its height
//                    share and its width share, so a body lying along the frame counts too)
//   turn_sideways    the pose or exercise needs the side view, and the body faces the camera
//   face_the_camera  it needs the front view, and the body is seen in profile
// The view is judged from the body's width (the wider of shoulders and hips) against its torso
// length (shoulder centre to hip centre): facing the camera at or above 0.5, in profile at or
// below 0.3 (or with one shoulder and one hip hidden); nothing is said in between.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "posecast/keypoints.h"
#include "posecast/view.h"

namespace posecast {

struct Guidance {
  std::string code;  // stable, for programs: "step_back", "move_left", "turn_sideways", ...
  std::string text;  // for the student: "Step back so your feet are in view"
  friend bool operator==(const Guidance&, const Guidance&) = default;
};

struct FramingOptions {
  double settle_s = 1.0;  // a problem is reported once it has lasted this long (no flicker)
  double clear_s = 0.5;   // a reported problem goes once it has been fixed this long
  // The set-up check: once the guide has watched a body for settle_s, for this long
  // (FramingGuide::setup_check()).
  double setup_s = 5.0;
  float min_score = 0.3f;  // a keypoint below this is not seen
};

// The problem one frame shows, before any settling: what FramingGuide reports once it lasts.
std::optional<Guidance> framing_problem(const Pose& pose, bool person, ViewNeed need,
                                        std::string_view subject,
                                        const FramingOptions& options = {});

// Follows one person's framing from frame to frame. `subject` names what the student is doing
// ("Push-up", "Tree"), for texts such as "Turn sideways: Push-up is judged from the side"; ""
// when nothing is.
class FramingGuide {
 public:
  explicit FramingGuide(FramingOptions options = {});
  // The body (image pixels; pose.image_width/height give the frame) at t_s seconds, increasing.
  // nullopt: the body is well placed, nothing to say. A problem is shown once there has been one
  // in every frame for settle_s; it stays until there is none for clear_s, or until another
  // has lasted settle_s (so two that alternate do not flicker).
  std::optional<Guidance> update(const Pose& pose, bool person, ViewNeed need,
                                 std::string_view subject, double t_s);
  // True while the set-up check runs: from settle_s after a body is first seen (since the start
  // or reset()) for setup_s, as of the last update(). Meanwhile a display says "Set-up check:"
  // and the guidance, or that the whole body is in view when there is none.
  bool setup_check() const;
  void reset();

 private:
  FramingOptions options_;
  std::optional<Guidance> pending_;
  double pending_since_ = 0;
  std::optional<Guidance> shown_;
  std::optional<double> problem_since_;  // some problem in every frame since
  std::optional<double> first_body_s_;
  double last_t_s_ = 0;
};

}  // namespace posecast
