// The exercise library: the rep exercises posecast counts (squat, push-up, lunge, ...), each
// defined by the joint-angle signals of its movement, its phases with hysteresis thresholds, what
// a full rep's range of motion is, and form checks with a cue per phase. Like the pose library it
// is a data file (data/exercises.json, schema in docs/exercise-library.md) loaded at run time, so
// a user can add an exercise without building anything.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/status.h"
#include "posecast/view.h"

namespace posecast {

// What the counter measures on the body each frame (docs/exercise-library.md has the table).
enum class BodySignal {
  kKneeAngle,      // hip-knee-ankle, degrees (sided)
  kHipAngle,       // shoulder-hip-knee, degrees (sided)
  kElbowAngle,     // shoulder-elbow-wrist, degrees (sided)
  kArmElevation,   // shoulder->wrist against the torso pointing down, degrees (sided)
  kBodyLine,       // shoulder-hip-ankle, degrees (sided)
  kTorsoLean,      // hip centre -> shoulder centre against straight up, degrees
  kTorsoTilt,      // the torso against upright, also toward the camera (front view), degrees
  kHipHeight,      // hip centre above the ankles, in torso lengths
  kHipAboveKnee,   // hip centre above the knee centre, in upright torso lengths
  kFeetSpread,     // horizontal ankle distance / shoulder width
  kStance,         // ankle to ankle, in torso lengths
  kKneeSpread,     // horizontal knee distance / horizontal ankle distance
  kKneeHeightGap,  // vertical distance between the knees, in torso lengths
};
inline constexpr int kNumBodySignals = 13;
std::string_view body_signal_name(BodySignal signal);
bool is_sided(BodySignal signal);

// How a sided signal takes its two sides: kVisible = the mean when both are seen about equally
// well, else the better-seen side; kMin/kMax = the lower/higher of the two (both must be seen).
enum class SideRule { kVisible, kMin, kMax };

struct SignalRef {
  BodySignal signal = BodySignal::kKneeAngle;
  SideRule side = SideRule::kVisible;
};

// The view a condition applies in (view.h): for conditions, front means the shoulders are seen
// wide (shoulder width >= library front_view_width torso lengths).
using View = ViewNeed;

// Where in a rep a condition is checked: at the top (the frame the rep ends back at the top), at
// the turning point (the bottom; a jumping jack's peak), or on every frame of the rep (its worst).
enum class RepMoment { kTop, kBottom, kRep };

// A signal kept within [min, max] at a moment of the rep, in a view.
struct SignalCondition {
  RepMoment at = RepMoment::kBottom;
  SignalRef signal;
  std::optional<float> min, max;
  View view = View::kAny;
};

// A form check: the condition a coach wants, the cue when it fails, and how much it costs the
// score (weight, in points, reached when the value misses by `tolerance` or more).
struct FormCheck {
  SignalCondition condition;
  std::string cue;
  float weight = 20;
  float tolerance = 15;
};

struct ExerciseEntry {
  std::string id;    // "squat"
  std::string name;  // "Squat"
  std::string description;
  // The movement: the signal's value at the top (rest position) and at a full rep's turning
  // point. depth = (top - value) / (top - bottom): 0 at the top, 1 at full range.
  SignalRef signal;
  float top = 0, bottom = 0;
  // Depth thresholds: leaving the top (start), a full rep (full), a partial rep (partial); the
  // way back passes each threshold `hysteresis` lower than the way out.
  float start = 0.25f, full = 0.8f, partial = 0.45f, hysteresis = 0.1f;
  double min_rep_s = 0.4;                // shorter: a twitch, not a rep
  double max_rep_s = 10;                 // longer: not a rep (lying down, getting up, a held pose)
  std::string range_cue;                 // the cue when the rep is short of the full range
  std::vector<SignalCondition> posture;  // all must hold for a rep to count at all
  std::vector<FormCheck> checks;
  // The view the exercise is best judged from ("view"): the framing guidance (coach/guidance.h)
  // asks the student to turn when the camera sees them otherwise.
  ViewNeed view = ViewNeed::kAny;
};

struct ExerciseLibrary {
  float min_score = 0.3f;          // a keypoint below this is not seen
  double set_pause_s = 8;          // no rep for this long ends the set
  double forget_after_s = 120;     // resting this long: no exercise going on any more
  float front_view_width = 0.45f;  // shoulder width / torso length at or above: front view
  // A body whose hip centre moves more than this many body sizes (the larger of torso length and
  // shoulder width) from one frame to the next, or whose size changes by more than this
  // fraction, is another body (the tracker
  // jumped to another person, the video cut): every rep in progress is dropped.
  float max_body_jump = 0.5f;
  std::vector<ExerciseEntry> exercises;

  const ExerciseEntry* find(std::string_view id) const;
};

// Loads and checks a library file; an Error names the file and the entry at fault.
Result<ExerciseLibrary> load_exercise_library(const std::filesystem::path& path);
// The same from JSON text; `name` is the file named in errors.
Result<ExerciseLibrary> parse_exercise_library(std::string_view text, const std::string& name);

// $POSECAST_EXERCISE_LIBRARY, else <bin>/../share/posecast/exercises.json when installed, else
// the source tree's data/exercises.json.
std::filesystem::path default_exercise_library_path();

}  // namespace posecast
