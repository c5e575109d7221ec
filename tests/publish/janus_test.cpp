// RTP into a real Janus (scripts/start-janus.sh) and out over WebRTC to a headless Chromium that
// plays the mountpoint through deploy/janus/viewer.html (tests/e2e/browser/janus.mjs). Skipped,
// saying why, when Janus, Chromium or the npm packages are not installed.
#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "posecast/stream_publisher.h"
#include "publish/janus_server.h"

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

  const nlohmann::json report = watch_in_chromium(janus, 1);
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

  const nlohmann::json report = watch_in_chromium(janus, 2);
  ASSERT_FALSE(report.is_null());
  ASSERT_EQ(report["ok"], true) << report.dump() << "\n" << janus.process.log("script.log");
  EXPECT_GT(report["video"]["framesDecoded"].get<int>(), 20);
  EXPECT_EQ(report["video"]["width"], 480);
  EXPECT_EQ(report["video"]["codec"], "video/H264");
}

}  // namespace
}  // namespace posecast
