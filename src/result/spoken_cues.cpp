#include "posecast/spoken_cues.h"

#include <cctype>

namespace posecast {

namespace {

// "Tree 87 %" (display_label) -> "Tree": the pose's display name without its probability.
std::string pose_name_of_label(const std::string& label) {
  size_t end = label.size();
  if (end < 2 || label.compare(end - 2, 2, " %") != 0) return label;
  end -= 2;
  while (end > 0 && std::isdigit(static_cast<unsigned char>(label[end - 1]))) --end;
  if (end > 0 && label[end - 1] == ' ') --end;
  return label.substr(0, end);
}

std::string count_text(const ExerciseState& e) {
  std::string text = std::to_string(e.reps);
  if (e.target_reps > 0) text += " of " + std::to_string(e.target_reps);
  return text;
}

}  // namespace

SpokenCues::SpokenCues(SpokenCueOptions options) : options_(options) {}

void SpokenCues::reset() { *this = SpokenCues(options_); }

std::string SpokenCues::update(const FrameResult& r, double t_s) {
  if (t_s < last_t_) reset();
  last_t_ = t_s;
  if (r.message != message_) {
    message_ = r.message;
    pending_message_ = r.message;
  }
  if (std::string count = count_cue(r); !count.empty()) return say(std::move(count), t_s, true);
  return next_cue(r, t_s);
}

// A new rep ("7", "7 of 10") or the end of a set ("Set done"); "" when neither happened. Keeps
// the rep's cue for later.
std::string SpokenCues::count_cue(const FrameResult& r) {
  if (!r.exercise || r.source_lost) {
    exercise_set_.clear();
    counted_set_.clear();
    done_set_.clear();
    rep_cue_.clear();
    return "";
  }
  const ExerciseState& e = *r.exercise;
  const std::string set = e.id + "/" + std::to_string(e.set);
  const bool new_partial = set == exercise_set_ && e.partial_reps > exercise_partials_;
  exercise_set_ = set;
  exercise_partials_ = e.partial_reps;
  // The counter may step back (a rep begun in a new set, then undone): each count is said once.
  const bool new_rep = e.reps > (set == counted_set_ ? counted_reps_ : 0);
  if (new_rep || new_partial) rep_cue_ = e.last_rep ? e.last_rep->cue : "";
  if (new_rep) {
    counted_set_ = set;
    counted_reps_ = e.reps;
    return count_text(e);
  }
  if (e.phase == "rest" && set == counted_set_ && set != done_set_) {
    done_set_ = set;
    return "Set done";
  }
  return "";
}

// The instructor's message, guidance, a correction or a pose name: the first of these not said
// recently, once the gap since the last cue has passed.
std::string SpokenCues::next_cue(const FrameResult& r, double t_s) {
  // Both follow every frame, gap or not: the correction's time on top, the pose taken.
  const std::string correction = settled_correction(r, t_s);
  const std::string pose = pending_pose_cue(r);
  if (t_s - last_cue_t_ < options_.min_gap_s || t_s - last_count_t_ < options_.after_count_gap_s)
    return "";
  // Said once each: a candidate said recently is dropped rather than kept waiting.
  const auto once = [&](std::string& pending) -> std::string {
    std::string text = std::move(pending);
    pending.clear();
    return text.empty() || said_recently(text, t_s) ? "" : say(std::move(text), t_s, false);
  };
  if (std::string text = once(pending_message_); !text.empty()) return text;
  if (r.guidance && !r.guidance->text.empty() && !said_recently(r.guidance->text, t_s))
    return say(r.guidance->text, t_s, false);
  if (!correction.empty() && !said_recently(correction, t_s)) return say(correction, t_s, false);
  if (std::string text = once(rep_cue_); !text.empty()) return text;
  if (!pose.empty()) {
    pose_announced_ = true;
    if (!said_recently(pose, t_s)) return say(pose, t_s, false);
  }
  return "";
}

// The name of the pose just taken, until it is announced; "" when there is none.
std::string SpokenCues::pending_pose_cue(const FrameResult& r) {
  const std::string& decision = r.classification.decision;
  if (decision != pose_) {
    pose_ = decision;
    pose_announced_ = false;
  }
  if (pose_announced_ || !r.person || decision.empty() || decision == kTakeYourPose) return "";
  // Mid-rep, a pose is a moment of the exercise (a squat's bottom looks like Goddess).
  const std::string phase = r.exercise ? r.exercise->phase : "";
  if (phase == "down" || phase == "bottom" || phase == "up") {
    pose_announced_ = true;
    return "";
  }
  return pose_name_of_label(r.label.empty() ? display_label(r.classification) : r.label);
}

// The coach's top correction in words, once it has stayed on top correction_settle_s.
std::string SpokenCues::settled_correction(const FrameResult& r, double t_s) {
  std::string top;
  if (r.person && r.coach && !r.coach->corrections.empty()) {
    const Correction& c = r.coach->corrections.front();
    top = c.cue.empty() ? c.text : c.cue;
  }
  if (top != correction_) {
    correction_ = top;
    correction_since_ = t_s;
  }
  return t_s - correction_since_ >= options_.correction_settle_s ? top : "";
}

bool SpokenCues::said_recently(const std::string& text, double t_s) const {
  const auto it = said_at_.find(text);
  return it != said_at_.end() && t_s - it->second < options_.repeat_after_s;
}

std::string SpokenCues::say(std::string text, double t_s, bool count) {
  if (count) {
    last_count_t_ = t_s;
    return text;
  }
  last_cue_t_ = t_s;
  std::erase_if(said_at_,
                [&](const auto& entry) { return t_s - entry.second >= options_.repeat_after_s; });
  said_at_[text] = t_s;
  return text;
}

}  // namespace posecast
