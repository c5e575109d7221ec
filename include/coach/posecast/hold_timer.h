// How long the student has held the current pose, from the (smoothed) decision of each frame.
#pragma once

#include <string>
#include <string_view>

namespace posecast {

class HoldTimer {
 public:
  // A pose lost for no longer than `grace_s` and then found again keeps counting (a stumble is
  // not a new attempt); a different pose starts from zero at once.
  explicit HoldTimer(float grace_s = 0.5f) : grace_s_(grace_s) {}

  // Feeds the decision at `t_seconds` (increasing); returns the seconds held: 0 while no pose
  // ("take_your_pose" or "") is held, the last count (paused) during the grace period.
  float update(std::string_view decision, double t_seconds);
  void reset();

  const std::string& pose() const { return pose_; }  // "" when none
  float held_s() const { return held_s_; }

 private:
  float grace_s_;
  std::string pose_;
  double start_t_ = 0;
  double last_seen_t_ = 0;
  float held_s_ = 0;
};

}  // namespace posecast
