// The class dashboard's MQTT side (Paho C++ async client): a clean session subscribed to every
// device's status, results, errors and viewer links, feeding the roster; commands (and the
// requests for viewer links) go out at QoS 1.
#include <mqtt/async_client.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "mqtt_connect.h"
#include "posecast/class_roster.h"
#include "posecast/frame.h"
#include "posecast/mqtt_telemetry.h"

namespace posecast {

struct ClassLink::Impl : public mqtt::callback {
  ClassLinkOptions options;
  ClassRoster* roster = nullptr;
  std::unique_ptr<mqtt::async_client> client;
  telemetry::FirstConnection connector;
  mutable std::mutex mutex;  // guards last_problem
  std::string last_problem;
  std::atomic<bool> is_connected{false};
  std::atomic<int64_t> messages{0}, bad_messages{0}, commands_sent{0};

  void connected(const std::string&) override {
    is_connected = true;
    const std::string& p = roster->prefix();
    try {
      // Results at QoS 0: a tile wants the newest one, not a backlog after a reconnect.
      client->subscribe(p + "/+/status", 1);
      client->subscribe(p + "/+/errors", 1);
      client->subscribe(p + "/+/viewer", 1);
      client->subscribe(p + "/+/results", 0);
    } catch (const mqtt::exception& e) {
      problem(std::string("subscribe: ") + e.what());
    }
  }
  void connection_lost(const std::string& cause) override {
    is_connected = false;
    problem("connection lost" + (cause.empty() ? std::string() : ": " + cause));
  }
  void message_arrived(mqtt::const_message_ptr msg) override {
    ++messages;
    const int64_t now = unix_ms_now();
    Status applied = roster->apply(msg->get_topic(), msg->get_payload_str(), now);
    if (options.also) options.also(msg->get_topic(), msg->get_payload_str(), now);
    if (!applied.ok()) {
      ++bad_messages;
      problem(applied.error().message());
    }
    ask_for_viewer_links();
  }
  // A device that is online and has no fresh viewer link is asked for one (instructor_command.h).
  void ask_for_viewer_links() {
    static const std::string kRequest = R"({"command":"viewer_link"})";
    for (const std::string& id : roster->viewer_links_due(unix_ms_now())) {
      try {
        client->publish(roster->prefix() + "/" + id + "/commands", kRequest.data(), kRequest.size(),
                        1, false);
      } catch (const mqtt::exception& e) {
        problem(std::string("viewer link request: ") + e.what());
      }
    }
  }
  void problem(std::string text) {
    std::lock_guard lock(mutex);
    last_problem = std::move(text);
  }
};

ClassLink::ClassLink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<ClassLink>> ClassLink::start(ClassLinkOptions options, ClassRoster& roster) {
  if (Status s = telemetry::check_broker_url(options.url, options.tls); !s.ok()) return s.error();
  if (options.client_id.empty())
    options.client_id = "posecast-class-" + host_name() + "-" + std::to_string(::getpid());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->roster = &roster;
  try {
    impl->client = std::make_unique<mqtt::async_client>(options.url, options.client_id,
                                                        mqtt::create_options(MQTTVERSION_3_1_1));
  } catch (const mqtt::exception& e) {
    return Error("MQTT " + options.url + ": " + e.what());
  }
  impl->client->set_callback(*impl);
  impl->connector.start(*impl->client,
                        telemetry::connect_options_builder(options.url, options.user,
                                                           options.password, 10, options.tls)
                            .clean_session(true)
                            .finalize(),
                        "retrying; the dashboard fills once it connects");
  return std::unique_ptr<ClassLink>(new ClassLink(std::move(impl)));
}

ClassLink::~ClassLink() { stop(); }

Result<std::vector<std::string>> ClassLink::send_command(std::string_view device,
                                                         const nlohmann::json& command) {
  // Checked here as the device will check it, so the instructor hears of a mistake at once.
  const std::string payload = command.dump();
  Result<InstructorCommand> parsed = parse_instructor_command(payload);
  if (!parsed) return Error("command: " + parsed.error().message());
  Result<std::vector<std::string>> targets = impl_->roster->command_targets(device);
  if (!targets) return targets.error();
  if (!impl_->is_connected) return Error("not connected to the broker " + impl_->options.url);
  const std::string body = instructor_command_json(parsed.value()).dump();
  try {
    for (const std::string& id : targets.value()) {
      impl_->client->publish(impl_->roster->prefix() + "/" + id + "/commands", body.data(),
                             body.size(), 1, false);
      ++impl_->commands_sent;
    }
  } catch (const mqtt::exception& e) {
    return Error(std::string("MQTT publish: ") + e.what());
  }
  return targets;
}

ClassLinkStats ClassLink::stats() const {
  ClassLinkStats s;
  s.connected = impl_->is_connected;
  s.messages = impl_->messages;
  s.bad_messages = impl_->bad_messages;
  s.commands_sent = impl_->commands_sent;
  std::lock_guard lock(impl_->mutex);
  s.last_problem = impl_->last_problem;
  return s;
}

void ClassLink::stop() {
  Impl& m = *impl_;
  if (!m.connector.stop()) return;
  try {
    if (m.client->is_connected())
      m.client->disconnect(std::chrono::milliseconds(500))->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
  }
  m.is_connected = false;
}

}  // namespace posecast
