// The rep counter on sketched bodies with known reps (tests/exercise/exercise_motion.h): every
// exercise from the front and the side, partial reps, a pause that ends a set, and movements
// that are not reps. Counts are exact.
#include "posecast/rep_counter.h"

#include <gtest/gtest.h>

#include "exercise/exercise_motion.h"
#include "test_paths.h"

namespace posecast {
namespace {

using testing::count;
using testing::Motion;
using testing::sketch_of;

ExerciseLibrary library() {
  auto lib =
      load_exercise_library(std::filesystem::path(POSECAST_SOURCE_DIR) / "data" / "exercises.json");
  EXPECT_TRUE(lib.ok()) << lib.error().message();
  return lib.ok() ? lib.value() : ExerciseLibrary{};
}

struct Case {
  const char* id;
  SketchView view;
};

class EveryExercise : public ::testing::TestWithParam<Case> {};

TEST_P(EveryExercise, IsRecognisedAndCountsEachFullRepOnce) {
  const auto [id, view] = GetParam();
  RepCounter counter(library());
  Motion m;
  m.hold(sketch_of(id, view), 0, 1).reps(sketch_of(id, view), 5, 1.0f, 0.8, 0.8, 0.6);
  const auto r = count(counter, m);
  ASSERT_TRUE(r.last.has_value());
  EXPECT_EQ(r.last->id, id);
  EXPECT_EQ(r.last->reps, 5);
  EXPECT_EQ(r.last->total_reps, 5);
  EXPECT_EQ(r.last->partial_reps, 0);
  EXPECT_EQ(r.last->set, 1);
  EXPECT_EQ(r.last->phase, "top");
  ASSERT_TRUE(r.last->last_rep.has_value());
  const RepRecord& rep = *r.last->last_rep;
  EXPECT_EQ(rep.number, 5);
  EXPECT_FALSE(rep.partial);
  EXPECT_NEAR(rep.range, 1.0, 0.01);
  // Down and up take 0.8 s each (+0.1 s at the turn); the thresholds cut a little off both.
  EXPECT_NEAR(rep.tempo_down_s, 0.6, 0.25);
  EXPECT_NEAR(rep.tempo_up_s, 0.6, 0.25);
  EXPECT_EQ(rep.score, 100) << rep.cue;
  EXPECT_EQ(rep.cue, "");
  // Each rep counts when the body is back at the top: 1 s of top, then 2.3 s per rep.
  ASSERT_EQ(r.counted_at.size(), 5u);
  for (size_t i = 1; i < r.counted_at.size(); ++i)
    EXPECT_NEAR(r.counted_at[i] - r.counted_at[i - 1], 2.3, 0.1);
}

INSTANTIATE_TEST_SUITE_P(
    FrontAndSide, EveryExercise,
    ::testing::Values(Case{"squat", SketchView::kSide}, Case{"squat", SketchView::kFront},
                      Case{"pushup", SketchView::kSide}, Case{"pushup", SketchView::kFront},
                      Case{"lunge", SketchView::kSide}, Case{"jumping_jack", SketchView::kFront},
                      Case{"jumping_jack", SketchView::kSide}, Case{"situp", SketchView::kSide},
                      Case{"glute_bridge", SketchView::kSide},
                      Case{"lateral_raise", SketchView::kFront}),
    [](const auto& info) {
      return std::string(info.param.id) +
             (info.param.view == SketchView::kSide ? "_side" : "_front");
    });

TEST(RepCounter, APartialRepCountsAsPartialNeverAsARep) {
  RepCounter counter(library());
  const auto squat = sketch_of("squat", SketchView::kSide);
  Motion m;
  m.hold(squat, 0, 1).reps(squat, 2).reps(squat, 2, 0.6f).reps(squat, 1);
  const auto r = count(counter, m);
  ASSERT_TRUE(r.last.has_value());
  EXPECT_EQ(r.last->reps, 3);
  EXPECT_EQ(r.last->partial_reps, 2);
  // The partial rep's range says how far it went and its cue asks for depth.
  RepCounter counter2(library());
  Motion m2;
  m2.hold(squat, 0, 1).reps(squat, 1).reps(squat, 1, 0.6f);
  const auto r2 = count(counter2, m2);
  ASSERT_TRUE(r2.last && r2.last->last_rep);
  EXPECT_TRUE(r2.last->last_rep->partial);
  EXPECT_EQ(r2.last->last_rep->number, 0);
  EXPECT_NEAR(r2.last->last_rep->range, 0.6, 0.05);
  EXPECT_EQ(r2.last->last_rep->cue, "Hips down to knee height");
  EXPECT_LT(r2.last->last_rep->score, 100);
}

TEST(RepCounter, APauseEndsTheSetAndTheRestTimerRunsUntilTheNextRep) {
  RepCounter counter(library());
  const auto jack = sketch_of("jumping_jack", SketchView::kFront);
  Motion m;
  m.hold(jack, 0, 1).reps(jack, 4, 1.0f, 0.4, 0.4, 0.2).hold(jack, 0, 12);
  auto r = count(counter, m);
  ASSERT_TRUE(r.last.has_value());
  EXPECT_EQ(r.last->phase, "rest");
  EXPECT_EQ(r.last->set, 1);
  EXPECT_EQ(r.last->reps, 4);
  EXPECT_NEAR(r.last->rest_s, 12.2, 0.2);  // 12 s standing + the last rep's top
  // The next rep starts set 2.
  Motion second = m;
  second.reps(jack, 3, 1.0f, 0.4, 0.4, 0.2);
  RepCounter counter2(library());
  r = count(counter2, second);
  ASSERT_TRUE(r.last.has_value());
  EXPECT_EQ(r.last->set, 2);
  EXPECT_EQ(r.last->reps, 3);
  EXPECT_EQ(r.last->total_reps, 7);
  EXPECT_EQ(r.last->phase, "top");
  EXPECT_EQ(r.last->rest_s, 0);
}

TEST(RepCounter, StandingStillCountsNothing) {
  RepCounter counter(library());
  Motion m;
  m.timed(30, [](double f) {
    Pose p = exercise_pose(*exercise_sketch("squat", 0, SketchView::kFront));
    for (auto& k : p.keypoints) k.y += 2 * static_cast<float>(std::sin(f * 200));  // sway
    return p;
  });
  const auto r = count(counter, m);
  EXPECT_FALSE(r.last.has_value());
}

TEST(RepCounter, WalkingCountsNothing) {
  RepCounter counter(library());
  Motion m;
  m.timed(30, [](double f) { return testing::walking(30 * f); });
  const auto r = count(counter, m);
  EXPECT_FALSE(r.last.has_value());
}

TEST(RepCounter, AHeldYogaPoseCountsNothing) {
  for (const char* pose : {"chair", "goddess", "tree", "warrior2", "plank", "downdog"}) {
    SCOPED_TRACE(pose);
    RepCounter counter(library());
    const SkeletonAngles standing = *pose_sketch("mountain");
    const SkeletonAngles held = *pose_sketch(pose);
    Motion m;
    m.move(standing, standing, 2).move(standing, held, 1.5).move(held, held, 15);
    m.move(held, standing, 1.5).move(standing, standing, 2);
    EXPECT_FALSE(count(counter, m).last.has_value());
  }
}

TEST(RepCounter, LyingDownAndGettingUpIsNoRep) {
  RepCounter counter(library());
  const SkeletonAngles standing = *pose_sketch("mountain");
  const ExerciseSketch low = *exercise_sketch("pushup", 1, SketchView::kSide);
  const ExerciseSketch plank = *exercise_sketch("pushup", 0, SketchView::kSide);
  Motion m;
  m.move(standing, standing, 1).move(standing, low.angles, 2).move(low.angles, low.angles, 3);
  m.move(low.angles, plank.angles, 1).move(plank.angles, standing, 2).move(standing, standing, 2);
  EXPECT_FALSE(count(counter, m).last.has_value());
}

TEST(RepCounter, ATargetCountsOnlyItsExerciseAndIsReportedFromTheFirstFrame) {
  RepCounter counter(library());
  counter.set_target({"squat", 10});
  const Pose standing = exercise_pose(*exercise_sketch("squat", 0, SketchView::kFront));
  auto first = counter.update(standing, true, 0);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->id, "squat");
  EXPECT_EQ(first->name, "Squat");
  EXPECT_EQ(first->reps, 0);
  EXPECT_EQ(first->set, 1);
  EXPECT_EQ(first->target_reps, 10);
  Motion m;
  const auto jack = sketch_of("jumping_jack", SketchView::kFront);
  const auto squat = sketch_of("squat", SketchView::kFront);
  m.hold(jack, 0, 1).reps(jack, 3).reps(squat, 2);
  const auto r = count(counter, m);
  ASSERT_TRUE(r.last.has_value());
  EXPECT_EQ(r.last->id, "squat");
  EXPECT_EQ(r.last->reps, 2);
  // Back to recognising by itself: the state stays until another exercise's rep after a rest.
  counter.set_target({});
  EXPECT_EQ(counter.update(standing, true, m.now() + 1)->id, "squat");
}

TEST(RepCounter, ResetStartsAgainFromNothing) {
  RepCounter counter(library());
  const auto squat = sketch_of("squat", SketchView::kSide);
  Motion m;
  m.hold(squat, 0, 1).reps(squat, 3);
  EXPECT_EQ(count(counter, m).last->total_reps, 3);
  counter.reset();
  EXPECT_FALSE(counter.update(exercise_pose(squat(0)), true, m.now() + 1).has_value());
}

TEST(RepCounter, ARepAlreadyUnderWayWhenTheBodyAppearsCounts) {
  // A clip that starts at the bottom of a push-up: the first rep counts when it reaches the top.
  RepCounter counter(library());
  const auto pushup = sketch_of("pushup", SketchView::kSide);
  Motion m;
  m.hold(pushup, 1, 0.5).ramp(pushup, 1, 0, 0.8).hold(pushup, 0, 0.5).reps(pushup, 2);
  const auto r = count(counter, m);
  ASSERT_TRUE(r.last.has_value());
  EXPECT_EQ(r.last->reps, 3);
}

TEST(RepCounter, ALostBodyDropsTheRepInProgress) {
  RepCounter counter(library());
  const auto squat = sketch_of("squat", SketchView::kSide);
  Motion m;
  m.hold(squat, 0, 1).reps(squat, 2).ramp(squat, 0, 1, 0.8).nobody(2).hold(squat, 0, 1);
  const auto r = count(counter, m);
  ASSERT_TRUE(r.last.has_value());
  EXPECT_EQ(r.last->reps, 2);
  EXPECT_EQ(r.last->partial_reps, 0);
}

TEST(RepCounter, APoseHeldBeforeASetIsNotTheTopOfItsFirstRep) {
  // Triangle held (the torso tipped over, the legs straight), then squats standing with soft
  // knees: the first squat's top is the standing just before it, upright, not the triangle whose
  // knees were straighter.
  RepCounter counter(library());
  const SkeletonAngles triangle = *pose_sketch("triangle");
  const testing::DepthBody squat = [](float d) {
    return *exercise_sketch("squat", 0.1f + 0.9f * d, SketchView::kFront);
  };
  const SkeletonAngles standing = squat(0).angles;
  Motion m;
  m.move(triangle, triangle, 4).move(triangle, standing, 1.2).hold(squat, 0, 0.3).reps(squat, 3);
  const auto r = count(counter, m);
  ASSERT_TRUE(r.last.has_value());
  EXPECT_EQ(r.last->id, "squat");
  EXPECT_EQ(r.last->total_reps, 3);
}

TEST(RepCounter, AKeypointThatJumpsForAFrameMakesNoRep) {
  // A plank held while MoveNet finds an elbow on the other arm for two frames, then a slightly
  // bent elbow for half a second, again and again: the elbow angle jumps by a full push-up in a
  // frame, faster than any body moves.
  RepCounter counter(library());
  const auto pushup = sketch_of("pushup", SketchView::kSide);
  Motion m;
  m.hold(pushup, 0, 1);
  for (int i = 0; i < 5; ++i)
    m.hold(pushup, 1.2f, 2.0 / 30).hold(pushup, 0.3f, 0.5).hold(pushup, 0, 1);
  const auto r = count(counter, m);
  EXPECT_FALSE(r.last.has_value()) << r.last->total_reps << " reps of " << r.last->id;
}

TEST(RepCounter, FormCuesNameWhatIsWrong) {
  // A squat with the chest dropping far forward at the bottom.
  RepCounter counter(library());
  const testing::DepthBody leaning = [](float d) {
    ExerciseSketch s = *exercise_sketch("squat", d, SketchView::kSide);
    s.angles.torso = 180 - 75 * d;
    return s;
  };
  Motion m;
  m.hold(leaning, 0, 1).reps(leaning, 2);
  auto r = count(counter, m);
  ASSERT_TRUE(r.last && r.last->last_rep);
  EXPECT_EQ(r.last->last_rep->cue, "Chest up");
  EXPECT_LT(r.last->last_rep->score, 90);
  // A push-up with sagging hips.
  RepCounter counter2(library());
  const testing::DepthBody sagging = [](float d) {
    ExerciseSketch s = *exercise_sketch("pushup", d, SketchView::kSide);
    s.angles.left_thigh = s.angles.right_thigh = s.angles.left_shin = s.angles.right_shin =
        s.angles.torso + 180 - 35;
    return s;
  };
  Motion m2;
  m2.hold(sagging, 0, 1).reps(sagging, 2);
  r = count(counter2, m2);
  ASSERT_TRUE(r.last && r.last->last_rep);
  EXPECT_EQ(r.last->last_rep->cue, "Keep your body in one line");
}

TEST(RepCounter, IsDeterministic) {
  const auto lunge = sketch_of("lunge", SketchView::kSide);
  Motion m;
  m.hold(lunge, 0, 1).reps(lunge, 4);
  RepCounter a(library()), b(library());
  const auto ra = count(a, m), rb = count(b, m);
  ASSERT_TRUE(ra.last && rb.last);
  EXPECT_EQ(ra.counted_at, rb.counted_at);
  EXPECT_EQ(ra.last->last_rep->tempo_down_s, rb.last->last_rep->tempo_down_s);
}

}  // namespace
}  // namespace posecast
