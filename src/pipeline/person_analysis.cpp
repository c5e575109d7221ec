#include "person_analysis.h"

#include "framing_subject.h"
#include "posecast/coach.h"
#include "posecast/features.h"
#include "posecast/people_tracker.h"

namespace posecast {

namespace {

// A moving body keeps a pose it already holds this long (a wobble, an arm adjusted), then lets
// it go; it never takes a new one.
constexpr double kMovingGraceS = 1.0;

// The frame's classification while the body moves: no pose, whatever the single frame looks like.
Classification moving_classification(const Classification& frame) {
  Classification c = frame;
  for (auto& p : c.top) p.prob = 0;
  c.none_prob = 1;
  c.variant.clear();
  c.decision = std::string(kTakeYourPose);
  c.reason = "moving";
  return c;
}

}  // namespace

std::optional<CoachReport> coach_person(const Pose& pose, const PoseLibrary& library,
                                        const std::string& coached, const std::string& variant) {
  const PoseEntry* entry = coached == kTakeYourPose ? nullptr : library.find(coached);
  if (!entry) return std::nullopt;
  std::optional<Side> side;
  if (variant == "left") side = Side::kLeft;
  if (variant == "right") side = Side::kRight;
  CoachReport report = coach(compute_features(pose), *entry, side);
  if (report.angles_checked == 0) return std::nullopt;
  return report;
}

PersonAnalysis::PersonAnalysis(ExerciseLibrary exercises, bool motion_gate)
    : motion_gate_(motion_gate), reps_(std::move(exercises)) {}

Classification PersonAnalysis::gate_on_motion(const Classification& frame, const Pose& pose,
                                              bool seen, double t_s) {
  if (!motion_gate_ || !seen || !stillness_.update(pose, t_s)) return frame;
  const bool holding = !labels_.decision().empty() && labels_.decision() != kTakeYourPose;
  if (holding && stillness_.moving_for_s(t_s) < kMovingGraceS) return frame;
  return moving_classification(frame);
}

void PersonAnalysis::apply_exercise_target(const ExerciseTarget& wanted) {
  if (wanted.exercise == exercise_target_.exercise && wanted.reps == exercise_target_.reps) return;
  exercise_target_ = wanted;
  reps_.set_target(wanted);
}

PersonResult PersonAnalysis::update(const Pose& raw, bool seen, double t_s, const cv::Mat& image,
                                    const PoseClassifier& classifier, const PoseLibrary& library,
                                    const PersonControls& controls) {
  PersonResult p;
  p.pose = keypoints_.smooth(raw, t_s);
  if (!seen) {
    keypoints_.reset();
    stillness_.reset();
  }
  const Classification now = classifier.classify_frame(p.pose, image);
  p.classification = labels_.update(gate_on_motion(now, p.pose, seen, t_s), t_s);
  p.hold_s = hold_.update(p.classification.decision, t_s);
  if (seen) {
    const bool targeted = !controls.target.empty();
    p.coach = coach_person(p.pose, library, targeted ? controls.target : p.classification.decision,
                           targeted ? std::string() : p.classification.variant);
  }
  apply_exercise_target(controls.exercise);
  p.exercise = reps_.update(p.pose, seen, t_s);
  // Guidance against the view the exercise going on needs, else the pose coached.
  const std::string& coached =
      !controls.target.empty() ? controls.target : p.classification.decision;
  const FramingSubject subject = framing_subject(p.exercise, coached, library, reps_.library());
  p.guidance = framing_.update(p.pose, seen, subject.need, subject.name, t_s);
  const PoseEntry* shown = library.find(p.classification.decision);
  p.label =
      display_label(p.classification, shown ? std::string_view(shown->name) : std::string_view());
  const CropRegion box = pose_box(p.pose);
  p.box = cv::Rect2f(box.xmin, box.ymin, box.xmax - box.xmin, box.ymax - box.ymin);
  return p;
}

void PersonAnalysis::reset() {
  keypoints_.reset();
  stillness_.reset();
  labels_.reset();
  hold_.reset();
  reps_.reset();
  framing_.reset();
}

}  // namespace posecast
