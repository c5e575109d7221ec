#include "posecast/guidance.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace posecast {

namespace {

// A seen keypoint this close to an edge (share of the frame) means the body goes on beyond it.
constexpr float kEdgeMargin = 0.02f;
// A knee or ankle this close to the bottom edge (share of the frame) does not count as a leg seen.
constexpr float kLegEdge = 0.05f;
// A body smaller than this share of the frame is too far away to be judged well.
constexpr float kMinBodyShare = 1.0f / 3;
// The body's centre further than this share of the frame's width from the middle: off-centre.
constexpr float kOffCentre = 0.3f;
// Body width (shoulders or hips) per torso length: facing the camera at or above, in profile at
// or below. An adult's shoulders seen from the front are about 0.75 torso lengths apart.
constexpr float kFacingWidth = 0.5f;
constexpr float kProfileWidth = 0.3f;
// A body cut by one side but already this wide (share of the frame) cannot move into view.
constexpr float kTooWide = 0.8f;

Guidance step_into_view() { return {"step_into_view", "Step into the camera's view"}; }
Guidance step_back_whole() { return {"step_back", "Step back so your whole body is in view"}; }
Guidance step_back_feet() { return {"step_back", "Step back so your feet are in view"}; }
Guidance upper_body_only() {
  return {"upper_body_only", "Only your upper body is visible: step back so your legs are in view"};
}
Guidance come_closer() { return {"come_closer", "Come closer to the camera"}; }
Guidance turn_sideways(std::string_view subject) {
  if (subject.empty()) return {"turn_sideways", "Turn sideways to the camera"};
  return {"turn_sideways", "Turn sideways: " + std::string(subject) + " is judged from the side"};
}
Guidance face_the_camera(std::string_view subject) {
  if (subject.empty()) return {"face_the_camera", "Face the camera"};
  return {"face_the_camera",
          "Face the camera: " + std::string(subject) + " is judged from the front"};
}

struct Point {
  float x = 0, y = 0;
};

// Shoulder, elbow, wrist and hip, knee, ankle of both sides.
constexpr std::array<std::array<Joint, 3>, 4> kLimbs = {{
    {Joint::kLeftShoulder, Joint::kLeftElbow, Joint::kLeftWrist},
    {Joint::kRightShoulder, Joint::kRightElbow, Joint::kRightWrist},
    {Joint::kLeftHip, Joint::kLeftKnee, Joint::kLeftAnkle},
    {Joint::kRightHip, Joint::kRightKnee, Joint::kRightAnkle},
}};

// The seen keypoints of one body, and the box they span. A hand or foot that is not seen while
// its elbow or knee and shoulder or hip are extends the box to where it would be (one forearm or
// shin length on, about the upper limb's length): a limb running out of the picture shows as a
// cut even when its last seen joint is away from the edge.
class SeenBody {
 public:
  SeenBody(const Pose& pose, float min_score) : pose_(pose), min_score_(min_score) {
    for (const Keypoint& k : pose.keypoints)
      if (k.score >= min_score) extend(k.x, k.y);
    if (!any_seen()) return;
    for (const auto& [root, middle, end] : kLimbs)
      if (!seen(end) && seen(middle) && seen(root))
        extend(2 * pose_[middle].x - pose_[root].x, 2 * pose_[middle].y - pose_[root].y);
  }

  bool seen(Joint j) const { return pose_[j].score >= min_score_; }
  float y(Joint j) const { return pose_[j].y; }
  bool either(Joint a, Joint b) const { return seen(a) || seen(b); }
  bool any_seen() const { return left_ <= right_; }
  std::optional<Point> centre(Joint a, Joint b) const {
    if (seen(a) && seen(b))
      return Point{(pose_[a].x + pose_[b].x) / 2, (pose_[a].y + pose_[b].y) / 2};
    if (seen(a) || seen(b)) return Point{pose_[seen(a) ? a : b].x, pose_[seen(a) ? a : b].y};
    return std::nullopt;
  }
  float width_between(Joint a, Joint b) const {
    if (!seen(a) || !seen(b)) return 0;
    return std::hypot(pose_[a].x - pose_[b].x, pose_[a].y - pose_[b].y);
  }

  // In profile, which way the face points: the nose ahead of the ear. nullopt: can't tell.
  std::optional<bool> faces_image_left() const {
    const auto ear = centre(Joint::kLeftEar, Joint::kRightEar);
    if (!seen(Joint::kNose) || !ear || std::abs(pose_[Joint::kNose].x - ear->x) < 2)
      return std::nullopt;
    return pose_[Joint::kNose].x < ear->x;
  }

  float left() const { return left_; }
  float right() const { return right_; }
  float top() const { return top_; }
  float bottom() const { return bottom_; }

 private:
  void extend(float x, float y) {
    left_ = std::min(left_, x), right_ = std::max(right_, x);
    top_ = std::min(top_, y), bottom_ = std::max(bottom_, y);
  }

  const Pose& pose_;
  float min_score_;
  float left_ = 1e9f, right_ = -1e9f, top_ = 1e9f, bottom_ = -1e9f;
};

// Where the body runs out of the picture.
struct Cuts {
  bool left = false, right = false, top = false, bottom = false;
};

Cuts cuts_of(const SeenBody& body, float w, float h) {
  return {body.left() <= kEdgeMargin * w, body.right() >= (1 - kEdgeMargin) * w,
          body.top() <= kEdgeMargin * h, body.bottom() >= (1 - kEdgeMargin) * h};
}

// The view the body is seen in: kFront (facing the camera), kSide (in profile) or kAny (can't
// tell, or in between).
ViewNeed seen_view(const SeenBody& body) {
  using J = Joint;
  const bool both_shoulders = body.seen(J::kLeftShoulder) && body.seen(J::kRightShoulder);
  const bool both_hips = body.seen(J::kLeftHip) && body.seen(J::kRightHip);
  const auto shoulders = body.centre(J::kLeftShoulder, J::kRightShoulder);
  const auto hips = body.centre(J::kLeftHip, J::kRightHip);
  if (!shoulders || !hips) return ViewNeed::kAny;
  // The far side hidden behind the near one: in profile.
  if (!both_shoulders && !both_hips) return ViewNeed::kSide;
  const float torso = std::hypot(shoulders->x - hips->x, shoulders->y - hips->y);
  if (torso < 1) return ViewNeed::kAny;
  const float width = std::max(body.width_between(J::kLeftShoulder, J::kRightShoulder),
                               body.width_between(J::kLeftHip, J::kRightHip)) /
                      torso;
  if (width >= kFacingWidth) return ViewNeed::kFront;
  if (width <= kProfileWidth) return ViewNeed::kSide;
  return ViewNeed::kAny;
}

// The body must go toward the image's left (`image_left`) or right. Facing the camera, the
// image's left is the student's right; in profile, it is ahead of them or behind them.
Guidance move(const SeenBody& body, bool image_left) {
  if (seen_view(body) == ViewNeed::kSide) {
    if (auto faces_left = body.faces_image_left()) {
      if (*faces_left == image_left) return {"move_forward", "Move forward, the way you face"};
      return {"move_backward", "Move backward, away from the way you face"};
    }
  }
  if (image_left) return {"move_right", "Move to your right"};
  return {"move_left", "Move to your left"};
}

// A leg with its hip seen but neither knee nor ankle, its hip within half a torso length of the
// bottom edge: the leg runs out of the bottom of the picture (the standing leg of a tree pose
// when the frame ends at the thighs, whatever the lifted leg shows).
bool leg_cut_below(const SeenBody& body, float h) {
  using J = Joint;
  const auto shoulders = body.centre(J::kLeftShoulder, J::kRightShoulder);
  const auto hips = body.centre(J::kLeftHip, J::kRightHip);
  if (!shoulders || !hips) return false;
  const float torso = std::hypot(shoulders->x - hips->x, shoulders->y - hips->y);
  for (auto [hip, knee, ankle] : {std::array{J::kLeftHip, J::kLeftKnee, J::kLeftAnkle},
                                  std::array{J::kRightHip, J::kRightKnee, J::kRightAnkle}})
    if (body.seen(hip) && !body.seen(knee) && !body.seen(ankle) &&
        body.y(hip) + torso / 2 >= (1 - kEdgeMargin) * h)
      return true;
  return false;
}

// What is missing from the picture: the body cut by an edge, or parts of it out of sight.
std::optional<Guidance> missing_parts(const SeenBody& body, const Cuts& cut, float w, float h) {
  using J = Joint;
  const bool torso =
      body.either(J::kLeftShoulder, J::kRightShoulder) || body.either(J::kLeftHip, J::kRightHip);
  if (!torso || (cut.left && cut.right) || cut.top) return step_back_whole();
  // A knee right at the bottom edge is where the frame cuts the body, not a leg in view.
  auto clear_of_bottom = [&](Joint j) { return body.seen(j) && body.y(j) < (1 - kLegEdge) * h; };
  const bool legs = clear_of_bottom(J::kLeftKnee) || clear_of_bottom(J::kRightKnee) ||
                    clear_of_bottom(J::kLeftAnkle) || clear_of_bottom(J::kRightAnkle);
  if (!legs && body.either(J::kLeftShoulder, J::kRightShoulder)) return upper_body_only();
  if (cut.bottom || leg_cut_below(body, h)) return step_back_feet();
  if (!cut.left && !cut.right) return std::nullopt;
  if (body.right() - body.left() >= kTooWide * w) return step_back_whole();
  return move(body, cut.right);
}

// Where the whole body is: too small, or far off-centre.
std::optional<Guidance> placement(const SeenBody& body, float w, float h) {
  const float share = std::max((body.bottom() - body.top()) / h, (body.right() - body.left()) / w);
  if (share < kMinBodyShare) return come_closer();
  const float centre = (body.left() + body.right()) / 2;
  if (std::abs(centre - w / 2) > kOffCentre * w) return move(body, centre > w / 2);
  return std::nullopt;
}

std::optional<Guidance> view_problem(const SeenBody& body, ViewNeed need,
                                     std::string_view subject) {
  if (need == ViewNeed::kAny) return std::nullopt;
  const ViewNeed seen = seen_view(body);
  if (need == ViewNeed::kSide && seen == ViewNeed::kFront) return turn_sideways(subject);
  if (need == ViewNeed::kFront && seen == ViewNeed::kSide) return face_the_camera(subject);
  return std::nullopt;
}

}  // namespace

std::optional<Guidance> framing_problem(const Pose& pose, bool person, ViewNeed need,
                                        std::string_view subject, const FramingOptions& options) {
  if (!person) return step_into_view();
  const float w = static_cast<float>(pose.image_width), h = static_cast<float>(pose.image_height);
  const SeenBody body(pose, options.min_score);
  if (w <= 0 || h <= 0 || !body.any_seen()) return std::nullopt;
  if (auto missing = missing_parts(body, cuts_of(body, w, h), w, h)) return missing;
  if (auto placed = placement(body, w, h)) return placed;
  return view_problem(body, need, subject);
}

FramingGuide::FramingGuide(FramingOptions options) : options_(options) {}

std::optional<Guidance> FramingGuide::update(const Pose& pose, bool person, ViewNeed need,
                                             std::string_view subject, double t_s) {
  last_t_s_ = t_s;
  if (person && !first_body_s_) first_body_s_ = t_s;
  std::optional<Guidance> now = framing_problem(pose, person, need, subject, options_);
  if (!now) {
    problem_since_.reset();
  } else if (!problem_since_) {
    problem_since_ = t_s;
  }
  if (now != pending_) {
    pending_ = now;
    pending_since_ = t_s;
  }
  const double lasted = t_s - pending_since_;
  if (!shown_) {
    // Some problem (one, or two that alternate: "upper body only" and "step back" as a knee
    // comes and goes at the edge) for settle_s: the one of this frame is shown.
    if (now && t_s - *problem_since_ >= options_.settle_s) shown_ = now;
  } else if (!now) {
    if (lasted >= options_.clear_s) shown_.reset();  // fixed
  } else if (*now != *shown_ && lasted >= options_.settle_s) {
    shown_ = now;  // another problem, lasting
  }
  return shown_;
}

bool FramingGuide::setup_check() const {
  if (!first_body_s_) return false;
  const double since = last_t_s_ - *first_body_s_ - options_.settle_s;
  return since >= 0 && since < options_.setup_s;
}

void FramingGuide::reset() {
  pending_.reset();
  pending_since_ = 0;
  shown_.reset();
  problem_since_.reset();
  first_body_s_.reset();
  last_t_s_ = 0;
}

}  // namespace posecast
