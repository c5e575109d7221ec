#include <algorithm>

#include "posecast/classifier.h"
#include "posecast/practice_history.h"

namespace posecast {

HoldTracker::HoldTracker(double min_hold_s, double grace_s)
    : min_hold_s_(min_hold_s), grace_s_(grace_s) {}

void HoldTracker::begin(const FrameResult& r) {
  pose_ = r.classification.decision;
  start_ms_ = last_seen_ms_ = r.capture_unix_ms;
  gap_start_ms_.reset();
  variant_frames_.clear();
  scored_frames_ = 0;
  score_sum_ = 0;
  best_score_ = 0;
  first_cues_.clear();
  add_frame(r);
}

void HoldTracker::add_frame(const FrameResult& r) {
  last_seen_ms_ = r.capture_unix_ms;
  gap_start_ms_.reset();  // a stumble within the grace period is part of the hold
  ++variant_frames_[r.classification.variant];
  // With an instructor's target the coach scores the target pose, whatever the student holds.
  if (r.coach && (r.target.empty() || r.coach->pose == pose_)) {
    ++scored_frames_;
    score_sum_ += r.coach->score;
    best_score_ = std::max(best_score_, r.coach->score);
    if (!r.coach->corrections.empty()) ++first_cues_[r.coach->corrections.front().cue];
  }
}

std::optional<HoldRecord> HoldTracker::close(int64_t end_unix_ms) {
  std::optional<HoldRecord> hold;
  const double duration_s = std::max<int64_t>(0, end_unix_ms - start_ms_) / 1000.0;
  if (!pose_.empty() && duration_s >= min_hold_s_) {
    hold.emplace();
    hold->pose = pose_;
    // The side seen on most frames: a flicker of the other side does not split a hold.
    hold->variant =
        std::max_element(variant_frames_.begin(), variant_frames_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; })
            ->first;
    hold->start_unix_ms = start_ms_;
    hold->duration_s = duration_s;
    if (scored_frames_ > 0) {
      hold->best_score = static_cast<float>(best_score_);
      hold->mean_score = static_cast<float>(score_sum_ / scored_frames_);
    }
    if (!first_cues_.empty())
      hold->main_correction =
          std::max_element(first_cues_.begin(), first_cues_.end(),
                           [](const auto& a, const auto& b) { return a.second < b.second; })
              ->first;
  }
  pose_.clear();
  return hold;
}

std::optional<HoldRecord> HoldTracker::update(const FrameResult& r) {
  const std::string& decision = r.classification.decision;
  const bool is_pose = !decision.empty() && decision != kTakeYourPose;
  const int64_t t = r.capture_unix_ms;
  if (!pose_.empty() && is_pose && decision == pose_) {
    add_frame(r);
    return std::nullopt;
  }
  if (!is_pose) {
    if (pose_.empty()) return std::nullopt;
    if (!gap_start_ms_) gap_start_ms_ = t;
    if ((t - last_seen_ms_) / 1000.0 > grace_s_) return close(*gap_start_ms_);
    return std::nullopt;
  }
  // Another pose: the one in progress ends when it was last replaced, this one starts now.
  std::optional<HoldRecord> ended;
  if (!pose_.empty()) ended = close(gap_start_ms_.value_or(t));
  begin(r);
  return ended;
}

std::optional<HoldRecord> HoldTracker::flush() {
  if (pose_.empty()) return std::nullopt;
  return close(gap_start_ms_.value_or(last_seen_ms_));
}

}  // namespace posecast
