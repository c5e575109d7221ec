// MQTT telemetry against a real Mosquitto broker.
#include "posecast/mqtt_telemetry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "telemetry/json_schema.h"
#include "telemetry/mosquitto_broker.h"
#include "telemetry/mqtt_subscriber.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::MosquittoBroker;
using testing::MqttSubscriber;

FrameResult tree_frame(int64_t frame) {
  FrameResult r;
  r.frame = frame;
  r.capture_unix_ms = 1'700'000'000'000 + frame * 33;
  r.person = true;
  r.classification.decision = "tree";
  r.classification.variant = "left";
  r.classification.top = {{"tree", 0.87f}, {"mountain", 0.1f}};
  CoachReport coach;
  coach.score = 82;
  coach.corrections.push_back({"Straighten your left knee: 148° → 175°",
                               "Straighten your left knee", "left_knee", 148, 175});
  r.coach = coach;
  r.hold_s = 2.5f;
  r.fps = 30;
  return r;
}

class MqttTelemetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!MosquittoBroker::available()) GTEST_SKIP() << "needs mosquitto (apt install mosquitto)";
    ASSERT_TRUE(broker_.start());
    queue_dir_ = fs::temp_directory_path() / ("posecast_mqtt_queue_" + std::to_string(::getpid()));
    fs::remove_all(queue_dir_);
  }
  void TearDown() override { fs::remove_all(queue_dir_); }

  MqttOptions options(const std::string& device) {
    MqttOptions o;
    o.url = broker_.url();
    o.device = device;
    o.queue_dir = queue_dir_;
    o.stream_url = "http://127.0.0.1:8080/";
    o.model = "builtin";
    return o;
  }
  std::unique_ptr<MqttTelemetry> start(const MqttOptions& o, CommandHandler handler = {}) {
    auto t = MqttTelemetry::start(o, std::move(handler));
    EXPECT_TRUE(t.ok()) << t.error().message();
    if (!t) return nullptr;
    auto telemetry = std::move(t).value();
    for (int i = 0; i < 200 && !telemetry->stats().connected; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_TRUE(telemetry->stats().connected);
    return telemetry;
  }

  MosquittoBroker broker_;
  fs::path queue_dir_;
};

TEST_F(MqttTelemetryTest, ResultsStatusAndErrorsFollowTheirSchemas) {
  MqttSubscriber sub(broker_.url(), "posecast/dev1/#");
  ASSERT_TRUE(sub.connect());
  auto telemetry = start(options("dev1"));
  ASSERT_TRUE(telemetry);
  EXPECT_EQ(telemetry->topic("results"), "posecast/dev1/results");
  for (int i = 0; i < 5; ++i) telemetry->publish_result(tree_frame(i));
  telemetry->publish_error("source", "demo.mp4: cannot open");
  ASSERT_TRUE(sub.wait_for(
      [&] { return sub.messages("/results").size() == 5 && sub.messages("/errors").size() == 1; }));

  const json results_schema = testing::load_schema("mqtt-results.schema.json");
  auto results = sub.messages("/results");
  for (size_t i = 0; i < results.size(); ++i) {
    json r = results[i].json();
    EXPECT_EQ(testing::schema_problems(r, results_schema), "") << r.dump();
    EXPECT_EQ(r["frame"], i);
  }
  json r = results[0].json();
  EXPECT_EQ(r["device"], "dev1");
  EXPECT_EQ(r["decision"], "tree");
  EXPECT_DOUBLE_EQ(r["top"]["tree"].get<double>(), 0.87);
  EXPECT_EQ(r["score"], 82);
  EXPECT_DOUBLE_EQ(r["hold_s"].get<double>(), 2.5);
  EXPECT_EQ(r["corrections"][0]["joint"], "left_knee");
  EXPECT_EQ(r["ts"], 1'700'000'000'000);

  json e = sub.messages("/errors")[0].json();
  EXPECT_EQ(testing::schema_problems(e, testing::load_schema("mqtt-errors.schema.json")), "")
      << e.dump();
  EXPECT_EQ(e["kind"], "source");
  EXPECT_EQ(e["message"], "demo.mp4: cannot open");

  // The status is retained: a subscriber that comes later still learns the device is online.
  MqttSubscriber late(broker_.url(), "posecast/+/status");
  ASSERT_TRUE(late.connect());
  ASSERT_TRUE(late.wait_for([&] { return !late.messages().empty(); }));
  json s = late.messages()[0].json();
  EXPECT_TRUE(late.messages()[0].retained);
  EXPECT_EQ(testing::schema_problems(s, testing::load_schema("mqtt-status.schema.json")), "")
      << s.dump();
  EXPECT_EQ(s["state"], "online");
  EXPECT_EQ(s["stream_url"], "http://127.0.0.1:8080/");

  // A clean stop says offline (retained).
  telemetry->stop();
  ASSERT_TRUE(late.wait_for([&] { return late.messages().size() >= 2; }));
  EXPECT_EQ(late.messages().back().json()["state"], "offline");
  EXPECT_EQ(telemetry->stats().results_published, 5);
}

TEST_F(MqttTelemetryTest, RateLimitKeepsAtMostRateHzResults) {
  MqttSubscriber sub(broker_.url(), "posecast/rate/results");
  ASSERT_TRUE(sub.connect());
  MqttOptions o = options("rate");
  o.rate_hz = 10;
  auto telemetry = start(o);
  ASSERT_TRUE(telemetry);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 60; ++i) {  // 30 fps for 2 s
    telemetry->publish_result(tree_frame(i));
    std::this_thread::sleep_until(t0 + std::chrono::milliseconds(33 * (i + 1)));
  }
  const MqttStats stats = telemetry->stats();
  EXPECT_GE(stats.results_published, 17);
  EXPECT_LE(stats.results_published, 22);
  EXPECT_EQ(stats.results_published + stats.results_skipped, 60);
  ASSERT_TRUE(sub.wait_for(
      [&] { return static_cast<int64_t>(sub.messages().size()) == stats.results_published; }));
}

TEST_F(MqttTelemetryTest, CommandsAreAppliedAndBadOnesAnsweredOnErrors) {
  std::mutex mutex;
  std::vector<InstructorCommand> applied;
  auto handler = [&](const InstructorCommand& c) -> Status {
    if (c.kind == InstructorCommand::Kind::kTarget && c.value == "handstand")
      return Error("unknown pose 'handstand'");
    std::lock_guard lock(mutex);
    applied.push_back(c);
    return Status::Ok();
  };
  auto telemetry = start(options("dev2"), handler);
  ASSERT_TRUE(telemetry);
  MqttSubscriber sub(broker_.url(), "posecast/dev2/errors");
  ASSERT_TRUE(sub.connect());
  sub.publish("posecast/dev2/commands", R"({"command":"target","pose":"tree","id":"c1"})");
  sub.publish("posecast/dev2/commands", R"({"command":"message","text":"Breathe out"})");
  sub.publish("posecast/dev2/commands", R"({"command":"session","action":"start"})");
  sub.publish("posecast/dev2/commands", R"({"command":"person","person":"all"})");
  sub.publish("posecast/dev2/commands", R"({"command":"target","pose":"handstand"})");
  sub.publish("posecast/dev2/commands", R"({"command":"target","pose":)");
  sub.publish("posecast/dev2/commands", R"({"command":"fly"})");
  sub.publish("posecast/dev2/commands", R"({"command":"person","person":-1})");
  ASSERT_TRUE(sub.wait_for([&] { return sub.messages().size() == 4; })) << sub.messages().size();
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(applied.size(), 4u);
    EXPECT_EQ(applied[0].kind, InstructorCommand::Kind::kTarget);
    EXPECT_EQ(applied[0].value, "tree");
    EXPECT_EQ(applied[0].id, "c1");
    EXPECT_EQ(applied[1].value, "Breathe out");
    EXPECT_EQ(applied[2].kind, InstructorCommand::Kind::kSessionStart);
    EXPECT_EQ(applied[3].kind, InstructorCommand::Kind::kPerson);
    EXPECT_TRUE(applied[3].everyone);
  }
  auto errors = sub.messages();
  const json schema = testing::load_schema("mqtt-errors.schema.json");
  for (const auto& m : errors)
    EXPECT_EQ(testing::schema_problems(m.json(), schema), "") << m.payload;
  EXPECT_EQ(errors[0].json()["kind"], "command_failed");
  EXPECT_EQ(errors[0].json()["message"], "target: unknown pose 'handstand'");
  EXPECT_EQ(errors[1].json()["kind"], "bad_command");
  EXPECT_EQ(errors[1].json()["message"], "commands: command is not valid JSON");
  EXPECT_NE(errors[2].json()["message"].get<std::string>().find("unknown command \"fly\""),
            std::string::npos);
  EXPECT_EQ(errors[3].json()["kind"], "bad_command");
  EXPECT_NE(errors[3].json()["message"].get<std::string>().find("field 'person' must be"),
            std::string::npos)
      << errors[3].payload;
  EXPECT_EQ(telemetry->stats().bad_commands, 3);
}

TEST_F(MqttTelemetryTest, ABrokerRestartLosesNothingAtQos1) {
  MqttSubscriber sub(broker_.url(), "posecast/dev3/results",
                     "restart-subscriber-" + std::to_string(::getpid()));
  ASSERT_TRUE(sub.connect());
  auto telemetry = start(options("dev3"));
  ASSERT_TRUE(telemetry);
  constexpr int kFrames = 150;
  for (int i = 0; i < kFrames; ++i) {
    if (i == 50) broker_.stop();  // down for ~1.5 s while frames keep coming
    if (i == 100) {
      ASSERT_TRUE(broker_.start());
    }
    telemetry->publish_result(tree_frame(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  std::set<int64_t> seen;
  std::vector<int64_t> first_seen;
  ASSERT_TRUE(sub.wait_for(
      [&] {
        seen.clear();
        first_seen.clear();
        for (const auto& m : sub.messages()) {
          int64_t f = m.json()["frame"].get<int64_t>();
          if (seen.insert(f).second) first_seen.push_back(f);
        }
        return static_cast<int>(seen.size()) == kFrames;
      },
      std::chrono::milliseconds(20000)))
      << "received " << seen.size() << " of " << kFrames << " frames; telemetry connects "
      << telemetry->stats().connects << ", connected " << telemetry->stats().connected
      << ", published " << telemetry->stats().results_published << ", delivered "
      << telemetry->stats().delivered << ", failures " << telemetry->stats().publish_failures;
  // In order: each frame first arrives after the ones before it.
  EXPECT_TRUE(std::is_sorted(first_seen.begin(), first_seen.end()));
  EXPECT_EQ(telemetry->stats().publish_failures, 0);
  EXPECT_GE(telemetry->stats().connects, 2);
}

TEST(MqttTelemetryOptions, BadOptionsAreErrorsSayingWhich) {
  MqttOptions o;
  o.url = "ftp://broker";
  o.device = "d";
  auto bad_url = MqttTelemetry::start(o, {});
  ASSERT_FALSE(bad_url.ok());
  EXPECT_NE(bad_url.error().message().find("ftp://broker"), std::string::npos);
  o.url = "tcp://127.0.0.1:1";
  o.device = "a/b";
  auto bad_device = MqttTelemetry::start(o, {});
  ASSERT_FALSE(bad_device.ok());
  EXPECT_NE(bad_device.error().message().find("--device 'a/b'"), std::string::npos);
  o.device = "d";
  o.qos = 3;
  EXPECT_FALSE(MqttTelemetry::start(o, {}).ok());
}

}  // namespace
}  // namespace posecast
