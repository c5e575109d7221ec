#include "rep_form.h"

#include <algorithm>
#include <cmath>

namespace posecast::exercise {

namespace {

// A rep short of the full range loses up to this many points, in proportion to what it missed.
constexpr float kRangeWeight = 40;
// ... and the range is its main cue when it misses at least this much of the full range.
constexpr float kRangeCueMiss = 0.1f;
// The top of a rep is the rest position of the last second before it: a frame nearer the top from
// longer ago belongs to something else (a yoga pose held before a set of squats).
constexpr double kTopWindowS = 1.0;

}  // namespace

RepForm::RepForm(const ExerciseEntry& entry) : entry_(&entry) {
  for (const auto& c : entry.posture) conditions_.push_back(&c);
  for (const auto& c : entry.checks) conditions_.push_back(&c.condition);
}

RepForm::Values RepForm::measure(const BodySignals& body) const {
  Values v(conditions_.size());
  for (size_t i = 0; i < conditions_.size(); ++i)
    if (body.seen(conditions_[i]->view)) v[i] = body.get(conditions_[i]->signal);
  return v;
}

void RepForm::watch_top(const BodySignals& body, float depth, double t_s) {
  if (have_top_ && depth > top_depth_ && t_s - top_s_ < kTopWindowS) return;
  top_ = measure(body);
  top_depth_ = depth;
  top_s_ = t_s;
  have_top_ = true;
}

void RepForm::start_rep(bool at_top) {
  if (!at_top) have_top_ = false;
  deepest_.assign(conditions_.size(), std::nullopt);
  rep_min_ = rep_max_ = deepest_;
  bottom_.assign(conditions_.size(), {});
  bottom_frames_.assign(conditions_.size(), 0);
}

void RepForm::watch_rep(const BodySignals& body, bool deepest_so_far, bool at_bottom) {
  Values now = measure(body);
  if (deepest_so_far) deepest_ = now;
  for (size_t i = 0; i < now.size() && at_bottom; ++i)
    bottom_frames_[i] += body.seen(conditions_[i]->view);
  for (size_t i = 0; i < now.size(); ++i) {
    if (!now[i]) continue;
    if (at_bottom) bottom_[i].push_back(*now[i]);
    rep_min_[i] = rep_min_[i] ? std::min(*rep_min_[i], *now[i]) : *now[i];
    rep_max_[i] = rep_max_[i] ? std::max(*rep_max_[i], *now[i]) : *now[i];
  }
}

void RepForm::end_rep(const BodySignals& body) {
  // A rep first seen mid-way has no top before it: its end stands for it in the posture, but
  // its form at the top is not judged (the end is where it crossed the threshold, not a top).
  top_seen_ = have_top_;
  if (!have_top_) top_ = measure(body);
  have_top_ = false;
}

std::optional<float> RepForm::at_bottom(size_t i) const {
  if (i >= bottom_.size()) return std::nullopt;
  if (bottom_[i].empty()) return deepest_[i];
  std::vector<float> values = bottom_[i];
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

std::optional<float> RepForm::value_of(size_t i) const {
  const SignalCondition& c = *conditions_[i];
  switch (c.at) {
    case RepMoment::kTop:
      return i < top_.size() ? top_[i] : std::nullopt;
    case RepMoment::kBottom:
      return at_bottom(i);
    case RepMoment::kRep:
      break;
  }
  if (i >= rep_min_.size()) return std::nullopt;
  // The worst of the rep: the lowest value against a minimum, else the highest.
  return c.min ? rep_min_[i] : rep_max_[i];
}

float RepForm::miss(size_t i) const {
  const SignalCondition& c = *conditions_[i];
  auto v = value_of(i);
  if (!v) return 0;  // not seen: not judged
  if (c.min && *v < *c.min) return *c.min - *v;
  if (c.max && *v > *c.max) return *v - *c.max;
  if (c.at == RepMoment::kRep && c.min && c.max && rep_max_[i] && *rep_max_[i] > *c.max)
    return *rep_max_[i] - *c.max;
  return 0;
}

bool RepForm::posture_holds(bool full) const {
  for (size_t i = 0; i < entry_->posture.size(); ++i) {
    const bool bottom = entry_->posture[i].at == RepMoment::kBottom;
    if (bottom && !full) continue;  // a partial rep never reached the bottom
    if (miss(i) > 0) return false;
    // At the bottom a posture condition must be seen on most frames it applies to: a leg that
    // comes and goes proves nothing.
    if (bottom && 2 * bottom_[i].size() < static_cast<size_t>(bottom_frames_[i])) return false;
  }
  return true;
}

RepForm::Verdict RepForm::judge(float range) const {
  Verdict v;
  float penalty = 0, worst = 0;
  const float range_miss = std::clamp(1 - range, 0.0f, 1.0f);
  if (range_miss >= kRangeCueMiss) {
    worst = kRangeWeight * range_miss;
    v.cue = entry_->range_cue;
  }
  penalty += kRangeWeight * range_miss;
  for (size_t k = 0; k < entry_->checks.size(); ++k) {
    const FormCheck& check = entry_->checks[k];
    if (check.condition.at == RepMoment::kTop && !top_seen_) continue;
    const float m = miss(entry_->posture.size() + k);
    if (m <= 0) continue;
    const float cost = check.weight * std::min(1.0f, m / check.tolerance);
    penalty += cost;
    if (cost > worst) worst = cost, v.cue = check.cue;
  }
  v.score = std::clamp(static_cast<int>(std::lround(100 - penalty)), 0, 100);
  return v;
}

}  // namespace posecast::exercise
