// The view the framing guidance checks: the exercise going on first, else the pose coached.
#include "pipeline/framing_subject.h"

#include <gtest/gtest.h>

namespace posecast {
namespace {

struct Libraries {
  PoseLibrary poses;
  ExerciseLibrary exercises;
};

const Libraries& libraries() {
  static const Libraries libs = [] {
    auto poses = load_pose_library(default_pose_library_path());
    auto exercises = load_exercise_library(default_exercise_library_path());
    EXPECT_TRUE(poses.ok() && exercises.ok());
    return Libraries{poses.ok() ? poses.value() : PoseLibrary{},
                     exercises.ok() ? exercises.value() : ExerciseLibrary{}};
  }();
  return libs;
}

FramingSubject subject_of(std::optional<std::string> exercise, std::string_view pose) {
  std::optional<ExerciseState> state;
  if (exercise) {
    state.emplace();
    state->id = *exercise;
  }
  return framing_subject(state, pose, libraries().poses, libraries().exercises);
}

TEST(FramingSubject, TheExerciseGoingOnComesFirst) {
  const FramingSubject s = subject_of("pushup", "tree");
  EXPECT_EQ(s.need, ViewNeed::kSide);
  EXPECT_EQ(s.name, "Push-up");
}

TEST(FramingSubject, ElseThePoseCoached) {
  const FramingSubject s = subject_of(std::nullopt, "tree");
  EXPECT_EQ(s.need, ViewNeed::kFront);
  EXPECT_EQ(s.name, "Tree");
  EXPECT_EQ(subject_of(std::nullopt, "downdog").need, ViewNeed::kSide);
  EXPECT_EQ(subject_of("no_such_exercise", "downdog").name, "Downward-Facing Dog");
}

TEST(FramingSubject, NothingGoingOnNeedsNoView) {
  const FramingSubject s = subject_of(std::nullopt, "take_your_pose");
  EXPECT_EQ(s.need, ViewNeed::kAny);
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(subject_of("squat", "").need, ViewNeed::kAny);  // a squat works from both
}

}  // namespace
}  // namespace posecast
