// MQTT telemetry with the Paho C++ async client: offline buffering persisted on disk, a persistent
// session, automatic reconnect, a last will, and a command subscription renewed on every connect.
#include "posecast/mqtt_telemetry.h"

#include <mqtt/async_client.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

#include "mqtt_connect.h"
#include "posecast/access_token.h"
#include "posecast/frame.h"
#include "posecast/user_dirs.h"

namespace posecast {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

double round_to(double v, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(v * scale) / scale;
}

Status check_options(const MqttOptions& o) {
  if (Status url = telemetry::check_broker_url(o.url, o.tls); !url.ok()) return url;
  if (o.qos < 0 || o.qos > 2)
    return Error("--mqtt-qos " + std::to_string(o.qos) + ": use 0, 1 or 2");
  if (o.device.empty() || o.device.size() > 64 ||
      o.device.find_first_of("/+#") != std::string::npos)
    return Error("--device '" + o.device + "': 1-64 characters, no '/', '+' or '#'");
  if (o.prefix.empty() || o.prefix.find_first_of("+#") != std::string::npos)
    return Error("--topic-prefix '" + o.prefix + "': must be non-empty, without '+' or '#'");
  if (o.rate_hz < 0) return Error("--mqtt-rate must not be negative");
  if (o.queue_max < 1) return Error("--mqtt-queue must be at least 1");
  if (o.viewer_link_seconds < 1) return Error("viewer link lifetime must be at least 1 s");
  return Status::Ok();
}

}  // namespace

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || !name[0]) return "posecast";
  return name;
}

json mqtt_result_json(const FrameResult& r, std::string_view device) {
  json top = json::object();
  for (const Prediction& p : r.classification.top) top[p.label] = round_to(p.prob, 4);
  json corrections = json::array();
  if (r.coach)
    for (const auto& c : r.coach->corrections)
      corrections.push_back({{"text", c.text},
                             {"cue", c.cue},
                             {"joint", c.joint},
                             {"measured_deg", round_to(c.measured_deg, 1)},
                             {"target_deg", round_to(c.target_deg, 1)}});
  json j = {{"device", device},
            {"ts", r.capture_unix_ms},
            {"frame", r.frame},
            {"decision", r.classification.decision},
            {"top", top},
            {"score", r.coach ? json(r.coach->score) : json(nullptr)},
            {"hold_s", round_to(r.hold_s, 2)},
            {"corrections", corrections},
            {"person", r.person},
            {"fps", round_to(r.fps, 1)}};
  if (!r.classification.variant.empty()) j["variant"] = r.classification.variant;
  if (!r.target.empty()) j["target"] = r.target;
  if (!r.message.empty()) j["message"] = r.message;
  if (r.source_lost) j["source_lost"] = true;
  if (r.exercise) j["exercise"] = exercise_json(*r.exercise);
  if (r.guidance) j["guidance"] = guidance_json(*r.guidance);
  if (r.setup_check) j["setup_check"] = true;
  if (!r.say.empty()) j["say"] = r.say;
  if (!r.people.empty()) {
    json people = json::array();
    for (const PersonResult& p : r.people) people.push_back(person_json(p));
    j["people"] = std::move(people);
  }
  if (r.primary_id > 0) j["primary_id"] = r.primary_id;
  return j;
}

struct MqttTelemetry::Impl : public mqtt::callback {
  MqttOptions options;
  CommandHandler on_command;
  std::unique_ptr<mqtt::async_client> client;
  telemetry::FirstConnection connector;
  std::mutex mutex;  // guards model
  std::atomic<bool> is_connected{false};
  std::atomic<int64_t> results_published{0}, results_skipped{0}, delivered{0}, errors_published{0},
      publish_failures{0}, commands{0}, bad_commands{0}, connects{0};
  std::chrono::steady_clock::time_point next_result{};
  std::mutex rate_mutex;

  std::string topic(std::string_view leaf) const {
    return options.prefix + "/" + options.device + "/" + std::string(leaf);
  }

  std::string status_payload(bool online) {
    std::lock_guard lock(mutex);
    json j = {{"device", options.device},
              {"state", online ? "online" : "offline"},
              {"ts", unix_ms_now()}};
    if (online) {
      j["stream_url"] = options.stream_url;
      j["model"] = options.model;
      j["host"] = host_name();
    }
    return j.dump();
  }

  bool publish(const std::string& topic, const std::string& payload, int qos, bool retained) {
    try {
      client->publish(topic, payload.data(), payload.size(), qos, retained);
      return true;
    } catch (const mqtt::exception& e) {
      ++publish_failures;
      return false;
    }
  }

  // The dashboard's way to the viewer: a link that stops working at its expiry (or when the token
  // changes), on a topic nothing keeps, so the broker holds no key to this device's video.
  void publish_viewer_link() {
    if (options.stream_url.empty())
      return publish_error("viewer_link", "viewer_link: this device serves no viewer (no --http)",
                           json::object());
    const int64_t now_ms = unix_ms_now();
    const int64_t expires_s = now_ms / 1000 + options.viewer_link_seconds;
    std::string url = options.stream_url;
    if (!options.viewer_link_key.empty())
      url += (url.find('?') == std::string::npos ? "?token=" : "&token=") +
             sign_viewer_credential(options.viewer_link_key, options.device, expires_s);
    const json link = {
        {"device", options.device}, {"ts", now_ms}, {"url", url}, {"expires_ms", expires_s * 1000}};
    publish(topic("viewer"), link.dump(), 1, false);
  }

  void publish_error(std::string_view kind, std::string_view message, const json& detail) {
    json j = {
        {"device", options.device}, {"ts", unix_ms_now()}, {"kind", kind}, {"message", message}};
    if (detail.is_object())
      for (auto it = detail.begin(); it != detail.end(); ++it) j[it.key()] = it.value();
    if (publish(topic("errors"), j.dump(), 1, false)) ++errors_published;
  }

  // mqtt::callback, on Paho's thread: keep short, never block on a token.
  void connected(const std::string&) override {
    connected_flag(true);
    ++connects;
    try {
      client->subscribe(topic("commands"), 1);
    } catch (const mqtt::exception&) {
    }
    publish(topic("status"), status_payload(true), 1, true);
  }
  void connection_lost(const std::string&) override { connected_flag(false); }
  void delivery_complete(mqtt::delivery_token_ptr) override { ++delivered; }
  void message_arrived(mqtt::const_message_ptr msg) override {
    Result<InstructorCommand> command = parse_instructor_command(msg->get_payload_str());
    if (!command) {
      ++bad_commands;
      publish_error("bad_command", "commands: " + command.error().message(),
                    {{"payload", msg->get_payload_str().substr(0, 200)}});
      return;
    }
    ++commands;
    if (command->kind == InstructorCommand::Kind::kViewerLink) return publish_viewer_link();
    Status applied = on_command ? on_command(command.value()) : Status(Error("no command handler"));
    if (!applied.ok())
      publish_error("command_failed",
                    std::string(command_name(command->kind)) + ": " + applied.error().message(),
                    {{"command", instructor_command_json(command.value())}});
  }
  void connected_flag(bool on) { is_connected = on; }

  mqtt::connect_options connect_options() {
    return telemetry::connect_options_builder(options.url, options.user, options.password,
                                              options.keepalive_s, options.tls)
        .clean_session(false)
        .will(mqtt::message(
            topic("status"),
            json({{"device", options.device}, {"state", "offline"}, {"reason", "lost"}}).dump(), 1,
            true))
        .finalize();
  }
};

MqttTelemetry::MqttTelemetry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<MqttTelemetry>> MqttTelemetry::start(MqttOptions options,
                                                            CommandHandler on_command) {
  if (options.device.empty()) options.device = host_name();
  if (Status s = check_options(options); !s.ok()) return s.error();
  if (options.queue_dir.empty()) options.queue_dir = user_cache_dir() / "mqtt";
  std::error_code ec;
  fs::create_directories(options.queue_dir, ec);
  if (ec) return Error("MQTT queue folder " + options.queue_dir.string() + ": " + ec.message());

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->on_command = std::move(on_command);
  try {
    mqtt::create_options create(MQTTVERSION_3_1_1, options.queue_max);
    create.set_send_while_disconnected(true, /*anyTime=*/true);
    create.set_delete_oldest_messages(true);
    create.set_restore_messages(true);
    create.set_persist_qos0(false);
    impl->client = std::make_unique<mqtt::async_client>(options.url, "posecast-" + options.device,
                                                        create, options.queue_dir.string());
  } catch (const mqtt::exception& e) {
    return Error("MQTT " + options.url + ": " + e.what());
  }
  impl->client->set_callback(*impl);
  impl->connector.start(*impl->client, impl->connect_options(), "retrying; results are queued");
  return std::unique_ptr<MqttTelemetry>(new MqttTelemetry(std::move(impl)));
}

MqttTelemetry::~MqttTelemetry() { stop(std::chrono::milliseconds(0)); }

void MqttTelemetry::publish_result(const FrameResult& r) {
  Impl& m = *impl_;
  // A spoken cue is said once (spoken_cues.h): its result goes out whatever the rate.
  if (m.options.rate_hz > 0 && r.say.empty()) {
    std::lock_guard lock(m.rate_mutex);
    // A schedule of slots 1/rate apart (not "1/rate after the last one"), so that frames at any
    // camera rate average out to rate_hz.
    const auto now = std::chrono::steady_clock::now();
    const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / m.options.rate_hz));
    if (now < m.next_result) {
      ++m.results_skipped;
      return;
    }
    m.next_result = std::max(m.next_result + period, now - period);
  }
  if (m.publish(m.topic("results"), mqtt_result_json(r, m.options.device).dump(), m.options.qos,
                false))
    ++m.results_published;
}

void MqttTelemetry::publish_error(std::string_view kind, std::string_view message,
                                  const json& detail) {
  impl_->publish_error(kind, message, detail);
}

void MqttTelemetry::set_model(const std::string& model) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->options.model = model;
  }
  if (impl_->is_connected)
    impl_->publish(impl_->topic("status"), impl_->status_payload(true), 1, true);
}

MqttStats MqttTelemetry::stats() const {
  const Impl& m = *impl_;
  return {m.is_connected.load(), m.results_published.load(), m.results_skipped.load(),
          m.delivered.load(),    m.errors_published.load(),  m.publish_failures.load(),
          m.commands.load(),     m.bad_commands.load(),      m.connects.load()};
}

const std::string& MqttTelemetry::device() const { return impl_->options.device; }
std::string MqttTelemetry::topic(std::string_view leaf) const { return impl_->topic(leaf); }

void MqttTelemetry::stop(std::chrono::milliseconds flush) {
  Impl& m = *impl_;
  if (!m.connector.stop()) return;
  try {
    if (m.client->is_connected()) {
      // Wait for what is queued, then say goodbye (retained) and leave cleanly: no last will.
      const auto deadline = std::chrono::steady_clock::now() + flush;
      while (!m.client->get_pending_delivery_tokens().empty() &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      auto token = m.client->publish(m.topic("status"), m.status_payload(false), 1, true);
      token->wait_for(std::chrono::seconds(2));
      m.client->disconnect(std::chrono::milliseconds(500))->wait_for(std::chrono::seconds(2));
    }
  } catch (const mqtt::exception&) {
  }
  m.is_connected = false;
}

}  // namespace posecast
