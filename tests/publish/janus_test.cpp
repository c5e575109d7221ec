// RTP into a real Janus (scripts/start-janus.sh) and out over WebRTC to a headless Chromium that
// plays the mountpoint through deploy/janus/viewer.html (tests/e2e/browser/janus.mjs). Skipped,
// saying why, when Janus, Chromium or the npm packages are not installed.
#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "posecast/stream_publisher.h"
#include "publish/janus_server.h"
#include "stream/test_client.h"

namespace posecast {
namespace {

using namespace posecast::testing;
using namespace std::chrono_literals;

TEST(JanusFanOut, RtpVp8PlaysInChromiumThroughJanus) {
  if (const std::string missing = janus_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = browser_missing(); !missing.empty()) GTEST_SKIP() << missing;
  Janus janus;
  ASSERT_TRUE(janus.ready()) << janus.process.log("script.log");

  VideoEncoderOptions options;
  options.codec = VideoCodec::kVp8;
  options.width = 640;
  options.height = 480;
  FrameFeeder feeder(options);
  ASSERT_TRUE(feeder.encoder()) << feeder.error();
  auto publisher = StreamPublisher::start(
      *parse_publish_url("rtp://127.0.0.1:" + std::to_string(janus.rtp_port)), *feeder.encoder());
  ASSERT_TRUE(publisher) << publisher.error().message();

  const nlohmann::json report = watch_in_chromium(janus, 1, janus.pin());
  ASSERT_FALSE(report.is_null()) << janus.process.log("script.log");
  ASSERT_EQ(report["ok"], true) << report.dump() << "\n" << janus.process.log("script.log");
  EXPECT_GT(report["video"]["framesDecoded"].get<int>(), 20);
  EXPECT_EQ(report["video"]["width"], 640);
  EXPECT_EQ(report["video"]["height"], 480);
  EXPECT_EQ(report["video"]["codec"], "video/VP8");
  std::cout << "[ figures  ] Janus: Chromium's first frame " << report["first_frame_ms"]
            << " ms after opening the viewer page" << std::endl;
}

TEST(JanusFanOut, RtpH264PlaysOnTheSecondMountpoint) {
  if (const std::string missing = janus_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = browser_missing(); !missing.empty()) GTEST_SKIP() << missing;
  Janus janus;
  ASSERT_TRUE(janus.ready()) << janus.process.log("script.log");
  VideoEncoderOptions options;
  options.codec = VideoCodec::kH264;
  options.width = 480;
  options.height = 360;
  FrameFeeder feeder(options);
  ASSERT_TRUE(feeder.encoder()) << feeder.error();
  auto publisher = StreamPublisher::start(
      *parse_publish_url("rtp://127.0.0.1:" + std::to_string(janus.rtp_port + 2) + "?codec=h264"),
      *feeder.encoder());
  ASSERT_TRUE(publisher) << publisher.error().message();

  const nlohmann::json report = watch_in_chromium(janus, 2, janus.pin());
  ASSERT_FALSE(report.is_null());
  ASSERT_EQ(report["ok"], true) << report.dump() << "\n" << janus.process.log("script.log");
  EXPECT_GT(report["video"]["framesDecoded"].get<int>(), 20);
  EXPECT_EQ(report["video"]["width"], 480);
  EXPECT_EQ(report["video"]["codec"], "video/H264");
}

// Janus's own answer to a viewer's `watch` through its REST API: the plugin's event (an "error"
// or a "result" with the offer), as a browser gets it.
nlohmann::json janus_watch(const Janus& janus, int mountpoint, const std::string& pin) {
  using nlohmann::json;
  auto post = [&](const std::string& path, const json& body) {
    const HttpAnswer answer = http_post(janus.http_port, path, body.dump());
    return json::parse(answer.body, nullptr, false);
  };
  const json session = post("/janus", {{"janus", "create"}, {"transaction", "s"}});
  if (session.is_discarded() || !session.contains("data")) return session;
  const std::string session_path = "/janus/" + std::to_string(session["data"]["id"].get<int64_t>());
  const json handle =
      post(session_path,
           {{"janus", "attach"}, {"plugin", "janus.plugin.streaming"}, {"transaction", "a"}});
  if (handle.is_discarded() || !handle.contains("data")) return handle;
  json watch = {{"request", "watch"}, {"id", mountpoint}};
  if (!pin.empty()) watch["pin"] = pin;
  post(session_path + "/" + std::to_string(handle["data"]["id"].get<int64_t>()),
       {{"janus", "message"}, {"body", watch}, {"transaction", "w"}});
  // The answer to "watch" comes as an event on the session's long poll.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const json event =
        json::parse(http_get(janus.http_port, session_path + "?maxev=1").body, nullptr, false);
    if (!event.is_discarded() && event.value("janus", "") == "event") return event;
  }
  return nullptr;
}

// The mountpoints need their pin (derived from posecast's token file): without it or with a
// wrong one Janus refuses to set up the stream; with it, it offers the stream.
TEST(JanusFanOut, WatchingNeedsThePinPosecastDerivesFromItsToken) {
  if (const std::string missing = janus_missing(); !missing.empty()) GTEST_SKIP() << missing;
  Janus janus;
  ASSERT_TRUE(janus.ready()) << janus.process.log();
  ASSERT_NE(janus.process.log().find("pin=" + janus.pin()), std::string::npos)
      << janus.process.log();

  const nlohmann::json none = janus_watch(janus, 1, "");
  EXPECT_TRUE(none["plugindata"]["data"].contains("error_code")) << none.dump();
  EXPECT_FALSE(none.contains("jsep")) << none.dump();
  const nlohmann::json wrong = janus_watch(janus, 1, "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(wrong["plugindata"]["data"].contains("error_code")) << wrong.dump();
  EXPECT_FALSE(wrong.contains("jsep")) << wrong.dump();
  for (int mountpoint : {1, 2}) {
    const nlohmann::json right = janus_watch(janus, mountpoint, janus.pin());
    EXPECT_FALSE(right["plugindata"]["data"].contains("error_code")) << right.dump();
    EXPECT_EQ(right["jsep"]["type"], "offer") << right.dump();
  }
}

}  // namespace
}  // namespace posecast
