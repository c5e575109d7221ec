// A live server fed like `posecast run` feeds it, without camera or models: synthetic JPEG frames
// at ~30 fps, a result JSON per frame (pose, probability, score, corrections, hold time, fps) and
// hooks with a pose list and a settable target. Two people are in every result (as with
// `run --people 2`): 1 holding Tree, 2 doing squats; /api/person picks whom to coach. For tests of
// the viewer page in a real browser.
#pragma once

#include <cmath>
#include <mutex>
#include <nlohmann/json.hpp>

#include "posecast/instructor_command.h"
#include "posecast/person_colour.h"
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
  // The person coached (/api/person): an id, 0 = automatic, -1 = everyone; and how many asked.
  int person() {
    std::lock_guard lock(mutex_);
    return person_;
  }
  int person_requests() {
    std::lock_guard lock(mutex_);
    return person_requests_;
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
          {"person", person_ < 0 ? nlohmann::json("all") : nlohmann::json(person_)},
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
    hooks.on_person = [this](const nlohmann::json& body) -> Status {
      Result<InstructorCommand> person = parse_instructor_command("person", body);
      if (!person) return Error("body: " + person.error().message());
      if (person->person > 2)
        return Error("no person " + std::to_string(person->person) + " in view");
      std::lock_guard lock(mutex_);
      person_ = person->everyone ? -1 : person->person;
      ++person_requests_;
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
      add_people(result, t);
      server_->publish_result(result.dump());
      next += std::chrono::milliseconds(33);
      std::this_thread::sleep_until(next);
    }
  }

  // Person 1 as the top-level fields say; person 2 squatting beside them, a rep every 2 s. The
  // primary person is 1 unless the coach picked 2.
  void add_people(nlohmann::json& result, double t) {
    nlohmann::json one = {{"id", 1},
                          {"colour", person_colour_hex(1)},
                          {"box", {0.1, 0.2, 0.3, 0.7}},
                          {"decision", result["decision"]},
                          {"label", result["decision"] == "tree" ? "Tree 87 %" : "Take your pose"},
                          {"exercise", nullptr},
                          {"guidance", result.contains("guidance") ? result["guidance"] : nullptr}};
    nlohmann::json squats = {{"id", "squat"},     {"name", "Squat"}, {"reps", int(t / 2) % 10},
                             {"target_reps", 10}, {"set", 1},        {"phase", "down"}};
    nlohmann::json two = {{"id", 2},
                          {"colour", person_colour_hex(2)},
                          {"box", {0.6, 0.2, 0.3, 0.7}},
                          {"decision", "take_your_pose"},
                          {"label", "Take your pose"},
                          {"exercise", squats},
                          {"guidance", nullptr}};
    result["people"] = {one, two};
    result["primary_id"] = person() == 2 ? 2 : 1;
  }

  std::unique_ptr<LiveServer> server_;
  std::vector<LiveServer::Jpeg> jpegs_;
  std::mutex mutex_;
  std::string target_;
  std::vector<std::string> messages_;
  int person_ = 0;
  int person_requests_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace posecast::testing
