// What `posecast run` adds around the pipeline beyond the viewer: MQTT telemetry and instructor
// commands (--mqtt ...), and the practice history (SQLite) that records every hold.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "posecast/instructor_command.h"
#include "posecast/mqtt_telemetry.h"
#include "posecast/pipeline.h"
#include "posecast/practice_history.h"

namespace posecast::cli {

struct TelemetryArgs {
  MqttOptions mqtt;        // url empty: no MQTT
  std::string history_db;  // empty: default_history_path()
  bool no_history = false;
};

// --mqtt-user / --mqtt-password (each defaulting to its environment variable), for `run` and
// `class`.
void add_mqtt_login_options(CLI::App& cmd, std::string& user, std::string& password);
// --mqtt-ca / --mqtt-cert / --mqtt-key (run and class).
void add_mqtt_tls_options(CLI::App& cmd, MqttTls& tls);
void add_telemetry_options(CLI::App& cmd, TelemetryArgs& args);

// Applies an instructor command (MQTT, the viewer) to the running device.
using CommandApplier = std::function<Status(const InstructorCommand&)>;

// The device's telemetry: results to MQTT, holds and sets to the history, commands to `apply`.
// `stream_url` (no token) is announced; `viewer_link_key` (the access token) signs the viewer
// links the class dashboard asks for.
// Construct
// before pipeline.start(); errors name what failed (bad option, unreadable history file).
class LiveTelemetry {
 public:
  static Result<std::unique_ptr<LiveTelemetry>> start(const TelemetryArgs& args, Pipeline& pipeline,
                                                      const std::string& model,
                                                      const std::string& stream_url,
                                                      const std::string& viewer_link_key,
                                                      CommandApplier apply);
  ~LiveTelemetry();
  // Session control (commands, the start and the end of `run`). Stopping writes the session's
  // report beside the history: reports/session-N.html (docs/progress.md).
  Status start_session(const std::string& model);
  Status stop_session();
  void report_error(const std::string& kind, const std::string& message);
  void model_changed(const std::string& model);
  PracticeHistory* history() { return history_.get(); }
  MqttTelemetry* mqtt() { return mqtt_.get(); }
  void stop();

 private:
  LiveTelemetry() = default;
  std::string device_;
  std::unique_ptr<PracticeHistory> history_;
  std::unique_ptr<MqttTelemetry> mqtt_;
  // Holds and sets of one frame to the history (on the render thread).
  void record(const FrameResult& r);
  void write_report(int64_t session);

  std::mutex tracker_mutex_;  // guards holds_ and sets_
  std::unique_ptr<HoldTracker> holds_;
  SetTracker sets_;
};

}  // namespace posecast::cli
