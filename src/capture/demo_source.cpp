// The built-in demo: a figure drawn with body-like limbs flows through library poses. MoveNet
// finds it as it would a person, so the demo shows the real pipeline, not canned results.
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "posecast/capture.h"
#include "posecast/exercise_sketches.h"
#include "posecast/pose_sketches.h"
#include "posecast/skeleton_poser.h"

namespace posecast {

namespace {

struct Keyframe {
  const char* name;
  SkeletonAngles angles;
};

// The demo's sequence: sketches of library poses (posecast/pose_sketches.h).
std::vector<Keyframe> demo_sequence() {
  std::vector<Keyframe> seq;
  for (const char* id : {"mountain", "tree", "warrior2", "goddess", "triangle"})
    seq.push_back({id, *pose_sketch(id)});
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

void draw_figure(cv::Mat& m, const Pose& p, float t) {
  auto at = [&](Joint j) { return cv::Point2f(p[j].x, p[j].y); };
  const cv::Scalar skin(140, 170, 220), shirt(60, 60, 165), pants(75, 55, 40), hair(30, 40, 60);
  limb(m, at(Joint::kLeftHip), at(Joint::kLeftKnee), 0.16f * t, pants);
  limb(m, at(Joint::kLeftKnee), at(Joint::kLeftAnkle), 0.13f * t, pants);
  limb(m, at(Joint::kRightHip), at(Joint::kRightKnee), 0.16f * t, pants);
  limb(m, at(Joint::kRightKnee), at(Joint::kRightAnkle), 0.13f * t, pants);
  limb(m, at(Joint::kLeftAnkle), at(Joint::kLeftAnkle) + cv::Point2f(0, 0.02f * t), 0.1f * t, skin);
  limb(m, at(Joint::kRightAnkle), at(Joint::kRightAnkle) + cv::Point2f(0, 0.02f * t), 0.1f * t,
       skin);
  std::vector<cv::Point> torso{at(Joint::kLeftShoulder), at(Joint::kRightShoulder),
                               at(Joint::kRightHip), at(Joint::kLeftHip)};
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
  cv::ellipse(m, nose + cv::Point2f(0, -0.05f * t), cv::Size(int(0.2f * t), int(0.26f * t)), 0, 0,
              360, skin, -1, cv::LINE_AA);
  cv::ellipse(m, nose + cv::Point2f(0, -0.18f * t), cv::Size(int(0.21f * t), int(0.16f * t)), 0,
              180, 360, hair, -1, cv::LINE_AA);
  cv::circle(m, at(Joint::kLeftEye), std::max(2, int(0.03f * t)), cv::Scalar(40, 30, 30), -1,
             cv::LINE_AA);
  cv::circle(m, at(Joint::kRightEye), std::max(2, int(0.03f * t)), cv::Scalar(40, 30, 30), -1,
             cv::LINE_AA);
}

float figure_torso_px(cv::Size size, float scale) { return size.height * 0.17f * scale; }

cv::Mat demo_background(cv::Size size) {
  cv::Mat background(size, CV_8UC3);
  for (int y = 0; y < size.height; ++y) {
    const double f = double(y) / size.height;
    background.row(y).setTo(cv::Scalar(205 - 40 * f, 212 - 35 * f, 218 - 30 * f));
  }
  const int floor_y = static_cast<int>(size.height * 0.88);
  cv::rectangle(background, {0, floor_y}, {size.width, size.height}, cv::Scalar(95, 125, 155), -1);
  cv::rectangle(background, {static_cast<int>(size.width * 0.22), floor_y - 4},
                {static_cast<int>(size.width * 0.78), floor_y + 10}, cv::Scalar(120, 90, 60),
                -1);  // a mat
  return background;
}

// The keypoints of the figure in `a`, centred, `scale` x the demo's size, standing on the floor
// of a frame of `size`.
Pose place_standing(const SkeletonAngles& a, cv::Size size, float scale, float x_share,
                    const BodyProportions& body = {}) {
  SkeletonPlacement place;
  place.image_width = size.width;
  place.image_height = size.height;
  place.torso_px = figure_torso_px(size, scale);
  place.hip_x = size.width * x_share;
  place.hip_y = size.height * 0.5f;
  Pose p = pose_skeleton(a, place, body);
  const float floor_y = size.height * 0.88f;
  const float lowest = std::max(p[Joint::kLeftAnkle].y, p[Joint::kRightAnkle].y);
  place.hip_y += floor_y - lowest - place.torso_px * 0.05f;
  return pose_skeleton(a, place, body);
}

// Each cycle: the poses of the sequence, each held then flowing into the next, then a set of
// squats seen from the front (so a fresh `run` shows the rep counter), then rest.
constexpr double kHoldS = 5.0, kMoveS = 1.2, kPosePeriodS = kHoldS + kMoveS;
constexpr int kSquatReps = 5;
constexpr double kSquatRepS = 2.4, kSquatSetS = kSquatReps * kSquatRepS, kRestS = 2.0;
// Deep squats (hips to knee height as MoveNet sees the drawn figure).
constexpr double kSquatDepth = 1.2;

// The sequence's pose `in_cycle` seconds into the poses, with breathing and balance sway.
SkeletonAngles pose_at(const std::vector<Keyframe>& sequence, double t, double in_cycle) {
  const size_t n = sequence.size();
  const size_t k = static_cast<size_t>(in_cycle / kPosePeriodS) % n;
  const double in = std::fmod(in_cycle, kPosePeriodS);
  float blend_t = in < kHoldS ? 0.f : static_cast<float>((in - kHoldS) / kMoveS);
  blend_t = blend_t * blend_t * (3 - 2 * blend_t);  // ease in and out
  SkeletonAngles a = blend(sequence[k].angles, sequence[(k + 1) % n].angles, blend_t);
  const float sway = static_cast<float>(2.0 * std::sin(t * 1.3));
  a.torso += sway * 0.5f;
  a.left_upper_arm += sway;
  a.right_upper_arm -= sway;
  return a;
}

DemoTimeline timeline_of(const std::vector<Keyframe>& sequence) {
  DemoTimeline t;
  t.squats_start_s = kPosePeriodS * static_cast<double>(sequence.size());
  t.squats_end_s = t.squats_start_s + kSquatSetS;
  t.cycle_s = t.squats_end_s + kRestS;
  t.squat_reps = kSquatReps;
  return t;
}

// The figure `t_s` seconds into the demo.
Pose demo_figure(const std::vector<Keyframe>& sequence, double t_s, cv::Size size) {
  const DemoTimeline timeline = timeline_of(sequence);
  const double in_cycle = std::fmod(t_s, timeline.cycle_s);
  if (in_cycle >= timeline.squats_start_s && in_cycle < timeline.squats_end_s) {
    const double phase = std::fmod(in_cycle - timeline.squats_start_s, kSquatRepS) / kSquatRepS;
    const float depth = static_cast<float>(kSquatDepth * (0.5 - 0.5 * std::cos(2 * M_PI * phase)));
    const ExerciseSketch squat = *exercise_sketch("squat", depth, SketchView::kFront);
    return place_standing(squat.angles, size, 1.0f, 0.5f, squat.body);
  }
  const double poses_end = timeline.squats_start_s - 1e-3;
  return place_standing(pose_at(sequence, t_s, std::min(in_cycle, poses_end)), size, 1.0f, 0.5f);
}

class DemoSource : public FrameSource {
 public:
  explicit DemoSource(const SourceOptions& options)
      : size_(options.size.area() > 0 ? options.size : cv::Size(640, 480)),
        fps_(options.fps > 0 ? options.fps : 30),
        sequence_(demo_sequence()) {
    background_ = demo_background(size_);
  }

  Result<cv::Mat> read() override {
    const double t = static_cast<double>(frame_++) / fps_;
    cv::Mat frame = background_.clone();
    draw_figure(frame, demo_figure(sequence_, t, size_), figure_torso_px(size_, 1.0f));
    return frame;
  }
  std::string describe() const override { return "demo"; }
  double pace_fps() const override { return fps_; }

 private:
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

DemoTimeline demo_timeline() { return timeline_of(demo_sequence()); }

Pose demo_keypoints(double t_s, cv::Size size) {
  static const std::vector<Keyframe> sequence = demo_sequence();
  return demo_figure(sequence, t_s, size);
}

std::vector<std::string> demo_poses() {
  std::vector<std::string> ids;
  for (const Keyframe& k : demo_sequence()) ids.push_back(k.name);
  return ids;
}

Result<cv::Mat> render_demo_pose(std::string_view pose, cv::Size size, const DemoPoseVariation& v) {
  for (const Keyframe& k : demo_sequence()) {
    if (pose != k.name) continue;
    SkeletonAngles a = k.angles;
    for (float* d : {&a.torso, &a.left_upper_arm, &a.left_forearm, &a.right_upper_arm,
                     &a.right_forearm, &a.left_thigh, &a.left_shin, &a.right_thigh, &a.right_shin})
      *d += v.lean_deg;
    a.left_upper_arm += v.arm_deg;
    a.right_upper_arm -= v.arm_deg;
    cv::Mat frame = demo_background(size);
    draw_figure(frame, place_standing(a, size, v.scale, v.x_share), figure_torso_px(size, v.scale));
    if (v.mirror) cv::flip(frame, frame, 1);
    return frame;
  }
  return Error("no demo pose '" + std::string(pose) + "'");
}

}  // namespace posecast
