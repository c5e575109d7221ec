#include "mqtt_connect.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace posecast::telemetry {

namespace {

bool is_tls(const std::string& url) {
  return url.starts_with("ssl://") || url.starts_with("mqtts://") || url.starts_with("wss://");
}

}  // namespace

Status check_broker_url(const std::string& url, const MqttTls& tls) {
  static const char* schemes[] = {"tcp://", "ssl://", "mqtt://", "mqtts://", "ws://", "wss://"};
  bool known = false;
  for (const char* s : schemes)
    known = known || (url.starts_with(s) && url.size() > std::string_view(s).size());
  if (!known) return Error("--mqtt '" + url + "': use tcp://HOST:PORT, ssl://, ws:// or wss://");
  const std::pair<const char*, const std::string*> files[] = {
      {"--mqtt-ca", &tls.ca_file}, {"--mqtt-cert", &tls.cert_file}, {"--mqtt-key", &tls.key_file}};
  for (const auto& [option, file] : files) {
    if (file->empty()) continue;
    if (!is_tls(url))
      return Error(std::string(option) +
                   " needs a TLS broker URL (ssl://, mqtts:// or wss://), not '" + url + "'");
    if (::access(file->c_str(), R_OK) != 0)
      return Error(std::string(option) + " " + *file + ": " + std::strerror(errno));
  }
  if (!tls.key_file.empty() && tls.cert_file.empty())
    return Error("--mqtt-key needs --mqtt-cert (the client certificate it belongs to)");
  return Status::Ok();
}

mqtt::connect_options_builder connect_options_builder(const std::string& url, std::string user,
                                                      std::string password, int keepalive_s,
                                                      const MqttTls& tls) {
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
  if (is_tls(url)) {
    // verify: the certificate must name the URL's host, not just chain to a trusted CA.
    auto ssl = mqtt::ssl_options_builder().enable_server_cert_auth(true).verify(true);
    if (!tls.ca_file.empty()) ssl.trust_store(tls.ca_file);
    if (!tls.cert_file.empty()) ssl.key_store(tls.cert_file);
    if (!tls.key_file.empty()) ssl.private_key(tls.key_file);
    builder.ssl(ssl.finalize());
  }
  return builder;
}

void FirstConnection::start(mqtt::async_client& client, mqtt::connect_options options,
                            std::string what) {
  thread_ = std::thread([this, &client, options = std::move(options), what = std::move(what)] {
    run(client, options, what);
  });
}

void FirstConnection::run(mqtt::async_client& client, const mqtt::connect_options& options,
                          const std::string& what) {
  auto backoff = std::chrono::milliseconds(500);
  for (int attempt = 0;; ++attempt) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    try {
      auto token = client.connect(options);
      if (token->wait_for(std::chrono::seconds(6)) && client.is_connected()) return;
    } catch (const mqtt::exception& e) {
      if (attempt == 0)
        std::cerr << "posecast: MQTT " << client.get_server_uri() << ": " << e.what() << " ("
                  << what << ")\n";
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, backoff, [&] { return stopping_; })) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
  }
}

bool FirstConnection::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  return true;
}

}  // namespace posecast::telemetry
