// The exercise library: the rep exercises posecast counts (squat, push-up, lunge, ...), each
// defined by the joint-angle signals of its movement, its phases with hysteresis thresholds, what
// a full rep's range of motion is, and form checks with a cue per phase. Like the pose library it
// is a data file (data/exercises.json, schema in docs/exercise-library.md) loaded at run time, so
// a user can add an exercise without building anything.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/status.h"

namespace posecast {

struct ExerciseEntry {
  std::string id;    // "squat"
  std::string name;  // "Squat"
};

struct ExerciseLibrary {
  std::vector<ExerciseEntry> exercises;

  const ExerciseEntry* find(std::string_view id) const;
};

// Loads and checks a library file; an Error names the file and the entry at fault.
Result<ExerciseLibrary> load_exercise_library(const std::filesystem::path& path);

// $POSECAST_EXERCISE_LIBRARY, else <bin>/../share/posecast/exercises.json when installed, else
// the source tree's data/exercises.json.
std::filesystem::path default_exercise_library_path();

}  // namespace posecast
