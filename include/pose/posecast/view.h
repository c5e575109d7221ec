// The view of the body a pose or an exercise is judged from: "view" in data/poses.json and
// data/exercises.json. Here in the pose layer so that the libraries (classify, exercise) and the
// framing guidance (coach/guidance.h) share one definition.
#pragma once

#include <optional>
#include <string_view>

namespace posecast {

// kFront: the student faces the camera (a jumping jack, tree); kSide: the camera sees the body
// in profile (a push-up, downward dog); kAny: either works (a squat, a lunge).
enum class ViewNeed { kAny, kFront, kSide };
std::string_view view_need_name(ViewNeed need);  // "any", "front", "side"
std::optional<ViewNeed> view_need_from_name(std::string_view name);
// "any, front, side": for error messages.
std::string_view known_view_names();

}  // namespace posecast
