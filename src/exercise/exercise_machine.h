// One exercise's phase machine: the depth of its movement frame by frame (0 at the top, 1 at a
// full rep's turning point) through top -> down -> bottom -> up -> top, with hysteresis, and the
// rep it makes of that: full, partial, or nothing (too short, too long, or a posture that is not
// this exercise).
#pragma once

#include <optional>
#include <string_view>

#include "body_signals.h"
#include "posecast/exercise_library.h"
#include "posecast/rep_counter.h"
#include "rep_form.h"

namespace posecast::exercise {

enum class Phase { kTop, kDown, kBottom, kUp };
std::string_view phase_name(Phase phase);

struct MachineEvent {
  enum class Kind { kNone, kStarted, kRep, kPartial, kDropped };
  Kind kind = Kind::kNone;
  RepRecord rep;  // kRep and kPartial; `number` is the counter's to set
};

class ExerciseMachine {
 public:
  explicit ExerciseMachine(const ExerciseEntry& entry);

  // One frame; `body` null = no person seen.
  MachineEvent update(const BodySignals* body, double t_s);
  // The body seen is not the one before (another person, a cut): a rep in progress is dropped
  // and the next one waits for the top.
  MachineEvent interrupt();
  void reset();

  Phase phase() const { return phase_; }
  bool in_rep() const { return phase_ != Phase::kTop; }
  const ExerciseEntry& entry() const { return *entry_; }

 private:
  MachineEvent on_depth(const BodySignals& body, float depth, double t_s);
  void start(const BodySignals& body, float depth, double t_s, bool at_top);
  MachineEvent finish(const BodySignals& body, double t_s, bool full);
  MachineEvent drop();

  const ExerciseEntry* entry_;
  RepForm form_;
  Phase phase_ = Phase::kTop;
  bool armed_ = false;  // at the top, a rep may start (false until the top is seen)
  bool fresh_ = true;   // nothing seen yet since a reset or a lost body
  double start_s_ = 0, turn_s_ = 0, last_seen_s_ = 0;
  float max_depth_ = 0;
  float last_depth_ = 0;   // at last_seen_s_
  int bottom_frames_ = 0;  // frames of this rep past the full threshold
};

}  // namespace posecast::exercise
