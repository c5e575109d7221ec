#include "posecast/frame_analyzer.h"

#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <optional>

#include "person_analysis.h"
#include "posecast/people_tracker.h"
#include "posecast/spoken_cues.h"

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

// Who the primary person is when the instructor has not picked one: the largest and most central
// body. The one already primary keeps the place unless another is clearly more so (x1.5), so the
// top-level result does not flip between two similar people; and only after it has been so for
// kPrimaryChallengeS (a camera orbiting one person changes their box from frame to frame).
double primary_weight(const PersonResult& p) {
  const double cx = p.box.x + p.box.width / 2, cy = p.box.y + p.box.height / 2;
  const double off_centre = std::hypot(cx - 0.5, cy - 0.5);
  return p.box.area() * std::max(0.1, 1 - off_centre);
}

constexpr double kPrimaryStickiness = 1.5;
constexpr double kPrimaryChallengeS = 2.0;

struct AnalysedPerson {
  PersonResult result;
  bool seen = false;
};

}  // namespace

struct FrameAnalyzer::InFlight {
  Frame frame;  // shares the camera's picture
  double t_s = 0;
  uint64_t place = 0;             // in line: frames finish in the order they started
  CropRegion crop;                // one person: where MoveNet looks
  std::optional<Pose> last_body;  // guides background removal
  FrameResult r;                  // the times of estimate()
  cv::Mat image;                  // what MoveNet and the classifier analyse
  std::optional<Pose> pose;       // one person: MoveNet's estimate
  std::optional<Error> error;
  std::string failed_stage;
};

struct FrameAnalyzer::Impl {
  FrameAnalyzerOptions options;
  PoseLibrary library;
  ExerciseLibrary exercises;
  std::optional<MoveNet> movenet;        // one person: MoveNet's own tracking
  std::optional<PeopleTracker> tracker;  // several
  std::optional<BackgroundRemover> remover;
  std::map<int, PersonAnalysis> people;  // by PersonResult::id
  int primary_id = 0;
  int challenger_id = 0;  // clearly more primary than primary_id since challenger_since_s
  double challenger_since_s = 0;
  std::optional<Pose> last_body;  // the primary's last body: guides background removal
  std::string failed_stage;       // of analyze()'s frame
  // Frames in flight: the state above is read by start() and changed by finish().
  std::mutex state_mutex;
  uint64_t next_place = 0, next_turn = 0;
  SpokenCues cues;  // what each result says aloud (FrameResult::say): the primary person's cues

  // The picture MoveNet and the classifier analyse (the camera's own goes on to the viewers),
  // guided by the body of the latest finished frame.
  Result<cv::Mat> prepare_image(const cv::Mat& image, const std::optional<Pose>& body,
                                FrameResult& r) const {
    if (!remover) return image;
    const auto t0 = steady_clock::now();
    auto flat = body && body->image_width == image.cols && body->image_height == image.rows
                    ? remover->flatten(image, *body)
                    : remover->flatten(image);
    r.times.segment_ms = ms_since(t0);
    return flat;
  }

  // The bodies of a frame: MoveNet's one (estimated in `f.crop` by estimate()), or every person
  // the tracker follows (tracked now: the tracker's state links the frames in order).
  Result<std::vector<TrackedPerson>> find_bodies(InFlight& f);

  PersonAnalysis& state_of(int id) {
    auto it = people.find(id);
    if (it == people.end()) it = people.try_emplace(id, exercises, options.motion_gate).first;
    return it->second;
  }

  // The instructor's targets go to everyone, to the person picked while they are followed, or to
  // the primary person (as of the last frame: the primary is chosen from this frame's results).
  PersonControls controls_for(int id, const AnalysisControls& controls) const {
    const bool picked_here = controls.person != 0 && people.count(controls.person) > 0;
    const int addressed = picked_here ? controls.person : primary_id;
    if (tracker && !controls.everyone && id != addressed) return {};
    return {controls.target, controls.exercise};
  }

  int choose_primary(const std::vector<PersonResult>& seen, int picked, double t_s) {
    const PersonResult* best = nullptr;
    const PersonResult* current = nullptr;
    for (const PersonResult& p : seen) {
      if (p.id == picked) return picked;
      if (p.id == primary_id) current = &p;
      if (!best || primary_weight(p) > primary_weight(*best)) best = &p;
    }
    if (!current) return best ? best->id : 0;
    if (primary_weight(*best) < kPrimaryStickiness * primary_weight(*current)) {
      challenger_id = 0;
      return current->id;
    }
    if (best->id != challenger_id) challenger_id = best->id, challenger_since_s = t_s;
    return t_s - challenger_since_s >= kPrimaryChallengeS ? best->id : current->id;
  }

  // Every body analysed as its own person (a person briefly lost by the tracker waits, their
  // state kept); people no longer followed are forgotten. MoveNet's one body is analysed even
  // when it is not a body, so that its smoothing lets go of the last pose.
  std::vector<AnalysedPerson> analyze_people(const std::vector<TrackedPerson>& bodies, double t_s,
                                             const cv::Mat& image, const PoseClassifier& classifier,
                                             const AnalysisControls& controls) {
    std::vector<AnalysedPerson> analysed;
    for (const TrackedPerson& body : bodies) {
      if (!body.seen && tracker) continue;
      PersonResult p = state_of(body.id).update(body.pose, body.seen, t_s, image, classifier,
                                                library, controls_for(body.id, controls));
      p.id = body.id;
      analysed.push_back({std::move(p), body.seen});
    }
    std::erase_if(people, [&](const auto& entry) {
      return std::none_of(bodies.begin(), bodies.end(),
                          [&](const TrackedPerson& b) { return b.id == entry.first; });
    });
    return analysed;
  }

  // The top-level fields of `r` are the primary person's (MoveNet's one body, seen or not), or
  // nobody's; `people` lists those seen.
  void fill_result(FrameResult& r, std::vector<AnalysedPerson> analysed, double t_s,
                   const cv::Mat& image, const PoseClassifier& classifier,
                   const AnalysisControls& controls) {
    std::vector<PersonResult> seen;
    for (const AnalysedPerson& a : analysed)
      if (a.seen) seen.push_back(a.result);
    primary_id = choose_primary(seen, controls.person, t_s);
    const AnalysedPerson* primary = nullptr;
    for (const AnalysedPerson& a : analysed)
      if (a.result.id == primary_id || (!tracker && a.result.id == 1)) primary = &a;
    if (primary) {
      const PersonResult& p = primary->result;
      r.person = primary->seen;
      r.pose = p.pose;
      r.classification = p.classification;
      r.coach = p.coach;
      r.hold_s = p.hold_s;
      r.label = p.label;
      r.exercise = p.exercise;
      r.guidance = p.guidance;
      r.setup_check = people.at(p.id).setup_check();
    } else {
      r.classification = classifier.classify_frame(Pose{}, image);
      r.label = display_label(r.classification);
    }
    last_body.reset();
    if (r.person) last_body = r.pose;
    r.primary_id = primary_id;
    r.people = std::move(seen);
  }
};

Result<std::unique_ptr<FrameAnalyzer>> FrameAnalyzer::create(FrameAnalyzerOptions options,
                                                             PoseLibrary library) {
  if (options.people < 1 || options.people > kMaxPeople)
    return Error("people: " + std::to_string(options.people) + " is outside 1-" +
                 std::to_string(kMaxPeople));
  const std::filesystem::path exercises_path =
      options.exercise_library.empty() ? default_exercise_library_path() : options.exercise_library;
  auto exercises = load_exercise_library(exercises_path);
  if (!exercises) return exercises.error();
  auto impl = std::make_unique<Impl>();
  if (options.people == 1) {
    auto movenet = MoveNet::load(options.movenet);
    if (!movenet) return movenet.error();
    impl->movenet.emplace(std::move(movenet).value());
  } else {
    PeopleTrackerOptions tracking;
    tracking.max_people = options.people;
    auto tracker = PeopleTracker::load(options.movenet, tracking);
    if (!tracker) return tracker.error();
    impl->tracker.emplace(std::move(tracker).value());
  }
  if (options.background == BackgroundMode::kRemove) {
    auto loaded =
        BackgroundRemover::load(options.movenet.models_dir.string(), options.movenet.threads);
    if (!loaded) return loaded.error();
    impl->remover.emplace(std::move(loaded).value());
  }
  impl->options = std::move(options);
  impl->library = std::move(library);
  impl->exercises = std::move(exercises).value();
  return std::unique_ptr<FrameAnalyzer>(new FrameAnalyzer(std::move(impl)));
}

FrameAnalyzer::FrameAnalyzer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameAnalyzer::~FrameAnalyzer() = default;

Result<std::vector<TrackedPerson>> FrameAnalyzer::Impl::find_bodies(InFlight& f) {
  if (tracker) {
    const auto t0 = steady_clock::now();
    auto bodies = tracker->track(f.image, f.t_s);
    f.r.times.pose_ms = ms_since(t0);
    return bodies;
  }
  movenet->follow(*f.pose, f.image.size());
  TrackedPerson one;
  one.id = 1;
  one.seen = sees_person(*f.pose);
  one.pose = std::move(*f.pose);
  return std::vector<TrackedPerson>{std::move(one)};
}

Result<FrameResult> FrameAnalyzer::analyze(const Frame& frame, double t_s,
                                           const PoseClassifier& classifier,
                                           const AnalysisControls& controls) {
  InFlightFrame f = start(frame, t_s);
  estimate(*f);
  Result<FrameResult> r = finish(*f, classifier, controls);
  impl_->failed_stage = f->failed_stage;
  return r;
}

void FrameAnalyzer::InFlightDeleter::operator()(InFlight* frame) const { delete frame; }

FrameAnalyzer::InFlightFrame FrameAnalyzer::start(const Frame& frame, double t_s) {
  Impl& i = *impl_;
  InFlightFrame f(new InFlight);
  f->frame = frame;
  f->t_s = t_s;
  f->r.frame = frame.number;
  f->r.capture_unix_ms = frame.capture_unix_ms;
  std::lock_guard lock(i.state_mutex);
  f->place = i.next_place++;
  if (i.movenet) f->crop = i.movenet->tracking_crop(frame.image.size());
  f->last_body = i.last_body;
  return f;
}

void FrameAnalyzer::estimate(InFlight& f) const {
  const Impl& i = *impl_;
  auto image = i.prepare_image(f.frame.image, f.last_body, f.r);
  if (!image) {
    f.failed_stage = "segment";
    f.error = image.error();
    return;
  }
  f.image = std::move(image).value();
  if (!i.movenet) return;
  const auto t0 = steady_clock::now();
  auto pose = i.movenet->estimate(f.image, f.crop);
  f.r.times.pose_ms = ms_since(t0);
  if (!pose) {
    f.failed_stage = "pose";
    f.error = pose.error();
    return;
  }
  f.pose = std::move(pose).value();
}

Result<FrameResult> FrameAnalyzer::finish(InFlight& f, const PoseClassifier& classifier,
                                          const AnalysisControls& controls) {
  Impl& i = *impl_;
  std::lock_guard lock(i.state_mutex);
  if (f.place != i.next_turn)
    return Error("frame " + std::to_string(f.frame.number) + " finished out of turn (place " +
                 std::to_string(f.place) + ", expected " + std::to_string(i.next_turn) + ")");
  ++i.next_turn;
  if (f.error) return *f.error;
  auto bodies = i.find_bodies(f);
  if (!bodies) {
    f.failed_stage = "pose";
    return bodies.error();
  }
  FrameResult& r = f.r;
  const auto t0 = steady_clock::now();
  auto analysed = i.analyze_people(*bodies, f.t_s, f.image, classifier, controls);
  i.fill_result(r, std::move(analysed), f.t_s, f.image, classifier, controls);
  r.target = controls.target;
  if (const PoseEntry* t = r.target.empty() ? nullptr : i.library.find(r.target))
    r.target_name = t->name;
  r.message = controls.message;
  r.times.classify_ms = ms_since(t0);
  r.say = i.cues.update(r, f.t_s);
  return std::move(r);
}

const std::string& FrameAnalyzer::failed_stage(const InFlight& frame) { return frame.failed_stage; }
const Frame& FrameAnalyzer::frame_of(const InFlight& frame) { return frame.frame; }

const std::string& FrameAnalyzer::failed_stage() const { return impl_->failed_stage; }

void FrameAnalyzer::reset() {
  Impl& i = *impl_;
  std::lock_guard lock(i.state_mutex);
  if (i.movenet) i.movenet->reset();
  if (i.tracker) i.tracker->reset();
  i.people.clear();
  i.cues.reset();
  i.primary_id = 0;
  i.challenger_id = 0;
  i.last_body.reset();
}

const PoseLibrary& FrameAnalyzer::library() const { return impl_->library; }
const ExerciseLibrary& FrameAnalyzer::exercise_library() const { return impl_->exercises; }
bool FrameAnalyzer::removes_background() const { return impl_->remover.has_value(); }

}  // namespace posecast
