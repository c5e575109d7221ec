#include <algorithm>

#include "posecast/practice_history.h"

namespace posecast {

std::optional<SetRecord> SetTracker::update(const FrameResult& r) {
  if (!r.exercise) return std::nullopt;
  const ExerciseState& e = *r.exercise;
  std::optional<SetRecord> ended;
  if (open_ && (open_->exercise != e.id || open_->set != e.set)) ended = close();
  auto& [total, partial] = seen_[e.id];
  if (e.total_reps < total || e.partial_reps < partial) {
    // The counter started again (a new video, a reset): what it counts now is new.
    if (open_ && !ended) ended = close();
    total = partial = 0;
  }
  const int new_full = e.total_reps - total, new_partial = e.partial_reps - partial;
  total = e.total_reps;
  partial = e.partial_reps;
  if (new_full + new_partial > 0) add_reps(e, new_full, new_partial, r.capture_unix_ms);
  if (open_ && !ended && e.phase == "rest") ended = close();
  return ended;
}

void SetTracker::add_reps(const ExerciseState& e, int full, int partial, int64_t now_ms) {
  const double rep_s = e.last_rep ? std::max(0.0, e.last_rep->end_s - e.last_rep->start_s) : 0;
  if (!open_) {
    open_.emplace();
    open_->exercise = e.id;
    open_->set = e.set;
    open_->start_unix_ms = now_ms - static_cast<int64_t>(rep_s * 1000);
    scored_reps_ = 0;
    score_sum_ = range_sum_ = 0;
    cues_.clear();
  }
  open_->reps += full;
  open_->partial_reps += partial;
  open_->duration_s = std::max<int64_t>(0, now_ms - open_->start_unix_ms) / 1000.0;
  if (!e.last_rep) return;
  const RepRecord& rep = *e.last_rep;
  if (!rep.partial) {
    ++scored_reps_;
    score_sum_ += rep.score;
    range_sum_ += rep.range;
  }
  if (!rep.cue.empty()) ++cues_[rep.cue];
}

std::optional<SetRecord> SetTracker::close() {
  std::optional<SetRecord> set = std::move(open_);
  open_.reset();
  if (!set) return set;
  if (scored_reps_ > 0) {
    set->mean_score = static_cast<float>(score_sum_ / scored_reps_);
    set->mean_range = static_cast<float>(range_sum_ / scored_reps_);
  }
  // What to work on: the cue given most often, even when most reps were good.
  if (!cues_.empty())
    set->main_cue = std::max_element(cues_.begin(), cues_.end(), [](const auto& a, const auto& b) {
                      return a.second < b.second;
                    })->first;
  return set;
}

std::optional<SetRecord> SetTracker::flush() { return close(); }

}  // namespace posecast
