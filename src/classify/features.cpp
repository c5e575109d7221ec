#include "posecast/features.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace posecast {

namespace {

constexpr std::array<std::string_view, kNumAngles> kAngleNames = {
    "left_elbow",  "right_elbow", "left_shoulder", "right_shoulder", "left_hip",   "right_hip",
    "left_knee",   "right_knee",  "torso",         "left_shin",      "right_shin", "left_thigh",
    "right_thigh", "left_arm",    "right_arm",     "thigh_spread"};

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kRadToDeg = 180.0f / std::numbers::pi_v<float>;

using J = Joint;

int idx(Joint j) { return static_cast<int>(j); }

// Unsigned angle between two vectors, degrees; NaN when one has no length.
float angle_between(Point2 a, Point2 b) {
  if (std::hypot(a.x, a.y) < 1e-6f || std::hypot(b.x, b.y) < 1e-6f) return kNaN;
  // atan2 of |cross| and dot stays precise near 0 and 180, where acos of the cosine does not.
  return std::atan2(std::abs(a.x * b.y - a.y * b.x), a.x * b.x + a.y * b.y) * kRadToDeg;
}

Point2 sub(Point2 a, Point2 b) { return {a.x - b.x, a.y - b.y}; }

constexpr Point2 kUp{0, -1};
constexpr Point2 kDown{0, 1};

// Mean of the seen keypoints among `joints`; nullopt when none was seen.
std::optional<Point2> centre(const Features& f, std::initializer_list<Joint> joints) {
  Point2 sum;
  int n = 0;
  for (Joint j : joints) {
    if (!f.seen[idx(j)]) continue;
    sum.x += f.xy[idx(j)].x;
    sum.y += f.xy[idx(j)].y;
    ++n;
  }
  if (n == 0) return std::nullopt;
  return Point2{sum.x / n, sum.y / n};
}

// Angle at `b` in the chain a-b-c.
float joint_angle(const Features& f, Joint a, Joint b, Joint c) {
  if (!f.seen[idx(a)] || !f.seen[idx(b)] || !f.seen[idx(c)]) return kNaN;
  return angle_between(sub(f.xy[idx(a)], f.xy[idx(b)]), sub(f.xy[idx(c)], f.xy[idx(b)]));
}

// Inclination of the segment from -> to against a reference direction.
float inclination(const Features& f, Joint from, Joint to, Point2 reference) {
  if (!f.seen[idx(from)] || !f.seen[idx(to)]) return kNaN;
  return angle_between(sub(f.xy[idx(to)], f.xy[idx(from)]), reference);
}

void measure_angles(Features& f) {
  auto set = [&f](Angle a, float v) { f.angle_deg[static_cast<int>(a)] = v; };
  set(Angle::kLeftElbow, joint_angle(f, J::kLeftShoulder, J::kLeftElbow, J::kLeftWrist));
  set(Angle::kRightElbow, joint_angle(f, J::kRightShoulder, J::kRightElbow, J::kRightWrist));
  set(Angle::kLeftShoulder, joint_angle(f, J::kLeftHip, J::kLeftShoulder, J::kLeftElbow));
  set(Angle::kRightShoulder, joint_angle(f, J::kRightHip, J::kRightShoulder, J::kRightElbow));
  set(Angle::kLeftHip, joint_angle(f, J::kLeftShoulder, J::kLeftHip, J::kLeftKnee));
  set(Angle::kRightHip, joint_angle(f, J::kRightShoulder, J::kRightHip, J::kRightKnee));
  set(Angle::kLeftKnee, joint_angle(f, J::kLeftHip, J::kLeftKnee, J::kLeftAnkle));
  set(Angle::kRightKnee, joint_angle(f, J::kRightHip, J::kRightKnee, J::kRightAnkle));
  auto hips = centre(f, {J::kLeftHip, J::kRightHip});
  auto shoulders = centre(f, {J::kLeftShoulder, J::kRightShoulder});
  set(Angle::kTorso, hips && shoulders ? angle_between(sub(*shoulders, *hips), kUp) : kNaN);
  set(Angle::kLeftShin, inclination(f, J::kLeftAnkle, J::kLeftKnee, kUp));
  set(Angle::kRightShin, inclination(f, J::kRightAnkle, J::kRightKnee, kUp));
  set(Angle::kLeftThigh, inclination(f, J::kLeftHip, J::kLeftKnee, kDown));
  set(Angle::kRightThigh, inclination(f, J::kRightHip, J::kRightKnee, kDown));
  set(Angle::kLeftArm, inclination(f, J::kLeftShoulder, J::kLeftWrist, kDown));
  set(Angle::kRightArm, inclination(f, J::kRightShoulder, J::kRightWrist, kDown));
  bool thighs_seen = f.seen[idx(J::kLeftHip)] && f.seen[idx(J::kLeftKnee)] &&
                     f.seen[idx(J::kRightHip)] && f.seen[idx(J::kRightKnee)];
  set(Angle::kThighSpread,
      thighs_seen ? angle_between(sub(f.xy[idx(J::kLeftKnee)], f.xy[idx(J::kLeftHip)]),
                                  sub(f.xy[idx(J::kRightKnee)], f.xy[idx(J::kRightHip)]))
                  : kNaN);
}

}  // namespace

std::string_view angle_name(Angle angle) { return kAngleNames[static_cast<int>(angle)]; }

std::optional<Angle> angle_from_name(std::string_view name) {
  for (int i = 0; i < kNumAngles; ++i)
    if (kAngleNames[i] == name) return static_cast<Angle>(i);
  return std::nullopt;
}

Angle mirror_angle(Angle angle) {
  switch (angle) {
    case Angle::kTorso:
    case Angle::kThighSpread:
      return angle;
    default:
      break;
  }
  // The remaining sided angles come in (left, right) pairs: left even before torso, odd after it.
  int a = static_cast<int>(angle);
  bool left = a < static_cast<int>(Angle::kTorso) ? a % 2 == 0 : a % 2 == 1;
  return static_cast<Angle>(left ? a + 1 : a - 1);
}

std::vector<Joint> angle_joints(Angle angle) {
  switch (angle) {
    case Angle::kLeftElbow:
      return {J::kLeftShoulder, J::kLeftElbow, J::kLeftWrist};
    case Angle::kRightElbow:
      return {J::kRightShoulder, J::kRightElbow, J::kRightWrist};
    case Angle::kLeftShoulder:
      return {J::kLeftHip, J::kLeftShoulder, J::kLeftElbow};
    case Angle::kRightShoulder:
      return {J::kRightHip, J::kRightShoulder, J::kRightElbow};
    case Angle::kLeftHip:
      return {J::kLeftShoulder, J::kLeftHip, J::kLeftKnee};
    case Angle::kRightHip:
      return {J::kRightShoulder, J::kRightHip, J::kRightKnee};
    case Angle::kLeftKnee:
      return {J::kLeftHip, J::kLeftKnee, J::kLeftAnkle};
    case Angle::kRightKnee:
      return {J::kRightHip, J::kRightKnee, J::kRightAnkle};
    case Angle::kTorso:
      return {J::kLeftShoulder, J::kRightShoulder, J::kLeftHip, J::kRightHip};
    case Angle::kLeftShin:
      return {J::kLeftKnee, J::kLeftAnkle};
    case Angle::kRightShin:
      return {J::kRightKnee, J::kRightAnkle};
    case Angle::kLeftThigh:
      return {J::kLeftHip, J::kLeftKnee};
    case Angle::kRightThigh:
      return {J::kRightHip, J::kRightKnee};
    case Angle::kLeftArm:
      return {J::kLeftShoulder, J::kLeftWrist};
    case Angle::kRightArm:
      return {J::kRightShoulder, J::kRightWrist};
    case Angle::kThighSpread:
      return {J::kLeftHip, J::kLeftKnee, J::kRightHip, J::kRightKnee};
  }
  return {};
}

std::optional<float> Features::angle(Angle a) const {
  float v = angle_deg[static_cast<int>(a)];
  if (std::isnan(v)) return std::nullopt;
  return v;
}

Pose mirror_pose(const Pose& pose) {
  Pose out = pose;
  for (int j = 0; j < kNumJoints; ++j) {
    Keypoint k = pose.keypoints[idx(mirror_joint(static_cast<Joint>(j)))];
    k.x = static_cast<float>(pose.image_width) - k.x;
    out.keypoints[j] = k;
  }
  return out;
}

Features compute_features(const Pose& pose, const FeatureOptions& options) {
  Features f;
  f.angle_deg.fill(kNaN);
  for (int j = 0; j < kNumJoints; ++j) {
    // Mirroring reads each joint from its mirror partner and negates x below.
    const Keypoint& k =
        pose.keypoints[options.mirror ? idx(mirror_joint(static_cast<Joint>(j))) : j];
    f.score[j] = k.score;
    f.seen[j] = k.score >= options.min_score && std::isfinite(k.x) && std::isfinite(k.y);
    if (f.seen[j]) f.xy[j] = {options.mirror ? -k.x : k.x, k.y};
  }
  auto hips = centre(f, {J::kLeftHip, J::kRightHip});
  auto shoulders = centre(f, {J::kLeftShoulder, J::kRightShoulder});
  if (!hips || !shoulders) {
    f.seen.fill(false);
    f.xy.fill({});
    return f;
  }
  float torso = std::hypot(shoulders->x - hips->x, shoulders->y - hips->y);
  // A torso seen end-on (towards the camera) is short; then the body's extent is the better
  // unit, so that the normalised coordinates do not blow up.
  float min_x = hips->x, max_x = hips->x, min_y = hips->y, max_y = hips->y;
  for (int j = 0; j < kNumJoints; ++j) {
    if (!f.seen[j]) continue;
    min_x = std::min(min_x, f.xy[j].x), max_x = std::max(max_x, f.xy[j].x);
    min_y = std::min(min_y, f.xy[j].y), max_y = std::max(max_y, f.xy[j].y);
  }
  float extent = std::max(max_x - min_x, max_y - min_y);
  float unit = std::max(torso, 0.25f * extent);
  if (unit < 1e-3f) {
    f.seen.fill(false);
    f.xy.fill({});
    return f;
  }
  f.valid = true;
  f.torso_length_px = unit;
  for (int j = 0; j < kNumJoints; ++j) {
    if (!f.seen[j]) continue;
    f.xy[j] = {(f.xy[j].x - hips->x) / unit, (f.xy[j].y - hips->y) / unit};
  }
  measure_angles(f);
  return f;
}

std::vector<float> feature_vector(const Features& features) {
  std::vector<float> v;
  v.reserve(kFeatureVectorSize);
  for (int j = 0; j < kNumJoints; ++j) {
    bool seen = features.valid && features.seen[j];
    v.push_back(seen ? features.xy[j].x : 0.0f);
    v.push_back(seen ? features.xy[j].y : 0.0f);
    v.push_back(seen ? 1.0f : 0.0f);
  }
  for (int a = 0; a < kNumAngles; ++a) {
    float deg = features.angle_deg[a];
    bool measured = features.valid && !std::isnan(deg);
    float rad = measured ? deg / kRadToDeg : 0.0f;
    v.push_back(measured ? std::cos(rad) : 0.0f);
    v.push_back(measured ? std::sin(rad) : 0.0f);
    v.push_back(measured ? 1.0f : 0.0f);
  }
  return v;
}

float at_ease_deg(Angle angle) {
  switch (angle) {
    case Angle::kLeftElbow:
    case Angle::kRightElbow:
      return 170;
    case Angle::kLeftShoulder:
    case Angle::kRightShoulder:
      return 12;
    case Angle::kLeftHip:
    case Angle::kRightHip:
    case Angle::kLeftKnee:
    case Angle::kRightKnee:
      return 175;
    default:  // torso, shins, thighs, arms and thigh spread: near vertical, legs together
      return 4;
  }
}

}  // namespace posecast
