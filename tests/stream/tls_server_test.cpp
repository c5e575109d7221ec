// The live server over TLS (--tls-cert/--tls-key) with a certificate made by openssl for the
// test: every path answers over https:// and wss:// with the token, the cookie is Secure, bad
// files are startup errors naming the file, and clients that do not speak TLS are turned away
// without stopping anybody else.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "stream/tls_test_client.h"
#include "test_pki.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using namespace posecast::testing;
using nlohmann::json;

const std::string kToken = "feedc0de" + std::string(56, '7');

class LiveServerTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!TestPki::openssl_available()) GTEST_SKIP() << "needs the openssl command";
    dir_ = fs::temp_directory_path() / ("posecast_https_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    pki_ = std::make_unique<TestPki>(dir_);
    ASSERT_TRUE(pki_->ok()) << "openssl could not make the test certificates";
  }
  void TearDown() override { fs::remove_all(dir_); }

  LiveServerOptions tls_options() const {
    LiveServerOptions options;
    options.access_token = kToken;
    options.tls_cert_file = pki_->file("server.crt").string();
    options.tls_key_file = pki_->file("server.key").string();
    return options;
  }
  HttpAnswer get(uint16_t port, const std::string& target, bool with_token = true) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (with_token) headers.emplace_back("Authorization", "Bearer " + kToken);
    return https_call(port, pki_->file("ca.crt"), http::verb::get, target, headers);
  }
  // What LiveServer::start says about these files (or "" when it starts).
  std::string start_error(const std::string& cert, const std::string& key) {
    LiveServerOptions options;
    options.port = 0;
    options.tls_cert_file = cert;
    options.tls_key_file = key;
    auto server = LiveServer::start(options);
    return server.ok() ? "" : server.error().message();
  }

  fs::path dir_;
  std::unique_ptr<TestPki> pki_;
};

TEST_F(LiveServerTls, ServesPagesApiAndMetricsOverHttpsWithTheToken) {
  LiveServerHooks hooks;
  hooks.status_json = [] { return json{{"fps", 29.5}, {"source", "demo"}}; };
  hooks.metrics_text = [] { return std::string("posecast_pipeline_fps 29.5\n"); };
  auto server = start_test_server(hooks, tls_options());
  ASSERT_TRUE(server);
  const std::string base = "https://127.0.0.1:" + std::to_string(server->port()) + "/";
  EXPECT_EQ(server->url(), base);
  EXPECT_EQ(server->access_url(), base + "?token=" + kToken);

  // The printed URL: a redirect that sets the cookie, Secure so it never travels over http://.
  const HttpAnswer signed_in = get(server->port(), "/?token=" + kToken, /*with_token=*/false);
  ASSERT_EQ(signed_in.status, 303) << signed_in.error;
  EXPECT_EQ(signed_in.header("Location"), "/");
  EXPECT_EQ(signed_in.header("Set-Cookie"), "posecast_token_" + std::to_string(server->port()) +
                                                "=" + kToken +
                                                "; Path=/; HttpOnly; SameSite=Strict; Secure");

  const HttpAnswer page = get(server->port(), "/");
  ASSERT_EQ(page.status, 200) << page.error;
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<html"), std::string::npos);

  const HttpAnswer status = get(server->port(), "/api/status");
  ASSERT_EQ(status.status, 200) << status.error;
  EXPECT_EQ(json::parse(status.body)["source"], "demo");
  const HttpAnswer metrics = get(server->port(), "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("posecast_pipeline_fps 29.5"), std::string::npos);

  EXPECT_EQ(get(server->port(), "/api/status", /*with_token=*/false).status, 401);
  EXPECT_EQ(get(server->port(), "/metrics", false).status, 401);
}

TEST_F(LiveServerTls, StreamsSnapshotMjpegAndWebSocketOverTls) {
  auto server = start_test_server({}, tls_options());
  ASSERT_TRUE(server);
  EXPECT_EQ(get(server->port(), "/snapshot.jpg").status, 503);  // no frame yet

  TlsMjpegReader viewer(server->port(), pki_->file("ca.crt"), kToken);
  ASSERT_EQ(viewer.error(), "");
  EXPECT_EQ(viewer.status_line(), "HTTP/1.1 200 OK");
  TlsWsReader results(server->port(), pki_->file("ca.crt"), "/ws?token=" + kToken);
  ASSERT_TRUE(results.ok()) << results.error();
  ASSERT_TRUE(eventually([&] { return server->stats().viewers() == 2; }));

  const LiveServer::Jpeg first = synthetic_jpeg(1, 320, 240);
  server->publish_frame(first, 1, unix_ms_now());
  server->publish_result(R"({"frame": 1, "label": "Tree 87 %"})");
  const std::string jpeg = viewer.next_jpeg();
  ASSERT_EQ(jpeg, std::string(first->begin(), first->end()));
  const cv::Mat decoded =
      cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(decoded.cols, 320);
  EXPECT_EQ(decoded.rows, 240);
  EXPECT_EQ(json::parse(results.next_message().value_or("{}"))["label"], "Tree 87 %");

  // More frames keep coming over the same TLS connection.
  const LiveServer::Jpeg second = synthetic_jpeg(2, 320, 240);
  server->publish_frame(second, 2, unix_ms_now());
  EXPECT_EQ(viewer.next_jpeg(), std::string(second->begin(), second->end()));
  server->publish_result(R"({"frame": 2})");
  EXPECT_EQ(json::parse(results.next_message().value_or("{}"))["frame"], 2);

  const HttpAnswer snapshot = get(server->port(), "/snapshot.jpg");
  ASSERT_EQ(snapshot.status, 200);
  EXPECT_EQ(snapshot.header("Content-Type"), "image/jpeg");
  EXPECT_EQ(snapshot.body, std::string(second->begin(), second->end()));

  // A WebSocket without the token is refused over TLS as over plain HTTP.
  TlsWsReader stranger(server->port(), pki_->file("ca.crt"), "/ws");
  EXPECT_FALSE(stranger.ok());
}

TEST_F(LiveServerTls, PlainHttpAndBrokenHandshakesAreTurnedAwayAndServingGoesOn) {
  LiveServerOptions options = tls_options();
  options.request_timeout = std::chrono::milliseconds(500);
  auto server = start_test_server({}, options);
  ASSERT_TRUE(server);
  server->publish_frame(synthetic_jpeg(1), 1, unix_ms_now());
  TlsMjpegReader viewer(server->port(), pki_->file("ca.crt"), kToken);
  ASSERT_EQ(viewer.status_line(), "HTTP/1.1 200 OK");

  // Somebody typed http://: a plain answer saying so, then the connection ends.
  const std::string plain =
      raw_exchange(server->port(), "GET /?token=" + kToken + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(plain.starts_with("HTTP/1.1 400 Bad Request\r\n")) << plain;
  EXPECT_NE(plain.find("this server speaks HTTPS only"), std::string::npos);
  EXPECT_EQ(plain.find(kToken), std::string::npos);

  // A ClientHello header, then garbage: a TLS alert (no HTTP), and the connection closes.
  const auto t0 = Clock::now();
  const std::string garbage =
      raw_exchange(server->port(), std::string("\x16\x03\x01\x01\x00\x01\x00\x00\x40", 9) +
                                       std::string(300, '\x7f'));
  EXPECT_LT(Clock::now() - t0, 3s) << "the server must hang up, not wait";
  EXPECT_EQ(garbage.find("HTTP/"), std::string::npos);

  // A client that does not trust the certificate gives up; the server does not mind.
  const HttpAnswer untrusted =
      https_call(server->port(), pki_->file("other-ca.crt"), http::verb::get, "/api/status");
  EXPECT_EQ(untrusted.status, 0);
  EXPECT_NE(untrusted.error.find("certificate verify failed"), std::string::npos)
      << untrusted.error;

  // A client that connects and never starts its handshake is dropped after the request timeout.
  const auto silent = time_until_hung_up(server->port(), "", 0ms);
  EXPECT_GE(silent, 400ms);
  EXPECT_LT(silent, 2500ms);

  // And through it all the real viewer and new clients are served.
  server->publish_frame(synthetic_jpeg(2), 2, unix_ms_now());
  EXPECT_FALSE(viewer.next_jpeg().empty());
  EXPECT_EQ(get(server->port(), "/api/status").status, 200);
}

TEST_F(LiveServerTls, BadCertificateOrKeyFilesAreStartupErrorsNamingTheFile) {
  const std::string cert = pki_->file("server.crt").string();
  const std::string key = pki_->file("server.key").string();
  const std::string missing = (dir_ / "nope.pem").string();
  EXPECT_EQ(start_error(missing, key),
            "--tls-cert " + missing + ": cannot read it: No such file or directory");
  EXPECT_EQ(start_error(cert, missing),
            "--tls-key " + missing + ": cannot read it: No such file or directory");
  EXPECT_EQ(start_error(cert, ""),
            "--tls-cert and --tls-key go together: give both, or neither for plain HTTP");

  const std::string not_a_cert = start_error(key, key);
  EXPECT_TRUE(not_a_cert.starts_with("--tls-cert " + key + " is not a PEM certificate: "))
      << not_a_cert;
  const std::string not_a_key = start_error(cert, cert);
  EXPECT_TRUE(not_a_key.starts_with("--tls-key " + cert + " is not an unencrypted PEM private key"))
      << not_a_key;
  // Another certificate's key.
  const std::string other_key = pki_->file("other-ca.key").string();
  EXPECT_EQ(start_error(cert, other_key),
            "--tls-key " + other_key + " does not match the certificate in --tls-cert " + cert);
  EXPECT_EQ(start_error(cert, key), "");
}

}  // namespace
}  // namespace posecast
