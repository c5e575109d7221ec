// `posecast run --mqtt` end to end: the real binary on a demo video, a real Mosquitto broker.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "e2e/demo_clip.h"
#include "e2e/posecast_process.h"
#include "posecast/classifier.h"
#include "posecast/practice_history.h"
#include "stream/test_client.h"
#include "telemetry/json_schema.h"
#include "telemetry/mosquitto_broker.h"
#include "telemetry/mqtt_subscriber.h"

namespace posecast {
namespace {

using nlohmann::json;
using testing::MosquittoBroker;
using testing::MqttSubscriber;
using testing::PosecastProcess;
namespace fs = std::filesystem;

class RunMqtt : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = testing::models_missing(); !why.empty()) GTEST_SKIP() << why;
    if (!MosquittoBroker::available()) GTEST_SKIP() << "needs mosquitto";
    ASSERT_TRUE(broker_.start());
    dir_ = fs::temp_directory_path() / ("posecast_run_mqtt_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    video_ = testing::demo_pose_video(4);
    ASSERT_FALSE(video_.empty());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> run_args(const std::string& device, double seconds) {
    return {"run",
            "--source",
            video_.string(),
            "--http",
            "127.0.0.1:0",
            "--no-auth",
            "--seconds",
            std::to_string(seconds),
            "--mqtt",
            broker_.url(),
            "--device",
            device,
            "--mqtt-keepalive",
            "1",
            "--history",
            (dir_ / "history.sqlite").string(),
            "--models",
            models_dir().string()};
  }
  static fs::path models_dir();

  MosquittoBroker broker_;
  fs::path dir_, video_;
};

fs::path RunMqtt::models_dir() {
  const char* env = std::getenv("POSECAST_MODELS");
  if (env && *env) return env;
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/tmp") / ".cache" / "posecast" / "models";
}

TEST_F(RunMqtt, PublishesResultsTakesCommandsAndRecordsHolds) {
  MqttSubscriber sub(broker_.url(), "posecast/studio1/#");
  ASSERT_TRUE(sub.connect());
  PosecastProcess run(run_args("studio1", 8));
  ASSERT_TRUE(run.started()) << run.error();
  ASSERT_TRUE(run.wait_for_url(std::chrono::seconds(30))) << run.err();

  // Online, with the viewer's URL for the class dashboard.
  ASSERT_TRUE(sub.wait_for([&] { return !sub.messages("/status").empty(); })) << run.err();
  json status = sub.messages("/status")[0].json();
  EXPECT_EQ(status["state"], "online");
  // The viewer's address, never its token (docs/class.md).
  EXPECT_EQ(status["stream_url"], run.url().substr(0, run.url().find('?')));
  ASSERT_TRUE(sub.wait_for([&] { return sub.messages("/results").size() >= 20; })) << run.err();
  // The session in progress is in GET /api/history.
  auto history_answer = testing::http_get(run.port(), "/api/history");
  EXPECT_EQ(history_answer.status, 200) << history_answer.body;
  json live_history = json::parse(history_answer.body);
  ASSERT_EQ(live_history["sessions"].size(), 1u) << history_answer.body;
  EXPECT_EQ(live_history["sessions"][0]["device"], "studio1");
  // The progress page's data and the history as CSV (docs/progress.md).
  auto progress_answer = testing::http_get(run.port(), "/api/progress");
  ASSERT_EQ(progress_answer.status, 200) << progress_answer.body;
  EXPECT_EQ(json::parse(progress_answer.body)["sessions"][0]["id"], 1);
  auto csv_answer = testing::http_get(run.port(), "/api/history?format=csv");
  ASSERT_EQ(csv_answer.status, 200) << csv_answer.body;
  EXPECT_EQ(csv_answer.body.rfind("session,device,model,", 0), 0u);
  EXPECT_EQ(testing::http_get(run.port(), "/report/1").status, 200);

  sub.publish("posecast/studio1/commands", R"({"command":"target","pose":"tree"})");
  sub.publish("posecast/studio1/commands", R"({"command":"model","model":"/nonexistent.model"})");
  sub.publish("posecast/studio1/commands", "not json");
  sub.publish("posecast/studio1/commands", R"({"command":"target","exercise":"burpee","reps":10})");
  ASSERT_TRUE(sub.wait_for([&] {
    for (const auto& m : sub.messages("/results"))
      if (m.json().value("target", "") == "tree") return true;
    return false;
  })) << "the target command never reached the pipeline";
  ASSERT_TRUE(sub.wait_for([&] { return sub.messages("/errors").size() >= 3; }));
  EXPECT_EQ(sub.messages("/errors")[0].json()["kind"], "command_failed");
  EXPECT_NE(
      sub.messages("/errors")[0].json()["message"].get<std::string>().find("/nonexistent.model"),
      std::string::npos);
  EXPECT_EQ(sub.messages("/errors")[1].json()["kind"], "bad_command");
  // An exercise the device's library lacks: refused, naming the command and the known ones.
  const json unknown_exercise = sub.messages("/errors")[2].json();
  EXPECT_EQ(unknown_exercise["kind"], "command_failed");
  EXPECT_EQ(unknown_exercise["message"].get<std::string>().rfind(
                "target: unknown exercise 'burpee' (known: ", 0),
            0u)
      << unknown_exercise.dump();

  ASSERT_EQ(run.wait_exit(std::chrono::seconds(30)), 0) << run.err();
  // A clean exit says offline.
  ASSERT_TRUE(
      sub.wait_for([&] { return sub.messages("/status").back().json()["state"] == "offline"; }));

  const json schema = testing::load_schema("mqtt-results.schema.json");
  std::set<int64_t> frames;
  bool mountain = false;
  for (const auto& m : sub.messages("/results")) {
    json r = m.json();
    ASSERT_EQ(testing::schema_problems(r, schema), "") << r.dump();
    EXPECT_TRUE(frames.insert(r["frame"].get<int64_t>()).second)
        << "duplicate frame " << r["frame"];
    mountain = mountain || r["decision"] == "mountain";
  }
  EXPECT_TRUE(mountain) << "the demo video holds Mountain";

  // The practice session and its Mountain hold are in the history.
  auto history = PracticeHistory::open(dir_ / "history.sqlite");
  ASSERT_TRUE(history.ok()) << history.error().message();
  auto sessions = (*history)->sessions();
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ((*sessions)[0].device, "studio1");
  EXPECT_GT((*sessions)[0].end_unix_ms, 0);
  ASSERT_FALSE((*sessions)[0].holds.empty());
  EXPECT_EQ((*sessions)[0].holds[0].pose, "mountain");
  // The session ended in a report beside the history, announced on stdout.
  const fs::path report = dir_ / "reports" / "session-1.html";
  const auto announced = run.wait_for_line("posecast: session 1 report: ", std::chrono::seconds(5));
  ASSERT_TRUE(announced) << run.err();
  EXPECT_EQ(announced->rfind("posecast: session 1 report: " + report.string(), 0), 0u);
  std::ifstream in(report);
  const std::string html((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(html.find("<tr data-pose=\"mountain\">"), std::string::npos) << html;
}

// Two people in the picture with --people 2: every result lists both, each with their own
// decision, and the instructor's person command makes the one picked the primary person.
TEST_F(RunMqtt, SeveralPeopleEachHaveTheirResultAndTheInstructorPicksOne) {
  const fs::path two = dir_ / "two.avi";
  ASSERT_TRUE(testing::write_two_figure_clip(two, "tree", "goddess", 12));
  MqttSubscriber sub(broker_.url(), "posecast/pair/#");
  ASSERT_TRUE(sub.connect());
  std::vector<std::string> args = run_args("pair", 10);
  args[2] = two.string();
  args.insert(args.end(), {"--people", "2"});
  PosecastProcess run(args);
  ASSERT_TRUE(run.started()) << run.error();
  ASSERT_TRUE(run.wait_for_url(std::chrono::seconds(30))) << run.err();
  // Both people, under their ids, each decided on their own.
  std::map<int, std::string> decisions;
  ASSERT_TRUE(sub.wait_for([&] {
    for (const auto& m : sub.messages("/results")) {
      const json r = m.json();
      if (r["people"].size() != 2) continue;
      for (const json& p : r["people"])
        decisions[p["id"].get<int>()] = p["decision"].get<std::string>();
    }
    return decisions.size() == 2 && decisions.begin()->second != kTakeYourPose &&
           decisions.rbegin()->second != kTakeYourPose;
  })) << run.err();
  std::set<std::string> poses;
  for (const auto& [id, d] : decisions) poses.insert(d);
  EXPECT_EQ(poses, (std::set<std::string>{"tree", "goddess"}));
  // The person who is not primary now is picked.
  const json last = sub.messages("/results").back().json();
  const int other = last["people"][0]["id"] == last["primary_id"]
                        ? last["people"][1]["id"].get<int>()
                        : last["people"][0]["id"].get<int>();
  sub.publish("posecast/pair/commands", json{{"command", "person"}, {"person", other}}.dump());
  ASSERT_TRUE(sub.wait_for([&] {
    return sub.messages("/results").back().json().value("primary_id", 0) == other;
  })) << "the person command never reached the pipeline";
  const json schema = testing::load_schema("mqtt-results.schema.json");
  EXPECT_EQ(testing::schema_problems(sub.messages("/results").back().json(), schema), "");
  ASSERT_EQ(run.wait_exit(std::chrono::seconds(30)), 0) << run.err();
}

TEST_F(RunMqtt, AVanishedDeviceShowsOfflineThroughItsLastWill) {
  MqttSubscriber sub(broker_.url(), "posecast/gone/status");
  ASSERT_TRUE(sub.connect());
  PosecastProcess run(run_args("gone", 60));
  ASSERT_TRUE(run.started());
  ASSERT_TRUE(run.wait_for_url(std::chrono::seconds(30))) << run.err();
  ASSERT_TRUE(sub.wait_for([&] { return !sub.messages().empty(); }));
  EXPECT_EQ(sub.messages().back().json()["state"], "online");
  run.signal(SIGKILL);  // no goodbye: the broker must notice (keep-alive 1 s)
  ASSERT_TRUE(sub.wait_for([&] { return sub.messages().back().json()["state"] == "offline"; },
                           std::chrono::milliseconds(10000)));
  json will = sub.messages().back().json();
  EXPECT_EQ(will["reason"], "lost");
  EXPECT_EQ(will["device"], "gone");
}

}  // namespace
}  // namespace posecast
