#include "posecast/frame_analyzer.h"

#include <chrono>
#include <optional>

#include "posecast/features.h"
#include "posecast/hold_timer.h"
#include "posecast/smoothing.h"
#include "posecast/spoken_cues.h"
#include "posecast/stillness.h"

namespace posecast {

using namespace std::chrono;

namespace {

double ms_since(steady_clock::time_point t0) {
  return duration<double, std::milli>(steady_clock::now() - t0).count();
}

bool sees_person(const Pose& pose) {
  int seen = 0;
  for (const auto& k : pose.keypoints) seen += k.score >= 0.3f;
  return seen >= 5;
}

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

struct FrameAnalyzer::Impl {
  FrameAnalyzerOptions options;
  PoseLibrary library;
  MoveNet movenet;
  std::optional<BackgroundRemover> remover;
  KeypointSmoother keypoints;
  StillnessDetector stillness;
  LabelSmoother labels;
  HoldTimer hold;
  RepCounter reps;
  ExerciseTarget exercise_target;  // the last one given to `reps`
  std::optional<Pose> last_body;   // MoveNet's last body: guides background removal
  std::string failed_stage;
  SpokenCues cues;  // what each result says aloud (FrameResult::say)

  Impl(FrameAnalyzerOptions o, PoseLibrary l, MoveNet m, std::optional<BackgroundRemover> r,
       ExerciseLibrary exercises)
      : options(std::move(o)),
        library(std::move(l)),
        movenet(std::move(m)),
        remover(std::move(r)),
        reps(std::move(exercises)) {}

  // The picture MoveNet and the classifier analyse (the camera's own goes on to the viewers).
  Result<cv::Mat> prepare_image(const cv::Mat& image, FrameResult& r) {
    if (!remover) return image;
    const auto t0 = steady_clock::now();
    auto flat =
        last_body && last_body->image_width == image.cols && last_body->image_height == image.rows
            ? remover->flatten(image, *last_body)
            : remover->flatten(image);
    r.times.segment_ms = ms_since(t0);
    return flat;
  }

  void track_body(const Pose& raw, double t_s, FrameResult& r) {
    r.person = sees_person(raw);
    if (r.person) {
      last_body = raw;
    } else {
      last_body.reset();
    }
    r.pose = keypoints.smooth(raw, t_s);
    if (!r.person) {
      keypoints.reset();
      stillness.reset();
    }
  }

  Classification gate_on_motion(const Classification& frame, const FrameResult& r, double t_s) {
    if (!options.motion_gate || !r.person || !stillness.update(r.pose, t_s)) return frame;
    const bool holding = !labels.decision().empty() && labels.decision() != kTakeYourPose;
    if (holding && stillness.moving_for_s(t_s) < kMovingGraceS) return frame;
    return moving_classification(frame);
  }

  void coach_frame(FrameResult& r) {
    const std::string& coached = !r.target.empty() ? r.target : r.classification.decision;
    const PoseEntry* entry = coached == kTakeYourPose ? nullptr : library.find(coached);
    if (!entry || !r.person) return;
    Features f = compute_features(r.pose);
    std::optional<Side> side;
    if (r.target.empty() && r.classification.variant == "left") side = Side::kLeft;
    if (r.target.empty() && r.classification.variant == "right") side = Side::kRight;
    CoachReport report = coach(f, *entry, side);
    if (report.angles_checked > 0) r.coach = std::move(report);
  }

  void apply_controls(const AnalysisControls& controls, FrameResult& r) {
    r.target = controls.target;
    if (const PoseEntry* t = r.target.empty() ? nullptr : library.find(r.target))
      r.target_name = t->name;
    r.message = controls.message;
    const ExerciseTarget& wanted = controls.exercise;
    if (wanted.exercise != exercise_target.exercise || wanted.reps != exercise_target.reps) {
      exercise_target = wanted;
      reps.set_target(wanted);
    }
  }
};

Result<std::unique_ptr<FrameAnalyzer>> FrameAnalyzer::create(FrameAnalyzerOptions options,
                                                             PoseLibrary library) {
  const std::filesystem::path exercises_path =
      options.exercise_library.empty() ? default_exercise_library_path() : options.exercise_library;
  auto exercises = load_exercise_library(exercises_path);
  if (!exercises) return exercises.error();
  auto movenet = MoveNet::load(options.movenet);
  if (!movenet) return movenet.error();
  std::optional<BackgroundRemover> remover;
  if (options.background == BackgroundMode::kRemove) {
    auto loaded =
        BackgroundRemover::load(options.movenet.models_dir.string(), options.movenet.threads);
    if (!loaded) return loaded.error();
    remover.emplace(std::move(loaded).value());
  }
  auto impl =
      std::make_unique<Impl>(std::move(options), std::move(library), std::move(movenet).value(),
                             std::move(remover), std::move(exercises).value());
  return std::unique_ptr<FrameAnalyzer>(new FrameAnalyzer(std::move(impl)));
}

FrameAnalyzer::FrameAnalyzer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameAnalyzer::~FrameAnalyzer() = default;

Result<FrameResult> FrameAnalyzer::analyze(const Frame& frame, double t_s,
                                           const PoseClassifier& classifier,
                                           const AnalysisControls& controls) {
  Impl& i = *impl_;
  i.failed_stage.clear();
  FrameResult r;
  r.frame = frame.number;
  r.capture_unix_ms = frame.capture_unix_ms;
  auto image = i.prepare_image(frame.image, r);
  if (!image) {
    i.failed_stage = "segment";
    return image.error();
  }
  auto t0 = steady_clock::now();
  auto pose = i.movenet.track(image.value());
  r.times.pose_ms = ms_since(t0);
  if (!pose) {
    i.failed_stage = "pose";
    return pose.error();
  }
  t0 = steady_clock::now();
  i.track_body(pose.value(), t_s, r);
  Classification now = classifier.classify_frame(r.pose, image.value());
  r.classification = i.labels.update(i.gate_on_motion(now, r, t_s), t_s);
  r.hold_s = i.hold.update(r.classification.decision, t_s);
  i.apply_controls(controls, r);
  i.coach_frame(r);
  r.exercise = i.reps.update(r.pose, r.person, t_s);
  const PoseEntry* shown = i.library.find(r.classification.decision);
  r.label =
      display_label(r.classification, shown ? std::string_view(shown->name) : std::string_view());
  r.times.classify_ms = ms_since(t0);
  r.say = i.cues.update(r, t_s);
  return r;
}

const std::string& FrameAnalyzer::failed_stage() const { return impl_->failed_stage; }

void FrameAnalyzer::reset() {
  Impl& i = *impl_;
  i.movenet.reset();
  i.keypoints.reset();
  i.stillness.reset();
  i.labels.reset();
  i.hold.reset();
  i.reps.reset();
  i.cues.reset();
  i.last_body.reset();
}

const PoseLibrary& FrameAnalyzer::library() const { return impl_->library; }
const ExerciseLibrary& FrameAnalyzer::exercise_library() const { return impl_->reps.library(); }
bool FrameAnalyzer::removes_background() const { return impl_->remover.has_value(); }

}  // namespace posecast
