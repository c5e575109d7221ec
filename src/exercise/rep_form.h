// The conditions of one exercise (its posture conditions, then its form checks) watched over a
// rep: their values at the top, at the turning point and their extremes over the rep, then the
// verdict: does the posture say the exercise is going on, and the rep's form score and main cue.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "body_signals.h"
#include "posecast/exercise_library.h"

namespace posecast::exercise {

class RepForm {
 public:
  explicit RepForm(const ExerciseEntry& entry);

  // The frames of the rest position before a rep: the one nearest the top in the last
  // kTopWindowS is kept (the rest just before this rep, not a pose held long before it).
  void watch_top(const BodySignals& body, float depth, double t_s);
  // A rep starts: its frames follow; `at_top` false = it started before it was seen.
  void start_rep(bool at_top);
  // `at_bottom`: the frame is past the full-rep threshold; the conditions at the bottom take the
  // median of those frames (one odd frame at the turn neither makes nor breaks a rep), else the
  // deepest frame's values.
  void watch_rep(const BodySignals& body, bool deepest_so_far, bool at_bottom);
  // The rep is back at the top: `body` is its last frame.
  void end_rep(const BodySignals& body);

  // Whether every posture condition held; those at the bottom only for a full rep (a partial
  // rep counts only for the exercise already going on, so they need not tell it apart).
  bool posture_holds(bool full) const;
  struct Verdict {
    int score = 100;
    std::string cue;
  };
  Verdict judge(float range) const;

 private:
  using Values = std::vector<std::optional<float>>;  // posture conditions, then checks
  Values measure(const BodySignals& body) const;
  std::optional<float> at_bottom(size_t i) const;
  std::optional<float> value_of(size_t i) const;
  float miss(size_t i) const;  // how far condition i's value is outside its bounds (0 = holds)

  const ExerciseEntry* entry_;
  std::vector<const SignalCondition*> conditions_;
  Values top_, deepest_, rep_min_, rep_max_;
  std::vector<std::vector<float>> bottom_;  // per condition, its values past the full threshold
  std::vector<int> bottom_frames_;          // per condition, the frames there in its view
  float top_depth_ = 0;
  double top_s_ = 0;
  bool have_top_ = false;
  bool top_seen_ = false;  // the rep that ended had a top before it
};

}  // namespace posecast::exercise
