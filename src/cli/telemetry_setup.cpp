#include "telemetry_setup.h"

#include <iostream>

#include "posecast/frame.h"
#include "practice_pages.h"

namespace posecast::cli {

void add_mqtt_login_options(CLI::App& cmd, std::string& user, std::string& password) {
  cmd.add_option("--mqtt-user", user, "MQTT user (default: $POSECAST_MQTT_USER)");
  cmd.add_option("--mqtt-password", password, "MQTT password (default: $POSECAST_MQTT_PASSWORD)");
}

void add_mqtt_tls_options(CLI::App& cmd, MqttTls& tls) {
  cmd.add_option("--mqtt-ca", tls.ca_file,
                 "CA certificate (PEM) the broker's must chain to (default: the system's)");
  cmd.add_option("--mqtt-cert", tls.cert_file, "Client certificate (PEM) for ssl:// brokers");
  cmd.add_option("--mqtt-key", tls.key_file, "Private key (PEM) of --mqtt-cert");
}

void add_telemetry_options(CLI::App& cmd, TelemetryArgs& a) {
  cmd.add_option("--mqtt", a.mqtt.url,
                 "Publish results to this MQTT broker: tcp://HOST:1883, ssl://..., ws://...");
  add_mqtt_login_options(cmd, a.mqtt.user, a.mqtt.password);
  add_mqtt_tls_options(cmd, a.mqtt.tls);
  cmd.add_option("--device", a.mqtt.device, "Device id in topics (default: the host name)");
  cmd.add_option("--topic-prefix", a.mqtt.prefix,
                 "Topic prefix: <prefix>/<device>/results|status|errors|commands")
      ->capture_default_str();
  cmd.add_option("--mqtt-rate", a.mqtt.rate_hz, "Results per second at most (0: every frame)")
      ->capture_default_str();
  cmd.add_option("--mqtt-qos", a.mqtt.qos, "QoS of results")
      ->check(CLI::Range(0, 2))
      ->capture_default_str();
  cmd.add_option("--mqtt-queue", a.mqtt.queue_max,
                 "Messages kept (on disk) while the broker is away")
      ->capture_default_str();
  cmd.add_option("--mqtt-keepalive", a.mqtt.keepalive_s,
                 "Keep-alive seconds (the broker marks the device offline "
                 "after 1.5x)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd.add_option("--history", a.history_db,
                 "Practice history database (default: ~/.local/share/posecast/history.sqlite)");
  cmd.add_flag("--no-history", a.no_history, "Do not record practice sessions");
}

Result<std::unique_ptr<LiveTelemetry>> LiveTelemetry::start(
    const TelemetryArgs& args, Pipeline& pipeline, const std::string& model,
    const std::string& stream_url, const std::string& viewer_link_key, CommandApplier apply) {
  std::unique_ptr<LiveTelemetry> t(new LiveTelemetry());
  t->device_ = args.mqtt.device.empty() ? host_name() : args.mqtt.device;
  t->holds_ = std::make_unique<HoldTracker>();
  if (!args.no_history) {
    auto history = PracticeHistory::open(
        args.history_db.empty() ? default_history_path() : std::filesystem::path(args.history_db));
    if (!history) return history.error();
    t->history_ = std::move(history).value();
    if (Status s = t->start_session(model); !s.ok()) return s.error();
  }
  LiveTelemetry* self = t.get();
  if (!args.mqtt.url.empty()) {
    MqttOptions o = args.mqtt;
    o.device = t->device_;
    o.stream_url = stream_url;
    o.model = model;
    o.viewer_link_key = viewer_link_key;
    auto mqtt = MqttTelemetry::start(o, [self, apply](const InstructorCommand& c) -> Status {
      if (c.kind == InstructorCommand::Kind::kSessionStart) return self->start_session("");
      if (c.kind == InstructorCommand::Kind::kSessionStop) return self->stop_session();
      return apply(c);
    });
    if (!mqtt) return mqtt.error();
    t->mqtt_ = std::move(mqtt).value();
  }
  pipeline.add_frame_sink(
      [self](const FrameResult& r, std::shared_ptr<const std::vector<uint8_t>>) {
        if (self->mqtt_) self->mqtt_->publish_result(r);
        self->record(r);
      });
  return t;
}

void LiveTelemetry::record(const FrameResult& r) {
  std::optional<HoldRecord> hold;
  std::optional<SetRecord> set;
  {
    std::lock_guard lock(tracker_mutex_);
    hold = holds_->update(r);
    set = sets_.update(r);
  }
  if (!history_) return;
  if (hold)
    if (Status s = history_->record_hold(*hold); !s.ok())
      report_error("history", s.error().message());
  if (set)
    if (Status s = history_->record_set(*set); !s.ok())
      report_error("history", s.error().message());
}

LiveTelemetry::~LiveTelemetry() { stop(); }

Status LiveTelemetry::start_session(const std::string& model) {
  if (!history_) return Error("practice history is off (--no-history)");
  const std::optional<int64_t> ended = history_->current_session();  // starting ends it
  auto id = history_->start_session(device_, model, unix_ms_now());
  if (!id) return id.error();
  if (ended) write_report(*ended);
  return Status::Ok();
}

Status LiveTelemetry::stop_session() {
  if (!history_) return Error("practice history is off (--no-history)");
  std::optional<HoldRecord> last_hold;
  std::optional<SetRecord> last_set;
  {
    std::lock_guard lock(tracker_mutex_);
    last_hold = holds_->flush();
    last_set = sets_.flush();
  }
  if (last_hold)
    if (Status s = history_->record_hold(*last_hold); !s.ok()) return s;
  if (last_set)
    if (Status s = history_->record_set(*last_set); !s.ok()) return s;
  const std::optional<int64_t> ended = history_->current_session();
  if (Status s = history_->end_session(unix_ms_now()); !s.ok()) return s;
  if (ended) write_report(*ended);
  return Status::Ok();
}

// The session's report beside the history (reports/session-N.html), as a file to keep; a
// report that cannot be written is a problem for the student to see, not a failed stop.
void LiveTelemetry::write_report(int64_t session) {
  const SessionReader read = [this](const SessionQuery& q) { return history_->sessions(q); };
  Result<std::optional<std::string>> page = session_report_page(read, session);
  const std::filesystem::path file =
      history_->path().parent_path() / "reports" / ("session-" + std::to_string(session) + ".html");
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  Status written = !page ? Status(page.error())
                   : !page.value()
                       ? Status(Error("session " + std::to_string(session) + " is gone"))
                       : write_text_file(file, *page.value());
  if (!written.ok()) {
    std::cerr << "posecast: session report: " << written.error().message() << "\n";
    report_error("history", "session report: " + written.error().message());
    return;
  }
  std::cout << "posecast: session " << session << " report: " << file.string() << " (and /report/"
            << session << " on the viewer)" << std::endl;
}

void LiveTelemetry::report_error(const std::string& kind, const std::string& message) {
  if (mqtt_) mqtt_->publish_error(kind, message);
}

void LiveTelemetry::model_changed(const std::string& model) {
  if (mqtt_) mqtt_->set_model(model);
}

void LiveTelemetry::stop() {
  if (history_ && history_->current_session()) {
    if (Status s = stop_session(); !s.ok())
      std::cerr << "posecast run: history: " << s.error().message() << "\n";
  }
  if (mqtt_) mqtt_->stop();
}

}  // namespace posecast::cli
