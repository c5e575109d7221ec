#include "posecast/smoothing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "classify/synthetic_poses.h"
#include "posecast/skeleton_poser.h"

namespace posecast {
namespace {

constexpr double kFps = 30;

TEST(OneEuroFilter, SteadyInputStaysPut) {
  OneEuroFilter f;
  for (int i = 0; i < 30; ++i) EXPECT_FLOAT_EQ(f.filter(5.0f, i / kFps), 5.0f);
}

TEST(OneEuroFilter, RemovesMostJitterAtRest) {
  OneEuroFilter f;
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0, 4);
  double raw = 0, smooth = 0;
  for (int i = 0; i < 300; ++i) {
    float x = 100 + noise(rng);
    float y = f.filter(x, i / kFps);
    if (i >= 30) raw += (x - 100) * (x - 100), smooth += (y - 100) * (y - 100);
  }
  EXPECT_LT(smooth, raw / 5) << "filtered jitter variance should be a fifth of the raw one or less";
}

TEST(OneEuroFilter, FollowsFastMovementWithLittleLag) {
  // 600 px/s: a quick arm movement. The speed term opens the filter up.
  OneEuroFilter adaptive;
  OneEuroFilter fixed({.min_cutoff_hz = 1.0f, .beta = 0.0f});
  float lag_adaptive = 0, lag_fixed = 0;
  for (int i = 0; i <= 15; ++i) {
    float x = 600.0f * static_cast<float>(i / kFps);
    lag_adaptive = x - adaptive.filter(x, i / kFps);
    lag_fixed = x - fixed.filter(x, i / kFps);
  }
  EXPECT_LT(lag_adaptive, 0.4f * lag_fixed);
  EXPECT_LT(lag_adaptive, 40.0f);  // px behind after half a second
}

TEST(OneEuroFilter, ResetsOnTimeGoingBackwards) {
  OneEuroFilter f;
  f.filter(0, 0.0);
  f.filter(0, 0.1);
  EXPECT_FLOAT_EQ(f.filter(50, 0.05), 50.0f);
}

TEST(KeypointSmoother, BringsJitteredKeypointsCloserToTheTruth) {
  Pose truth = pose_skeleton(testing::library_pose_skeleton("warrior2"));
  KeypointSmoother smoother;
  std::mt19937 rng(5);
  double raw = 0, smooth = 0;
  for (int i = 0; i < 120; ++i) {
    Pose seen = testing::jitter(truth, 3.0f, rng);
    Pose out = smoother.smooth(seen, i / kFps);
    if (i < 20) continue;
    for (int j = 0; j < kNumJoints; ++j) {
      raw += std::hypot(seen.keypoints[j].x - truth.keypoints[j].x,
                        seen.keypoints[j].y - truth.keypoints[j].y);
      smooth += std::hypot(out.keypoints[j].x - truth.keypoints[j].x,
                           out.keypoints[j].y - truth.keypoints[j].y);
    }
  }
  EXPECT_LT(smooth, raw / 2);
}

TEST(KeypointSmoother, UnsureKeypointsPassThroughAndRestart) {
  KeypointSmoother smoother;
  Pose p = pose_skeleton(testing::library_pose_skeleton("mountain"));
  for (int i = 0; i < 10; ++i) smoother.smooth(p, i / kFps);
  Pose unsure = p;
  unsure[Joint::kLeftWrist] = {10, 10, 0.1f};
  Pose out = smoother.smooth(unsure, 10 / kFps);
  EXPECT_FLOAT_EQ(out[Joint::kLeftWrist].x, 10.0f);
  EXPECT_FLOAT_EQ(out[Joint::kLeftWrist].score, 0.1f);
  // Back with confidence somewhere else: taken as is, not dragged from the old place.
  Pose moved = p;
  moved[Joint::kLeftWrist].x += 200;
  out = smoother.smooth(moved, 11 / kFps);
  EXPECT_FLOAT_EQ(out[Joint::kLeftWrist].x, moved[Joint::kLeftWrist].x);
}

Classification frame(const std::string& label, float prob, const std::string& variant = "") {
  Classification c;
  c.top = {{label, prob}, {label == "tree" ? "mountain" : "tree", (1 - prob) * 0.5f}};
  c.none_prob = (1 - prob) * 0.5f;
  c.decision = prob >= 0.6f ? label : std::string(kTakeYourPose);
  c.variant = variant;
  return c;
}

TEST(LabelSmoother, FlickeringFramesDoNotFlickerTheLabel) {
  LabelSmoother s;
  int switches = 0;
  std::string last;
  for (int i = 0; i < 90; ++i) {
    // Mostly tree, every third frame a spurious mountain.
    Classification c =
        s.update(i % 3 == 2 ? frame("mountain", 0.7f) : frame("tree", 0.75f, "left"), i / kFps);
    if (i > 0 && c.decision != last) ++switches;
    last = c.decision;
  }
  EXPECT_EQ(last, "tree");
  EXPECT_LE(switches, 1);
  EXPECT_EQ(s.update(frame("tree", 0.8f, "left"), 3.0).variant, "left");
}

TEST(LabelSmoother, ASustainedChangeSwitchesWithinHalfASecond) {
  LabelSmoother s;
  for (int i = 0; i < 30; ++i) s.update(frame("tree", 0.9f), i / kFps);
  ASSERT_EQ(s.decision(), "tree");
  int frames_to_switch = -1;
  for (int i = 0; i < 30; ++i) {
    if (s.update(frame("mountain", 0.9f), (30 + i) / kFps).decision == "mountain") {
      frames_to_switch = i + 1;
      break;
    }
  }
  EXPECT_GT(frames_to_switch, 1) << "one frame is not enough to switch";
  EXPECT_LE(frames_to_switch, 15);
}

TEST(LabelSmoother, HysteresisKeepsAHeldLabelButDoesNotAdoptAWeakOne) {
  LabelSmoother s;
  for (int i = 0; i < 30; ++i) s.update(frame("tree", 0.9f), i / kFps);
  // Drifting to 0.5: below the 0.60 needed to enter, above the 0.45 needed to stay.
  for (int i = 30; i < 90; ++i) s.update(frame("tree", 0.5f), i / kFps);
  EXPECT_EQ(s.decision(), "tree");
  for (int i = 90; i < 150; ++i) s.update(frame("tree", 0.3f), i / kFps);
  EXPECT_EQ(s.decision(), kTakeYourPose);

  LabelSmoother fresh;
  for (int i = 0; i < 60; ++i) fresh.update(frame("tree", 0.5f), i / kFps);
  EXPECT_EQ(fresh.decision(), kTakeYourPose);
}

TEST(LabelSmoother, SmoothedProbabilitiesAreReported) {
  LabelSmoother s;
  Classification c;
  for (int i = 0; i < 60; ++i) c = s.update(frame("tree", 0.8f), i / kFps);
  ASSERT_FALSE(c.top.empty());
  EXPECT_EQ(c.top[0].label, "tree");
  EXPECT_NEAR(c.top[0].prob, 0.8f, 0.01f);
  EXPECT_NEAR(c.none_prob, 0.1f, 0.01f);
}

TEST(LabelSmoother, AGapStartsOver) {
  LabelSmoother s;
  for (int i = 0; i < 30; ++i) s.update(frame("tree", 0.9f), i / kFps);
  EXPECT_EQ(s.update(frame("mountain", 0.9f), 10.0).decision, "mountain");
}

}  // namespace
}  // namespace posecast
