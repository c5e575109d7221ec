#include "posecast/guidance.h"

#include <gtest/gtest.h>

#include "posecast/exercise_sketches.h"
#include "posecast/pose_sketches.h"
#include "posecast/skeleton_poser.h"

namespace posecast {
namespace {

// What MoveNet reports of a body partly out of the picture: the keypoints outside it unseen.
Pose in_frame(Pose pose) {
  for (Keypoint& k : pose.keypoints)
    if (k.x < 0 || k.y < 0 || k.x >= pose.image_width || k.y >= pose.image_height) k.score = 0;
  return pose;
}

// Standing at ease, facing the camera (yaw 0) or turned (yaw 90: in profile).
Pose standing(SkeletonPlacement at = {}, float yaw = 0) {
  SkeletonAngles a = *pose_sketch("mountain");
  a.yaw = yaw;
  return in_frame(pose_skeleton(a, at));
}

std::string code_of(const Pose& pose, ViewNeed need = ViewNeed::kAny, bool person = true) {
  auto g = framing_problem(pose, person, need, "");
  return g ? g->code : "";
}

TEST(FramingProblem, AWholeBodyInTheMiddleIsFine) {
  EXPECT_EQ(code_of(standing()), "");
  EXPECT_EQ(code_of(standing(), ViewNeed::kFront), "");
  EXPECT_EQ(code_of(standing({}, 90), ViewNeed::kSide), "");
}

TEST(FramingProblem, NoBodyIsToldToStepIntoView) {
  const auto g = framing_problem(Pose{}, false, ViewNeed::kAny, "");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->code, "step_into_view");
  EXPECT_EQ(g->text, "Step into the camera's view");
}

TEST(FramingProblem, FeetBelowTheFrameMeanStepBack) {
  // Knees at the bottom, ankles out of the picture.
  const Pose low = standing({.hip_y = 360});
  EXPECT_EQ(low[Joint::kLeftAnkle].score, 0);
  const auto g = framing_problem(low, true, ViewNeed::kAny, "");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->code, "step_back");
  EXPECT_EQ(g->text, "Step back so your feet are in view");
}

TEST(FramingProblem, AnklesNotFoundHighUpAreNotCutOff) {
  Pose p = standing();
  p[Joint::kLeftAnkle].score = p[Joint::kRightAnkle].score = 0;
  EXPECT_EQ(code_of(p), "");  // a shin below the knees ends in the picture: not cut off
  p = standing({.hip_y = 330});
  p[Joint::kLeftAnkle].score = p[Joint::kRightAnkle].score = 0;
  EXPECT_EQ(code_of(p), "step_back");  // a shin below the knees would end below the frame
}

TEST(FramingProblem, NothingBelowTheHipsIsUpperBodyOnly) {
  // A webcam at a desk: head and shoulders fill the lower half, the hips are out of the picture.
  const Pose close = standing({.hip_y = 520, .torso_px = 220});
  EXPECT_EQ(close[Joint::kLeftKnee].score, 0);
  const auto g = framing_problem(close, true, ViewNeed::kAny, "");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->code, "upper_body_only");
  EXPECT_EQ(g->text.rfind("Only your upper body is visible", 0), 0u) << g->text;
}

TEST(FramingProblem, CutByOneSideTheStudentMovesToTheirOwnSide) {
  // Cut by the image's left edge: the student's right side is out, they move to their left.
  const auto left = framing_problem(standing({.hip_x = 15}), true, ViewNeed::kAny, "");
  ASSERT_TRUE(left);
  EXPECT_EQ(left->code, "move_left");
  EXPECT_EQ(left->text, "Move to your left");
  EXPECT_EQ(code_of(standing({.hip_x = 625})), "move_right");
}

TEST(FramingProblem, InProfileTheStudentMovesForwardOrBackward) {
  // Facing the image's right (yaw 90), cut by its left edge: forward is the way out.
  const auto forward = framing_problem(standing({.hip_x = 15}, 90), true, ViewNeed::kAny, "");
  ASSERT_TRUE(forward);
  EXPECT_EQ(forward->code, "move_forward");
  EXPECT_EQ(forward->text, "Move forward, the way you face");
  EXPECT_EQ(code_of(standing({.hip_x = 625}, 90)), "move_backward");
  EXPECT_EQ(code_of(standing({.hip_x = 625}, -90)), "move_forward");
}

TEST(FramingProblem, ABodyFillingTheWidthCutByOneSideStepsBack) {
  // A push-up seen from the side in a narrow frame: the feet run out of the left edge.
  const Pose pushup = exercise_pose(*exercise_sketch("pushup", 0, SketchView::kSide),
                                    {.hip_x = 120, .image_width = 300});
  EXPECT_EQ(code_of(in_frame(pushup)), "step_back");
}

TEST(FramingProblem, FarOffCentreTheStudentMovesTowardTheMiddle) {
  EXPECT_EQ(code_of(standing({.hip_x = 100})), "move_left");
  EXPECT_EQ(code_of(standing({.hip_x = 540})), "move_right");
  EXPECT_EQ(code_of(standing({.hip_x = 220})), "");  // a little off-centre is fine
}

TEST(FramingProblem, CutByBothSidesOrTheTopMeansStepBack) {
  SkeletonAngles arms_out = *pose_sketch("mountain");
  arms_out.left_upper_arm = arms_out.left_forearm = 90;
  arms_out.right_upper_arm = arms_out.right_forearm = 270;
  // The fingertips just inside both edges.
  const Pose wide = in_frame(pose_skeleton(arms_out, {.hip_x = 153, .image_width = 306}));
  EXPECT_EQ(code_of(wide), "step_back");
  EXPECT_EQ(framing_problem(wide, true, ViewNeed::kAny, "")->text,
            "Step back so your whole body is in view");
  EXPECT_EQ(code_of(standing({.hip_y = 160})), "step_back");  // the head above the frame
}

TEST(FramingProblem, ASmallBodyIsToldToComeCloser) {
  const auto g = framing_problem(standing({.torso_px = 40}), true, ViewNeed::kAny, "");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->code, "come_closer");
  EXPECT_EQ(code_of(standing({.torso_px = 80})), "");
}

TEST(FramingProblem, ASideExerciseSeenFromTheFrontNeedsTurningSideways) {
  const Pose front = exercise_pose(*exercise_sketch("pushup", 0, SketchView::kFront));
  const Pose side = exercise_pose(*exercise_sketch("pushup", 0, SketchView::kSide));
  const auto g = framing_problem(front, true, ViewNeed::kSide, "Push-up");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->code, "turn_sideways");
  EXPECT_EQ(g->text, "Turn sideways: Push-up is judged from the side");
  EXPECT_EQ(code_of(side, ViewNeed::kSide), "");
  EXPECT_EQ(code_of(front, ViewNeed::kAny), "");
  EXPECT_EQ(code_of(standing(), ViewNeed::kSide), "turn_sideways");
  EXPECT_EQ(framing_problem(standing(), true, ViewNeed::kSide, "")->text,
            "Turn sideways to the camera");
}

TEST(FramingProblem, AFrontPoseSeenInProfileNeedsFacingTheCamera) {
  const auto g = framing_problem(standing({}, 90), true, ViewNeed::kFront, "Tree");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->code, "face_the_camera");
  EXPECT_EQ(g->text, "Face the camera: Tree is judged from the front");
  const Pose jack_side = exercise_pose(*exercise_sketch("jumping_jack", 0, SketchView::kSide));
  EXPECT_EQ(code_of(jack_side, ViewNeed::kFront), "face_the_camera");
  // Half turned: neither facing nor in profile, nothing to say.
  EXPECT_EQ(code_of(standing({}, 55), ViewNeed::kFront), "");
  EXPECT_EQ(code_of(standing({}, 55), ViewNeed::kSide), "");
}

TEST(FramingProblem, AFrameWithoutASizeSaysNothing) {
  Pose p = standing();
  p.image_width = p.image_height = 0;
  EXPECT_EQ(code_of(p), "");
}

TEST(FramingGuide, AProblemIsReportedOnceItHasLastedTheSettleTime) {
  FramingGuide guide;
  const Pose ok = standing(), low = standing({.hip_y = 360});
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(guide.update(ok, true, ViewNeed::kAny, "", i * 0.1));
  for (int i = 10; i < 20; ++i)  // 0.9 s of feet out of view: not yet
    EXPECT_FALSE(guide.update(low, true, ViewNeed::kAny, "", i * 0.1)) << i;
  const auto shown = guide.update(low, true, ViewNeed::kAny, "", 2.0);
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->code, "step_back");
  // Fixed: it stays for clear_s (0.5 s), then goes.
  for (int i = 21; i < 25; ++i) EXPECT_TRUE(guide.update(ok, true, ViewNeed::kAny, "", i * 0.1));
  EXPECT_FALSE(guide.update(ok, true, ViewNeed::kAny, "", 2.6));
}

TEST(FramingGuide, AFlickeringProblemIsNeverReported) {
  FramingGuide guide;
  const Pose ok = standing(), low = standing({.hip_y = 360});
  for (int i = 0; i < 50; ++i)
    EXPECT_FALSE(guide.update(i / 3 % 2 ? low : ok, true, ViewNeed::kAny, "", i * 0.1)) << i;
}

TEST(FramingGuide, AShownProblemStaysThroughAFlicker) {
  FramingGuide guide;
  const Pose ok = standing(), low = standing({.hip_y = 360});
  for (int i = 0; i <= 10; ++i) guide.update(low, true, ViewNeed::kAny, "", i * 0.1);
  for (int i = 11; i < 40; ++i)  // fixed for 0.2 s at a time: not long enough to clear
    EXPECT_TRUE(guide.update(i % 3 ? low : ok, true, ViewNeed::kAny, "", i * 0.1)) << i;
}

TEST(FramingGuide, OneProblemReplacesAnother) {
  FramingGuide guide;
  const Pose low = standing({.hip_y = 360}), off = standing({.hip_x = 100});
  for (int i = 0; i <= 10; ++i) guide.update(low, true, ViewNeed::kAny, "", i * 0.1);
  std::vector<std::string> codes;
  for (int i = 11; i <= 30; ++i) {
    auto g = guide.update(off, true, ViewNeed::kAny, "", i * 0.1);
    codes.push_back(g ? g->code : "");
  }
  EXPECT_EQ(codes[8], "step_back");   // the old one stays...
  EXPECT_EQ(codes[10], "move_left");  // ...until the new one has lasted settle_s
  EXPECT_EQ(codes.back(), "move_left");
}

TEST(FramingGuide, TwoProblemsThatAlternateShowOneSteadily) {
  // A knee flickering at the bottom edge: "upper body only" and "step back" by turns.
  FramingGuide guide;
  const Pose upper = standing({.hip_y = 520, .torso_px = 220}), low = standing({.hip_y = 360});
  ASSERT_EQ(code_of(upper), "upper_body_only");
  ASSERT_EQ(code_of(low), "step_back");
  std::string first;
  for (int i = 0; i < 50; ++i) {
    auto g = guide.update(i % 2 ? low : upper, true, ViewNeed::kAny, "", i * 0.1);
    if (i < 10) {
      EXPECT_FALSE(g) << i;
      continue;
    }
    ASSERT_TRUE(g) << i;
    if (first.empty()) first = g->code;
    EXPECT_EQ(g->code, first) << i;  // shown after 1 s, then the same one
  }
}

TEST(FramingGuide, TheSetUpCheckRunsForFiveSecondsOnceABodyIsSeen) {
  FramingGuide guide;
  const Pose ok = standing();
  for (int i = 0; i < 20; ++i) {  // nobody for 2 s
    guide.update(Pose{}, false, ViewNeed::kAny, "", i * 0.1);
    EXPECT_FALSE(guide.setup_check());
  }
  std::vector<bool> checking;
  for (int i = 20; i < 100; ++i) {
    guide.update(ok, true, ViewNeed::kAny, "", i * 0.1);
    checking.push_back(guide.setup_check());
  }
  // Seen from 2.0 s; judged from 3.0 s (settle_s) for 5 s.
  EXPECT_FALSE(checking[9]);   // 2.9 s
  EXPECT_TRUE(checking[10]);   // 3.0 s
  EXPECT_TRUE(checking[59]);   // 7.9 s
  EXPECT_FALSE(checking[60]);  // 8.0 s
  guide.reset();
  guide.update(ok, true, ViewNeed::kAny, "", 20.0);
  guide.update(ok, true, ViewNeed::kAny, "", 21.0);
  EXPECT_TRUE(guide.setup_check());  // a new video checks again
}

TEST(ViewNeed, NamesGoBothWays) {
  for (ViewNeed v : {ViewNeed::kAny, ViewNeed::kFront, ViewNeed::kSide})
    EXPECT_EQ(view_need_from_name(view_need_name(v)), v);
  EXPECT_EQ(view_need_name(ViewNeed::kSide), "side");
  EXPECT_FALSE(view_need_from_name("Side"));
  EXPECT_FALSE(view_need_from_name(""));
}

}  // namespace
}  // namespace posecast
