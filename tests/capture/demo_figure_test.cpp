// The demo figure's body (the keypoints it draws) through the rep counter: a fresh `run` without a
// camera shows the counter counting the demo's set of squats, and nothing during its poses.
#include <gtest/gtest.h>

#include <cmath>

#include "posecast/capture.h"
#include "posecast/rep_counter.h"
#include "test_paths.h"

namespace posecast {
namespace {

// Two cycles of the demo at `fps`; checks as it goes that no exercise is going on during the
// first cycle's poses, and returns the counter's state at the end of each cycle.
std::vector<ExerciseState> count_demo(double fps) {
  auto library =
      load_exercise_library(std::filesystem::path(POSECAST_SOURCE_DIR) / "data" / "exercises.json");
  EXPECT_TRUE(library.ok()) << library.error().message();
  if (!library) return {};
  RepCounter counter(library.value());
  const DemoTimeline timeline = demo_timeline();
  std::vector<ExerciseState> at_cycle_end;
  std::optional<ExerciseState> state;
  const int frames = static_cast<int>(std::lround(2 * timeline.cycle_s * fps));
  for (int i = 0; i < frames; ++i) {
    const double t = i / fps;
    state = counter.update(demo_keypoints(t), true, t);
    if (t < timeline.squats_start_s) {
      EXPECT_FALSE(state.has_value()) << "at " << t << " s: " << state->id;
    }
    if (i + 1 == frames / 2 || i + 1 == frames) {
      EXPECT_TRUE(state.has_value()) << "at " << t << " s";
      if (state) at_cycle_end.push_back(*state);
    }
  }
  return at_cycle_end;
}

TEST(DemoFigure, ItsSquatsCountFiveRepsAndItsPosesNone) {
  const DemoTimeline timeline = demo_timeline();
  EXPECT_EQ(timeline.squat_reps, 5);
  EXPECT_LT(timeline.squats_start_s, timeline.squats_end_s);
  EXPECT_LT(timeline.squats_end_s, timeline.cycle_s);
  for (double fps : {30.0, 15.0}) {
    SCOPED_TRACE(fps);
    const auto cycles = count_demo(fps);
    ASSERT_EQ(cycles.size(), 2u);
    EXPECT_EQ(cycles[0].id, "squat");
    EXPECT_EQ(cycles[0].reps, 5);
    EXPECT_EQ(cycles[0].partial_reps, 0);
    // The second cycle's poses count nothing either: its squats are a second set of five.
    EXPECT_EQ(cycles[1].id, "squat");
    EXPECT_EQ(cycles[1].set, 2);
    EXPECT_EQ(cycles[1].reps, 5);
    EXPECT_EQ(cycles[1].total_reps, 10);
    EXPECT_EQ(cycles[1].partial_reps, 0);
  }
}

TEST(DemoFigure, StandsInTheFrame) {
  const cv::Size size(640, 480);
  for (double t = 0; t < demo_timeline().cycle_s; t += 0.5) {
    const Pose p = demo_keypoints(t, size);
    for (const Keypoint& k : p.keypoints) {
      EXPECT_GT(k.x, 0) << t;
      EXPECT_LT(k.x, size.width) << t;
      EXPECT_GT(k.y, 0) << t;
      EXPECT_LT(k.y, size.height) << t;
    }
  }
}

}  // namespace
}  // namespace posecast
