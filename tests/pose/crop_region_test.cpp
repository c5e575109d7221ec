#include "posecast/crop_region.h"

#include <gtest/gtest.h>

namespace posecast {
namespace {

Pose pose_of(int width, int height, float score) {
  Pose pose;
  pose.image_width = width;
  pose.image_height = height;
  for (Keypoint& k : pose.keypoints) k.score = score;
  return pose;
}

void place(Pose& pose, Joint joint, float x, float y) {
  pose[joint].x = x;
  pose[joint].y = y;
}

// A standing person, hips at (cx, cy), `scale` pixels per body unit (about 1/10 of the height).
Pose standing_person(int width, int height, float cx, float cy, float scale, float score) {
  Pose pose = pose_of(width, height, score);
  place(pose, Joint::kNose, cx, cy - 6 * scale);
  place(pose, Joint::kLeftEye, cx + 0.3f * scale, cy - 6.3f * scale);
  place(pose, Joint::kRightEye, cx - 0.3f * scale, cy - 6.3f * scale);
  place(pose, Joint::kLeftEar, cx + 0.6f * scale, cy - 6.1f * scale);
  place(pose, Joint::kRightEar, cx - 0.6f * scale, cy - 6.1f * scale);
  place(pose, Joint::kLeftShoulder, cx + 1.2f * scale, cy - 4.5f * scale);
  place(pose, Joint::kRightShoulder, cx - 1.2f * scale, cy - 4.5f * scale);
  place(pose, Joint::kLeftElbow, cx + 1.5f * scale, cy - 2.5f * scale);
  place(pose, Joint::kRightElbow, cx - 1.5f * scale, cy - 2.5f * scale);
  place(pose, Joint::kLeftWrist, cx + 1.6f * scale, cy - 0.5f * scale);
  place(pose, Joint::kRightWrist, cx - 1.6f * scale, cy - 0.5f * scale);
  place(pose, Joint::kLeftHip, cx + 0.8f * scale, cy);
  place(pose, Joint::kRightHip, cx - 0.8f * scale, cy);
  place(pose, Joint::kLeftKnee, cx + 0.8f * scale, cy + 2.5f * scale);
  place(pose, Joint::kRightKnee, cx - 0.8f * scale, cy + 2.5f * scale);
  place(pose, Joint::kLeftAnkle, cx + 0.8f * scale, cy + 5 * scale);
  place(pose, Joint::kRightAnkle, cx - 0.8f * scale, cy + 5 * scale);
  return pose;
}

// Crops agree to float rounding (1e-6 of the image size).
void expect_crop_eq(const CropRegion& actual, const CropRegion& expected) {
  EXPECT_NEAR(actual.xmin, expected.xmin, 1e-6);
  EXPECT_NEAR(actual.xmax, expected.xmax, 1e-6);
  EXPECT_NEAR(actual.ymin, expected.ymin, 1e-6);
  EXPECT_NEAR(actual.ymax, expected.ymax, 1e-6);
}

// Pixel positions agree to float rounding (a thousandth of a pixel).
void expect_pixel_eq(cv::Point2f actual, cv::Point2f expected) {
  EXPECT_NEAR(actual.x, expected.x, 1e-3);
  EXPECT_NEAR(actual.y, expected.y, 1e-3);
}

TEST(FullFrameCrop, LandscapeIsPaddedTopAndBottomToASquare) {
  const CropRegion crop = full_frame_crop(640, 480);
  EXPECT_FLOAT_EQ(crop.xmin, 0);
  EXPECT_FLOAT_EQ(crop.xmax, 1);
  EXPECT_FLOAT_EQ(crop.ymin * 480, -80);  // (640 - 480) / 2 rows of padding above ...
  EXPECT_FLOAT_EQ(crop.ymax * 480, 560);  // ... and below
}

TEST(FullFrameCrop, PortraitIsPaddedLeftAndRightToASquare) {
  const CropRegion crop = full_frame_crop(300, 500);
  EXPECT_FLOAT_EQ(crop.ymin, 0);
  EXPECT_FLOAT_EQ(crop.ymax, 1);
  EXPECT_FLOAT_EQ(crop.xmin * 300, -100);
  EXPECT_FLOAT_EQ(crop.xmax * 300, 400);
}

TEST(InputToImage, PadToSquareMapsBackToExactPixels) {
  const CropRegion crop = full_frame_crop(640, 480);
  // The input square's corners are the padded square's corners; its centre the image's centre.
  expect_pixel_eq(input_to_image(crop, 640, 480, 0, 0), {0, -80});
  expect_pixel_eq(input_to_image(crop, 640, 480, 1, 1), {640, 560});
  expect_pixel_eq(input_to_image(crop, 640, 480, 0.5f, 0.5f), {320, 240});
  // The image's top-left and bottom-right corners sit 1/8 into the padded square vertically.
  expect_pixel_eq(input_to_image(crop, 640, 480, 0, 0.125f), {0, 0});
  expect_pixel_eq(input_to_image(crop, 640, 480, 1, 0.875f), {640, 480});
}

TEST(InputToImageAffine, SamplesInputPixelCentres) {
  // A 192-pixel input over a 384-pixel wide padded square: input pixel u covers image
  // [2u, 2u+2), centre 2u+1, which OpenCV (pixel centres at integers) calls 2u+0.5.
  const CropRegion crop = full_frame_crop(384, 192);
  const cv::Matx23d m = input_to_image_affine(crop, 384, 192, 192);
  EXPECT_DOUBLE_EQ(m(0, 0), 2);
  EXPECT_DOUBLE_EQ(m(1, 1), 2);
  EXPECT_DOUBLE_EQ(m(0, 1), 0);
  EXPECT_DOUBLE_EQ(m(1, 0), 0);
  EXPECT_DOUBLE_EQ(m(0, 2), 0.5);
  EXPECT_DOUBLE_EQ(m(1, 2), -96 + 0.5);  // 96 rows of padding above
}

TEST(TorsoVisible, NeedsOneHipAndOneShoulder) {
  Pose pose = pose_of(100, 100, 0.1f);
  EXPECT_FALSE(torso_visible(pose));
  pose[Joint::kRightHip].score = 0.5f;
  EXPECT_FALSE(torso_visible(pose));
  pose[Joint::kLeftShoulder].score = 0.5f;
  EXPECT_TRUE(torso_visible(pose));
  pose[Joint::kLeftShoulder].score = 0.2f;  // the threshold is strict, as published
  EXPECT_FALSE(torso_visible(pose));
}

TEST(CropAroundBody, FollowsThePublishedFormula) {
  // Hips centre (110, 200); torso reaches 10 px across and 50 px up; the confident body reaches
  // 100 px down: half = max(10*1.9, 50*1.9, 100*1.2, 10*1.2) = 120.
  Pose pose = pose_of(640, 480, 0.9f);
  for (Keypoint& k : pose.keypoints) k = {110, 200, 0.9f};
  place(pose, Joint::kLeftHip, 100, 200);
  place(pose, Joint::kRightHip, 120, 200);
  place(pose, Joint::kLeftShoulder, 100, 150);
  place(pose, Joint::kRightShoulder, 120, 150);
  place(pose, Joint::kLeftAnkle, 105, 300);
  place(pose, Joint::kRightAnkle, 115, 300);
  // An unconfident joint far away does not widen the crop.
  pose[Joint::kLeftWrist] = {600, 20, 0.1f};

  CropRegion expected;
  expected.xmin = -10.0f / 640;
  expected.xmax = 230.0f / 640;
  expected.ymin = 80.0f / 480;
  expected.ymax = 320.0f / 480;
  expect_crop_eq(crop_around_body(pose), expected);
}

TEST(CropAroundBody, SmallBodyInACornerGetsATightSquareContainingIt) {
  const int width = 1920, height = 1080;
  const Pose pose = standing_person(width, height, 1700, 850, 20, 0.8f);
  const CropRegion crop = crop_around_body(pose);

  const float side_x = (crop.xmax - crop.xmin) * width;
  const float side_y = (crop.ymax - crop.ymin) * height;
  EXPECT_NEAR(side_x, side_y, 1e-2) << "the crop is square in pixels";
  EXPECT_LT(side_x, 400) << "a 220-pixel person gets a crop far smaller than the frame";
  for (int j = 0; j < kNumJoints; ++j) {
    const Keypoint& k = pose.keypoints[j];
    EXPECT_GT(k.x, crop.xmin * width) << joint_name(static_cast<Joint>(j));
    EXPECT_LT(k.x, crop.xmax * width) << joint_name(static_cast<Joint>(j));
    EXPECT_GT(k.y, crop.ymin * height) << joint_name(static_cast<Joint>(j));
    EXPECT_LT(k.y, crop.ymax * height) << joint_name(static_cast<Joint>(j));
  }
}

TEST(CropAroundBody, LowConfidenceTorsoFallsBackToTheFullFrame) {
  Pose pose = standing_person(1920, 1080, 1700, 850, 20, 0.8f);
  pose[Joint::kLeftHip].score = 0.15f;
  pose[Joint::kRightHip].score = 0.1f;
  expect_crop_eq(crop_around_body(pose), full_frame_crop(1920, 1080));
}

TEST(CropAroundBody, SquareLargerThanTheFrameFallsBackToTheFullFrame) {
  // 11 body units of 80 px = 880 px tall in a 640x480 frame: the square, capped at the farthest
  // edge (440 px right of the hips), is still wider than half the frame.
  const Pose pose = standing_person(640, 480, 200, 300, 80, 0.9f);
  expect_crop_eq(crop_around_body(pose), full_frame_crop(640, 480));
}

TEST(CropAroundBody, LargeCentredBodyIsCappedAtTheFarthestEdge) {
  // Hips in the middle: half = min(4.5*80*1.9, max distance to an edge = 320) = 320.
  const Pose pose = standing_person(640, 480, 320, 300, 80, 0.9f);
  CropRegion expected;
  expected.xmin = 0;
  expected.xmax = 1;
  expected.ymin = -20.0f / 480;
  expected.ymax = 620.0f / 480;
  expect_crop_eq(crop_around_body(pose), expected);
}

TEST(CropAroundBody, AllJointsOnOnePointFallsBackToTheFullFrame) {
  Pose pose = pose_of(640, 480, 0.9f);
  for (Keypoint& k : pose.keypoints) k = {100, 100, 0.9f};
  expect_crop_eq(crop_around_body(pose), full_frame_crop(640, 480));
}

}  // namespace
}  // namespace posecast
