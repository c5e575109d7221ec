// GET /rtc on the live server with WebRtcSignaling behind it: the same access control as /ws
// (token, Origin), the ICE server list first, an error message (and an open session) for bad
// input, 404 without the hook.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "posecast/webrtc_peer.h"
#include "stream/test_client.h"

namespace posecast {
namespace {

using json = nlohmann::json;
using namespace posecast::testing;

// A WebSocket client that can also send, and sees the handshake's HTTP status.
class RtcClient {
 public:
  RtcClient(uint16_t port, const std::string& target, const std::string& origin = "") : ws_(io_) {
    if (beast::error_code ec = connect(io_, beast::get_lowest_layer(ws_), port)) {
      error_ = "connect: " + ec.message();
      return;
    }
    const std::string host = "127.0.0.1:" + std::to_string(port);
    ws_.set_option(websocket::stream_base::decorator([origin](websocket::request_type& request) {
      if (!origin.empty()) request.set(http::field::origin, origin);
    }));
    websocket::response_type response;
    error_ = ws_handshake(io_, ws_, host, target, &response);
    status_ = response.result_int();
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int status() const { return status_; }  // 101 when upgraded

  bool send(const std::string& text) {
    bool done = false;
    beast::error_code ec;
    ws_.text(true);
    ws_.async_write(net::buffer(text), [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    return run_until(io_, done, 3s) && !ec;
  }
  std::optional<json> next(std::chrono::milliseconds timeout = 5s) {
    std::string error;
    const auto text = ws_next_message(io_, ws_, timeout, error);
    if (!text) return std::nullopt;
    return json::parse(*text, nullptr, false);
  }

 private:
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  std::string error_;
  int status_ = 0;
};

struct SignalingServer {
  explicit SignalingServer(std::function<VideoEncoder*()> encoder = [] { return nullptr; }) {
    WebRtcOptions options;
    options.ice_servers = {"stun://stun.example.org:3478"};
    signaling = std::make_unique<WebRtcSignaling>(std::move(encoder), options);
    LiveServerHooks hooks;
    hooks.open_signaling = signaling->hook();
    LiveServerOptions server_options;
    server_options.access_token = "s3cret";
    server = start_test_server(std::move(hooks), server_options);
  }
  ~SignalingServer() {
    if (server) server->stop();
  }
  std::unique_ptr<WebRtcSignaling> signaling;
  std::unique_ptr<LiveServer> server;
};

TEST(WebRtcSignaling, RtcNeedsTheTokenAndTheServersOwnOrigin) {
  SignalingServer s;
  ASSERT_TRUE(s.server);
  const uint16_t port = s.server->port();
  RtcClient no_token(port, "/rtc");
  EXPECT_FALSE(no_token.ok());
  EXPECT_EQ(no_token.status(), 401);
  RtcClient wrong_token(port, "/rtc?token=guess");
  EXPECT_EQ(wrong_token.status(), 401);
  RtcClient other_site(port, "/rtc?token=s3cret", "http://evil.example");
  EXPECT_EQ(other_site.status(), 403);

  RtcClient page(port, "/rtc?token=s3cret", "http://127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page.status(), 101);
  // The browser learns the device's STUN server first, in its own URL form.
  const auto config = page.next();
  ASSERT_TRUE(config);
  EXPECT_EQ(*config, json::parse(R"({"type": "config",
                                     "iceServers": [{"urls": "stun:stun.example.org:3478"}]})"));
  // Not a WebSocket request: 426, like /ws.
  EXPECT_EQ(http_get(port, "/rtc?token=s3cret").status, 426);
}

TEST(WebRtcSignaling, BadMessagesGetAnErrorAndTheSessionStaysOpen) {
  SignalingServer s;
  ASSERT_TRUE(s.server);
  RtcClient page(s.server->port(), "/rtc?token=s3cret");
  ASSERT_TRUE(page.ok()) << page.error();
  ASSERT_TRUE(page.next());  // config

  const auto error_after = [&](const std::string& text) -> std::string {
    if (!page.send(text)) return "send failed";
    const auto answer = page.next();
    if (!answer) return "no answer";
    EXPECT_EQ((*answer)["type"], "error") << answer->dump();
    return answer->value("message", "");
  };
  EXPECT_NE(error_after("{not json").find("not JSON: '{not json'"), std::string::npos);
  EXPECT_NE(error_after("[1, 2]").find("JSON object"), std::string::npos);
  EXPECT_NE(error_after(R"({"kind": "start"})").find("'type'"), std::string::npos);
  EXPECT_NE(error_after(R"({"type": "answer", "sdp": "v=0"})").find("start"), std::string::npos);
  // This server has no VP8 encoder to give: the page is told to use MJPEG.
  EXPECT_NE(error_after(R"({"type": "start"})").find("MJPEG"), std::string::npos);
  EXPECT_EQ(s.signaling->peers(), 0);
  EXPECT_EQ(s.signaling->status()["peers"], 0);
}

TEST(WebRtcSignaling, StartMakesAPeerThatSendsAnOfferAndEndsWithTheConnection) {
  VideoEncoderOptions options;
  options.codec = VideoCodec::kVp8;
  options.width = 320;
  options.height = 240;
  auto encoder = VideoEncoder::start(options);
  ASSERT_TRUE(encoder.ok()) << encoder.error().message();
  int encoder_asked = 0;
  SignalingServer s([&] {
    ++encoder_asked;
    return encoder->get();
  });
  ASSERT_TRUE(s.server);
  {
    RtcClient page(s.server->port(), "/rtc?token=s3cret");
    ASSERT_TRUE(page.ok()) << page.error();
    ASSERT_TRUE(page.next());  // config
    ASSERT_TRUE(page.send(R"({"type": "start"})"));
    const auto offer = page.next();
    ASSERT_TRUE(offer);
    EXPECT_EQ((*offer)["type"], "offer") << offer->dump();
    const std::string sdp = offer->value("sdp", "");
    EXPECT_NE(sdp.find("m=video"), std::string::npos) << sdp;
    EXPECT_NE(sdp.find("VP8/90000"), std::string::npos) << sdp;
    EXPECT_NE(sdp.find("a=sendonly"), std::string::npos) << sdp;
    EXPECT_EQ(s.signaling->peers(), 1);
    EXPECT_EQ((*encoder)->stats().subscribers, 1);
    EXPECT_EQ(encoder_asked, 1);
  }
  // The browser went away: its peer ends and unsubscribes.
  EXPECT_TRUE(eventually([&] { return s.signaling->peers() == 0; }));
  EXPECT_TRUE(eventually([&] { return (*encoder)->stats().subscribers == 0; }));
}

TEST(WebRtcSignaling, NoHookNoRtc) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  EXPECT_EQ(http_get(server->port(), "/rtc").status, 404);
  RtcClient page(server->port(), "/rtc");
  EXPECT_EQ(page.status(), 404);
  const HttpAnswer status = http_get(server->port(), "/api/status");
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(json::parse(status.body)["webrtc_signaling"], false);
}

}  // namespace
}  // namespace posecast
