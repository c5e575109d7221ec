// --exercise ID and --reps N: the rep exercise counted from the first frame instead of recognised
// by itself, shared by `run`, `analyze` and `eval-video`.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "posecast/exercise_library.h"
#include "posecast/rep_counter.h"
#include "posecast/status.h"

namespace posecast::cli {

struct ExerciseArgs {
  std::string exercise;  // --exercise: an id of the exercise library; "" = recognise by itself
  int reps = 0;          // --reps a set with --exercise
};

void add_exercise_options(CLI::App& cmd, ExerciseArgs& args);

// The target the options set, checked against `library` (the one the analysis counts with): an
// unknown id is an error that lists the known ones.
Result<ExerciseTarget> exercise_target(const ExerciseArgs& args, const ExerciseLibrary& library);

}  // namespace posecast::cli
