// MQTT over TLS against a real Mosquitto with a test CA made by openssl: the broker's certificate
// chain and host name are verified, client certificates work, and each failure keeps the device
// off the broker instead of talking to an impostor.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "posecast/class_roster.h"
#include "posecast/mqtt_telemetry.h"
#include "telemetry/mosquitto_broker.h"
#include "telemetry/mqtt_subscriber.h"
#include "test_pki.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using testing::MosquittoBroker;
using testing::MqttSubscriber;
using testing::TestPki;

class MqttTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!MosquittoBroker::available()) GTEST_SKIP() << "needs mosquitto";
    if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "needs openssl";
    dir_ = fs::temp_directory_path() / ("posecast_mqtt_tls_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    pki_ = std::make_unique<TestPki>(dir_ / "pki");
    ASSERT_TRUE(pki_->ok()) << "openssl could not make the test certificates";
    mutual_port_ = broker_.add_tls_listener(pki_->file("ca.crt"), pki_->file("server.crt"),
                                            pki_->file("server.key"), true);
    wrong_host_port_ = broker_.add_tls_listener(pki_->file("ca.crt"), pki_->file("wrong-host.crt"),
                                                pki_->file("wrong-host.key"), false);
    ASSERT_TRUE(broker_.start());
  }
  void TearDown() override { fs::remove_all(dir_); }

  posecast::MqttOptions device(const std::string& id, int port, posecast::MqttTls tls) {
    posecast::MqttOptions o;
    o.url = "ssl://127.0.0.1:" + std::to_string(port);
    o.device = id;
    o.tls = std::move(tls);
    o.queue_dir = dir_ / ("queue-" + id);
    return o;
  }
  // Whether a device with these options gets onto the broker within `wait`.
  bool connects(const posecast::MqttOptions& o,
                std::chrono::milliseconds wait = std::chrono::milliseconds(3000)) {
    auto t = MqttTelemetry::start(o, {});
    EXPECT_TRUE(t.ok()) << t.error().message();
    if (!t) return false;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline && !(*t)->stats().connected)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const bool connected = (*t)->stats().connected;
    (*t)->stop(std::chrono::milliseconds(0));
    return connected;
  }

  MosquittoBroker broker_;
  fs::path dir_;
  std::unique_ptr<TestPki> pki_;
  int mutual_port_ = 0, wrong_host_port_ = 0;
};

TEST_F(MqttTls, AClientCertificateAndTheRightCaGetResultsThrough) {
  MqttSubscriber sub(broker_.url(), "posecast/secure1/#");
  ASSERT_TRUE(sub.connect());
  const posecast::MqttTls tls{pki_->file("ca.crt").string(), pki_->file("client.crt").string(),
                              pki_->file("client.key").string()};
  auto t = MqttTelemetry::start(device("secure1", mutual_port_, tls), {});
  ASSERT_TRUE(t.ok()) << t.error().message();
  FrameResult r;
  r.frame = 1;
  r.classification.decision = "tree";
  (*t)->publish_result(r);
  ASSERT_TRUE(sub.wait_for([&] { return !sub.messages("/results").empty(); }))
      << "nothing arrived over TLS";
  EXPECT_EQ(sub.messages("/results")[0].json()["decision"], "tree");
  EXPECT_TRUE((*t)->stats().connected);
  (*t)->stop();

  // The class dashboard connects the same way.
  ClassRoster roster;
  auto link = ClassLink::start({"ssl://127.0.0.1:" + std::to_string(mutual_port_), "", "", tls, ""},
                               roster);
  ASSERT_TRUE(link.ok()) << link.error().message();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline && roster.devices().empty())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(roster.devices().size(), 1u) << "the retained status should arrive over TLS";
  EXPECT_EQ(roster.devices()[0].id, "secure1");
}

TEST_F(MqttTls, NoClientCertificateAnotherCaOrAnotherHostNameStayOff) {
  const std::string ca = pki_->file("ca.crt").string();
  const std::string cert = pki_->file("client.crt").string();
  const std::string key = pki_->file("client.key").string();
  EXPECT_FALSE(connects(device("nocert", mutual_port_, {ca, "", ""})))
      << "the broker requires a client certificate";
  EXPECT_FALSE(
      connects(device("otherca", mutual_port_, {pki_->file("other-ca.crt").string(), cert, key})))
      << "a broker certificate from an untrusted CA was accepted";
  EXPECT_FALSE(connects(device("wronghost", wrong_host_port_, {ca, "", ""})))
      << "a certificate for elsewhere.example was accepted for 127.0.0.1";
  // The same CA, the right host name: on.
  EXPECT_TRUE(connects(device("righthost", mutual_port_, {ca, cert, key})));
}

TEST_F(MqttTls, TlsOptionsAreCheckedBeforeAnyConnection) {
  posecast::MqttOptions plain = device("x", mutual_port_, {pki_->file("ca.crt").string(), "", ""});
  plain.url = broker_.url();  // tcp://
  auto refused = MqttTelemetry::start(plain, {});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("--mqtt-ca needs a TLS broker URL"), std::string::npos)
      << refused.error().message();

  auto missing =
      MqttTelemetry::start(device("x", mutual_port_, {(dir_ / "nope.crt").string(), "", ""}), {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("--mqtt-ca " + (dir_ / "nope.crt").string() +
                                           ": No such file"),
            std::string::npos)
      << missing.error().message();

  auto key_only = MqttTelemetry::start(
      device("x", mutual_port_, {"", "", pki_->file("client.key").string()}), {});
  ASSERT_FALSE(key_only.ok());
  EXPECT_NE(key_only.error().message().find("--mqtt-key needs --mqtt-cert"), std::string::npos);
}

}  // namespace
}  // namespace posecast
