// SetTracker: the rep counter's per-frame states in, sets out.
#include <gtest/gtest.h>

#include <vector>

#include "posecast/practice_history.h"

namespace posecast {
namespace {

constexpr int64_t kT0 = 1'735'812'000'000;

// Plays a rep counter at 10 results a second: reps of 1 s down, counted when they are back up
// and 1 s at the top; rests between sets.
class Counter {
 public:
  Counter(SetTracker& tracker, std::string exercise) : tracker_(tracker) {
    state_.id = std::move(exercise);
    state_.name = "Squat";
    state_.phase = "top";
  }

  void rep(int score, float range, std::string cue = "", bool partial = false) {
    RepRecord r;
    r.start_s = t_s();
    tick("down", 10);
    r.end_s = t_s();
    r.partial = partial;
    r.number = partial ? 0 : state_.reps + 1;
    r.score = score;
    r.range = range;
    r.cue = std::move(cue);
    if (partial) {
      ++state_.partial_reps;
    } else {
      ++state_.reps;
      ++state_.total_reps;
    }
    state_.last_rep = r;
    tick("top", 10);
  }
  void rest(int frames) {
    tick("rest", frames);
    state_.reps = 0;
    ++state_.set;
    state_.phase = "top";
  }
  // Frames without an exercise (the body lost for a moment).
  void nothing(int frames) {
    for (int i = 0; i < frames; ++i, ++frame_) feed(std::nullopt);
  }

  double t_s() const { return frame_ / 10.0; }
  int64_t now_ms() const { return kT0 + frame_ * 100; }
  ExerciseState& state() { return state_; }
  std::vector<SetRecord> sets;

 private:
  void tick(const char* phase, int frames) {
    state_.phase = phase;
    for (int i = 0; i < frames; ++i, ++frame_) feed(state_);
  }
  void feed(std::optional<ExerciseState> e) {
    FrameResult r;
    r.frame = frame_;
    r.capture_unix_ms = now_ms();
    r.exercise = std::move(e);
    if (auto set = tracker_.update(r)) sets.push_back(*set);
  }

  SetTracker& tracker_;
  ExerciseState state_;
  int64_t frame_ = 0;
};

TEST(SetTracker, ASetEndsWhenTheCounterRestsWithItsRepsScoresAndMainCue) {
  SetTracker tracker;
  Counter squats(tracker, "squat");
  squats.rep(90, 1.0f);
  squats.rep(70, 0.7f, "Hips down to knee height");
  squats.rep(60, 0.6f, "Hips down to knee height");
  squats.rep(80, 0.9f, "Chest up");
  squats.rep(0, 0.3f, "Go lower", /*partial=*/true);
  ASSERT_TRUE(squats.sets.empty()) << "a set in progress is not a set yet";
  squats.rest(30);
  ASSERT_EQ(squats.sets.size(), 1u);
  const SetRecord& set = squats.sets[0];
  EXPECT_EQ(set.exercise, "squat");
  EXPECT_EQ(set.set, 1);
  EXPECT_EQ(set.reps, 4);
  EXPECT_EQ(set.partial_reps, 1);
  // The first rep started 1 s before it was counted (frame 10): at the first frame.
  EXPECT_EQ(set.start_unix_ms, kT0);
  EXPECT_NEAR(set.duration_s, 9.0, 0.11);  // to the fifth rep counted at frame 90
  EXPECT_FLOAT_EQ(set.mean_score, 75);     // over the full reps: (90 + 70 + 60 + 80) / 4
  EXPECT_FLOAT_EQ(set.mean_range, 0.8f);
  EXPECT_EQ(set.main_cue, "Hips down to knee height");
  EXPECT_EQ(tracker.flush(), std::nullopt) << "the rest already ended it";
}

TEST(SetTracker, SetsAreNumberedByTheCounterAndEveryGoodRepLeavesNoCue) {
  SetTracker tracker;
  Counter squats(tracker, "squat");
  for (int i = 0; i < 3; ++i) squats.rep(95, 1.0f);
  squats.rest(20);
  for (int i = 0; i < 2; ++i) squats.rep(85, 0.95f);
  squats.rest(20);
  ASSERT_EQ(squats.sets.size(), 2u);
  EXPECT_EQ(squats.sets[0].set, 1);
  EXPECT_EQ(squats.sets[0].reps, 3);
  EXPECT_EQ(squats.sets[0].main_cue, "");
  EXPECT_EQ(squats.sets[1].set, 2);
  EXPECT_EQ(squats.sets[1].reps, 2);
  EXPECT_GT(squats.sets[1].start_unix_ms, squats.sets[0].start_unix_ms);
}

TEST(SetTracker, AMomentWithoutAnExerciseEndsNothingAndFlushEndsTheSet) {
  SetTracker tracker;
  Counter squats(tracker, "squat");
  squats.rep(80, 1.0f);
  squats.nothing(15);
  squats.rep(80, 1.0f);
  EXPECT_TRUE(squats.sets.empty());
  std::optional<SetRecord> last = tracker.flush();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->reps, 2);
  EXPECT_EQ(tracker.flush(), std::nullopt);
}

TEST(SetTracker, AnotherExerciseEndsTheSetAndRepsSkippedBetweenResultsStillCount) {
  SetTracker tracker;
  Counter squats(tracker, "squat");
  squats.rep(80, 1.0f);
  squats.rep(80, 1.0f);
  // Results sent at a low rate: three reps happened between two of them.
  squats.state().reps += 3;
  squats.state().total_reps += 3;
  squats.rep(70, 0.9f);
  Counter lunges(tracker, "lunge");
  lunges.rep(60, 0.8f, "Torso upright");
  ASSERT_EQ(lunges.sets.size(), 1u);
  EXPECT_EQ(lunges.sets[0].exercise, "squat");
  EXPECT_EQ(lunges.sets[0].reps, 6);
  std::optional<SetRecord> lunge = tracker.flush();
  ASSERT_TRUE(lunge);
  EXPECT_EQ(lunge->exercise, "lunge");
  EXPECT_EQ(lunge->reps, 1);
  EXPECT_EQ(lunge->main_cue, "Torso upright");
}

TEST(SetTracker, AnExerciseWithoutRepsMakesNoSet) {
  SetTracker tracker;
  Counter squats(tracker, "squat");
  squats.rest(50);
  EXPECT_TRUE(squats.sets.empty());
  EXPECT_EQ(tracker.flush(), std::nullopt);
}

}  // namespace
}  // namespace posecast
