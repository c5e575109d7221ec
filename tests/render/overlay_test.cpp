// The overlay: what the student sees on the frame.
#include "posecast/overlay.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "posecast/skeleton_poser.h"

namespace posecast {
namespace {

FrameResult confirmed_tree() {
  FrameResult r;
  SkeletonAngles a;
  r.pose = pose_skeleton(a);
  r.person = true;
  r.classification.decision = "tree";
  r.classification.top = {{"tree", 0.87f}, {"mountain", 0.05f}};
  CoachReport c;
  c.pose = "tree";
  c.score = 72;
  c.corrections.push_back({"Straighten your left knee: 148\u00b0 \u2192 175\u00b0",
                           "Straighten your left knee", "left_knee", 148, 175});
  r.coach = c;
  r.hold_s = 3.2f;
  r.fps = 30;
  return r;
}

TEST(Overlay, LabelForTheStudent) {
  Classification c;
  c.decision = "tree";
  c.top = {{"tree", 0.874f}};
  EXPECT_EQ(display_label(c), "Tree 87 %");
  EXPECT_EQ(display_label(c, "Tree"), "Tree 87 %");
  c.decision = std::string(kTakeYourPose);
  EXPECT_EQ(display_label(c), "Take your pose");
}

TEST(Overlay, AsciiForHersheyFonts) {
  EXPECT_EQ(ascii_for_overlay("Straighten your left knee: 148\u00b0 \u2192 175\u00b0"),
            "Straighten your left knee: 148 -> 175 deg");
  EXPECT_EQ(ascii_for_overlay("Relax"), "Relax");
}

TEST(Overlay, BandIsTranslucentAndSkeletonIsDrawn) {
  cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(200, 200, 200));
  FrameResult r = confirmed_tree();
  draw_overlay(frame, r);
  // A band pixel away from any text: 0.7 * 25 + 0.3 * 200 = 77.5.
  cv::Vec3b band = frame.at<cv::Vec3b>(50, 600);
  EXPECT_NEAR(band[0], 77, 3);
  // The skeleton: the hip line is drawn in white-ish between the hips.
  const Keypoint& lh = r.pose[Joint::kLeftHip];
  const Keypoint& rh = r.pose[Joint::kRightHip];
  cv::Vec3b mid = frame.at<cv::Vec3b>(int((lh.y + rh.y) / 2), int((lh.x + rh.x) / 2));
  EXPECT_GT(mid[0] + mid[1] + mid[2], 600);
  // The left knee (the correction's joint) is ringed in red.
  const Keypoint& knee = r.pose[Joint::kLeftKnee];
  bool red = false;
  for (int dy = -16; dy <= 16 && !red; ++dy)
    for (int dx = -16; dx <= 16 && !red; ++dx) {
      cv::Vec3b px = frame.at<cv::Vec3b>(int(knee.y) + dy, int(knee.x) + dx);
      red = px[2] > 200 && px[1] < 100 && px[0] < 100;
    }
  EXPECT_TRUE(red);
}

TEST(Overlay, TakeYourPoseHasNoFormBand) {
  cv::Mat a(480, 640, CV_8UC3, cv::Scalar(200, 200, 200));
  FrameResult r;
  r.classification.decision = std::string(kTakeYourPose);
  draw_overlay(a, r);
  // Below the top band the frame is untouched: no form band without a coach report.
  EXPECT_EQ(a.at<cv::Vec3b>(70, 600), cv::Vec3b(200, 200, 200));
  r.message = "Breathe";
  draw_overlay(a, r);
  EXPECT_LT(a.at<cv::Vec3b>(470, 600)[0], 100);  // the message band at the bottom
}

}  // namespace
}  // namespace posecast
