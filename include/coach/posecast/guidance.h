// Guidance into view: from where the body is in the picture, what the student should do so that
// the camera sees what the pose or exercise needs ("Step back so your feet are in view", "Move
// left", "Turn sideways for push-ups"). Every output carries it as "guidance": {"code", "text"}.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "posecast/keypoints.h"

namespace posecast {

// The view of the body a pose or an exercise is judged from ("view" in poses.json and
// exercises.json): a push-up is judged from the side, a jumping jack from the front.
enum class ViewNeed { kAny, kFront, kSide };
std::string_view view_need_name(ViewNeed need);  // "any", "front", "side"
std::optional<ViewNeed> view_need_from_name(std::string_view name);

struct Guidance {
  std::string code;  // stable, for programs: "step_back", "move_left", "turn_sideways", ...
  std::string text;  // for the student: "Step back so your feet are in view"
  friend bool operator==(const Guidance&, const Guidance&) = default;
};

struct FramingOptions {
  double settle_s = 1.0;  // a problem is reported once it has lasted this long (no flicker)
};

// Follows one person's framing from frame to frame. `subject` names what the student is doing
// ("push-ups", "tree"), for texts such as "Turn sideways for push-ups"; "" when nothing is.
class FramingGuide {
 public:
  explicit FramingGuide(FramingOptions options = {});
  // The body (image pixels; pose.image_width/height give the frame) at t_s seconds, increasing.
  // nullopt: the body is well placed, nothing to say.
  std::optional<Guidance> update(const Pose& pose, bool person, ViewNeed need,
                                 std::string_view subject, double t_s);
  void reset();

 private:
  FramingOptions options_;
  std::optional<Guidance> pending_;
  double pending_since_ = 0;
  std::optional<Guidance> shown_;
};

}  // namespace posecast
