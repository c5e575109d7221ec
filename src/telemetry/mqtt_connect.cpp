#include "telemetry/mqtt_connect.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

namespace posecast::telemetry {

Status check_broker_url(const std::string& url) {
  static const char* schemes[] = {"tcp://", "ssl://", "mqtt://", "mqtts://", "ws://", "wss://"};
  for (const char* s : schemes)
    if (url.starts_with(s) && url.size() > std::string_view(s).size()) return Status::Ok();
  return Error("--mqtt '" + url + "': use tcp://HOST:PORT, ssl://, ws:// or wss://");
}

mqtt::connect_options_builder connect_options_builder(const std::string& url, std::string user,
                                                      std::string password, int keepalive_s) {
  if (user.empty())
    if (const char* u = std::getenv("POSECAST_MQTT_USER")) user = u;
  if (password.empty())
    if (const char* p = std::getenv("POSECAST_MQTT_PASSWORD")) password = p;
  auto builder = mqtt::connect_options_builder()
                     .keep_alive_interval(std::chrono::seconds(keepalive_s))
                     .connect_timeout(std::chrono::seconds(5))
                     .automatic_reconnect(std::chrono::milliseconds(500), std::chrono::seconds(10));
  if (!user.empty()) builder.user_name(user);
  if (!password.empty()) builder.password(password);
  if (url.starts_with("ssl://") || url.starts_with("mqtts://") || url.starts_with("wss://"))
    builder.ssl(mqtt::ssl_options_builder().finalize());
  return builder;
}

void connect_until_connected(mqtt::async_client& client, const mqtt::connect_options& options,
                             const std::function<bool(std::chrono::milliseconds)>& wait,
                             std::string_view what) {
  auto backoff = std::chrono::milliseconds(500);
  for (int attempt = 0;; ++attempt) {
    if (wait(std::chrono::milliseconds(0))) return;
    try {
      auto token = client.connect(options);
      if (token->wait_for(std::chrono::seconds(6)) && client.is_connected()) return;
    } catch (const mqtt::exception& e) {
      if (attempt == 0)
        std::cerr << "posecast: MQTT " << client.get_server_uri() << ": " << e.what() << " ("
                  << what << ")\n";
    }
    if (wait(backoff)) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
  }
}

}  // namespace posecast::telemetry
