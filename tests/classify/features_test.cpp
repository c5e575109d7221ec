#include "posecast/features.h"

#include <gtest/gtest.h>

#include <cmath>

#include "classify/synthetic_poses.h"
#include "posecast/skeleton_poser.h"

namespace posecast {
namespace {

using testing::library_pose_skeleton;

Pose warrior2() { return pose_skeleton(library_pose_skeleton("warrior2")); }

float angle(const Features& f, Angle a) { return f.angle(a).value_or(-1000.0f); }

void expect_same(const Features& a, const Features& b) {
  ASSERT_TRUE(a.valid);
  ASSERT_TRUE(b.valid);
  for (int j = 0; j < kNumJoints; ++j) {
    EXPECT_EQ(a.seen[j], b.seen[j]) << joint_name(static_cast<Joint>(j));
    EXPECT_NEAR(a.xy[j].x, b.xy[j].x, 1e-4) << joint_name(static_cast<Joint>(j));
    EXPECT_NEAR(a.xy[j].y, b.xy[j].y, 1e-4) << joint_name(static_cast<Joint>(j));
  }
  for (int i = 0; i < kNumAngles; ++i) {
    Angle an = static_cast<Angle>(i);
    EXPECT_NEAR(angle(a, an), angle(b, an), 1e-2) << angle_name(an);
  }
}

TEST(Features, AnglesOfAKnownBody) {
  Features f = compute_features(warrior2());
  ASSERT_TRUE(f.valid);
  EXPECT_NEAR(angle(f, Angle::kTorso), 0, 0.01);
  EXPECT_NEAR(angle(f, Angle::kLeftKnee), 95, 0.01);  // thigh at 85°, shin vertical
  EXPECT_NEAR(angle(f, Angle::kRightKnee), 180, 0.05);
  EXPECT_NEAR(angle(f, Angle::kLeftThigh), 85, 0.01);
  EXPECT_NEAR(angle(f, Angle::kRightThigh), 45, 0.01);
  EXPECT_NEAR(angle(f, Angle::kLeftShin), 0, 0.01);
  EXPECT_NEAR(angle(f, Angle::kThighSpread), 130, 0.01);
  EXPECT_NEAR(angle(f, Angle::kLeftArm), 90, 0.01);
  EXPECT_NEAR(angle(f, Angle::kLeftElbow), 180, 0.05);
  // Shoulders are wider than hips: the side line hip -> shoulder leans out by atan(0.125).
  const float lean = std::atan(0.125f) * 180 / M_PI;
  EXPECT_NEAR(angle(f, Angle::kLeftShoulder), 90 + lean, 0.01);
  EXPECT_NEAR(angle(f, Angle::kLeftHip), 95 - lean, 0.01);
  EXPECT_NEAR(angle(f, Angle::kRightHip), 135 - lean, 0.01);

  Features plank = compute_features(pose_skeleton(library_pose_skeleton("plank")));
  EXPECT_NEAR(angle(plank, Angle::kTorso), 75, 0.01);
  EXPECT_NEAR(angle(plank, Angle::kLeftHip), 180, 0.05);
  Features dog = compute_features(pose_skeleton(library_pose_skeleton("downdog")));
  EXPECT_NEAR(angle(dog, Angle::kTorso), 140, 0.01);  // shoulders below the hips
  EXPECT_NEAR(angle(dog, Angle::kLeftHip), 75, 0.01);
}

TEST(Features, HipCentreOriginAndTorsoUnit) {
  Pose p = warrior2();
  Features f = compute_features(p);
  EXPECT_NEAR(f.torso_length_px, 100, 1e-3);  // the poser's torso_px
  const auto& lh = f.xy[static_cast<int>(Joint::kLeftHip)];
  const auto& rh = f.xy[static_cast<int>(Joint::kRightHip)];
  EXPECT_NEAR(lh.x + rh.x, 0, 1e-5);
  EXPECT_NEAR(lh.y + rh.y, 0, 1e-5);
  const auto& ls = f.xy[static_cast<int>(Joint::kLeftShoulder)];
  const auto& rs = f.xy[static_cast<int>(Joint::kRightShoulder)];
  EXPECT_NEAR((ls.y + rs.y) / 2, -1, 1e-5);  // one torso length above, y down
}

TEST(Features, InvariantToShiftAndScale) {
  Pose p = pose_skeleton(library_pose_skeleton("triangle"));
  Pose moved = p;
  for (Keypoint& k : moved.keypoints) {
    k.x = 37 + 2.5f * k.x;
    k.y = -80 + 2.5f * k.y;
  }
  expect_same(compute_features(p), compute_features(moved));
}

TEST(Features, MirrorOptionUndoesAMirroredImage) {
  for (auto id : testing::library_pose_ids()) {
    SCOPED_TRACE(std::string(id));
    Pose p = pose_skeleton(library_pose_skeleton(id));
    expect_same(compute_features(p), compute_features(mirror_pose(p), {.mirror = true}));
  }
}

TEST(Features, MirroredImageSwapsLeftAndRight) {
  Features f = compute_features(warrior2());
  Features m = compute_features(mirror_pose(warrior2()));
  EXPECT_NEAR(angle(m, Angle::kRightKnee), angle(f, Angle::kLeftKnee), 1e-3);
  EXPECT_NEAR(angle(m, Angle::kLeftKnee), angle(f, Angle::kRightKnee), 1e-3);
  EXPECT_NEAR(angle(m, Angle::kRightThigh), 85, 1e-3);
  EXPECT_NEAR(angle(m, Angle::kTorso), angle(f, Angle::kTorso), 1e-3);
  // Same place on the image's other side: the (new) right knee is now on the image's left.
  EXPECT_LT(m.xy[static_cast<int>(Joint::kRightKnee)].x, 0);
  EXPECT_GT(f.xy[static_cast<int>(Joint::kLeftKnee)].x, 0);
  for (int a = 0; a < kNumAngles; ++a) {
    Angle an = static_cast<Angle>(a);
    EXPECT_EQ(mirror_angle(mirror_angle(an)), an);
    EXPECT_NEAR(angle(m, mirror_angle(an)), angle(f, an), 1e-3) << angle_name(an);
  }
}

TEST(Features, LowConfidenceJointsAreNotGuessed) {
  Pose p = warrior2();
  p[Joint::kLeftAnkle].score = 0.1f;
  Features f = compute_features(p);
  ASSERT_TRUE(f.valid);
  EXPECT_FALSE(f.angle(Angle::kLeftKnee));
  EXPECT_FALSE(f.angle(Angle::kLeftShin));
  EXPECT_FALSE(f.seen[static_cast<int>(Joint::kLeftAnkle)]);
  EXPECT_NEAR(angle(f, Angle::kRightKnee), 180, 0.05);
  EXPECT_NEAR(angle(f, Angle::kLeftThigh), 85, 0.01);
  // A stricter threshold drops more.
  p[Joint::kRightElbow].score = 0.5f;
  EXPECT_TRUE(compute_features(p).angle(Angle::kRightElbow));
  EXPECT_FALSE(compute_features(p, {.min_score = 0.6f}).angle(Angle::kRightElbow));
}

TEST(Features, NoTorsoNoFeatures) {
  Pose p = warrior2();
  p[Joint::kLeftHip].score = p[Joint::kRightHip].score = 0.05f;
  Features f = compute_features(p);
  EXPECT_FALSE(f.valid);
  EXPECT_FALSE(f.angle(Angle::kLeftElbow));
  EXPECT_FALSE(compute_features(Pose{}).valid);
}

TEST(Features, OneHipAndShoulderAreEnoughForTheTorso) {
  Pose p = pose_skeleton(library_pose_skeleton("plank"));
  p[Joint::kRightHip].score = p[Joint::kRightShoulder].score = 0.1f;  // the far side
  Features f = compute_features(p);
  ASSERT_TRUE(f.valid);
  EXPECT_NEAR(angle(f, Angle::kTorso), 75, 0.5);
}

TEST(Features, AngleNamesRoundTrip) {
  for (int a = 0; a < kNumAngles; ++a) {
    Angle an = static_cast<Angle>(a);
    EXPECT_EQ(angle_from_name(angle_name(an)), an);
  }
  EXPECT_EQ(angle_name(Angle::kThighSpread), "thigh_spread");
  EXPECT_EQ(mirror_angle(Angle::kLeftShin), Angle::kRightShin);
  EXPECT_EQ(mirror_angle(Angle::kRightShoulder), Angle::kLeftShoulder);
  EXPECT_EQ(mirror_angle(Angle::kTorso), Angle::kTorso);
  EXPECT_FALSE(angle_from_name("left_knuckle"));
}

TEST(Features, FeatureVectorLayout) {
  Pose p = warrior2();
  p[Joint::kNose].score = 0;
  Features f = compute_features(p);
  std::vector<float> v = feature_vector(f);
  ASSERT_EQ(v.size(), static_cast<size_t>(kFeatureVectorSize));
  EXPECT_EQ(v[2], 0.0f);  // nose not seen
  int lk = static_cast<int>(Joint::kLeftKnee);
  EXPECT_FLOAT_EQ(v[lk * 3], f.xy[lk].x);
  EXPECT_EQ(v[lk * 3 + 2], 1.0f);
  int knee = kNumJoints * 3 + static_cast<int>(Angle::kLeftKnee) * 3;
  EXPECT_NEAR(v[knee], std::cos(95 * M_PI / 180), 1e-4);
  EXPECT_NEAR(v[knee + 1], std::sin(95 * M_PI / 180), 1e-4);
  EXPECT_EQ(v[knee + 2], 1.0f);
}

}  // namespace
}  // namespace posecast
