#include "posecast/pipeline.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <opencv2/highgui.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <thread>

#include "posecast/frame_analyzer.h"
#include "posecast/prometheus.h"
#include "posecast/time_code.h"
#include "video_recorder.h"

namespace posecast {

using namespace std::chrono;

namespace {

double ms_since(steady_clock::time_point t0) {
  return duration<double, std::milli>(steady_clock::now() - t0).count();
}

// Recent samples of one timing, for medians in the status.
class Timings {
 public:
  void add(double v) {
    std::lock_guard<std::mutex> lock(mutex_);
    samples_.push_back(v);
    if (samples_.size() > 120) samples_.pop_front();
  }
  double median() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (samples_.empty()) return 0;
    std::vector<double> v(samples_.begin(), samples_.end());
    std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
    return v[v.size() / 2];
  }

 private:
  mutable std::mutex mutex_;
  std::deque<double> samples_;
};

struct Analyzed {
  Frame frame;
  FrameResult result;
};

}  // namespace

Status check_exercise_target(const ExerciseLibrary& library, const ExerciseTarget& target) {
  if (target.reps < 0 || target.reps > kMaxTargetReps)
    return Error("reps " + std::to_string(target.reps) + ": use 0 (none) to " +
                 std::to_string(kMaxTargetReps));
  if (target.exercise.empty() || library.find(target.exercise)) return Status::Ok();
  std::string known;
  for (const auto& e : library.exercises) known += (known.empty() ? "" : ", ") + e.id;
  return Error("unknown exercise '" + target.exercise + "' (known: " + known + ")");
}

struct Pipeline::Impl {
  PipelineOptions options;
  std::shared_ptr<const PoseClassifier> classifier;
  std::unique_ptr<FrameAnalyzer> analyzer;
  const PoseLibrary& library;  // the analyzer's
  std::unique_ptr<Capture> capture;
  std::unique_ptr<VideoRecorder> recorder;  // with options.record_path
  LatestSlot<Analyzed> analyzed;
  std::vector<FrameSink> sinks;
  std::vector<VideoSink> video_sinks;
  ErrorSink on_error;
  std::vector<std::thread> analyze_threads;
  std::thread render_thread;
  // Frames in flight: started one at a time in capture order, finished in the same order.
  std::mutex start_mutex, turn_mutex;
  std::condition_variable turn_changed;
  uint64_t next_place = 0, next_turn = 0;
  std::atomic<bool> running{false};

  const ExerciseLibrary& exercises;  // the analyzer's: for checking targets and listing them

  mutable std::mutex control_mutex;
  std::string target, message;
  ExerciseTarget exercise;
  int person = 0;  // set_person()
  bool everyone = false;

  Timings segment_ms, pose_ms, classify_ms, render_ms, encode_ms, latency_ms;
  std::atomic<int64_t> frames_analyzed{0}, frames_rendered{0}, pose_errors{0}, segment_errors{0};
  std::atomic<float> fps{0};
  std::string last_decision;
  std::vector<int> last_people;  // the ids of the latest result's people
  mutable std::mutex last_mutex;

  Impl(PipelineOptions o, std::shared_ptr<const PoseClassifier> c, std::unique_ptr<FrameAnalyzer> a)
      : options(std::move(o)),
        classifier(std::move(c)),
        analyzer(std::move(a)),
        library(analyzer->library()),
        exercises(analyzer->exercise_library()),
        exercise(options.exercise) {}

  void report(const std::string& kind, const std::string& message) {
    if (on_error) on_error(kind, message);
  }

  // One of options.frames_in_flight workers: frames start in capture order, their poses are
  // estimated at once, and each waits for its turn to finish and go on to rendering.
  void analyze_loop() {
    while (running) {
      FrameAnalyzer::InFlightFrame frame;
      uint64_t place = 0;
      {
        std::lock_guard<std::mutex> lock(start_mutex);
        auto captured = capture->next(milliseconds(200));
        if (!captured) continue;
        const double t = duration<double>(captured->captured.time_since_epoch()).count();
        frame = analyzer->start(*captured, t);
        place = next_place++;
      }
      analyzer->estimate(*frame);
      std::unique_lock<std::mutex> turn(turn_mutex);
      turn_changed.wait(turn, [&] { return next_turn == place; });
      finish(*frame);
      ++next_turn;
      turn.unlock();
      turn_changed.notify_all();
    }
  }

  void finish(FrameAnalyzer::InFlight& frame) {
    std::shared_ptr<const PoseClassifier> current;
    AnalysisControls controls;
    {
      std::lock_guard<std::mutex> lock(control_mutex);  // set_classifier() may swap it
      current = classifier;
      controls = {target, message, exercise, person, everyone};
    }
    auto result = analyzer->finish(frame, *current, controls);
    if (!result) {
      const std::string& stage = FrameAnalyzer::failed_stage(frame);
      ++(stage == "segment" ? segment_errors : pose_errors);
      report(stage, result.error().message());
      return;
    }
    FrameResult& r = result.value();
    if (r.times.segment_ms > 0) segment_ms.add(r.times.segment_ms);
    pose_ms.add(r.times.pose_ms);
    classify_ms.add(r.times.classify_ms);
    ++frames_analyzed;
    {
      std::lock_guard<std::mutex> lock(last_mutex);
      last_decision = r.classification.decision;
      last_people.clear();
      for (const PersonResult& p : r.people) last_people.push_back(p.id);
    }
    analyzed.put(Analyzed{FrameAnalyzer::frame_of(frame), std::move(r)});
  }

  // No frame for 1.5 s after frames came (the camera unplugged, the stream dropped): every 0.5 s
  // the last picture again, dimmed, with the notice, and a result that says so, so that viewers
  // and the class see what happened while capture reconnects.
  void publish_source_lost(const cv::Mat& last_image, const FrameResult& last_result,
                           steady_clock::time_point last_real, steady_clock::time_point& last_lost,
                           std::vector<uint8_t>& buffer) {
    const auto now = steady_clock::now();
    if (last_image.empty() || now - last_real < milliseconds(1500) ||
        now - last_lost < milliseconds(500))
      return;
    last_lost = now;
    cv::Mat image = last_image.clone();
    draw_source_lost(image, capture->stats().source);
    FrameResult r;
    r.frame = last_result.frame;
    r.capture_unix_ms = unix_ms_now();
    r.classification.decision = std::string(kTakeYourPose);
    r.label = "Camera lost";
    r.source_lost = true;
    {
      std::lock_guard<std::mutex> lock(control_mutex);
      r.target = target;
      r.message = message;
    }
    cv::imencode(".jpg", image, buffer, {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality});
    auto jpeg = std::make_shared<const std::vector<uint8_t>>(buffer);
    for (const auto& sink : sinks) sink(r, jpeg);
    for (const auto& sink : video_sinks) sink(r, image);
  }

  void render_loop() {
    steady_clock::time_point last_frame{};
    float fps_ema = 0;
    std::vector<uint8_t> buffer;
    cv::Mat last_image;  // the latest annotated picture, for the "camera lost" frames
    FrameResult last_result;
    steady_clock::time_point last_real = steady_clock::now(), last_lost{};
    while (running) {
      auto item = analyzed.take(milliseconds(200));
      if (!item) {
        publish_source_lost(last_image, last_result, last_real, last_lost, buffer);
        continue;
      }
      last_real = steady_clock::now();
      FrameResult& r = item->result;
      cv::Mat& image = item->frame.image;
      const auto now = steady_clock::now();
      if (last_frame.time_since_epoch().count() != 0) {
        const double dt = duration<double>(now - last_frame).count();
        if (dt > 0) fps_ema = fps_ema == 0 ? float(1 / dt) : 0.9f * fps_ema + 0.1f * float(1 / dt);
      }
      last_frame = now;
      r.fps = fps_ema;
      fps = fps_ema;

      auto t0 = steady_clock::now();
      draw_overlay(image, r, options.overlay);
      if (options.time_code) draw_time_code(image, r.capture_unix_ms);
      r.times.render_ms = ms_since(t0);
      t0 = steady_clock::now();
      cv::imencode(".jpg", image, buffer, {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality});
      r.times.encode_ms = ms_since(t0);
      render_ms.add(r.times.render_ms);
      encode_ms.add(r.times.encode_ms);
      latency_ms.add(
          duration<double, std::milli>(steady_clock::now() - item->frame.captured).count());
      auto jpeg = std::make_shared<const std::vector<uint8_t>>(buffer);
      for (const auto& sink : sinks) sink(r, jpeg);
      for (const auto& sink : video_sinks) sink(r, image);
      image.copyTo(last_image);
      last_result = r;

      if (recorder) {
        // A failed write (disk full) ends the recording, reported once; the stream goes on.
        if (Status s = recorder->write(image); !s.ok()) report("record", s.error().message());
      }
      if (options.display) {
        cv::imshow("posecast", image);
        cv::waitKey(1);
      }
      ++frames_rendered;
    }
    if (recorder) recorder->close();
  }
};

Result<std::unique_ptr<Pipeline>> Pipeline::create(PipelineOptions options,
                                                   std::shared_ptr<const PoseClassifier> classifier,
                                                   PoseLibrary library) {
  if (!classifier) return Error("pipeline: no classifier");
  FrameAnalyzerOptions analysis;
  analysis.movenet = options.movenet;
  analysis.background = options.background;
  analysis.exercise_library = options.exercise_library;
  analysis.people = options.people;
  if (options.frames_in_flight < 1 || options.frames_in_flight > kMaxFramesInFlight)
    return Error("frames in flight: " + std::to_string(options.frames_in_flight) +
                 " is outside 1-" + std::to_string(kMaxFramesInFlight));
  if (options.people == 1) analysis.movenet.instances = options.frames_in_flight;
  auto analyzer = FrameAnalyzer::create(std::move(analysis), std::move(library));
  if (!analyzer) return analyzer.error();
  if (Status s = check_exercise_target(analyzer.value()->exercise_library(), options.exercise);
      !s.ok())
    return s.error();
  if (options.source.empty()) options.source = default_source_spec();
  std::unique_ptr<VideoRecorder> recorder;
  if (!options.record_path.empty()) {
    RecorderOptions record;
    if (options.capture.fps > 0) record.fps = options.capture.fps;
    recorder = std::make_unique<VideoRecorder>(options.record_path, record);
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(classifier),
                                     std::move(analyzer).value());
  impl->recorder = std::move(recorder);
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() { stop(); }

void Pipeline::add_frame_sink(FrameSink sink) { impl_->sinks.push_back(std::move(sink)); }
void Pipeline::add_video_sink(VideoSink sink) { impl_->video_sinks.push_back(std::move(sink)); }
void Pipeline::set_error_sink(ErrorSink sink) { impl_->on_error = std::move(sink); }

void Pipeline::start() {
  if (impl_->running) return;
  impl_->running = true;
  Impl* impl = impl_.get();
  impl->capture =
      std::make_unique<Capture>(impl->options.source, impl->options.capture,
                                [impl](const std::string& m) { impl->report("source", m); });
  impl->capture->start();
  for (int k = 0; k < impl->options.frames_in_flight; ++k)
    impl->analyze_threads.emplace_back([impl] { impl->analyze_loop(); });
  impl->render_thread = std::thread([impl] { impl->render_loop(); });
}

void Pipeline::stop() {
  if (!impl_ || !impl_->running) return;
  impl_->running = false;
  if (impl_->capture) impl_->capture->stop();
  impl_->analyzed.close();
  for (std::thread& t : impl_->analyze_threads) t.join();
  impl_->analyze_threads.clear();
  if (impl_->render_thread.joinable()) impl_->render_thread.join();
}

Status Pipeline::set_target(const std::string& pose) {
  std::string id;
  if (!pose.empty()) {
    const PoseEntry* entry = impl_->library.find(pose);
    if (!entry) return Error("unknown pose '" + pose + "'");
    id = entry->id;
  }
  std::lock_guard<std::mutex> lock(impl_->control_mutex);
  impl_->target = id;
  impl_->exercise = {};
  return Status::Ok();
}

Status Pipeline::set_exercise(const ExerciseTarget& exercise) {
  if (Status s = check_exercise_target(impl_->exercises, exercise); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(impl_->control_mutex);
  impl_->exercise = exercise;
  impl_->target.clear();
  return Status::Ok();
}

void Pipeline::set_classifier(std::shared_ptr<const PoseClassifier> classifier,
                              const std::string& name) {
  if (!classifier) return;
  std::lock_guard<std::mutex> lock(impl_->control_mutex);
  impl_->classifier = std::move(classifier);
  impl_->options.model_name = name;
}

void Pipeline::set_message(const std::string& text) {
  std::lock_guard<std::mutex> lock(impl_->control_mutex);
  impl_->message = text;
}

Status Pipeline::set_person(int person, bool everyone) {
  if (person < 0)
    return Error("person " + std::to_string(person) + ": ids are 1, 2, ...; 0 = automatic");
  if (person > 1 && impl_->options.people == 1)
    return Error("person " + std::to_string(person) +
                 ": this device follows one person (run --people N to follow several)");
  if (person > 0 && !everyone && impl_->options.people > 1) {
    std::lock_guard<std::mutex> lock(impl_->last_mutex);
    const std::vector<int>& ids = impl_->last_people;
    if (std::find(ids.begin(), ids.end(), person) == ids.end()) {
      std::string in_view;
      for (int id : ids) in_view += (in_view.empty() ? "" : ", ") + std::to_string(id);
      return Error("no person " + std::to_string(person) +
                   " in view (in view: " + (in_view.empty() ? "nobody" : in_view) + ")");
    }
  }
  std::lock_guard<std::mutex> lock(impl_->control_mutex);
  impl_->person = everyone ? 0 : person;
  impl_->everyone = everyone;
  return Status::Ok();
}

std::vector<std::string> Pipeline::poses() const {
  std::vector<std::string> ids;
  for (const auto& p : impl_->library.poses) ids.push_back(p.id);
  return ids;
}

nlohmann::json Pipeline::status() const {
  const Impl& i = *impl_;
  CaptureStats cs = i.capture ? i.capture->stats() : CaptureStats{};
  nlohmann::json j;
  j["source"] = cs.source.empty() ? i.options.source : cs.source;
  j["source_connected"] = cs.connected;
  if (!cs.last_error.empty()) j["source_error"] = cs.last_error;
  {
    std::lock_guard<std::mutex> lock(i.control_mutex);
    j["model"] = i.options.model_name;
  }
  j["pose_model"] = std::string(variant_name(i.options.movenet.variant));
  if (!i.options.pose_model_note.empty()) j["pose_model_choice"] = i.options.pose_model_note;
  j["frames_in_flight"] = i.options.frames_in_flight;
  j["background"] = std::string(background_mode_name(i.options.background));
  j["fps"] = std::round(i.fps.load() * 10) / 10;
  j["frames"] = {{"captured", cs.frames_read},
                 {"analyzed", i.frames_analyzed.load()},
                 {"rendered", i.frames_rendered.load()}};
  j["drops"] = {{"capture", cs.frames_dropped}, {"render", i.analyzed.dropped()}};
  j["reopens"] = cs.reopens;
  if (i.recorder) j["record"] = i.recorder->status();
  j["stage_ms"] = {{"pose", i.pose_ms.median()},
                   {"classify", i.classify_ms.median()},
                   {"render", i.render_ms.median()},
                   {"encode", i.encode_ms.median()},
                   {"capture_to_encoded", i.latency_ms.median()}};
  if (i.analyzer->removes_background()) {
    j["stage_ms"]["segment"] = i.segment_ms.median();
    j["segment_errors"] = i.segment_errors.load();
  }
  {
    std::lock_guard<std::mutex> lock(i.control_mutex);
    j["target"] = i.target;
    j["message"] = i.message;
    j["target_exercise"] = i.exercise.exercise;
    j["target_reps"] = i.exercise.reps;
    j["person"] = i.everyone ? nlohmann::json("all") : nlohmann::json(i.person);
  }
  {
    std::lock_guard<std::mutex> lock(i.last_mutex);
    j["decision"] = i.last_decision;
  }
  // Ids with display names, so the viewer's target list reads "Warrior II", not "warrior2".
  nlohmann::json poses = nlohmann::json::array();
  for (const auto& p : i.library.poses) poses.push_back({{"id", p.id}, {"name", p.name}});
  j["poses"] = std::move(poses);
  nlohmann::json exercises = nlohmann::json::array();
  for (const auto& e : i.exercises.exercises) exercises.push_back({{"id", e.id}, {"name", e.name}});
  j["exercises"] = std::move(exercises);
  return j;
}

std::string Pipeline::metrics() const {
  const Impl& i = *impl_;
  CaptureStats cs = i.capture ? i.capture->stats() : CaptureStats{};
  PrometheusText m;
  m.family("posecast_frames_total", PrometheusText::kCounter, "Frames by stage.");
  m.sample("posecast_frames_total", {{"stage", "captured"}}, cs.frames_read);
  m.sample("posecast_frames_total", {{"stage", "analyzed"}}, i.frames_analyzed.load());
  m.sample("posecast_frames_total", {{"stage", "rendered"}}, i.frames_rendered.load());
  m.family("posecast_frames_dropped_total", PrometheusText::kCounter,
           "Frames skipped because a later stage was busy.");
  m.sample("posecast_frames_dropped_total", {{"stage", "capture"}}, cs.frames_dropped);
  m.sample("posecast_frames_dropped_total", {{"stage", "render"}}, i.analyzed.dropped());
  m.gauge("posecast_fps", "Frames per second rendered.", i.fps.load());
  m.family("posecast_stage_ms", PrometheusText::kGauge, "Median stage time over recent frames.");
  if (i.analyzer->removes_background())
    m.sample("posecast_stage_ms", {{"stage", "segment"}}, i.segment_ms.median());
  m.sample("posecast_stage_ms", {{"stage", "pose"}}, i.pose_ms.median());
  m.sample("posecast_stage_ms", {{"stage", "classify"}}, i.classify_ms.median());
  m.sample("posecast_stage_ms", {{"stage", "render"}}, i.render_ms.median());
  m.sample("posecast_stage_ms", {{"stage", "encode"}}, i.encode_ms.median());
  m.counter("posecast_source_reopens_total", "Times the video source was reopened.", cs.reopens);
  m.counter("posecast_pose_errors_total", "Frames the pose model failed on.", i.pose_errors.load());
  if (i.analyzer->removes_background())
    m.counter("posecast_segment_errors_total", "Frames background removal failed on.",
              i.segment_errors.load());
  return m.str();
}

}  // namespace posecast
