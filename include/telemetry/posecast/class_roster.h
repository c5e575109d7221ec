// The class as the instructor sees it: every device discovered from MQTT, with its latest status,
// result and error. ClassRoster is the state alone (fed topic + payload, no network), so the rules
// are testable without a broker; ClassLink connects it to a broker and sends the instructor's
// commands back.
//
// Topics read, under `<prefix>/+/` (mqtt_telemetry.h, schemas/mqtt-*.schema.json):
//   status   retained online/offline: a device appears with its first status or result
//   results  the latest one per device is kept (the dashboard shows a class, not a history)
//   errors   the latest one per device, shown until the next result after it
//   viewer   the device's answer to a viewer_link command: a short-lived signed viewer URL, the
//            only way the dashboard gets into a device's viewer (no token on the broker)
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/instructor_command.h"
#include "posecast/mqtt_telemetry.h"
#include "posecast/status.h"

namespace posecast {

struct RosterDevice {
  std::string id;
  std::string state = "unknown";        // online | offline | unknown (results seen, no status yet)
  std::string reason;                   // "lost" when the broker's last will said offline
  std::string stream_url, model, host;  // stream_url: the viewer's address, without a token
  std::string viewer_url;               // a signed link from the device's `viewer` topic
  int64_t viewer_expires_ms = 0;        // when it stops working (the device's clock)
  int64_t viewer_received_ms = 0;
  int64_t viewer_requested_ms = 0;  // when the dashboard last asked for one
  int64_t status_ms = 0;            // when the status arrived (this machine's clock)
  nlohmann::json result;            // the latest results message, or null
  int64_t result_ms = 0;            // when it arrived
  int64_t results_received = 0;
  nlohmann::json error;  // the latest errors message, or null
  int64_t error_ms = 0;
  uint64_t version = 0;  // the roster's change counter when this device last changed
};

class ClassRoster {
 public:
  // A device whose results stopped for longer than this is shown "stale" (still online per MQTT,
  // but its camera or pipeline is not producing).
  explicit ClassRoster(std::string prefix = "posecast",
                       std::chrono::milliseconds stale_after = std::chrono::seconds(5));

  // One MQTT message. Errors name the topic ("posecast/a/results: not a JSON object"); the
  // roster is unchanged then. Topics outside `<prefix>/<device>/{status,results,errors}` are
  // errors too.
  Status apply(std::string_view topic, std::string_view payload, int64_t now_ms);

  // {"version": N, "ts": now_ms, "devices": [...sorted by id...]}; each device:
  //   {"id","state","reason"?,"stream_url","viewer_url"?,"viewer_expires_ms"?,"model","host",
  //    "results_received","result": {...}|null,
  //    "result_age_s"?,"stale","error"?: {"kind","message","ts"?},"error_age_s"?}
  nlohmann::json devices_json(int64_t now_ms) const;
  uint64_t version() const;  // grows with every change

  // The ids of the devices a command for `device` goes to: that one device if known (or any
  // valid id: a device that has not announced itself yet may still listen), or every online
  // device for "*".
  Result<std::vector<std::string>> command_targets(std::string_view device) const;

  // The online devices whose viewer link is missing or past half its life, and that were not
  // asked in the last 10 s; marked as asked now. The caller sends each a viewer_link command.
  std::vector<std::string> viewer_links_due(int64_t now_ms);

  std::vector<RosterDevice> devices() const;
  const std::string& prefix() const { return prefix_; }

 private:
  nlohmann::json device_json(const RosterDevice& d, int64_t now_ms) const;

  std::string prefix_;
  std::chrono::milliseconds stale_after_;
  mutable std::mutex mutex_;
  std::map<std::string, RosterDevice> devices_;
  uint64_t version_ = 0;
};

struct ClassLinkOptions {
  std::string url;       // tcp://, ssl://, ws://
  std::string user;      // empty: $POSECAST_MQTT_USER
  std::string password;  // empty: $POSECAST_MQTT_PASSWORD
  MqttTls tls;
  std::string client_id;  // empty: "posecast-class-<host>-<pid>"
  // Also given every message after the roster (the class results, class_results.h); on the MQTT
  // thread, so it must be quick.
  std::function<void(std::string_view topic, std::string_view payload, int64_t now_ms)> also;
};

struct ClassLinkStats {
  bool connected = false;
  int64_t messages = 0;      // messages received
  int64_t bad_messages = 0;  // refused by the roster
  int64_t commands_sent = 0;
  std::string last_problem;  // the latest refused message or connection problem
};

// Subscribes the roster to the class's topics and publishes commands. An unreachable broker is
// retried in the background; start fails only on bad options.
class ClassLink {
 public:
  static Result<std::unique_ptr<ClassLink>> start(ClassLinkOptions options, ClassRoster& roster);
  ~ClassLink();

  // Validates `command` as the devices will (instructor_command.h) and publishes it (QoS 1) to
  // each target's `commands` topic. Returns the devices it went to.
  Result<std::vector<std::string>> send_command(std::string_view device,
                                                const nlohmann::json& command);

  ClassLinkStats stats() const;
  void stop();

  struct Impl;

 private:
  explicit ClassLink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The checks every device id in a topic passes (mqtt_telemetry.h's --device rules).
bool valid_device_id(std::string_view id);

// `<prefix>/<device>/<leaf>` (the prefix may itself contain '/') with leaf status, results or
// errors; an Error names the topic and what is wrong with it.
struct ClassTopic {
  std::string device;
  std::string leaf;
};
Result<ClassTopic> parse_class_topic(std::string_view prefix, std::string_view topic);

}  // namespace posecast
