// deploy/mosquitto/ (mosquitto.conf + acl) on a real Mosquitto, as a class would run it: TLS only,
// users with passwords, each device kept to its own topics and the commands to the instructor.
// The device and the dashboard are posecast's own (MqttTelemetry, ClassLink); the intruders are
// plain Paho clients. Certificates are made for the test (test_pki.h).
#include <gtest/gtest.h>
#include <mqtt/async_client.h>

#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include "eventually.h"
#include "posecast/class_roster.h"
#include "posecast/frame.h"
#include "posecast/mqtt_telemetry.h"
#include "telemetry/mosquitto_broker.h"
#include "test_paths.h"
#include "test_pki.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using testing::eventually;
using testing::MosquittoBroker;
using testing::TestPki;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A plain Paho client with a user name (or none), over TLS or not; it keeps what it receives.
class RawClient : public mqtt::callback {
 public:
  RawClient(const std::string& url, const std::string& id) : client_(url, id) {
    client_.set_callback(*this);
  }
  ~RawClient() override {
    try {
      if (client_.is_connected()) client_.disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
    }
  }
  // MQTT 3.1.1 only (no fallback to 3.1, a second refusal). `timeout`: short for a server that
  // never answers (plain MQTT to the TLS port); long enough otherwise for a TLS handshake on a
  // busy machine (a 1 s limit failed this test once while the whole suite ran on 2 cores).
  bool connect(const std::string& ca, const std::string& user, const std::string& password,
               std::chrono::seconds timeout = std::chrono::seconds(10)) {
    auto options = mqtt::connect_options_builder()
                       .clean_session(true)
                       .mqtt_version(MQTTVERSION_3_1_1)
                       .connect_timeout(timeout);
    if (!user.empty()) options.user_name(user).password(password);
    if (!ca.empty()) options.ssl(mqtt::ssl_options_builder().trust_store(ca).finalize());
    try {
      client_.connect(options.finalize())->wait_for(timeout + std::chrono::seconds(1));
    } catch (const mqtt::exception&) {
      return false;
    }
    return client_.is_connected();
  }
  void subscribe(const std::string& filter) { client_.subscribe(filter, 1)->wait(); }
  void publish(const std::string& topic, const std::string& payload) {
    client_.publish(topic, payload.data(), payload.size(), 1, false)->wait();
  }
  size_t received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  void message_arrived(mqtt::const_message_ptr) override {
    std::lock_guard lock(mutex_);
    ++received_;
  }

 private:
  mqtt::async_client client_;
  std::mutex mutex_;
  size_t received_ = 0;
};

class BrokerAcl : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!MosquittoBroker::available()) GTEST_SKIP() << "needs mosquitto (apt install mosquitto)";
    if (!TestPki::openssl_available()) GTEST_SKIP() << "needs the openssl command";
    if (::access("/usr/bin/mosquitto_passwd", X_OK) != 0) GTEST_SKIP() << "needs mosquitto_passwd";
    dir_ = broker_.dir() / "class";
    pki_ = std::make_unique<TestPki>(dir_);
    ASSERT_TRUE(pki_->ok());
    const fs::path deploy = fs::path(POSECAST_SOURCE_DIR) / "deploy" / "mosquitto";
    fs::copy_file(deploy / "acl", dir_ / "acl");
    const std::string passwords = (dir_ / "passwords").string();
    bool first = true;
    for (const auto& [user, password] : kUsers) {
      const std::string add = std::string("mosquitto_passwd -b ") + (first ? "-c " : "") +
                              passwords + " " + user + " " + password;
      ASSERT_EQ(std::system(add.c_str()), 0) << add;
      first = false;
    }
    // The broker drops to the "mosquitto" user, which must read what it was given.
    for (const auto& entry : fs::directory_iterator(dir_))
      fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::owner_write |
                                        fs::perms::group_read | fs::perms::others_read);
    std::string config = read_text(deploy / "mosquitto.conf");
    config = std::regex_replace(config, std::regex("@DIR@"), dir_.string());
    config = std::regex_replace(config, std::regex("@PORT@"), std::to_string(broker_.port()));
    config = std::regex_replace(config, std::regex("@HOST@"), "127.0.0.1");
    broker_.use_config(config + "log_dest file " + (broker_.dir() / "mosquitto.log").string());
    ASSERT_TRUE(broker_.start()) << read_text(broker_.dir() / "mosquitto.log");
  }

  std::string url() const { return "ssl://127.0.0.1:" + std::to_string(broker_.port()); }
  std::string ca() const { return pki_->file("ca.crt").string(); }

  static constexpr std::pair<const char*, const char*> kUsers[] = {
      {"instructor", "pw-instructor"}, {"mat1", "pw-mat1"}, {"mat2", "pw-mat2"}};
  MosquittoBroker broker_;
  fs::path dir_;
  std::unique_ptr<TestPki> pki_;
};

TEST_F(BrokerAcl, StrangersAreRefusedAtTheDoor) {
  RawClient anonymous(url(), "anonymous");
  EXPECT_FALSE(anonymous.connect(ca(), "", ""));
  RawClient wrong_password(url(), "wrong");
  EXPECT_FALSE(wrong_password.connect(ca(), "mat1", "guess"));
  RawClient plain("tcp://127.0.0.1:" + std::to_string(broker_.port()), "plain");
  EXPECT_FALSE(plain.connect("", "mat1", "pw-mat1", std::chrono::seconds(1))) << "TLS only";
  RawClient device(url(), "mat1-raw");
  EXPECT_TRUE(device.connect(ca(), "mat1", "pw-mat1"));
}

// A device and the dashboard work as usual; another device can neither read the first one's
// topics nor command it.
TEST_F(BrokerAcl, EachDeviceKeepsToItsOwnTopicsAndOnlyTheInstructorCommands) {
  std::atomic<int> commands{0};
  MqttOptions o;
  o.url = url();
  o.user = "mat1";
  o.password = "pw-mat1";
  o.tls.ca_file = ca();
  o.device = "mat1";
  o.queue_dir = broker_.dir() / "queue";
  o.stream_url = "http://127.0.0.1:1/";
  o.viewer_link_key = "acl-test-token-0123456789abcdef0123456789abcdef";
  auto mat1 = MqttTelemetry::start(o, [&](const InstructorCommand&) {
    ++commands;
    return Status::Ok();
  });
  ASSERT_TRUE(mat1.ok()) << mat1.error().message();

  RawClient mat2(url(), "mat2");
  ASSERT_TRUE(mat2.connect(ca(), "mat2", "pw-mat2"));
  mat2.subscribe("posecast/#");
  mat2.publish("posecast/mat1/commands", R"({"command":"message","text":"hi"})");

  ClassRoster roster("posecast");
  ClassLinkOptions link_options;
  link_options.url = url();
  link_options.user = "instructor";
  link_options.password = "pw-instructor";
  link_options.tls.ca_file = ca();
  auto link = ClassLink::start(link_options, roster);
  ASSERT_TRUE(link.ok()) << link.error().message();
  auto device = [&] {
    const nlohmann::json all = roster.devices_json(unix_ms_now());
    for (const auto& d : all["devices"])
      if (d["id"] == "mat1") return d;
    return nlohmann::json();
  };
  // The dashboard sees the device and gets its viewer link (instructor-only topics).
  ASSERT_TRUE(eventually([&] { return device().contains("viewer_url"); }))
      << roster.devices_json(unix_ms_now()).dump();
  FrameResult result;
  result.capture_unix_ms = unix_ms_now();
  (*mat1)->publish_result(result);
  ASSERT_TRUE(eventually([&] { return device()["results_received"] == 1; }));

  // The instructor's command arrives; the other device's never did.
  ASSERT_TRUE(link.value()->send_command("mat1", {{"command", "message"}, {"text", "Breathe"}}));
  ASSERT_TRUE(eventually([&] { return commands == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(commands, 1);
  EXPECT_EQ(mat2.received(), 0u) << "mat2 read mat1's topics";
}

}  // namespace
}  // namespace posecast
