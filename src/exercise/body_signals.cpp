#include "body_signals.h"

#include <algorithm>
#include <cmath>

namespace posecast::exercise {

namespace {

constexpr float kPi = 3.14159265f;
constexpr float kDeg = 180.0f / kPi;
// Both sides count (their mean) unless one is seen this much worse than the other.
constexpr float kSideScoreGap = 0.2f;
// An upright adult's torso (hip centre to shoulder centre) is about this many shoulder widths
// long; seen from the front, a torso that looks shorter leans toward or away from the camera.
constexpr float kUprightTorsoPerShoulder = 1.3f;

struct Point {
  float x = 0, y = 0;
};

class Body {
 public:
  Body(const Pose& pose, float min_score) : pose_(pose), min_score_(min_score) {}

  std::optional<Point> at(Joint j) const {
    const Keypoint& k = pose_[j];
    if (k.score < min_score_) return std::nullopt;
    return Point{k.x, k.y};
  }
  float score(Joint j) const { return pose_[j].score; }
  // The middle of a left/right pair, or the one of them that is seen.
  std::optional<Point> centre(Joint left, Joint right) const {
    auto l = at(left), r = at(right);
    if (l && r) return Point{(l->x + r->x) / 2, (l->y + r->y) / 2};
    return l ? l : r;
  }

 private:
  const Pose& pose_;
  float min_score_;
};

float distance(Point a, Point b) { return std::hypot(a.x - b.x, a.y - b.y); }

// The angle at b between a and c, degrees in [0, 180].
std::optional<float> angle_at(Point a, Point b, Point c) {
  const float ux = a.x - b.x, uy = a.y - b.y, vx = c.x - b.x, vy = c.y - b.y;
  const float n = std::hypot(ux, uy) * std::hypot(vx, vy);
  if (n < 1e-6f) return std::nullopt;
  return std::acos(std::clamp((ux * vx + uy * vy) / n, -1.0f, 1.0f)) * kDeg;
}

// The angle at `b` between `a` and `c` on one side of the body, and how well it is seen.
void measure_angle(const Body& body, Joint a, Joint b, Joint c, std::optional<float>& value,
                   float& score) {
  auto pa = body.at(a), pb = body.at(b), pc = body.at(c);
  score = std::min({body.score(a), body.score(b), body.score(c)});
  if (pa && pb && pc) value = angle_at(*pa, *pb, *pc);
}

// {a, b, c} of the angle at b, for the left side; the right side mirrors it.
struct AngleJoints {
  BodySignal signal;
  Joint a, b, c;
};
constexpr AngleJoints kAngles[] = {
    {BodySignal::kKneeAngle, Joint::kLeftHip, Joint::kLeftKnee, Joint::kLeftAnkle},
    {BodySignal::kHipAngle, Joint::kLeftShoulder, Joint::kLeftHip, Joint::kLeftKnee},
    {BodySignal::kElbowAngle, Joint::kLeftShoulder, Joint::kLeftElbow, Joint::kLeftWrist},
    {BodySignal::kArmElevation, Joint::kLeftHip, Joint::kLeftShoulder, Joint::kLeftWrist},
    {BodySignal::kBodyLine, Joint::kLeftShoulder, Joint::kLeftHip, Joint::kLeftAnkle},
};

SidedValue unsided(std::optional<float> v) { return {v, v, 1, 1}; }

std::optional<float> ratio(float num, float den) {
  if (den < 1e-3f) return std::nullopt;
  return num / den;
}

}  // namespace

BodySignals::BodySignals(const Pose& pose, float min_score, float front_view_width) {
  const Body body(pose, min_score);
  for (const auto& a : kAngles) {
    SidedValue& v = values_[static_cast<int>(a.signal)];
    measure_angle(body, a.a, a.b, a.c, v.left, v.left_score);
    measure_angle(body, mirror_joint(a.a), mirror_joint(a.b), mirror_joint(a.c), v.right,
                  v.right_score);
  }
  auto set = [&](BodySignal s, std::optional<float> v) {
    values_[static_cast<int>(s)] = unsided(v);
  };
  const auto shoulders = body.centre(Joint::kLeftShoulder, Joint::kRightShoulder);
  const auto hips = body.centre(Joint::kLeftHip, Joint::kRightHip);
  const auto ankles = body.centre(Joint::kLeftAnkle, Joint::kRightAnkle);
  std::optional<float> torso;
  if (shoulders && hips) {
    torso = distance(*shoulders, *hips);
    set(BodySignal::kTorsoLean,
        std::atan2(std::abs(shoulders->x - hips->x), hips->y - shoulders->y) * kDeg);
  }
  if (torso && hips && ankles) set(BodySignal::kHipHeight, ratio(ankles->y - hips->y, *torso));
  const auto ls = body.at(Joint::kLeftShoulder), rs = body.at(Joint::kRightShoulder);
  const auto la = body.at(Joint::kLeftAnkle), ra = body.at(Joint::kRightAnkle);
  const auto lk = body.at(Joint::kLeftKnee), rk = body.at(Joint::kRightKnee);
  std::optional<float> shoulder_width;
  if (ls && rs) shoulder_width = distance(*ls, *rs);
  const auto knees = body.centre(Joint::kLeftKnee, Joint::kRightKnee);
  if (shoulder_width && torso && hips && knees) {
    // The torso's length were it upright: one leaning toward the camera looks short.
    const float upright = std::max(*torso, kUprightTorsoPerShoulder * *shoulder_width);
    set(BodySignal::kHipAboveKnee, ratio(knees->y - hips->y, upright));
  }
  if (shoulder_width && torso) {
    // The larger of the two: a torso seen end-on (a push-up from the front) has shoulders.
    const float size = std::max(*torso, *shoulder_width);
    if (hips && size > 1e-3f) anchor_ = Anchor{hips->x, hips->y, size};
    front_view_ = *shoulder_width >= front_view_width * *torso;
    const auto lean = get({BodySignal::kTorsoLean});
    const float seen = *torso / (kUprightTorsoPerShoulder * std::max(*shoulder_width, 1e-3f));
    const float toward_camera = std::acos(std::min(1.0f, seen)) * kDeg;
    set(BodySignal::kTorsoTilt, std::max(lean.value_or(0), toward_camera));
  }
  if (la && ra && shoulder_width)
    set(BodySignal::kFeetSpread, ratio(std::abs(la->x - ra->x), *shoulder_width));
  if (la && ra && torso) set(BodySignal::kStance, ratio(distance(*la, *ra), *torso));
  if (la && ra && lk && rk)
    set(BodySignal::kKneeSpread, ratio(std::abs(lk->x - rk->x), std::abs(la->x - ra->x)));
  if (lk && rk && torso) set(BodySignal::kKneeHeightGap, ratio(std::abs(lk->y - rk->y), *torso));
}

bool BodySignals::jumped(const Anchor& before, const Anchor& now, float max_jump) {
  const float moved = std::hypot(now.hip_x - before.hip_x, now.hip_y - before.hip_y);
  const float larger = std::max(now.size, before.size) / std::min(now.size, before.size);
  return moved > max_jump * before.size || larger > 1 + max_jump;
}

std::optional<float> BodySignals::get(const SignalRef& ref) const {
  const SidedValue& v = values_[static_cast<int>(ref.signal)];
  // The lower or higher of the two sides needs both; one side alone is the visible rule's.
  if (!v.left || !v.right)
    return ref.side != SideRule::kVisible ? std::nullopt : v.left ? v.left : v.right;
  switch (ref.side) {
    case SideRule::kMin:
      return std::min(*v.left, *v.right);
    case SideRule::kMax:
      return std::max(*v.left, *v.right);
    case SideRule::kVisible:
      break;
  }
  if (v.left_score > v.right_score + kSideScoreGap) return v.left;
  if (v.right_score > v.left_score + kSideScoreGap) return v.right;
  return (*v.left + *v.right) / 2;
}

}  // namespace posecast::exercise
