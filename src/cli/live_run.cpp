#include "live_run.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "live_setup.h"
#include "posecast/access_token.h"
#include "posecast/service_notify.h"
#include "practice_pages.h"

namespace posecast::cli {

namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<bool> g_reload{false};
void on_signal(int) { g_interrupted = true; }
void on_hangup(int) { g_reload = true; }

void notify_systemd(const std::string& state) {
  if (Status s = notify_service(state); !s.ok())
    std::cerr << "posecast run: systemd: " << s.error().message() << "\n";
}

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
    // Only for viewers with the token (docs/streaming.md: Janus); the same pin
    // scripts/start-janus.sh derives from the token file.
    if (!setup_.server.access_token.empty())
      status["janus_pin"] = janus_pin(setup_.server.access_token);
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
                           setup_.server.access_token,
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
  std::signal(SIGHUP, on_hangup);  // reload the config (systemctl reload posecast)
  // Past a file size limit a write fails (and --record stops with an error) instead of the
  // kernel killing the whole coach.
  std::signal(SIGXFSZ, SIG_IGN);
  pipeline_->start();
  models_->start();
  running_ = true;
  started_at_ = std::chrono::steady_clock::now();
  std::cout << "posecast: viewer at " << server_->access_url()
            << "  (source: " << pipeline_->status()["source"].get<std::string>()
            << "; Ctrl-C stops)" << std::endl;
  for (const auto& line : outputs_->announcements()) std::cout << "posecast: " << line << std::endl;
  // systemd (Type=notify): started once the server listens.
  notify_systemd("READY=1\nSTATUS=viewer at " + server_->url());
}

LiveRun::WaitEnd LiveRun::wait() {
  using clock = std::chrono::steady_clock;
  const auto ping_every = watchdog_ping_interval();
  auto last_ping = clock::time_point();
  while (!g_interrupted) {
    if (g_reload.exchange(false)) return WaitEnd::kReload;
    if (ping_every && clock::now() - last_ping >= *ping_every) {
      notify_systemd("WATCHDOG=1");
      last_ping = clock::now();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (options_.seconds > 0 &&
        std::chrono::duration<double>(clock::now() - started_at_).count() >= options_.seconds)
      break;
  }
  return WaitEnd::kStop;
}

std::vector<std::string> LiveRun::reload(const RunOptions& next,
                                         const std::vector<std::string>& changed) {
  notify_systemd("RELOADING=1");
  std::vector<std::string> need_restart;
  bool model = false, exercise = false;
  for (const std::string& key : changed) {
    if (key == "model.classifier" || key == "model.threshold") {
      model = true;
    } else if (key == "coach.exercise" || key == "coach.reps") {
      exercise = true;
    } else {
      need_restart.push_back(key);
    }
  }
  if (model) {
    // A threshold below 0 is the model's own, as at start-up.
    if (Status s = models_->switch_to(next.model, next.threshold); !s.ok())
      std::cerr << "posecast run: reload: model " << next.model << ": " << s.error().message()
                << " (the running model carries on)\n";
  }
  if (exercise) {
    if (Status s = pipeline_->set_exercise({next.exercise.exercise, next.exercise.reps}); !s.ok())
      std::cerr << "posecast run: reload: " << s.error().message() << "\n";
  }
  notify_systemd("READY=1");
  return need_restart;
}

// The watcher first (no model switch into a stopping pipeline), the pipeline (no more frames or
// errors for the others), the speaker, the server (no new WebRTC sessions), the outputs, and the
// telemetry last, which ends the session.
void LiveRun::stop() {
  if (!running_) return;
  running_ = false;
  notify_systemd("STOPPING=1");
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
