// The class dashboard's MQTT side against a real Mosquitto: devices (the real MqttTelemetry)
// appear in the roster, their results and last will show, and commands reach them.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "eventually.h"
#include "posecast/access_token.h"
#include "posecast/class_roster.h"
#include "posecast/frame.h"
#include "posecast/mqtt_telemetry.h"
#include "telemetry/json_schema.h"
#include "telemetry/mosquitto_broker.h"
#include "telemetry/mqtt_subscriber.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::eventually;
using testing::MosquittoBroker;

ClassLinkOptions link_options(const std::string& url) {
  ClassLinkOptions o;
  o.url = url;
  return o;
}

// A device: real telemetry, recording the commands it receives.
struct Device {
  std::mutex mutex;
  std::vector<InstructorCommand> commands;
  std::unique_ptr<MqttTelemetry> telemetry;

  Device(const std::string& url, const std::string& id, const fs::path& queue_dir,
         const std::string& token = "") {
    MqttOptions o;
    o.url = url;
    o.device = id;
    o.queue_dir = queue_dir / id;
    o.keepalive_s = 1;
    o.stream_url = "http://127.0.0.1:1/" + id + "/";
    o.viewer_link_key = token;
    auto started = MqttTelemetry::start(o, [this](const InstructorCommand& c) -> Status {
      std::lock_guard lock(mutex);
      commands.push_back(c);
      return Status::Ok();
    });
    EXPECT_TRUE(started.ok());
    if (started) telemetry = std::move(started).value();
  }
  std::vector<InstructorCommand> received() {
    std::lock_guard lock(mutex);
    return commands;
  }
};

class ClassLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!MosquittoBroker::available()) GTEST_SKIP() << "needs mosquitto (apt install mosquitto)";
    ASSERT_TRUE(broker_.start());
    dir_ = fs::temp_directory_path() / ("posecast_class_link_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  json device(const std::string& id) {
    const json all = roster_.devices_json(unix_ms_now());
    for (const json& d : all["devices"])
      if (d["id"] == id) return d;
    return json();
  }

  MosquittoBroker broker_;
  fs::path dir_;
  ClassRoster roster_{"posecast"};
};

TEST_F(ClassLinkTest, DevicesAppearWithResultsAndCommandsReachThem) {
  Device a(broker_.url(), "mat-a", dir_), b(broker_.url(), "mat-b", dir_);
  ASSERT_TRUE(a.telemetry && b.telemetry);
  auto link = ClassLink::start(link_options(broker_.url()), roster_);
  ASSERT_TRUE(link.ok()) << link.error().message();

  // Both discovered from their retained status, with the URL of their viewer.
  ASSERT_TRUE(eventually([&] {
    return device("mat-a")["state"] == "online" && device("mat-b")["state"] == "online";
  })) << roster_.devices_json(unix_ms_now()).dump();
  EXPECT_EQ(device("mat-a")["stream_url"], "http://127.0.0.1:1/mat-a/");

  FrameResult r;
  r.frame = 7;
  r.capture_unix_ms = unix_ms_now();
  r.person = true;
  r.classification.decision = "tree";
  r.classification.top = {{"tree", 0.91f}, {"mountain", 0.05f}};
  r.hold_s = 4.5f;
  r.target = "tree";
  a.telemetry->publish_result(r);
  ASSERT_TRUE(eventually([&] { return !device("mat-a")["result"].is_null(); }));
  EXPECT_EQ(device("mat-a")["result"]["decision"], "tree");
  EXPECT_EQ(device("mat-a")["result"]["frame"], 7);
  EXPECT_DOUBLE_EQ(device("mat-a")["result"]["hold_s"].get<double>(), 4.5);
  EXPECT_EQ(device("mat-a")["result"]["target"], "tree");

  // One device, then the whole class.
  auto sent = link.value()->send_command("mat-b", {{"command", "target"}, {"pose", "chair"}});
  ASSERT_TRUE(sent.ok()) << sent.error().message();
  EXPECT_EQ(sent.value(), std::vector<std::string>{"mat-b"});
  ASSERT_TRUE(eventually([&] { return b.received().size() == 1; }));
  EXPECT_EQ(b.received()[0].kind, InstructorCommand::Kind::kTarget);
  EXPECT_EQ(b.received()[0].value, "chair");

  auto to_all = link.value()->send_command("*", {{"command", "message"}, {"text", "Breathe"}});
  ASSERT_TRUE(to_all.ok()) << to_all.error().message();
  EXPECT_EQ(to_all.value(), (std::vector<std::string>{"mat-a", "mat-b"}));
  ASSERT_TRUE(eventually([&] { return a.received().size() == 1 && b.received().size() == 2; }));
  EXPECT_EQ(a.received()[0].value, "Breathe");
  EXPECT_EQ(b.received()[1].value, "Breathe");

  // A command the devices would refuse is refused here, and nothing is sent.
  auto bad = link.value()->send_command("*", {{"command", "dance"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("unknown command \"dance\""), std::string::npos)
      << bad.error().message();
  auto too_long = link.value()->send_command(
      "mat-a", {{"command", "message"}, {"text", std::string(201, 'x')}});
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(link.value()->stats().commands_sent, 3);

  // A clean stop shows offline; the other stays online.
  a.telemetry->stop();
  ASSERT_TRUE(eventually([&] { return device("mat-a")["state"] == "offline"; }));
  EXPECT_EQ(device("mat-b")["state"], "online");
  auto only_b = link.value()->send_command("*", {{"command", "session"}, {"action", "stop"}});
  ASSERT_TRUE(only_b.ok());
  EXPECT_EQ(only_b.value(), std::vector<std::string>{"mat-b"});
  EXPECT_TRUE(link.value()->stats().connected);
  EXPECT_EQ(link.value()->stats().bad_messages, 0);
}

TEST_F(ClassLinkTest, BadOptionsAreRefusedAndAnUnreachableBrokerIsRetried) {
  auto bad = ClassLink::start(link_options("http://127.0.0.1:1"), roster_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("--mqtt 'http://127.0.0.1:1'"), std::string::npos);

  // A broker that is not there yet: the link waits, then fills the roster once it comes.
  MosquittoBroker later;
  auto link = ClassLink::start(link_options(later.url()), roster_);
  ASSERT_TRUE(link.ok());
  EXPECT_FALSE(link.value()->stats().connected);
  auto refused = link.value()->send_command("x", {{"command", "message"}, {"text", "hi"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("not connected to the broker"), std::string::npos);
  ASSERT_TRUE(later.start());
  Device c(later.url(), "mat-c", dir_);
  ASSERT_TRUE(
      eventually([&] { return device("mat-c")["state"] == "online"; }, std::chrono::seconds(20)));
}

// Everything the broker holds or passes on for a device, read as any client of it could (a '#'
// subscriber): never the device's token. The dashboard still gets into the device's viewer, with
// a short-lived link the device signs when asked, and an offline device's status has no URL.
TEST_F(ClassLinkTest, TheBrokerHoldsNoTokenAndTheDashboardGetsAShortLivedViewerLink) {
  const std::string token = "class-link-test-token-0123456789abcdef0123456789ab";
  testing::MqttSubscriber everything(broker_.url(), "#");
  ASSERT_TRUE(everything.connect());
  auto mat = std::make_unique<Device>(broker_.url(), "mat-t", dir_, token);
  ASSERT_TRUE(mat->telemetry);
  auto link = ClassLink::start(link_options(broker_.url()), roster_);
  ASSERT_TRUE(link.ok()) << link.error().message();

  // The dashboard asks (a viewer_link command) and gets a link for this device, valid a while.
  ASSERT_TRUE(eventually([&] { return device("mat-t").contains("viewer_url"); }))
      << roster_.devices_json(unix_ms_now()).dump();
  const json d = device("mat-t");
  EXPECT_EQ(d["stream_url"], "http://127.0.0.1:1/mat-t/");
  const std::string viewer_url = d["viewer_url"];
  ASSERT_EQ(viewer_url.rfind("http://127.0.0.1:1/mat-t/?token=v1-", 0), 0u) << viewer_url;
  const std::string credential = viewer_url.substr(viewer_url.find("token=") + 6);
  const int64_t now_s = unix_ms_now() / 1000;
  EXPECT_TRUE(valid_viewer_credential(credential, token, "mat-t", now_s));
  EXPECT_FALSE(valid_viewer_credential(credential, token, "mat-other", now_s));
  EXPECT_FALSE(valid_viewer_credential(credential, token, "mat-t", now_s + 1201));
  const int64_t expires_ms = d["viewer_expires_ms"];
  EXPECT_NEAR(static_cast<double>(expires_ms - unix_ms_now()), 1200e3, 5e3);

  // What went over the broker: the status, the request, the link; never the token.
  ASSERT_TRUE(everything.wait_for([&] { return !everything.messages("/viewer").empty(); }));
  for (const auto& m : everything.messages())
    EXPECT_EQ(m.payload.find(token), std::string::npos) << m.topic << ": " << m.payload;
  EXPECT_EQ(testing::schema_problems(everything.messages("/viewer").back().json(),
                                     testing::load_schema("mqtt-viewer.schema.json")),
            "");
  const json status = everything.messages("/status").back().json();
  EXPECT_EQ(status["stream_url"], "http://127.0.0.1:1/mat-t/");

  // A clean stop: the retained status keeps no URL, and the dashboard drops the link.
  mat->telemetry->stop();
  ASSERT_TRUE(eventually([&] { return device("mat-t")["state"] == "offline"; }));
  EXPECT_FALSE(device("mat-t").contains("viewer_url"));
  // What a client that connects later finds retained: only the offline status, no URL at all.
  testing::MqttSubscriber later(broker_.url(), "#");
  ASSERT_TRUE(later.connect());
  ASSERT_TRUE(later.wait_for([&] { return !later.messages("/status").empty(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const auto& m : later.messages()) {
    EXPECT_TRUE(m.retained) << m.topic;
    EXPECT_EQ(m.payload.find("http"), std::string::npos) << m.topic << ": " << m.payload;
    EXPECT_EQ(m.payload.find(token), std::string::npos) << m.topic << ": " << m.payload;
  }
}

}  // namespace
}  // namespace posecast
