// posecast's RTSP server as VLC/ffmpeg users meet it: ffprobe and ffmpeg over RTSP/TCP, two
// clients at once, the first frame's wait, and the errors for a port in use or a bad address.
#include <gtest/gtest.h>

#include <future>
#include <iostream>
#include <nlohmann/json.hpp>

#include "posecast/stream_publisher.h"
#include "publish/media_servers.h"

namespace posecast {
namespace {

using namespace posecast::testing;
using namespace std::chrono_literals;

VideoEncoderOptions h264_options(int width, int height) {
  VideoEncoderOptions options;
  options.codec = VideoCodec::kH264;
  options.width = width;
  options.height = height;
  options.fps = 30;
  options.keyframe_interval = 30;
  return options;
}

TEST(RtspServer, ServesH264ToTwoClientsAtOnce) {
  if (const std::string missing = ffmpeg_missing(); !missing.empty()) GTEST_SKIP() << missing;
  FrameFeeder feeder(h264_options(640, 480));
  ASSERT_TRUE(feeder.encoder()) << feeder.error();
  auto server = RtspServer::start("127.0.0.1", 0, *feeder.encoder());
  ASSERT_TRUE(server) << server.error().message();
  RtspServer& rtsp = *server.value();
  ASSERT_GT(rtsp.port(), 0);
  EXPECT_EQ(rtsp.url(), "rtsp://127.0.0.1:" + std::to_string(rtsp.port()) + "/live");
  EXPECT_EQ(feeder.encoder()->stats().subscribers, 0);  // nobody plays: no frames go in

  // The first client: from the RTSP DESCRIBE to one decoded frame.
  const auto t0 = Clock::now();
  EXPECT_EQ(ffmpeg_decoded_frames(rtsp.url(), 1, "-rtsp_transport tcp"), 1);
  const double first_frame_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::cout << "[ figures  ] RTSP: ffmpeg's first decoded frame after " << first_frame_ms
            << " ms (process start included)" << std::endl;
  RecordProperty("rtsp_first_frame_ms", static_cast<int>(first_frame_ms));

  const nlohmann::json probe = ffprobe(rtsp.url(), "-rtsp_transport tcp");
  ASSERT_FALSE(probe.is_null());
  EXPECT_EQ(probe["codec_name"], "h264");
  EXPECT_EQ(probe["width"], 640);
  EXPECT_EQ(probe["height"], 480);

  // Two viewers at once share the one media; both decode 60 frames.
  auto first = std::async(std::launch::async, [&] {
    return ffmpeg_decoded_frames(rtsp.url(), 60, "-rtsp_transport tcp");
  });
  auto second = std::async(std::launch::async, [&] {
    return ffmpeg_decoded_frames(rtsp.url(), 60, "-rtsp_transport tcp");
  });
  bool both_connected = wait_until([&] { return rtsp.status()["clients"] == 2; }, 10s);
  EXPECT_EQ(first.get(), 60);
  EXPECT_EQ(second.get(), 60);
  EXPECT_TRUE(both_connected) << rtsp.status().dump();

  const nlohmann::json status = rtsp.status();
  EXPECT_GE(status["clients_total"].get<int>(), 4);
  EXPECT_GT(status["frames"].get<int>(), 60);
  // Everybody left: the server stops taking the encoder's frames.
  EXPECT_TRUE(wait_until([&] { return feeder.encoder()->stats().subscribers == 0; }, 10s))
      << rtsp.status().dump();
  rtsp.stop();
}

TEST(RtspServer, ErrorsNameTheAddress) {
  FrameFeeder feeder(h264_options(320, 240));
  ASSERT_TRUE(feeder.encoder()) << feeder.error();
  auto first = RtspServer::start("127.0.0.1", 0, *feeder.encoder());
  ASSERT_TRUE(first) << first.error().message();
  const uint16_t taken = first.value()->port();

  auto in_use = RtspServer::start("127.0.0.1", taken, *feeder.encoder());
  ASSERT_FALSE(in_use);
  const std::string where = "127.0.0.1:" + std::to_string(taken);
  EXPECT_EQ(in_use.error().message().rfind("cannot serve RTSP at " + where + ": ", 0), 0u)
      << in_use.error().message();
  EXPECT_NE(in_use.error().message().find("in use"), std::string::npos) << in_use.error().message();

  auto bad_host = RtspServer::start("no-such-host.invalid", 8554, *feeder.encoder());
  ASSERT_FALSE(bad_host);
  EXPECT_EQ(bad_host.error().message().rfind("cannot serve RTSP at no-such-host.invalid:8554: ", 0),
            0u)
      << bad_host.error().message();

  FrameFeeder vp8([] {
    VideoEncoderOptions options;
    options.codec = VideoCodec::kVp8;
    return options;
  }());
  ASSERT_TRUE(vp8.encoder()) << vp8.error();
  auto wrong_codec = RtspServer::start("127.0.0.1", 0, *vp8.encoder());
  ASSERT_FALSE(wrong_codec);
  EXPECT_EQ(wrong_codec.error().message(), "RTSP at 127.0.0.1:0: needs the H.264 encoder, not vp8");
}

}  // namespace
}  // namespace posecast
