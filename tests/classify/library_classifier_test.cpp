#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>

#include "classify/synthetic_poses.h"
#include "posecast/classifier.h"
#include "posecast/skeleton_poser.h"

namespace posecast {
namespace {

using testing::library_pose_ids;
using testing::library_pose_skeleton;

const LibraryClassifier& classifier() {
  static const LibraryClassifier c = [] {
    auto lib = load_pose_library(default_pose_library_path());
    EXPECT_TRUE(lib.ok()) << lib.error().message();
    return LibraryClassifier(lib.ok() ? lib.value() : PoseLibrary{});
  }();
  return c;
}

std::string describe(const Classification& c) {
  std::string s = c.decision + " (" + c.reason + ", variant '" + c.variant + "'): ";
  for (size_t i = 0; i < c.top.size() && i < 3; ++i)
    s += c.top[i].label + "=" + std::to_string(c.top[i].prob) + " ";
  return s + "none=" + std::to_string(c.none_prob) + " d=" + std::to_string(c.distance);
}

bool is_sided(std::string_view id) { return classifier().library().find(id)->sided; }

TEST(LibraryClassifier, RecognisesEveryLibraryPose) {
  for (auto id : library_pose_ids()) {
    Classification c = classifier().classify(pose_skeleton(library_pose_skeleton(id)));
    EXPECT_EQ(c.decision, id) << describe(c);
    EXPECT_GE(c.top.at(0).prob, 0.9f) << describe(c);
    EXPECT_EQ(c.variant, is_sided(id) ? "left" : "") << describe(c);
  }
}

TEST(LibraryClassifier, RecognisesTheMirroredVariantAndSaysWhichSide) {
  for (auto id : library_pose_ids()) {
    Classification c = classifier().classify(mirror_pose(pose_skeleton(library_pose_skeleton(id))));
    EXPECT_EQ(c.decision, id) << describe(c);
    EXPECT_EQ(c.variant, is_sided(id) ? "right" : "") << describe(c);
  }
}

TEST(LibraryClassifier, RecognisesVariedAndNoisyBodies) {
  // Every segment off by up to ±8°, a turned body, keypoints jittered by 3% of the torso, in
  // various places and sizes.
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> place(0.4f, 1.6f);
  for (auto id : library_pose_ids()) {
    int right = 0;
    const int n = 60;
    for (int i = 0; i < n; ++i) {
      SkeletonPlacement at;
      at.torso_px = 100 * place(rng);
      at.hip_x = 320 * place(rng);
      Pose p = pose_skeleton(testing::vary(library_pose_skeleton(id), 8, rng), at);
      p = testing::jitter(p, 0.03f * at.torso_px, rng);
      if (i % 2) p = mirror_pose(p);
      Classification c = classifier().classify(p);
      right += c.decision == id;
      if (c.decision != id && i < 4) ADD_FAILURE() << id << ": " << describe(c);
    }
    EXPECT_GE(right, n * 9 / 10) << id;
  }
}

TEST(LibraryClassifier, RandomLimbsAreNotForcedIntoAPose) {
  std::mt19937 rng(99);
  std::uniform_real_distribution<float> any(0, 360);
  std::uniform_real_distribution<float> yaw(-90, 90);
  const int n = 1000;
  int confirmed = 0;
  for (int i = 0; i < n; ++i) {
    SkeletonAngles a;
    a.torso = any(rng), a.yaw = yaw(rng);
    for (float* v : {&a.left_upper_arm, &a.left_forearm, &a.right_upper_arm, &a.right_forearm,
                     &a.left_thigh, &a.left_shin, &a.right_thigh, &a.right_shin})
      *v = any(rng);
    Classification c = classifier().classify(pose_skeleton(a));
    if (c.decision != kTakeYourPose) ++confirmed;
    if (c.decision == kTakeYourPose) {
      EXPECT_EQ(c.reason, "no_match");
    }
  }
  EXPECT_LE(confirmed, n / 50) << "random bodies confirmed as a pose";
}

SkeletonAngles walking(float phase) {
  SkeletonAngles a;
  a.yaw = 80, a.torso = 177;
  float s = std::sin(phase);
  a.left_thigh = 22 * s, a.right_thigh = -22 * s;
  a.left_shin = a.left_thigh - 10 * (1 + s), a.right_shin = a.right_thigh - 10 * (1 - s);
  a.left_upper_arm = -20 * s, a.left_forearm = -20 * s + 15;
  a.right_upper_arm = 20 * s, a.right_forearm = 20 * s + 15;
  return a;
}

TEST(LibraryClassifier, WalkingIsNotAWarriorOrATree) {
  for (float phase = 0; phase < 6.3f; phase += 0.3f) {
    Classification c = classifier().classify(pose_skeleton(walking(phase)));
    for (const char* id : {"warrior1", "warrior2", "tree", "triangle", "goddess"})
      EXPECT_NE(c.decision, id) << "phase " << phase << ": " << describe(c);
  }
}

TEST(LibraryClassifier, StandingHalfTurnedIsNotAWarriorOrATree) {
  for (float yaw : {-60.0f, -45.0f, 30.0f, 45.0f, 60.0f}) {
    SkeletonAngles a;
    a.yaw = yaw;
    a.left_upper_arm = 10, a.left_forearm = 30;  // a hand on the belly
    a.right_upper_arm = -5, a.right_forearm = -5;
    a.left_thigh = 8, a.left_shin = 5, a.right_thigh = -6, a.right_shin = -2;
    Classification c = classifier().classify(pose_skeleton(a));
    EXPECT_TRUE(c.decision == kTakeYourPose || c.decision == "mountain") << describe(c);
  }
}

TEST(LibraryClassifier, ArmsOutStandingStraightIsNotWarriorTwo) {
  SkeletonAngles a;  // a "T": arms level, legs straight together
  a.left_upper_arm = a.left_forearm = 90;
  a.right_upper_arm = a.right_forearm = -90;
  Classification c = classifier().classify(pose_skeleton(a));
  EXPECT_EQ(c.decision, kTakeYourPose) << describe(c);
  EXPECT_LT(c.top.at(0).prob, 0.6f) << describe(c);
}

TEST(LibraryClassifier, EverydayBodiesAreNotPoses) {
  SkeletonAngles sitting;  // on a chair, side view, hands on the knees
  sitting.yaw = 80;
  sitting.left_thigh = sitting.right_thigh = 90, sitting.left_shin = sitting.right_shin = 0;
  sitting.left_upper_arm = sitting.right_upper_arm = 20;
  sitting.left_forearm = sitting.right_forearm = 70;
  SkeletonAngles lying;  // on the back, arms by the sides
  lying.yaw = 90, lying.torso = 90;
  lying.left_thigh = lying.left_shin = lying.right_thigh = lying.right_shin = 270;
  lying.left_upper_arm = lying.left_forearm = lying.right_upper_arm = lying.right_forearm = 265;
  SkeletonAngles picking_up;  // bent over from the hips, legs straight, hands hanging
  picking_up.yaw = 90, picking_up.torso = 90;
  SkeletonAngles stretching;  // standing, both arms straight overhead
  stretching.left_upper_arm = stretching.left_forearm = 175;
  stretching.right_upper_arm = stretching.right_forearm = -175;
  SkeletonAngles squatting;  // deep squat, side view, arms forward
  squatting.yaw = 85, squatting.torso = 160;
  squatting.left_thigh = squatting.right_thigh = 100,
  squatting.left_shin = squatting.right_shin = -30;
  squatting.left_upper_arm = squatting.right_upper_arm = squatting.left_forearm =
      squatting.right_forearm = 90;
  const std::pair<const char*, SkeletonAngles> bodies[] = {{"sitting", sitting},
                                                           {"lying", lying},
                                                           {"picking up", picking_up},
                                                           {"stretching", stretching},
                                                           {"squatting", squatting}};
  for (const auto& [name, body] : bodies) {
    Classification c = classifier().classify(pose_skeleton(body));
    EXPECT_EQ(c.decision, kTakeYourPose) << name << ": " << describe(c);
    EXPECT_LT(c.top.at(0).prob, 0.6f) << name << ": " << describe(c);
  }
}

TEST(LibraryClassifier, ProbabilitiesSumToOneWithNone) {
  for (auto id : library_pose_ids()) {
    Classification c = classifier().classify(pose_skeleton(library_pose_skeleton(id)));
    ASSERT_EQ(c.top.size(), classifier().labels().size());
    float sum = c.none_prob;
    for (size_t i = 0; i < c.top.size(); ++i) {
      sum += c.top[i].prob;
      if (i) {
        EXPECT_GE(c.top[i - 1].prob, c.top[i].prob);
      }
    }
    EXPECT_NEAR(sum, 1.0f, 1e-4);
  }
}

TEST(LibraryClassifier, MissingLegsCannotConfirmAPose) {
  Pose p = pose_skeleton(library_pose_skeleton("warrior2"));
  for (Joint j : {Joint::kLeftKnee, Joint::kRightKnee, Joint::kLeftAnkle, Joint::kRightAnkle})
    p[j].score = 0.1f;
  Classification c = classifier().classify(p);
  EXPECT_EQ(c.decision, kTakeYourPose) << describe(c);
  EXPECT_EQ(c.reason, "low_confidence");
}

// A tree's foot tucked against the standing leg often hides the ankle: the clearly seen bent knee
// still confirms the pose. A faint lifted knee (the far leg seen in profile) does not.
TEST(LibraryClassifier, TreeWithItsTuckedFootHiddenIsStillTree) {
  Pose p = pose_skeleton(library_pose_skeleton("tree"));
  p[Joint::kLeftAnkle].score = 0.15f;
  Classification c = classifier().classify(p);
  EXPECT_EQ(c.decision, "tree") << describe(c);
}

TEST(LibraryClassifier, TreeWithAFaintLiftedKneeAndHiddenFootIsNotConfirmed) {
  Pose p = pose_skeleton(library_pose_skeleton("tree"));
  p[Joint::kLeftAnkle].score = 0.15f;
  p[Joint::kLeftKnee].score = 0.35f;
  Classification c = classifier().classify(p);
  EXPECT_NE(c.decision, "tree") << describe(c);
}

TEST(LibraryClassifier, FeetPlantedWideApartAreNotMountain) {
  SkeletonAngles a = library_pose_skeleton("mountain");
  a.left_thigh = 12;  // thighs 24 degrees apart, knees straight: a wide stance
  a.left_shin = 12;
  a.right_thigh = -12;
  a.right_shin = -12;
  Classification c = classifier().classify(pose_skeleton(a));
  EXPECT_NE(c.decision, "mountain") << describe(c);
  a.left_thigh = a.left_shin = 4;  // hip width apart
  a.right_thigh = a.right_shin = -4;
  c = classifier().classify(pose_skeleton(a));
  EXPECT_EQ(c.decision, "mountain") << describe(c);
}

TEST(LibraryClassifier, NoBodyIsTakeYourPose) {
  Classification c = classifier().classify(Pose{});
  EXPECT_EQ(c.decision, kTakeYourPose);
  EXPECT_EQ(c.reason, "no_body");
  EXPECT_FLOAT_EQ(c.none_prob, 1.0f);
}

TEST(LibraryClassifier, ThresholdIsConfigurable) {
  // A sloppy warrior II: the front knee is only half bent.
  SkeletonAngles a = library_pose_skeleton("warrior2");
  a.left_thigh = 55;
  a.left_shin = 5;
  Pose p = pose_skeleton(a);
  Classification lax = classifier().classify(p);
  ASSERT_EQ(lax.decision, "warrior2") << describe(lax);
  ASSERT_LT(lax.top[0].prob, 0.999f);
  ClassifierOptions strict;
  strict.threshold = 0.999f;
  LibraryClassifier picky(classifier().library(), strict);
  Classification c = picky.classify(p);
  EXPECT_EQ(c.decision, kTakeYourPose);
  EXPECT_EQ(c.reason, "no_match");
  EXPECT_EQ(c.top[0].label, "warrior2");  // still the most likely, just not sure enough
}

TEST(LibraryClassifier, LabelsAreTheLibraryIds) {
  auto labels = classifier().labels();
  for (auto id : library_pose_ids())
    EXPECT_NE(std::find(labels.begin(), labels.end(), id), labels.end()) << id;
}

TEST(LibraryClassifier, MatchPoseReportsDistanceAndCoverage) {
  const PoseLibrary& lib = classifier().library();
  Features f = compute_features(pose_skeleton(library_pose_skeleton("tree")));
  PoseMatch left = match_variant(f, *lib.find("tree"), Side::kLeft, lib.scoring);
  PoseMatch right = match_variant(f, *lib.find("tree"), Side::kRight, lib.scoring);
  EXPECT_FLOAT_EQ(left.distance, 0.0f);
  EXPECT_FLOAT_EQ(left.coverage, 1.0f);
  EXPECT_TRUE(left.confirmable);
  EXPECT_GT(right.distance, 5.0f);
  EXPECT_EQ(match_pose(f, *lib.find("tree"), lib.scoring).side, Side::kLeft);
}

}  // namespace
}  // namespace posecast
