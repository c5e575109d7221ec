// A live server fed like `posecast run` feeds it, without camera or models: synthetic JPEG frames
// at ~30 fps, a result JSON per frame (pose, probability, score, corrections, hold time, fps) and
// hooks with a pose list and a settable target. For tests of the viewer page in a real browser.
#pragma once

#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>

#include "stream/test_client.h"

namespace posecast::testing {

class SyntheticSession {
 public:
  // The framing guidance the feed sends while nobody takes a pose.
  static constexpr const char* kGuidance = "Step back so your feet are in view";
  // Starts the server on a free loopback port; check server() before use.
  SyntheticSession() {
    server_ = start_test_server(hooks());
    if (!server_) return;
    for (int i = 0; i < 8; ++i) jpegs_.push_back(synthetic_jpeg(i, 640, 480));
    thread_ = std::thread([this] { run(); });
  }
  ~SyntheticSession() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (server_) server_->stop();
  }

  LiveServer* server() { return server_.get(); }
  std::string target() {
    std::lock_guard lock(mutex_);
    return target_;
  }
  std::vector<std::string> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  static constexpr const char* kPoses[][2] = {
      {"tree", "Tree"}, {"warrior2", "Warrior II"}, {"downdog", "Downward Dog"}};

  LiveServerHooks hooks() {
    LiveServerHooks hooks;
    hooks.status_json = [this] {
      nlohmann::json poses = nlohmann::json::array();
      for (const auto& pose : kPoses) poses.push_back({{"id", pose[0]}, {"name", pose[1]}});
      std::lock_guard lock(mutex_);
      return nlohmann::json{
          {"poses", poses},
          {"target", target_.empty() ? nlohmann::json() : nlohmann::json(target_)},
          {"source", "synthetic"}};
    };
    hooks.on_target = [this](const nlohmann::json& body) -> Status {
      const auto pose = body.find("pose");
      if (pose == body.end() || !(pose->is_string() || pose->is_null()))
        return Error("field 'pose' must be a pose id or null");
      const std::string id = pose->is_null() ? "" : pose->get<std::string>();
      bool known = id.empty();
      for (const auto& entry : kPoses) known = known || id == entry[0];
      if (!known) return Error("unknown pose '" + id + "'");
      std::lock_guard lock(mutex_);
      target_ = id;
      return Status::Ok();
    };
    hooks.on_message = [this](const nlohmann::json& body) -> Status {
      const auto text = body.find("text");
      if (text == body.end() || !text->is_string()) return Error("field 'text' must be a string");
      std::lock_guard lock(mutex_);
      messages_.push_back(*text);
      return Status::Ok();
    };
    return hooks;
  }

  void run() {
    auto next = Clock::now();
    for (int64_t frame = 1; !stop_; ++frame) {
      const int64_t now_ms = unix_ms_now();
      server_->publish_frame(jpegs_[frame % jpegs_.size()], frame, now_ms);
      // Two seconds without a pose out of every ten; otherwise Tree with a wandering score.
      const double t = frame / 30.0;
      nlohmann::json result{{"frame", frame}, {"capture_ms", now_ms}, {"fps", 30.0}};
      if (std::fmod(t, 10.0) >= 8.0) {
        result["decision"] = "take_your_pose";
        result["corrections"] = nlohmann::json::array();
        result["guidance"] = {{"code", "step_back"}, {"text", kGuidance}};
      } else {
        const int score = static_cast<int>(72 + 18 * std::sin(t * 1.3));
        result["decision"] = "tree";
        result["label"] = "Tree";
        result["prob"] = 0.87;
        result["score"] = score;
        result["hold_s"] = std::fmod(t, 10.0);
        result["corrections"] = score > 85 ? nlohmann::json::array()
                                           : nlohmann::json{
                                                 "Straighten your standing knee: "
                                                 "162° → 178°",
                                                 "Raise your arms overhead"};
      }
      const std::string target = this->target();
      if (!target.empty()) result["target"] = target;
      server_->publish_result(result.dump());
      next += std::chrono::milliseconds(33);
      std::this_thread::sleep_until(next);
    }
  }

  std::unique_ptr<LiveServer> server_;
  std::vector<LiveServer::Jpeg> jpegs_;
  std::mutex mutex_;
  std::string target_;
  std::vector<std::string> messages_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace posecast::testing
