#include "posecast/hold_timer.h"

#include "posecast/classifier.h"

namespace posecast {

void HoldTimer::reset() {
  pose_.clear();
  held_s_ = 0;
}

float HoldTimer::update(std::string_view decision, double t_seconds) {
  bool is_pose = !decision.empty() && decision != kTakeYourPose;
  if (is_pose && decision == pose_) {
    last_seen_t_ = t_seconds;
    held_s_ = static_cast<float>(t_seconds - start_t_);
  } else if (is_pose) {
    pose_ = std::string(decision);
    start_t_ = last_seen_t_ = t_seconds;
    held_s_ = 0;
  } else if (!pose_.empty() && t_seconds - last_seen_t_ > grace_s_) {
    reset();
  }
  // Within the grace period the count pauses at its last value.
  return pose_.empty() ? 0.0f : held_s_;
}

}  // namespace posecast
