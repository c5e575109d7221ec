// Rep counting: turns the smoothed body of each frame into the exercise going on (recognised by
// itself, or set by the student or instructor), its phase, its reps and sets, and per rep the
// range of motion, the tempo, a form score and the main cue.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "posecast/exercise_library.h"
#include "posecast/keypoints.h"

namespace posecast {

// One finished repetition (or a partial one: started, but short of the full range).
struct RepRecord {
  int number = 0;           // 1-based in its set; 0 for a partial rep
  bool partial = false;     // counted in partial_reps, never in reps
  float range = 0;          // fraction of the exercise's full range of motion reached (1 = full)
  double start_s = 0;       // the rep left the top position
  double end_s = 0;         // the rep was back at the top
  double tempo_down_s = 0;  // start to the turning point (the bottom; the peak of a jumping jack)
  double tempo_up_s = 0;    // the turning point back to the top
  int score = 0;            // form score 0-100
  std::string cue;          // the main cue of the rep ("Hips down to knee height"); "" = good rep
};

// What the student is doing, as every output reports it (FrameResult::exercise).
struct ExerciseState {
  std::string id;        // library id, "squat"
  std::string name;      // display name, "Squat"
  int reps = 0;          // full reps in the current set
  int total_reps = 0;    // full reps of this exercise since the start
  int partial_reps = 0;  // partial reps since the start
  int set = 1;           // 1-based set number of this exercise
  std::string phase;     // "top", "down", "bottom", "up", or "rest" between sets
  double rest_s = 0;     // while resting: seconds since the set ended
  int target_reps = 0;   // reps wanted per set (instructor or --exercise), 0 = none
  std::optional<RepRecord> last_rep;
};

// The exercise and the reps wanted, as the student (`run --exercise`, the viewer) or the
// instructor set them; an empty id lets the counter recognise the exercise by itself.
struct ExerciseTarget {
  std::string exercise;
  int reps = 0;
};

class RepCounter {
 public:
  explicit RepCounter(ExerciseLibrary library);
  ~RepCounter();
  RepCounter(RepCounter&&) noexcept;
  RepCounter& operator=(RepCounter&&) noexcept;

  void set_target(const ExerciseTarget& target);
  // One frame, in time order: the smoothed body (`person`: enough keypoints seen to call it a
  // body) at `t_s` seconds. Returns the exercise going on, nullopt when none is.
  std::optional<ExerciseState> update(const Pose& pose, bool person, double t_s);
  // Forgets every link between frames (a new video, a cut); counts start again from zero.
  void reset();

  const ExerciseLibrary& library() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
