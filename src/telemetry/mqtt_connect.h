// What a device's telemetry and the class dashboard share about reaching a broker: the URL check,
// the connect options (credentials, TLS) and the first connection's retry loop.
#pragma once

#include <mqtt/async_client.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "posecast/mqtt_telemetry.h"
#include "posecast/status.h"

namespace posecast::telemetry {

// tcp://, mqtt://, ssl://, mqtts://, ws:// or wss://, and TLS files that exist and go with a TLS
// URL; errors name the option and the URL or file.
Status check_broker_url(const std::string& url, const MqttTls& tls = {});

// Keep-alive, timeouts and automatic reconnect; user and password from the arguments or else
// $POSECAST_MQTT_USER / $POSECAST_MQTT_PASSWORD; TLS for ssl://, mqtts:// and wss://, verifying
// the broker's certificate chain and host name.
mqtt::connect_options_builder connect_options_builder(const std::string& url, std::string user,
                                                      std::string password, int keepalive_s,
                                                      const MqttTls& tls = {});

// Paho's automatic reconnect only covers a connection once made, so the first one is made here,
// on a thread of its own, retried with back-off (0.5 s doubling to 10 s) until it succeeds or
// stop() is called. The first failure is reported on stderr with `what`.
class FirstConnection {
 public:
  FirstConnection() = default;
  FirstConnection(const FirstConnection&) = delete;
  FirstConnection& operator=(const FirstConnection&) = delete;
  ~FirstConnection() { stop(); }

  void start(mqtt::async_client& client, mqtt::connect_options options, std::string what);
  // Ends the retrying and joins the thread; false when it had been stopped already.
  bool stop();

 private:
  void run(mqtt::async_client& client, const mqtt::connect_options& options,
           const std::string& what);

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace posecast::telemetry
