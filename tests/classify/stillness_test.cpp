// StillnessDetector: a held body is still, a walking or jumping one is moving.
#include "posecast/stillness.h"

#include <gtest/gtest.h>

#include <cmath>

namespace posecast {
namespace {

// A standing body, torso 100 px, shifted by dx and dy and with arms/legs spread by `spread` px.
Pose body(float dx, float spread = 0, float score = 0.9f, float dy = 0) {
  Pose p;
  p.image_width = 640;
  p.image_height = 480;
  auto set = [&](Joint j, float x, float y) { p[j] = {x + dx, y + dy, score}; };
  set(Joint::kLeftShoulder, 340, 100);
  set(Joint::kRightShoulder, 300, 100);
  set(Joint::kLeftElbow, 350 + spread, 150 - spread);
  set(Joint::kRightElbow, 290 - spread, 150 - spread);
  set(Joint::kLeftHip, 335, 200);
  set(Joint::kRightHip, 305, 200);
  set(Joint::kLeftKnee, 335 + spread / 2, 260);
  set(Joint::kRightKnee, 305 - spread / 2, 260);
  set(Joint::kLeftAnkle, 335 + spread, 320);
  set(Joint::kRightAnkle, 305 - spread, 320);
  return p;
}

TEST(Stillness, AHeldBodyWithJitterIsStill) {
  StillnessDetector d;
  for (int i = 0; i < 90; ++i) {
    const float jitter = 3 * std::sin(i * 1.7f);  // a few pixels of keypoint noise
    EXPECT_FALSE(d.update(body(jitter), i / 30.0)) << i;
  }
  EXPECT_LT(d.motion(), 0.1f);
}

TEST(Stillness, WalkingAcrossIsMovingAndStoppingIsStillAgain) {
  StillnessDetector d;
  double t = 0;
  for (int i = 0; i < 30; ++i, t += 1 / 30.0) d.update(body(0), t);
  EXPECT_FALSE(d.moving());
  // Walking: 150 px/s, 1.5 torso lengths a second.
  for (int i = 0; i < 30; ++i, t += 1 / 30.0) d.update(body(5.0f * i), t);
  EXPECT_TRUE(d.moving());
  EXPECT_GT(d.moving_for_s(t), 0.3);
  for (int i = 0; i < 30; ++i, t += 1 / 30.0) d.update(body(150), t);
  EXPECT_FALSE(d.moving());
  EXPECT_EQ(d.moving_for_s(t), 0);
}

// `pose` grown about its hip centre by `scale`: the same body nearer the camera.
Pose grown(Pose pose, float scale) {
  const float cx = (pose[Joint::kLeftHip].x + pose[Joint::kRightHip].x) / 2;
  const float cy = pose[Joint::kLeftHip].y;
  for (auto& k : pose.keypoints) {
    k.x = cx + (k.x - cx) * scale;
    k.y = cy + (k.y - cy) * scale;
  }
  return pose;
}

TEST(Stillness, WalkingTowardsTheCameraIsMoving) {
  StillnessDetector d;
  double t = 0;
  for (int i = 0; i < 30; ++i, t += 1 / 30.0) d.update(body(0), t);
  EXPECT_FALSE(d.moving());
  // A step towards the camera every half second: the body grows 25 % a second, while its hip
  // centre stays put and its joints travel little in the picture.
  for (int i = 1; i <= 30; ++i, t += 1 / 30.0) d.update(grown(body(0), 1 + 0.25f * i / 30), t);
  EXPECT_TRUE(d.moving());
  for (int i = 0; i < 30; ++i, t += 1 / 30.0) d.update(grown(body(0), 1.25f), t);
  EXPECT_FALSE(d.moving());
}

TEST(Stillness, JumpingJacksAreMovingEvenWhenTheyComeBack) {
  StillnessDetector d;
  int moving_frames = 0;
  for (int i = 0; i < 90; ++i) {
    const double t = i / 30.0;
    // Arms and legs open and close, and the whole body jumps 15 px.
    const float phase = static_cast<float>(0.5 - 0.5 * std::cos(2 * M_PI * t / 0.6));
    moving_frames += d.update(body(0, 80 * phase, 0.9f, -15 * phase), t);
  }
  EXPECT_GT(moving_frames, 70);
}

TEST(Stillness, TooFewJointsGiveNoOpinion) {
  StillnessDetector d;
  for (int i = 0; i < 30; ++i) EXPECT_FALSE(d.update(body(10.0f * i, 0, 0.1f), i / 30.0));
}

}  // namespace
}  // namespace posecast
