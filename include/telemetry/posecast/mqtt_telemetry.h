// MQTT telemetry of one device (Eclipse Paho C++): every result, the device's online/offline
// status, errors, and the instructor's commands. Topics under `<prefix>/<device>/`:
//   results   one JSON per frame (or at most rate_hz per second, and every one with a spoken
//             cue), QoS 0/1/2
//   status    retained {"state":"online",...}; the broker's last will sets "offline" when the
//             device vanishes
//   errors    one JSON per error (source lost, model failed, bad command)
//   commands  subscribed: instructor_command.h
//   viewer    the answer to a viewer_link command: {"device","ts","url","expires_ms"}, a viewer
//             URL with a short-lived signed credential (access_token.h), never retained
// No message carries the access token: the retained status has the viewer's address alone, and
// an offline status has none.
// Schemas: schemas/mqtt-*.schema.json.
//
// Nothing is lost: while the broker is away, messages wait in Paho's buffer, persisted on disk
// (queue_dir, at most queue_max messages; beyond that the oldest go and are counted), and are sent
// in order when it returns. The session is persistent (clean_session off), so QoS 1 messages in
// flight at a broker restart are sent again. Publishing never blocks the caller.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "posecast/frame_result.h"
#include "posecast/instructor_command.h"
#include "posecast/status.h"

namespace posecast {

// TLS for ssl://, mqtts:// and wss:// brokers. The broker's certificate is always verified,
// against ca_file (PEM) or else the system's CAs, and must name the host of the URL.
struct MqttTls {
  std::string ca_file;    // PEM CA certificate(s) the broker's certificate must chain to
  std::string cert_file;  // PEM client certificate, for brokers that require one
  std::string key_file;   // its PEM private key (default: in cert_file)
};

struct MqttOptions {
  std::string url;       // tcp://host:1883, ssl://host:8883, ws://host:9001/mqtt
  std::string user;      // empty: $POSECAST_MQTT_USER
  std::string password;  // empty: $POSECAST_MQTT_PASSWORD
  MqttTls tls;
  std::string device;  // empty: the host name
  std::string prefix = "posecast";
  double rate_hz = 0;  // results per second at most; 0 = every frame
  int qos = 1;
  int keepalive_s = 10;             // the broker declares the device gone after 1.5x this
  std::filesystem::path queue_dir;  // empty: $XDG_CACHE_HOME/posecast/mqtt
  int queue_max = 10000;            // messages kept while the broker is away
  std::string stream_url;           // announced in status: the viewer's address, no token
  std::string model;                // announced in status
  // The access token, as the key of the viewer links the device hands out (empty: the viewer
  // needs no token, and a link is stream_url itself), and how long a link is valid.
  std::string viewer_link_key;
  int viewer_link_seconds = 1200;
};

struct MqttStats {
  bool connected = false;
  int64_t results_published = 0;  // handed to the client (queued or sent)
  int64_t results_skipped = 0;    // left out by rate_hz
  int64_t delivered = 0;          // acknowledged by the broker (QoS 1/2) or sent (QoS 0)
  int64_t errors_published = 0;
  int64_t publish_failures = 0;  // the client refused a message (queue full, ...)
  int64_t commands = 0;          // valid commands received
  int64_t bad_commands = 0;
  int64_t connects = 0;  // successful (re)connections
};

using CommandHandler = std::function<Status(const InstructorCommand&)>;

// The host name, for the default device id.
std::string host_name();

// {"device","ts","frame","decision","top":{"tree":0.87,...},"score","hold_s","corrections",...}
nlohmann::json mqtt_result_json(const FrameResult& r, std::string_view device);

class MqttTelemetry {
 public:
  // Fails only on bad options (URL scheme, QoS, device id); an unreachable broker is retried in
  // the background with back-off, and results queue meanwhile.
  static Result<std::unique_ptr<MqttTelemetry>> start(MqttOptions options,
                                                      CommandHandler on_command);
  ~MqttTelemetry();

  void publish_result(const FrameResult& r);
  // {"device","ts","kind","message",...detail}
  void publish_error(std::string_view kind, std::string_view message,
                     const nlohmann::json& detail = nlohmann::json::object());
  // Publishes the retained status again (e.g. after the model changed).
  void set_model(const std::string& model);

  MqttStats stats() const;
  const std::string& device() const;
  std::string topic(std::string_view leaf) const;  // "<prefix>/<device>/<leaf>"

  // Retained "offline" status, waits up to `flush` for queued messages, disconnects. What is
  // still queued stays in queue_dir and goes out at the next start.
  void stop(std::chrono::milliseconds flush = std::chrono::milliseconds(2000));

  struct Impl;

 private:
  explicit MqttTelemetry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
