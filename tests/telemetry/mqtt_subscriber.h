// A test subscriber on a real broker: a persistent session (it gets what was queued for it while
// the broker restarted), every message kept in arrival order.
#pragma once

#include <mqtt/async_client.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace posecast::testing {

struct ReceivedMessage {
  std::string topic;
  std::string payload;
  bool retained = false;
  nlohmann::json json() const { return nlohmann::json::parse(payload); }
};

class MqttSubscriber : public mqtt::callback {
 public:
  MqttSubscriber(const std::string& url, const std::string& filter,
                 const std::string& client_id = "")
      : client_(url, client_id.empty() ? "test-sub-" + std::to_string(::getpid()) + "-" +
                                             std::to_string(next_id())
                                       : client_id),
        filter_(filter) {
    client_.set_callback(*this);
  }
  ~MqttSubscriber() {
    try {
      if (client_.is_connected()) client_.disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
    }
  }

  bool connect() {
    auto opts = mqtt::connect_options_builder()
                    .clean_session(false)
                    .automatic_reconnect(std::chrono::milliseconds(200), std::chrono::seconds(1))
                    .finalize();
    try {
      client_.connect(opts)->wait_for(std::chrono::seconds(5));
      return client_.is_connected() &&
             client_.subscribe(filter_, 1)->wait_for(std::chrono::seconds(5));
    } catch (const mqtt::exception&) {
      return false;
    }
  }
  void publish(const std::string& topic, const std::string& payload) {
    client_.publish(topic, payload.data(), payload.size(), 1, false)
        ->wait_for(std::chrono::seconds(5));
  }

  std::vector<ReceivedMessage> messages(const std::string& leaf = "") {
    std::lock_guard lock(mutex_);
    std::vector<ReceivedMessage> out;
    for (const auto& m : messages_)
      if (leaf.empty() || m.topic.ends_with(leaf)) out.push_back(m);
    return out;
  }
  // Waits until `done(messages())` or the timeout.
  template <class Pred>
  bool wait_for(Pred done, std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
  }

  // The session is persistent (clean_session off): the broker keeps the subscription across
  // reconnects and its own restarts, so there is nothing to renew here.
  void message_arrived(mqtt::const_message_ptr msg) override {
    std::lock_guard lock(mutex_);
    messages_.push_back({msg->get_topic(), msg->get_payload_str(), msg->is_retained()});
  }

 private:
  static int next_id() {
    static std::atomic<int> n{0};
    return n++;
  }
  mqtt::async_client client_;
  std::string filter_;
  std::mutex mutex_;
  std::vector<ReceivedMessage> messages_;
};

}  // namespace posecast::testing
