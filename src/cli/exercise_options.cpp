#include "exercise_options.h"

#include "posecast/pipeline.h"

namespace posecast::cli {

void add_exercise_options(CLI::App& cmd, ExerciseArgs& args) {
  cmd.add_option("--exercise", args.exercise,
                 "Count reps of this exercise (an id of data/exercises.json: squat, pushup, ...) "
                 "instead of recognising it by itself");
  cmd.add_option("--reps", args.reps, "Reps wanted a set (shows as 7/10; 0: none)")
      ->check(CLI::Range(0, kMaxTargetReps));
}

Result<ExerciseTarget> exercise_target(const ExerciseArgs& args, const ExerciseLibrary& library) {
  const ExerciseTarget target{args.exercise, args.reps};
  if (Status s = check_exercise_target(library, target); !s.ok())
    return Error("--exercise: " + s.error().message());
  return target;
}

}  // namespace posecast::cli
