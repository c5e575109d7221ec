#include "live_run.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "live_setup.h"
#include "practice_pages.h"

namespace posecast::cli {

namespace {

std::atomic<bool> g_interrupted{false};
void on_signal(int) { g_interrupted = true; }

}  // namespace

LiveRun::LiveRun(const RunOptions& options, RunSetup setup)
    : options_(options), setup_(std::move(setup)) {}

LiveRun::~LiveRun() { stop(); }

Status LiveRun::start() {
  if (Status s = start_speaker(); !s.ok()) return s;
  if (Status s = start_outputs(); !s.ok()) return s;
  if (Status s = create_pipeline(); !s.ok()) return s;
  watch_model();
  if (Status s = start_server(); !s.ok()) return s;
  if (Status s = start_telemetry(); !s.ok()) return s;
  report_errors();
  run_threads();
  return Status::Ok();
}

// --speak: espeak-ng says each result's cue; a failure while running (no sound device) is
// reported once.
Status LiveRun::start_speaker() {
  if (!options_.speak) return Status::Ok();
  auto speaker = Speaker::start(options_.speech, [](const std::string& message) {
    std::cerr << "posecast run: speak: " << message << "\n";
  });
  if (!speaker) return Error("--speak: " + speaker.error().message());
  speaker_ = std::move(speaker).value();
  return Status::Ok();
}

Status LiveRun::start_outputs() {
  auto outputs = VideoOutputs::start(setup_.video);
  if (!outputs) return outputs.error();
  outputs_ = std::move(outputs).value();
  return Status::Ok();
}

Status LiveRun::create_pipeline() {
  auto pipeline = Pipeline::create(setup_.pipeline, setup_.classifier.classifier, setup_.library);
  if (!pipeline) return pipeline.error();
  pipeline_ = std::move(pipeline).value();
  VideoOutputs* outputs = outputs_.get();
  pipeline_->add_video_sink(
      [outputs](const FrameResult& r, const cv::Mat& image) { outputs->push(r, image); });
  if (Speaker* speaker = speaker_.get())
    pipeline_->add_frame_sink([speaker](const FrameResult& r, auto) { speaker->say(r.say); });
  return Status::Ok();
}

// The --model file is watched: a new version takes over, one that does not load is reported
// (stderr, MQTT errors, /api/status "model_file") while the running model carries on. The
// instructor's model command switches through the same watcher.
void LiveRun::watch_model() {
  ModelWatchOptions watch;
  watch.guide_box = setup_.guide_share;
  models_ = std::make_unique<ModelWatcher>(
      setup_.classifier.name, setup_.library, options_.threshold,
      [this](const LoadedClassifier& next) {
        std::cerr << "posecast run: model: now running " << next.name << "\n";
        pipeline_->set_classifier(next.classifier, next.name);
        if (telemetry_) telemetry_->model_changed(next.name);
      },
      [this](const std::string& message) {
        std::cerr << "posecast run: model: " << message << "\n";
        if (telemetry_) telemetry_->report_error("model", message);
      },
      watch);
}

// The pipeline's hooks, with the watcher and the outputs in /api/status and /metrics, WebRTC
// signalling, and the practice history unless --no-history.
LiveServerHooks LiveRun::server_hooks() {
  LiveServerHooks hooks = pipeline_hooks(*pipeline_);
  hooks.status_json = [this] {
    nlohmann::json status = pipeline_->status();
    status["model_file"] = models_->status();
    status["video"] = outputs_->status();
    return status;
  };
  hooks.metrics_text = [this] { return pipeline_->metrics() + outputs_->metrics(); };
  outputs_->attach(hooks);
  if (!options_.telemetry.no_history)
    add_practice_hooks(hooks, [this](const SessionQuery& query) {
      if (!telemetry_ || !telemetry_->history())
        return Result<std::vector<PracticeSession>>(Error("not open yet"));
      return telemetry_->history()->sessions(query);
    });
  return hooks;
}

Status LiveRun::start_server() {
  auto server = LiveServer::start(setup_.server, server_hooks());
  if (!server) return server.error();
  server_ = std::move(server).value();
  publish_to_server(*pipeline_, *server_);
  return Status::Ok();
}

Status LiveRun::start_telemetry() {
  auto started =
      LiveTelemetry::start(options_.telemetry, *pipeline_, setup_.classifier.name,
                           announced_viewer_url(setup_.server, *server_, options_.public_url),
                           [this](const InstructorCommand& command) { return apply(command); });
  if (!started) return started.error();
  telemetry_ = std::move(started).value();
  return Status::Ok();
}

// Errors of the pipeline and the outputs go to stderr and to MQTT.
void LiveRun::report_errors() {
  LiveTelemetry* t = telemetry_.get();
  pipeline_->set_error_sink([t](const std::string& kind, const std::string& message) {
    std::cerr << "posecast run: " << kind << ": " << message << "\n";
    t->report_error(kind, message);
  });
  outputs_->set_error_sink([t](const std::string& message) {
    std::cerr << "posecast run: video: " << message << "\n";
    t->report_error("video", message);
  });
}

void LiveRun::run_threads() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Past a file size limit a write fails (and --record stops with an error) instead of the
  // kernel killing the whole coach.
  std::signal(SIGXFSZ, SIG_IGN);
  pipeline_->start();
  models_->start();
  running_ = true;
  std::cout << "posecast: viewer at " << server_->access_url()
            << "  (source: " << pipeline_->status()["source"].get<std::string>()
            << "; Ctrl-C stops)" << std::endl;
  for (const auto& line : outputs_->announcements()) std::cout << "posecast: " << line << std::endl;
}

void LiveRun::wait() {
  const auto t0 = std::chrono::steady_clock::now();
  while (!g_interrupted) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (options_.seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >=
            options_.seconds)
      break;
  }
}

// The watcher first (no model switch into a stopping pipeline), the pipeline (no more frames or
// errors for the others), the speaker, the server (no new WebRTC sessions), the outputs, and the
// telemetry last, which ends the session.
void LiveRun::stop() {
  if (!running_) return;
  running_ = false;
  models_->stop();
  pipeline_->stop();
  if (speaker_) speaker_->stop();
  server_->stop();
  outputs_->stop();
  telemetry_->stop();
}

// Instructor commands (MQTT) act on the pipeline; a model that fails to load leaves the old one
// running and the error goes back on the errors topic.
Status LiveRun::apply(const InstructorCommand& command) {
  switch (command.kind) {
    case InstructorCommand::Kind::kTarget:
    case InstructorCommand::Kind::kExerciseTarget:
      return apply_target(*pipeline_, command);
    case InstructorCommand::Kind::kPerson:
      return apply_person(*pipeline_, command);
    case InstructorCommand::Kind::kMessage:
      pipeline_->set_message(command.value);
      return Status::Ok();
    case InstructorCommand::Kind::kModel:
      return models_->switch_to(command.value);
    default:
      return Error("not handled here");
  }
}

}  // namespace posecast::cli
