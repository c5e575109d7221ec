#include "exercise_machine.h"

#include <algorithm>
#include <cmath>

namespace posecast::exercise {

namespace {

// Without the body (or its signal) this long, a rep in progress is dropped and the top must be
// seen again.
constexpr double kLostS = 1.0;
// A full rep is seen past the full-range threshold on at least this many frames: a single
// frame there is more likely a keypoint that jumped than a turn.
constexpr int kMinBottomFrames = 2;
// No body moves through its full range in under 1/kMaxDepthPerS seconds (a fast jumping jack
// takes 0.2 s): a value that far from the one before is a keypoint that jumped (an elbow MoveNet
// finds on the other arm for a frame) and is not seen.
constexpr float kMaxDepthPerS = 15;

}  // namespace

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::kTop:
      return "top";
    case Phase::kDown:
      return "down";
    case Phase::kBottom:
      return "bottom";
    case Phase::kUp:
      return "up";
  }
  return "top";
}

ExerciseMachine::ExerciseMachine(const ExerciseEntry& entry) : entry_(&entry), form_(entry) {}

void ExerciseMachine::reset() {
  phase_ = Phase::kTop;
  armed_ = false;
  fresh_ = true;
  max_depth_ = 0;
}

MachineEvent ExerciseMachine::update(const BodySignals* body, double t_s) {
  std::optional<float> value = body ? body->get(entry_->signal) : std::nullopt;
  const auto depth_of = [this](float v) {
    return (entry_->top - v) / (entry_->top - entry_->bottom);
  };
  if (value && !fresh_ &&
      std::abs(depth_of(*value) - last_depth_) > kMaxDepthPerS * (t_s - last_seen_s_))
    value.reset();
  if (!value) {
    if (t_s - last_seen_s_ < kLostS) return {};
    fresh_ = true;
    return in_rep() ? drop() : MachineEvent{};
  }
  last_seen_s_ = t_s;
  const float depth = depth_of(*value);
  last_depth_ = depth;
  if (fresh_) {
    fresh_ = false;
    // A body first seen away from the top is taken to be in a rep already (a clip or a camera
    // that starts mid-rep); max_rep_s ends the rep if it was a held pose instead.
    if (depth >= entry_->start - entry_->hysteresis) {
      start(*body, depth, t_s, false);
      if (depth >= entry_->full) phase_ = Phase::kBottom;
      return {};
    }
  }
  if (in_rep() && t_s - start_s_ > entry_->max_rep_s) return drop();
  return on_depth(*body, depth, t_s);
}

MachineEvent ExerciseMachine::on_depth(const BodySignals& body, float depth, double t_s) {
  const ExerciseEntry& e = *entry_;
  if (in_rep()) {
    const bool deepest = depth > max_depth_;
    if (deepest) max_depth_ = depth, turn_s_ = t_s;
    bottom_frames_ += depth >= entry_->full;
    form_.watch_rep(body, deepest, depth >= entry_->full);
  }
  switch (phase_) {
    case Phase::kTop:
      if (depth < e.start - e.hysteresis) armed_ = true;
      if (!armed_) return {};
      if (depth < e.start) {
        form_.watch_top(body, depth, t_s);
        return {};
      }
      start(body, depth, t_s, true);
      return {MachineEvent::Kind::kStarted, {}};
    case Phase::kDown:
      if (depth >= e.full) phase_ = Phase::kBottom;
      if (depth < e.start - e.hysteresis) return finish(body, t_s, false);
      return {};
    case Phase::kBottom:
      if (depth < e.full - e.hysteresis) phase_ = Phase::kUp;
      return {};
    case Phase::kUp:
      if (depth >= e.full) phase_ = Phase::kBottom;
      if (depth < e.start - e.hysteresis) return finish(body, t_s, true);
      return {};
  }
  return {};
}

void ExerciseMachine::start(const BodySignals& body, float depth, double t_s, bool at_top) {
  phase_ = Phase::kDown;
  start_s_ = turn_s_ = t_s;
  max_depth_ = depth;
  bottom_frames_ = depth >= entry_->full;
  form_.start_rep(at_top);
  form_.watch_rep(body, true, depth >= entry_->full);
}

MachineEvent ExerciseMachine::finish(const BodySignals& body, double t_s, bool full) {
  const ExerciseEntry& e = *entry_;
  form_.end_rep(body);
  phase_ = Phase::kTop;
  armed_ = true;
  full = full && bottom_frames_ >= kMinBottomFrames;
  const bool counts = full || max_depth_ >= e.partial;
  if (!counts || t_s - start_s_ < e.min_rep_s || !form_.posture_holds(full))
    return {MachineEvent::Kind::kDropped, {}};
  RepRecord rep;
  rep.partial = !full;
  rep.range = std::clamp(max_depth_, 0.0f, 1.0f);
  rep.start_s = start_s_;
  rep.end_s = t_s;
  rep.tempo_down_s = turn_s_ - start_s_;
  rep.tempo_up_s = t_s - turn_s_;
  const RepForm::Verdict verdict = form_.judge(rep.range);
  rep.score = verdict.score;
  rep.cue = verdict.cue;
  return {full ? MachineEvent::Kind::kRep : MachineEvent::Kind::kPartial, rep};
}

MachineEvent ExerciseMachine::interrupt() {
  if (in_rep()) return drop();
  armed_ = false;
  return {};
}

MachineEvent ExerciseMachine::drop() {
  phase_ = Phase::kTop;
  armed_ = false;
  return {MachineEvent::Kind::kDropped, {}};
}

}  // namespace posecast::exercise
