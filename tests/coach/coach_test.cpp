#include "posecast/coach.h"

#include <gtest/gtest.h>

#include <cmath>

#include "classify/synthetic_poses.h"
#include "posecast/skeleton_poser.h"

namespace posecast {
namespace {

using testing::library_pose_skeleton;

const PoseLibrary& library() {
  static const PoseLibrary lib = [] {
    auto l = load_pose_library(default_pose_library_path());
    EXPECT_TRUE(l.ok()) << l.error().message();
    return l.ok() ? l.value() : PoseLibrary{};
  }();
  return lib;
}

const PoseEntry& pose(std::string_view id) { return *library().find(id); }

float target_of(std::string_view id, Angle a) {
  for (const AngleTarget& t : pose(id).targets)
    if (t.angle == a) return t.target_deg;
  ADD_FAILURE() << id << " has no target for " << angle_name(a);
  return 0;
}

std::string deg(float v) { return std::to_string(static_cast<int>(std::lround(v))) + "°"; }

std::string describe(const CoachReport& r) {
  std::string s = r.pose + "/" + r.variant + " score " + std::to_string(r.score) + ":";
  for (const Correction& c : r.corrections) s += " [" + c.text + "]";
  return s;
}

CoachReport coach_body(const SkeletonAngles& a, std::string_view id,
                       std::optional<Side> side = std::nullopt) {
  return coach(compute_features(pose_skeleton(a)), pose(id), side);
}

const Correction* find(const CoachReport& r, std::string_view joint) {
  for (const Correction& c : r.corrections)
    if (c.joint == joint) return &c;
  return nullptr;
}

TEST(Coach, TheTextbookPoseScoresNearFullMarksWithNothingToCorrect) {
  for (auto id : testing::library_pose_ids()) {
    CoachReport r = coach_body(library_pose_skeleton(id), id);
    EXPECT_GE(r.score, 97) << describe(r);
    EXPECT_TRUE(r.corrections.empty()) << describe(r);
    EXPECT_EQ(r.angles_missing, 0);
    EXPECT_EQ(r.angles_checked, static_cast<int>(pose(id).targets.size()));
  }
}

TEST(Coach, BentBackKneeInWarriorTwo) {
  SkeletonAngles a = library_pose_skeleton("warrior2");
  a.right_shin = bend(a.right_thigh, 148, +1);
  CoachReport r = coach_body(a, "warrior2");
  ASSERT_NE(find(r, "right_knee"), nullptr) << describe(r);
  const Correction& c = *find(r, "right_knee");
  float target = target_of("warrior2", Angle::kRightKnee);
  EXPECT_EQ(c.text, "Straighten your right knee: 148° → " + deg(target));
  EXPECT_EQ(c.cue, "Straighten your right knee");
  EXPECT_EQ(c.joint, "right_knee");
  EXPECT_NEAR(c.measured_deg, 148, 0.01);
  EXPECT_EQ(c.target_deg, target);
  EXPECT_EQ(r.variant, "left");
  EXPECT_LT(r.score, 100);
  EXPECT_GT(r.score, 80);
}

TEST(Coach, ScoreFallsAsTheFormGetsWorse) {
  int last = 101;
  for (float knee : {95.0f, 120.0f, 140.0f, 160.0f, 178.0f}) {
    SkeletonAngles a = library_pose_skeleton("warrior2");
    a.left_thigh = 85;
    a.left_shin = bend(a.left_thigh, knee, -1);
    CoachReport r = coach_body(a, "warrior2", Side::kLeft);
    EXPECT_LE(r.score, last) << "knee " << knee << ": " << describe(r);
    last = r.score;
    if (knee >= 140) {
      bool found = false;
      for (const Correction& c : r.corrections) found |= c.cue == "Bend your left knee more";
      EXPECT_TRUE(found) << describe(r);
    }
  }
  EXPECT_LT(last, 90);
}

TEST(Coach, BothSidesNeedingTheSameBecomeOneCorrection) {
  SkeletonAngles plank = library_pose_skeleton("plank");
  plank.left_shin = plank.right_shin = bend(plank.left_thigh, 145, +1);
  CoachReport r = coach_body(plank, "plank");
  ASSERT_FALSE(r.corrections.empty()) << describe(r);
  EXPECT_EQ(r.corrections[0].cue, "Straighten your knees") << describe(r);
  EXPECT_EQ(r.corrections[0].joint, "knees");
  EXPECT_NEAR(r.corrections[0].measured_deg, 145, 0.01);

  SkeletonAngles mountain = library_pose_skeleton("mountain");
  mountain.left_upper_arm = mountain.left_forearm = 170;
  mountain.right_upper_arm = mountain.right_forearm = -170;
  r = coach_body(mountain, "mountain");
  ASSERT_FALSE(r.corrections.empty()) << describe(r);
  EXPECT_EQ(r.corrections[0].cue, "Lower your arms") << describe(r);
  EXPECT_EQ(r.corrections[0].joint, "shoulders");
}

TEST(Coach, ThePosesOwnWordsForBothSidesAreSaidOnce) {
  SkeletonAngles a = library_pose_skeleton("plank");
  a.left_thigh = a.right_thigh = a.left_shin = a.right_shin = 250;  // hips sagging to the floor
  CoachReport r = coach_body(a, "plank");
  int said = 0;
  for (const Correction& c : r.corrections)
    said += c.cue == "Bring your hips into one line with your shoulders and heels";
  EXPECT_LE(said, 1) << describe(r);
}

TEST(Coach, RaiseYourArmsInWarriorTwo) {
  SkeletonAngles a = library_pose_skeleton("warrior2");
  a.left_upper_arm = a.left_forearm = 45;  // arms sagging toward the floor
  a.right_upper_arm = a.right_forearm = -45;
  CoachReport r = coach_body(a, "warrior2");
  ASSERT_FALSE(r.corrections.empty()) << describe(r);
  // One correction for both arms, with the mean of the two sides' angles.
  float target =
      (target_of("warrior2", Angle::kLeftArm) + target_of("warrior2", Angle::kRightArm)) / 2;
  EXPECT_EQ(r.corrections[0].text, "Raise your arms: 45° → " + deg(target)) << describe(r);
  EXPECT_EQ(r.corrections[0].joint, "arms");
}

TEST(Coach, LeaningTorsoInWarriorTwo) {
  SkeletonAngles a = library_pose_skeleton("warrior2");
  a.torso = 150;
  CoachReport r = coach_body(a, "warrior2");
  const Correction* torso = find(r, "torso");
  ASSERT_NE(torso, nullptr) << describe(r);
  EXPECT_EQ(torso->cue, "Keep your torso upright");
  EXPECT_NEAR(torso->measured_deg, 30, 0.01);
}

TEST(Coach, AtMostThreeCorrectionsBiggestFirst) {
  SkeletonAngles a = library_pose_skeleton("plank");
  a.left_shin = a.right_shin = bend(a.left_thigh, 120, +1);            // knees on the way down
  a.left_forearm = a.right_forearm = bend(a.left_upper_arm, 150, -1);  // elbows bent
  a.left_thigh = a.right_thigh = 240;                                  // hips sagging
  CoachReport r = coach_body(a, "plank");
  ASSERT_EQ(r.corrections.size(), 3u) << describe(r);
  CoachOptions one;
  one.max_corrections = 1;
  CoachReport r1 = coach(compute_features(pose_skeleton(a)), pose("plank"), std::nullopt, one);
  ASSERT_EQ(r1.corrections.size(), 1u);
  EXPECT_EQ(r1.corrections[0].text, r.corrections[0].text);
  EXPECT_LT(r.score, 70) << describe(r);
}

TEST(Coach, UsesThePosesOwnWordsAndMirrorsThemForTheOtherSide) {
  SkeletonAngles a = library_pose_skeleton("tree");
  a.left_thigh = 10;  // lifted knee hanging down instead of opened out
  a.left_shin = bend(a.left_thigh, 45, -1);
  CoachReport r = coach_body(a, "tree", Side::kLeft);
  bool found = false;
  for (const Correction& c : r.corrections) found |= c.cue == "Open your left knee out to the side";
  EXPECT_TRUE(found) << describe(r);

  Features mirrored = compute_features(mirror_pose(pose_skeleton(a)));
  CoachReport m = coach(mirrored, pose("tree"));
  EXPECT_EQ(m.variant, "right");
  found = false;
  for (const Correction& c : m.corrections)
    found |= c.cue == "Open your right knee out to the side";
  EXPECT_TRUE(found) << describe(m);
}

TEST(Coach, TheInstructorsSideIsRespected) {
  Features f = compute_features(pose_skeleton(library_pose_skeleton("tree")));
  CoachReport chosen = coach(f, pose("tree"));
  EXPECT_EQ(chosen.variant, "left");
  CoachReport wrong_side = coach(f, pose("tree"), Side::kRight);
  EXPECT_EQ(wrong_side.variant, "right");
  EXPECT_LT(wrong_side.score, 70) << describe(wrong_side);
  EXPECT_FALSE(wrong_side.corrections.empty());
}

TEST(Coach, AnInstructorSetTargetCoachesAnyBody) {
  // Standing in mountain while the class does warrior II: the coach says what to change.
  CoachReport r = coach_body(library_pose_skeleton("mountain"), "warrior2", Side::kLeft);
  EXPECT_LT(r.score, 60) << describe(r);
  ASSERT_EQ(r.corrections.size(), 3u) << describe(r);
  EXPECT_EQ(r.corrections[0].cue, "Step your feet wider apart");
}

TEST(Coach, NoBodyAsksToGetIntoView) {
  CoachReport r = coach(compute_features(Pose{}), pose("plank"));
  EXPECT_EQ(r.score, 0);
  ASSERT_EQ(r.corrections.size(), 1u);
  EXPECT_EQ(r.corrections[0].text, "Move so that your whole body is in view");
  EXPECT_EQ(r.angles_checked, 0);
}

TEST(Coach, UnseenJointsAreSkippedNotGuessed) {
  Pose p = pose_skeleton(library_pose_skeleton("warrior2"));
  p[Joint::kLeftWrist].score = 0.05f;
  CoachReport r = coach(compute_features(p), pose("warrior2"));
  EXPECT_EQ(r.score, 100) << describe(r);
  EXPECT_EQ(r.angles_missing, 2);  // left elbow and left arm
}

}  // namespace
}  // namespace posecast
