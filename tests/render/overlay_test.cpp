// The overlay: what the student sees on the frame.
#include "posecast/overlay.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "posecast/person_colour.h"
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

ExerciseState seven_squats_of_ten() {
  ExerciseState e;
  e.id = "squat";
  e.name = "Squat";
  e.reps = 7;
  e.total_reps = 7;
  e.set = 1;
  e.phase = "up";
  e.target_reps = 10;
  RepRecord rep;
  rep.number = 7;
  rep.range = 0.8f;
  rep.score = 70;
  rep.cue = "Hips down to knee height";
  e.last_rep = rep;
  return e;
}

const cv::Scalar kGrey(120, 120, 120);

// Pixels that differ between two frames inside `area`.
int changed_pixels(const cv::Mat& a, const cv::Mat& b, cv::Rect area) {
  cv::Mat diff;
  cv::absdiff(a(area), b(area), diff);
  cv::cvtColor(diff, diff, cv::COLOR_BGR2GRAY);
  return cv::countNonZero(diff > 30);
}

// The tallest run of rows of `area` with a near-white pixel: the height of the big digits.
int tallest_white_run(const cv::Mat& m, cv::Rect area) {
  int best = 0, run = 0;
  for (int y = area.y; y < area.br().y; ++y) {
    bool white = false;
    for (int x = area.x; x < area.br().x && !white; ++x) {
      const cv::Vec3b px = m.at<cv::Vec3b>(y, x);
      white = px[0] > 235 && px[1] > 235 && px[2] > 235;
    }
    run = white ? run + 1 : 0;
    best = std::max(best, run);
  }
  return best;
}

TEST(Overlay, TheRepCounterIsBigOnTheRightUnderTheBands) {
  cv::Mat plain(480, 640, CV_8UC3, kGrey), counted = plain.clone();
  FrameResult r;
  r.classification.decision = std::string(kTakeYourPose);
  draw_overlay(plain, r);
  r.exercise = seven_squats_of_ten();
  draw_overlay(counted, r);
  const cv::Rect counter(440, 60, 200, 150), left(0, 60, 320, 300);
  EXPECT_GT(changed_pixels(plain, counted, counter), 4000) << "no counter panel at the right";
  EXPECT_EQ(changed_pixels(plain, counted, left), 0) << "the counter covers the student";
  // Readable from 2 m: the digits are at least a tenth of the frame's height.
  EXPECT_GE(tallest_white_run(counted, counter), 48);
  EXPECT_EQ(tallest_white_run(plain, counter), 0);

  // "7/10" with a target, "7" without: the count itself is drawn.
  cv::Mat no_target(480, 640, CV_8UC3, kGrey);
  r.exercise->target_reps = 0;
  draw_overlay(no_target, r);
  EXPECT_GT(changed_pixels(counted, no_target, counter), 500);
}

TEST(Overlay, TheLastRepsCueSitsAboveTheInstructorsMessage) {
  cv::Mat plain(480, 640, CV_8UC3, kGrey), cued = plain.clone();
  FrameResult r;
  r.classification.decision = std::string(kTakeYourPose);
  r.message = "Breathe";
  draw_overlay(plain, r);
  r.exercise = seven_squats_of_ten();
  draw_overlay(cued, r);
  const cv::Rect cue_band(0, 480 - 72, 640, 36), message_band(0, 480 - 36, 640, 36);
  EXPECT_GT(changed_pixels(plain, cued, cue_band), 5000) << "no cue band";
  EXPECT_EQ(changed_pixels(plain, cued, message_band), 0) << "the cue covers the message";
  // Before the first rep there is no cue.
  cv::Mat first(480, 640, CV_8UC3, kGrey);
  r.exercise->last_rep.reset();
  draw_overlay(first, r);
  EXPECT_EQ(changed_pixels(plain, first, cue_band), 0);
}

TEST(Overlay, BetweenSetsTheRestClockShowsInAmber) {
  cv::Mat working(480, 640, CV_8UC3, kGrey), resting = working.clone();
  FrameResult r;
  r.exercise = seven_squats_of_ten();
  draw_overlay(working, r);
  r.exercise->phase = "rest";
  r.exercise->rest_s = 12.4;
  draw_overlay(resting, r);
  auto amber_pixels = [](const cv::Mat& m) {
    cv::Mat mask;
    cv::inRange(m(cv::Rect(400, 60, 240, 220)), cv::Scalar(0, 170, 220), cv::Scalar(60, 230, 255),
                mask);
    return cv::countNonZero(mask);
  };
  EXPECT_EQ(amber_pixels(working), 0);
  EXPECT_GT(amber_pixels(resting), 100) << "no \"Rest 0:12\"";
}

// Pixels of `area` in the overlay's amber (BGR 0, 200, 255) or green (90, 220, 90).
int amber_in(const cv::Mat& m, cv::Rect area) {
  cv::Mat mask;
  cv::inRange(m(area), cv::Scalar(0, 170, 220), cv::Scalar(60, 230, 255), mask);
  return cv::countNonZero(mask);
}
int green_in(const cv::Mat& m, cv::Rect area) {
  cv::Mat mask;
  cv::inRange(m(area), cv::Scalar(60, 190, 60), cv::Scalar(120, 250, 120), mask);
  return cv::countNonZero(mask);
}

TEST(Overlay, GuidanceIsABandAboveTheRepCueClearOfTheCounter) {
  cv::Mat plain(480, 640, CV_8UC3, kGrey), guided = plain.clone();
  FrameResult r;
  r.classification.decision = std::string(kTakeYourPose);
  r.exercise = seven_squats_of_ten();
  r.message = "Breathe";
  draw_overlay(plain, r);
  r.guidance = Guidance{"step_back", "Step back so your feet are in view"};
  draw_overlay(guided, r);
  // Message (36 px) and rep cue (36 px) at the bottom, the guidance (44 px) above them.
  const cv::Rect guidance_band(0, 480 - 72 - 44, 640, 44);
  const cv::Rect bottom_bands(0, 480 - 72, 640, 72), counter(440, 60, 200, 150);
  EXPECT_GT(changed_pixels(plain, guided, guidance_band), 5000) << "no guidance band";
  EXPECT_GT(amber_in(guided, guidance_band), 300) << "the guidance text is not amber";
  EXPECT_EQ(changed_pixels(plain, guided, bottom_bands), 0) << "it covers the cue or message";
  EXPECT_EQ(changed_pixels(plain, guided, counter), 0) << "it covers the rep counter";
}

TEST(Overlay, TheSetUpCheckSaysTheWholeBodyIsInViewOrWhatIsMissing) {
  cv::Mat plain(480, 640, CV_8UC3, kGrey), ok = plain.clone(), missing = plain.clone();
  FrameResult r;
  r.classification.decision = std::string(kTakeYourPose);
  draw_overlay(plain, r);
  r.setup_check = true;
  draw_overlay(ok, r);
  const cv::Rect band(0, 480 - 44, 640, 44);
  EXPECT_GT(green_in(ok, band), 300) << "no green \"Set-up check: Whole body in view\"";
  r.guidance = Guidance{"upper_body_only", "Only your upper body is visible"};
  draw_overlay(missing, r);
  EXPECT_EQ(green_in(missing, band), 0);
  EXPECT_GT(amber_in(missing, band), 300);
  EXPECT_GT(changed_pixels(ok, missing, band), 500);  // another text
  EXPECT_EQ(changed_pixels(plain, ok, cv::Rect(0, 60, 640, 300)), 0);
}

TEST(Overlay, ALongCueAndTinyFramesDoNotBreakIt) {
  FrameResult r = confirmed_tree();
  r.exercise = seven_squats_of_ten();
  r.exercise->name = std::string(300, 'N');
  r.exercise->last_rep->cue = std::string(2000, 'c') + "\u00b0";
  r.message = "Breathe";
  r.guidance = Guidance{"step_back", std::string(500, 'g')};
  r.setup_check = true;
  cv::Mat frame(480, 640, CV_8UC3, kGrey);
  draw_overlay(frame, r);
  // The cue is cut to the frame: the band's last pixels on the right are band, not text.
  EXPECT_LT(frame.at<cv::Vec3b>(480 - 40, 639)[0], 100);
  for (const cv::Size size :
       {cv::Size(1, 1), cv::Size(16, 12), cv::Size(64, 48), cv::Size(320, 40)}) {
    cv::Mat tiny(size, CV_8UC3, kGrey);
    r.exercise->phase = "rest";
    draw_overlay(tiny, r);
    EXPECT_EQ(tiny.size(), size);
  }
}

// Two people side by side: 2 (primary, Tree) on the left, 5 (squatting, 7 of 10) on the right.
FrameResult two_people() {
  FrameResult r = confirmed_tree();
  SkeletonPlacement left, right;  // heads near y 165, ankles near 455
  left.hip_x = 170;
  right.hip_x = 470;
  left.hip_y = right.hip_y = 300;
  left.torso_px = right.torso_px = 90;
  for (auto [id, placement] : {std::pair{2, left}, std::pair{5, right}}) {
    PersonResult p;
    p.id = id;
    p.pose = pose_skeleton(SkeletonAngles{}, placement);
    float x0 = 640, y0 = 480, x1 = 0, y1 = 0;
    for (const Keypoint& k : p.pose.keypoints) {
      x0 = std::min(x0, k.x), y0 = std::min(y0, k.y), x1 = std::max(x1, k.x),
      y1 = std::max(y1, k.y);
    }
    p.box = {x0 / 640, y0 / 480, (x1 - x0) / 640, (y1 - y0) / 480};
    p.classification = r.classification;
    p.label = "Tree 87 %";
    r.people.push_back(p);
  }
  r.people[1].exercise = seven_squats_of_ten();
  r.primary_id = 2;
  r.pose = r.people[0].pose;
  return r;
}

// Pixels near (within `radius` of) `at` in `colour` (BGR, each channel within 40).
int pixels_of(const cv::Mat& m, cv::Point2f at, int radius, const cv::Scalar& colour) {
  const cv::Rect area =
      cv::Rect(int(at.x) - radius, int(at.y) - radius, 2 * radius + 1, 2 * radius + 1) &
      cv::Rect(0, 0, m.cols, m.rows);
  cv::Mat mask;
  cv::inRange(m(area), colour - cv::Scalar(40, 40, 40), colour + cv::Scalar(40, 40, 40), mask);
  return cv::countNonZero(mask);
}

cv::Scalar bgr_of(int id) {
  const Rgb c = person_colour(id);
  return cv::Scalar(c.b, c.g, c.r);
}

cv::Point2f midpoint(const Pose& p, Joint a, Joint b) {
  return {(p[a].x + p[b].x) / 2, (p[a].y + p[b].y) / 2};
}

TEST(Overlay, SeveralPeopleAreEachDrawnInTheirOwnColour) {
  cv::Mat frame(480, 640, CV_8UC3, kGrey);
  const FrameResult r = two_people();
  draw_overlay(frame, r);
  const Pose& two = r.people[0].pose;
  const Pose& five = r.people[1].pose;
  for (auto [a, b] : {std::pair{Joint::kLeftHip, Joint::kLeftKnee},
                      std::pair{Joint::kRightShoulder, Joint::kRightElbow},
                      std::pair{Joint::kLeftHip, Joint::kRightHip}}) {
    EXPECT_GT(pixels_of(frame, midpoint(two, a, b), 3, bgr_of(2)), 5) << joint_name(a);
    EXPECT_EQ(pixels_of(frame, midpoint(two, a, b), 3, bgr_of(5)), 0) << joint_name(a);
    EXPECT_GT(pixels_of(frame, midpoint(five, a, b), 3, bgr_of(5)), 5) << joint_name(a);
    EXPECT_EQ(pixels_of(frame, midpoint(five, a, b), 3, bgr_of(2)), 0) << joint_name(a);
  }

  // One person keeps the left/right colours: no palette colour on their bones.
  cv::Mat one(480, 640, CV_8UC3, kGrey);
  FrameResult single = r;
  single.people.resize(1);
  draw_overlay(one, single);
  const cv::Point2f thigh = midpoint(two, Joint::kLeftHip, Joint::kLeftKnee);
  EXPECT_EQ(pixels_of(one, thigh, 3, bgr_of(2)), 0);
  EXPECT_GT(pixels_of(one, thigh, 3, cv::Scalar(255, 170, 40)), 5) << "the left side's blue";
}

TEST(Overlay, EachPersonHasATagAboveTheirHeadInsideTheFrame) {
  cv::Mat plain(480, 640, CV_8UC3, kGrey), tagged = plain.clone();
  FrameResult r = two_people();
  FrameResult untagged = r;
  untagged.people.clear();
  draw_overlay(plain, untagged);
  draw_overlay(tagged, r);
  for (const PersonResult& p : r.people) {
    // Just above the box, over the head: the tag's text in the person's colour.
    const int head = int(p.box.y * 480);
    const cv::Rect above(int(p.box.x * 640) - 40, std::max(0, head - 40),
                         int(p.box.width * 640) + 80, std::min(40, head));
    EXPECT_GT(changed_pixels(plain, tagged, above), 200) << "no tag above person " << p.id;
    cv::Mat mask;
    cv::inRange(tagged(above), bgr_of(p.id) - cv::Scalar(40, 40, 40),
                bgr_of(p.id) + cv::Scalar(40, 40, 40), mask);
    EXPECT_GT(cv::countNonZero(mask), 30) << "the tag of " << p.id << " is not in their colour";
  }
  // "2 Tree 87 %" and "5 Squat 7/10", not just the ids.
  FrameResult ids_only = r;
  for (PersonResult& p : ids_only.people) {
    p.classification.decision = std::string(kTakeYourPose);
    p.exercise.reset();
  }
  cv::Mat bare(480, 640, CV_8UC3, kGrey);
  draw_overlay(bare, ids_only);
  EXPECT_GT(changed_pixels(bare, tagged, cv::Rect(0, 90, 640, 100)), 100);

  // A person at the frame's right edge, their head under the top bands (which end at 90 with
  // the coach's band): the tag stays inside the frame, at its right, below the bands.
  r.people[1].box = {0.9f, 0.02f, 0.1f, 0.9f};
  r.people[1].pose = Pose{};  // nothing seen: only the tag is in their colour
  cv::Mat edge(480, 640, CV_8UC3, kGrey);
  draw_overlay(edge, r);
  auto purple_in = [&](cv::Rect area) {
    cv::Mat mask;
    cv::inRange(edge(area), bgr_of(5) - cv::Scalar(40, 40, 40), bgr_of(5) + cv::Scalar(40, 40, 40),
                mask);
    return cv::countNonZero(mask);
  };
  EXPECT_GT(purple_in(cv::Rect(440, 90, 200, 40)), 30) << "no tag at the right edge";
  EXPECT_EQ(purple_in(cv::Rect(0, 0, 640, 90)), 0) << "the tag is over the top bands";
  EXPECT_EQ(purple_in(cv::Rect(0, 0, 440, 480)), 0);
  for (const cv::Size size : {cv::Size(1, 1), cv::Size(16, 12), cv::Size(64, 48)}) {
    cv::Mat tiny(size, CV_8UC3, kGrey);
    draw_overlay(tiny, r);
    EXPECT_EQ(tiny.size(), size);
  }
}

}  // namespace
}  // namespace posecast
