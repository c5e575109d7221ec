// The built-in demo: a figure drawn with body-like limbs flows through library poses. MoveNet
// finds it as it would a person, so the demo shows the real pipeline, not canned results.
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "posecast/capture.h"
#include "posecast/skeleton_poser.h"

namespace posecast {

namespace {

struct Keyframe {
  const char* name;
  SkeletonAngles angles;
};

// Directions as in skeleton_poser.h (0 = down, 90 = image right, 180 = up).
std::vector<Keyframe> demo_sequence() {
  std::vector<Keyframe> seq;
  SkeletonAngles m;  // mountain
  m.left_upper_arm = 8, m.left_forearm = 5, m.right_upper_arm = -8, m.right_forearm = -5;
  m.left_thigh = 3, m.left_shin = 0, m.right_thigh = -3, m.right_shin = 0;
  seq.push_back({"mountain", m});
  SkeletonAngles t;  // tree: left foot on the right inner thigh, hands together overhead
  t.right_thigh = 6, t.right_shin = 0;
  t.left_thigh = 60, t.left_shin = bend(60, 45, -1);
  t.left_upper_arm = 155, t.left_forearm = 200, t.right_upper_arm = 205, t.right_forearm = 160;
  seq.push_back({"tree", t});
  SkeletonAngles w;  // warrior II: bent left knee to the image's right, arms out
  w.left_thigh = 85, w.left_shin = 0, w.right_thigh = -45, w.right_shin = -45;
  w.left_upper_arm = w.left_forearm = 90, w.right_upper_arm = w.right_forearm = -90;
  seq.push_back({"warrior2", w});
  SkeletonAngles g;  // goddess: wide squat, cactus arms
  g.left_thigh = 70, g.left_shin = 5, g.right_thigh = -70, g.right_shin = -5;
  g.left_upper_arm = 90, g.left_forearm = 180, g.right_upper_arm = -90, g.right_forearm = 180;
  seq.push_back({"goddess", g});
  SkeletonAngles tr;  // triangle: tipped over the left leg
  tr.torso = 100;
  tr.left_thigh = tr.left_shin = 35, tr.right_thigh = tr.right_shin = -35;
  tr.left_upper_arm = tr.left_forearm = 0, tr.right_upper_arm = tr.right_forearm = 180;
  seq.push_back({"triangle", tr});
  return seq;
}

float lerp_angle(float a, float b, float t) {
  float d = std::fmod(b - a + 540.f, 360.f) - 180.f;  // the short way round
  return a + d * t;
}

SkeletonAngles blend(const SkeletonAngles& a, const SkeletonAngles& b, float t) {
  SkeletonAngles r;
  r.torso = lerp_angle(a.torso, b.torso, t);
  r.yaw = a.yaw + (b.yaw - a.yaw) * t;
  r.left_upper_arm = lerp_angle(a.left_upper_arm, b.left_upper_arm, t);
  r.left_forearm = lerp_angle(a.left_forearm, b.left_forearm, t);
  r.right_upper_arm = lerp_angle(a.right_upper_arm, b.right_upper_arm, t);
  r.right_forearm = lerp_angle(a.right_forearm, b.right_forearm, t);
  r.left_thigh = lerp_angle(a.left_thigh, b.left_thigh, t);
  r.left_shin = lerp_angle(a.left_shin, b.left_shin, t);
  r.right_thigh = lerp_angle(a.right_thigh, b.right_thigh, t);
  r.right_shin = lerp_angle(a.right_shin, b.right_shin, t);
  return r;
}

void limb(cv::Mat& m, cv::Point2f a, cv::Point2f b, float radius, const cv::Scalar& colour) {
  const int r = std::max(1, static_cast<int>(radius));
  cv::line(m, a, b, colour, 2 * r, cv::LINE_AA);
  cv::circle(m, a, r, colour, -1, cv::LINE_AA);
  cv::circle(m, b, r, colour, -1, cv::LINE_AA);
}

class DemoSource : public FrameSource {
 public:
  explicit DemoSource(const SourceOptions& options)
      : size_(options.size.area() > 0 ? options.size : cv::Size(640, 480)),
        fps_(options.fps > 0 ? options.fps : 30),
        sequence_(demo_sequence()) {
    background_.create(size_, CV_8UC3);
    for (int y = 0; y < size_.height; ++y) {
      const double f = double(y) / size_.height;
      background_.row(y).setTo(cv::Scalar(205 - 40 * f, 212 - 35 * f, 218 - 30 * f));
    }
    const int floor_y = static_cast<int>(size_.height * 0.88);
    cv::rectangle(background_, {0, floor_y}, {size_.width, size_.height}, cv::Scalar(95, 125, 155), -1);
    cv::rectangle(background_, {static_cast<int>(size_.width * 0.22), floor_y - 4},
                  {static_cast<int>(size_.width * 0.78), floor_y + 10}, cv::Scalar(120, 90, 60), -1);  // a mat
  }

  Result<cv::Mat> read() override {
    const double t = frame_++ / fps_;
    const double hold = 5.0, move = 1.2, period = hold + move;
    const size_t n = sequence_.size();
    const size_t k = static_cast<size_t>(t / period) % n;
    const double in = std::fmod(t, period);
    float blend_t = in < hold ? 0.f : static_cast<float>((in - hold) / move);
    blend_t = blend_t * blend_t * (3 - 2 * blend_t);  // ease in and out
    SkeletonAngles a = blend(sequence_[k].angles, sequence_[(k + 1) % n].angles, blend_t);
    const float sway = static_cast<float>(2.0 * std::sin(t * 1.3));  // breathing, a little balance
    a.torso += sway * 0.5f;
    a.left_upper_arm += sway;
    a.right_upper_arm -= sway;

    SkeletonPlacement place;
    place.image_width = size_.width;
    place.image_height = size_.height;
    place.torso_px = size_.height * 0.17f;
    place.hip_x = size_.width * 0.5f;
    place.hip_y = size_.height * 0.5f;
    Pose p = pose_skeleton(a, place);
    // Stand on the floor: lift or lower the body so the lowest foot touches it.
    const float floor_y = size_.height * 0.88f;
    const float lowest = std::max(p[Joint::kLeftAnkle].y, p[Joint::kRightAnkle].y);
    place.hip_y += floor_y - lowest - place.torso_px * 0.05f;
    p = pose_skeleton(a, place);
    cv::Mat frame = background_.clone();
    draw_figure(frame, p, place.torso_px);
    return frame;
  }
  std::string describe() const override { return "demo"; }
  double pace_fps() const override { return fps_; }

 private:
  static void draw_figure(cv::Mat& m, const Pose& p, float t) {
    auto at = [&](Joint j) { return cv::Point2f(p[j].x, p[j].y); };
    const cv::Scalar skin(140, 170, 220), shirt(60, 60, 165), pants(75, 55, 40), hair(30, 40, 60);
    limb(m, at(Joint::kLeftHip), at(Joint::kLeftKnee), 0.16f * t, pants);
    limb(m, at(Joint::kLeftKnee), at(Joint::kLeftAnkle), 0.13f * t, pants);
    limb(m, at(Joint::kRightHip), at(Joint::kRightKnee), 0.16f * t, pants);
    limb(m, at(Joint::kRightKnee), at(Joint::kRightAnkle), 0.13f * t, pants);
    limb(m, at(Joint::kLeftAnkle), at(Joint::kLeftAnkle) + cv::Point2f(0, 0.02f * t), 0.1f * t, skin);
    limb(m, at(Joint::kRightAnkle), at(Joint::kRightAnkle) + cv::Point2f(0, 0.02f * t), 0.1f * t, skin);
    std::vector<cv::Point> torso{at(Joint::kLeftShoulder), at(Joint::kRightShoulder), at(Joint::kRightHip),
                                 at(Joint::kLeftHip)};
    cv::fillConvexPoly(m, torso, shirt, cv::LINE_AA);
    limb(m, at(Joint::kLeftShoulder), at(Joint::kRightShoulder), 0.14f * t, shirt);
    limb(m, at(Joint::kLeftHip), at(Joint::kRightHip), 0.17f * t, pants);
    limb(m, at(Joint::kLeftShoulder), at(Joint::kLeftElbow), 0.11f * t, shirt);
    limb(m, at(Joint::kLeftElbow), at(Joint::kLeftWrist), 0.09f * t, skin);
    limb(m, at(Joint::kRightShoulder), at(Joint::kRightElbow), 0.11f * t, shirt);
    limb(m, at(Joint::kRightElbow), at(Joint::kRightWrist), 0.09f * t, skin);
    const cv::Point2f neck = (at(Joint::kLeftShoulder) + at(Joint::kRightShoulder)) * 0.5f;
    const cv::Point2f nose = at(Joint::kNose);
    limb(m, neck, nose, 0.08f * t, skin);
    cv::ellipse(m, nose + cv::Point2f(0, -0.05f * t), cv::Size(int(0.2f * t), int(0.26f * t)), 0, 0, 360, skin, -1,
                cv::LINE_AA);
    cv::ellipse(m, nose + cv::Point2f(0, -0.18f * t), cv::Size(int(0.21f * t), int(0.16f * t)), 0, 180, 360, hair, -1,
                cv::LINE_AA);
    cv::circle(m, at(Joint::kLeftEye), std::max(2, int(0.03f * t)), cv::Scalar(40, 30, 30), -1, cv::LINE_AA);
    cv::circle(m, at(Joint::kRightEye), std::max(2, int(0.03f * t)), cv::Scalar(40, 30, 30), -1, cv::LINE_AA);
  }

  cv::Size size_;
  double fps_;
  std::vector<Keyframe> sequence_;
  cv::Mat background_;
  int64_t frame_ = 0;
};

}  // namespace

std::unique_ptr<FrameSource> make_demo_source(const SourceOptions& options) {
  return std::make_unique<DemoSource>(options);
}

}  // namespace posecast
