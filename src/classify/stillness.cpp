#include "posecast/stillness.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace posecast {

namespace {

constexpr Joint kBodyJoints[] = {Joint::kLeftShoulder, Joint::kRightShoulder, Joint::kLeftElbow,
                                 Joint::kRightElbow,   Joint::kLeftHip,       Joint::kRightHip,
                                 Joint::kLeftKnee,     Joint::kRightKnee,     Joint::kLeftAnkle,
                                 Joint::kRightAnkle};

float distance(const Keypoint& a, const Keypoint& b) { return std::hypot(a.x - b.x, a.y - b.y); }

// Shoulder-to-hip length, the longer side (the shorter one is foreshortened in a side view); 0
// when neither side is seen.
float torso_length(const Pose& pose, float min_score) {
  float best = 0;
  for (auto [s, h] : {std::pair{Joint::kLeftShoulder, Joint::kLeftHip},
                      std::pair{Joint::kRightShoulder, Joint::kRightHip}})
    if (pose[s].score >= min_score && pose[h].score >= min_score)
      best = std::max(best, distance(pose[s], pose[h]));
  return best;
}

// Median travel of the body joints seen in both poses, or nullopt with too few of them.
std::optional<float> median_travel(const Pose& now, const Pose& then, const StillnessOptions& o) {
  std::vector<float> travel;
  for (Joint j : kBodyJoints)
    if (now[j].score >= o.min_score && then[j].score >= o.min_score)
      travel.push_back(distance(now[j], then[j]));
  if (static_cast<int>(travel.size()) < o.min_joints) return std::nullopt;
  auto mid = travel.begin() + travel.size() / 2;
  std::nth_element(travel.begin(), mid, travel.end());
  return *mid;
}

// Median log-ratio of the distances between pairs of body joints seen in both poses: how much
// the body grew (> 0) or shrank in the picture. nullopt with too few pairs.
std::optional<float> median_growth(const Pose& now, const Pose& then, const StillnessOptions& o) {
  constexpr float kMinPairPx = 1;
  std::vector<float> growth;
  for (size_t a = 0; a < std::size(kBodyJoints); ++a)
    for (size_t b = a + 1; b < std::size(kBodyJoints); ++b) {
      const Joint i = kBodyJoints[a], j = kBodyJoints[b];
      if (std::min({now[i].score, now[j].score, then[i].score, then[j].score}) < o.min_score)
        continue;
      const float d_now = distance(now[i], now[j]), d_then = distance(then[i], then[j]);
      if (d_now >= kMinPairPx && d_then >= kMinPairPx) growth.push_back(std::log(d_now / d_then));
    }
  if (static_cast<int>(growth.size()) < o.min_joints * (o.min_joints - 1) / 2) return std::nullopt;
  auto mid = growth.begin() + growth.size() / 2;
  std::nth_element(growth.begin(), mid, growth.end());
  return *mid;
}

}  // namespace

bool StillnessDetector::update(const Pose& pose, double t_s) {
  if (!window_.empty() && t_s <= window_.back().t_s) reset();
  while (!window_.empty() && t_s - window_.front().t_s > options_.window_s) window_.pop_front();
  const float torso = torso_length(pose, options_.min_score);
  float motion = 0;
  if (torso > 0)
    for (const Sample& s : window_) {
      if (auto travel = median_travel(pose, s.pose, options_))
        motion = std::max(motion, *travel / torso);
      if (auto growth = median_growth(pose, s.pose, options_))
        motion = std::max(motion, options_.scale_weight * std::abs(*growth));
    }
  window_.push_back({t_s, pose});
  motion_ = motion;
  const bool was_moving = moving_;
  moving_ = moving_ ? motion >= options_.still_below : motion > options_.moving_above;
  if (moving_ && !was_moving) moving_since_ = t_s;
  return moving_;
}

void StillnessDetector::reset() {
  window_.clear();
  moving_ = false;
  motion_ = 0;
}

}  // namespace posecast
