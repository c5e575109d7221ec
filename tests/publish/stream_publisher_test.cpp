// The publisher against real servers on loopback: RTMP into nginx-rtmp (scripts/
// start-nginx-rtmp.sh) and out as HLS, checked with ffprobe/ffmpeg as a viewer would; a server
// that is down, comes up, and goes away; a server that never reads; RTP into a GStreamer
// receiver. Skipped, saying why, only when nginx/ffmpeg are not installed.
#include "posecast/stream_publisher.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <opencv2/videoio.hpp>
#include <set>

#include "publish/media_servers.h"

namespace posecast {
namespace {

using namespace posecast::testing;
using namespace std::chrono_literals;

std::string parse_error(std::string_view url) {
  auto target = parse_publish_url(url);
  return target ? "" : target.error().message();
}

TEST(ParsePublishUrl, Rtmp) {
  auto target = parse_publish_url("rtmp://127.0.0.1:19350/live/pose");
  ASSERT_TRUE(target) << target.error().message();
  EXPECT_EQ(target->kind, PublishTarget::kRtmp);
  EXPECT_EQ(target->codec, VideoCodec::kH264);
  EXPECT_EQ(target->host, "127.0.0.1");
  EXPECT_EQ(target->port, 19350);
  EXPECT_EQ(target->app, "live");
  EXPECT_EQ(target->stream, "pose");
  EXPECT_FALSE(target->tls);

  auto defaults = parse_publish_url("rtmp://media.example/live/class-3?key=abc");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->port, 1935);
  EXPECT_EQ(defaults->stream, "class-3?key=abc");
  auto tls = parse_publish_url("rtmps://[::1]/app/a/b");
  ASSERT_TRUE(tls);
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->host, "::1");
  EXPECT_EQ(tls->port, 443);
  EXPECT_EQ(tls->app, "app");
  EXPECT_EQ(tls->stream, "a/b");
}

TEST(ParsePublishUrl, Rtp) {
  auto vp8 = parse_publish_url("rtp://127.0.0.1:5004");
  ASSERT_TRUE(vp8) << vp8.error().message();
  EXPECT_EQ(vp8->kind, PublishTarget::kRtp);
  EXPECT_EQ(vp8->codec, VideoCodec::kVp8);
  EXPECT_EQ(vp8->port, 5004);
  EXPECT_EQ(vp8->payload_type, 96);
  auto h264 = parse_publish_url("RTP://janus.local:5006/?codec=H264&pt=100");
  ASSERT_TRUE(h264) << h264.error().message();
  EXPECT_EQ(h264->codec, VideoCodec::kH264);
  EXPECT_EQ(h264->host, "janus.local");
  EXPECT_EQ(h264->payload_type, 100);
}

TEST(ParsePublishUrl, ErrorsNameTheUrlAndTheProblem) {
  EXPECT_EQ(parse_error("127.0.0.1:1935"),
            "bad --publish URL '127.0.0.1:1935': use rtmp://HOST[:PORT]/APP/STREAM or "
            "rtp://HOST:PORT[?codec=vp8|h264&pt=96]");
  EXPECT_EQ(parse_error("http://x/live/pose"),
            "bad --publish URL 'http://x/live/pose': unknown scheme 'http': use "
            "rtmp://HOST[:PORT]/APP/STREAM or rtp://HOST:PORT[?codec=vp8|h264&pt=96]");
  EXPECT_EQ(parse_error("rtmp://host"),
            "bad --publish URL 'rtmp://host': rtmp:// needs /APP/STREAM after the host (e.g. "
            "/live/pose)");
  EXPECT_EQ(parse_error("rtmp://host/live"),
            "bad --publish URL 'rtmp://host/live': no stream name after the application 'live' "
            "(rtmp://HOST/live/STREAM)");
  EXPECT_EQ(parse_error("rtmp://host:99999/live/pose"),
            "bad --publish URL 'rtmp://host:99999/live/pose': port '99999' is not a number "
            "1-65535");
  EXPECT_EQ(parse_error("rtmp://:1935/live/pose"),
            "bad --publish URL 'rtmp://:1935/live/pose': no host");
  EXPECT_EQ(parse_error("rtp://127.0.0.1"),
            "bad --publish URL 'rtp://127.0.0.1': rtp:// needs a port (rtp://HOST:PORT)");
  EXPECT_EQ(parse_error("rtp://127.0.0.1:5004?codec=av1"),
            "bad --publish URL 'rtp://127.0.0.1:5004?codec=av1': codec 'av1' is not vp8 or h264");
  EXPECT_EQ(parse_error("rtp://127.0.0.1:5004?pt=8"),
            "bad --publish URL 'rtp://127.0.0.1:5004?pt=8': pt '8' is not a dynamic payload type "
            "96-127");
  EXPECT_EQ(parse_error("rtp://127.0.0.1:5004?fec=1"),
            "bad --publish URL 'rtp://127.0.0.1:5004?fec=1': unknown parameter 'fec' (codec, pt)");
  EXPECT_EQ(parse_error("rtp://127.0.0.1:5004/mount"),
            "bad --publish URL 'rtp://127.0.0.1:5004/mount': rtp:// takes no path, only "
            "?codec=vp8|h264&pt=96");
  EXPECT_EQ(parse_error("rtmp://user:pw@host/live/pose"),
            "bad --publish URL 'rtmp://user:pw@host/live/pose': user names/passwords in the URL "
            "are not supported");
  EXPECT_EQ(parse_error("rtmp://host/live/my pose"),
            "bad --publish URL 'rtmp://host/live/my pose': spaces and control characters are not "
            "allowed");
}

VideoEncoderOptions encoder_options(VideoCodec codec, int width = 640, int height = 480) {
  VideoEncoderOptions options;
  options.codec = codec;
  options.width = width;
  options.height = height;
  options.fps = 30;
  options.keyframe_interval = 30;
  return options;
}

TEST(StreamPublisher, RefusesACodecTheEncoderDoesNotMake) {
  FrameFeeder vp8(encoder_options(VideoCodec::kVp8));
  ASSERT_TRUE(vp8.encoder()) << vp8.error();
  auto rtmp =
      StreamPublisher::start(*parse_publish_url("rtmp://127.0.0.1:1/live/pose"), *vp8.encoder());
  ASSERT_FALSE(rtmp);
  EXPECT_EQ(rtmp.error().message(),
            "rtmp://127.0.0.1:1/live/pose: the stream should be h264 but the encoder makes vp8");
}

// The errors a publisher reported through on_error, kept for the test's checks.
struct ErrorLog {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(line);
    };
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex);
    return lines.size();
  }
  std::string last() {
    std::lock_guard<std::mutex> lock(mutex);
    return lines.empty() ? "" : lines.back();
  }
};

bool state_is(const StreamPublisher& publisher, const std::string& state,
              std::chrono::milliseconds timeout) {
  return wait_until([&] { return publisher.status()["state"] == state; }, timeout);
}

// RTMP -> nginx-rtmp -> HLS, as a class would watch it; and how far behind live HLS is.
TEST(StreamPublisher, RtmpToNginxBecomesHlsThatPlays) {
  if (const std::string missing = nginx_rtmp_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = ffmpeg_missing(); !missing.empty()) GTEST_SKIP() << missing;
  NginxRtmp nginx;
  ASSERT_TRUE(nginx.ready()) << nginx.process.log();
  FrameFeeder feeder(encoder_options(VideoCodec::kH264));
  ASSERT_TRUE(feeder.encoder()) << feeder.error();

  ErrorLog errors;
  StreamPublisherOptions options;
  options.on_error = errors.sink();
  auto target = parse_publish_url(nginx.publish_url());
  ASSERT_TRUE(target);
  auto publisher = StreamPublisher::start(*target, *feeder.encoder(), options);
  ASSERT_TRUE(publisher) << publisher.error().message();
  ASSERT_TRUE(state_is(**publisher, "publishing", 10s))
      << publisher.value()->status().dump() << "\n"
      << nginx.process.log("error.log");

  // New segments keep coming, each decodable, ending on the frames the feeder sent. For the
  // figures (not a pass/fail: timing belongs to scripts/bench-stream.sh): each new segment's
  // last frame (read from its pixels) against when it was captured, measured when the segment
  // shows up in the playlist (the soonest a player can fetch it).
  std::vector<double> latencies_ms, segment_s;
  std::set<std::string> seen;
  int decoded_segments = 0;
  const auto deadline = Clock::now() + 30s;
  while (decoded_segments < 3 && Clock::now() < deadline) {
    const std::vector<std::string> segments = playlist_segments(nginx.playlist());
    const int64_t listed_ms = now_unix_ms();
    for (const std::string& segment : segments) {
      if (!seen.insert(segment).second || seen.size() == 1) continue;  // the first: partial
      cv::VideoCapture capture((nginx.process.dir() / "hls" / segment).string(), cv::CAP_FFMPEG);
      cv::Mat frame, last;
      int frames = 0;
      while (capture.read(frame)) {
        last = frame.clone();
        ++frames;
      }
      if (last.empty()) continue;
      ++decoded_segments;
      const int64_t captured = feeder.capture_ms(frame_number_of(last));
      if (captured < 0) continue;
      latencies_ms.push_back(static_cast<double>(listed_ms - captured));
      segment_s.push_back(frames / 30.0);
    }
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GE(decoded_segments, 3) << "segments listed: " << seen.size();
  EXPECT_FALSE(latencies_ms.empty()) << "no segment ended on a frame the feeder sent";
  if (!latencies_ms.empty()) {
    std::sort(latencies_ms.begin(), latencies_ms.end());
    const double median_ms = latencies_ms[latencies_ms.size() / 2];
    std::cout << "[ figures  ] HLS: last frame of a segment listed " << median_ms
              << " ms after capture (median of " << latencies_ms.size() << "), segments of "
              << segment_s.front() << " s" << std::endl;
    RecordProperty("hls_segment_listed_ms", static_cast<int>(median_ms));
  }

  // What a player sees over HTTP.
  const nlohmann::json playlist = ffprobe(nginx.hls_url());
  ASSERT_FALSE(playlist.is_null()) << "ffprobe " << nginx.hls_url() << " failed";
  EXPECT_EQ(playlist["codec_name"], "h264");
  EXPECT_EQ(playlist["width"], 640);
  EXPECT_EQ(playlist["height"], 480);
  EXPECT_EQ(playlist["format_name"], "hls");

  const std::vector<std::string> segments = playlist_segments(nginx.playlist());
  ASSERT_FALSE(segments.empty());
  // The newest listed segment: the oldest is next to be cleaned up, and on a slow machine it can
  // be gone before ffprobe asks for it.
  const std::string segment_url =
      "http://127.0.0.1:" + std::to_string(nginx.http_port) + "/hls/" + segments.back();
  const nlohmann::json segment = ffprobe(segment_url);
  ASSERT_FALSE(segment.is_null()) << segment_url;
  EXPECT_EQ(segment["codec_name"], "h264");
  EXPECT_EQ(segment["width"], 640);
  EXPECT_EQ(segment["format_name"], "mpegts");
  EXPECT_GT(segment["duration"].get<double>(), 0.5);
  EXPECT_LT(segment["duration"].get<double>(), 3.0);

  EXPECT_EQ(ffmpeg_decoded_frames(nginx.hls_url(), 10), 10);

  const nlohmann::json status = publisher.value()->status();
  EXPECT_EQ(status["url"], nginx.publish_url());
  EXPECT_EQ(status["kind"], "rtmp");
  EXPECT_EQ(status["codec"], "h264");
  EXPECT_GT(status["frames"].get<int>(), 100);
  EXPECT_GT(status["bytes_sent"].get<int64_t>(), status["bytes"].get<int64_t>() / 2);
  EXPECT_EQ(status["reconnects"], 0);
  EXPECT_EQ(errors.size(), 0u) << errors.last();
}

// Nothing listens: reported with the URL and retried; nginx comes up: publishing; nginx goes
// away: reported and retried; back again: publishing again. The encoder never stops.
TEST(StreamPublisher, RetriesUntilTheServerIsUpAndAfterItGoesAway) {
  if (const std::string missing = nginx_rtmp_missing(); !missing.empty()) GTEST_SKIP() << missing;
  FrameFeeder feeder(encoder_options(VideoCodec::kH264, 320, 240));
  ASSERT_TRUE(feeder.encoder()) << feeder.error();
  const uint16_t rtmp_port = free_port(), http_port = free_port();
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(rtmp_port) + "/live/pose";

  ErrorLog errors;
  StreamPublisherOptions options;
  options.on_error = errors.sink();
  options.retry_initial = 200ms;
  options.retry_max = 1000ms;
  auto publisher = StreamPublisher::start(*parse_publish_url(url), *feeder.encoder(), options);
  ASSERT_TRUE(publisher) << publisher.error().message();
  StreamPublisher& p = *publisher.value();

  ASSERT_TRUE(wait_until([&] { return errors.size() >= 2; }, 5s)) << p.status().dump();
  EXPECT_EQ(errors.last().rfind(url + ": ", 0), 0u) << errors.last();
  EXPECT_NE(errors.last().find("retrying in"), std::string::npos) << errors.last();
  nlohmann::json status = p.status();
  EXPECT_GE(status["reconnects"].get<int>(), 2);
  EXPECT_EQ(status["last_error"].get<std::string>().rfind(url, 0), 0u);
  EXPECT_EQ(status["bytes_sent"], 0);

  {
    NginxRtmp nginx("", rtmp_port, http_port);
    ASSERT_TRUE(nginx.ready()) << nginx.process.log();
    ASSERT_TRUE(state_is(p, "publishing", 10s)) << p.status().dump();
    ASSERT_TRUE(wait_until([&] { return playlist_segments(nginx.playlist()).size() >= 2; }, 10s));
    const size_t errors_before = errors.size();
    nginx.process.stop();
    ASSERT_TRUE(wait_until([&] { return errors.size() > errors_before; }, 10s))
        << p.status().dump();
    EXPECT_EQ(errors.last().rfind(url + ": ", 0), 0u) << errors.last();
    EXPECT_NE(p.status()["state"], "publishing");
  }
  const int64_t encoded_while_down = feeder.encoder()->stats().frames_out;
  NginxRtmp again("", rtmp_port, http_port);
  ASSERT_TRUE(again.ready()) << again.process.log();
  ASSERT_TRUE(state_is(p, "publishing", 10s)) << p.status().dump();
  ASSERT_TRUE(wait_until([&] { return playlist_segments(again.playlist()).size() >= 1; }, 10s));
  EXPECT_EQ(ffprobe(again.hls_url())["width"], 320);
  EXPECT_GT(feeder.encoder()->stats().frames_out, encoded_while_down);  // it never stalled
}

// A server that accepts the connection but never answers or reads: the encoder keeps its pace,
// the publisher drops (and says so) instead of queueing without end.
TEST(StreamPublisher, AServerThatNeverReadsDoesNotStallTheEncoder) {
  FrameFeeder feeder(encoder_options(VideoCodec::kH264, 320, 240));
  ASSERT_TRUE(feeder.encoder()) << feeder.error();
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);  // connections complete in the backlog, nobody reads
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/live/x";

  StreamPublisherOptions options;
  options.max_queued_frames = 10;
  auto publisher = StreamPublisher::start(*parse_publish_url(url), *feeder.encoder(), options);
  ASSERT_TRUE(publisher) << publisher.error().message();
  const int64_t before = feeder.encoder()->stats().frames_out;
  std::this_thread::sleep_for(2s);
  const int64_t encoded = feeder.encoder()->stats().frames_out - before;
  EXPECT_GT(encoded, 45) << "the encoder slowed down";  // 60 at 30 fps
  const nlohmann::json status = publisher.value()->status();
  EXPECT_NE(status["state"], "publishing") << status.dump();
  EXPECT_GT(status["frames_dropped"].get<int>(), 20) << status.dump();
  // The queue's 10 plus the few the parser and muxer hold before the socket blocks.
  EXPECT_LT(status["frames"].get<int>(), 30) << status.dump();
  publisher.value()->stop();  // returns although the server never answered
  ::close(listener);
}

// RTP/VP8 as Janus would receive it, decoded by a GStreamer receiver on a UDP port.
TEST(StreamPublisher, RtpVp8ArrivesAndDecodes) {
  ASSERT_TRUE(init_gstreamer().ok());
  const uint16_t port = free_port(SOCK_DGRAM);
  const std::string receiver_description =
      "udpsrc address=127.0.0.1 port=" + std::to_string(port) +
      " caps=\"application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=96\" ! "
      "rtpjitterbuffer latency=50 ! rtpvp8depay ! vp8dec ! videoconvert ! "
      "video/x-raw,format=BGR ! appsink name=sink sync=false";
  GError* error = nullptr;
  GstElement* receiver = gst_parse_launch(receiver_description.c_str(), &error);
  ASSERT_TRUE(receiver) << (error ? error->message : "");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(receiver), "sink");
  ASSERT_NE(gst_element_set_state(receiver, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  FrameFeeder feeder(encoder_options(VideoCodec::kVp8));
  ASSERT_TRUE(feeder.encoder()) << feeder.error();
  auto publisher = StreamPublisher::start(
      *parse_publish_url("rtp://127.0.0.1:" + std::to_string(port)), *feeder.encoder());
  ASSERT_TRUE(publisher) << publisher.error().message();

  int decoded = 0, width = 0, height = 0;
  int64_t last_number = -1;
  bool numbers_increase = true;
  const auto deadline = Clock::now() + 10s;
  while (decoded < 30 && Clock::now() < deadline) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 500 * GST_MSECOND);
    if (!sample) continue;
    GstStructure* s = gst_caps_get_structure(gst_sample_get_caps(sample), 0);
    gst_structure_get_int(s, "width", &width);
    gst_structure_get_int(s, "height", &height);
    GstMapInfo map;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      const cv::Mat bgr(height, width, CV_8UC3, map.data);
      const int64_t number = frame_number_of(bgr);
      numbers_increase &= number > last_number;
      last_number = number;
      gst_buffer_unmap(buffer, &map);
    }
    gst_sample_unref(sample);
    ++decoded;
  }
  gst_element_set_state(receiver, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(receiver);
  EXPECT_EQ(decoded, 30);
  EXPECT_EQ(width, 640);
  EXPECT_EQ(height, 480);
  EXPECT_TRUE(numbers_increase);
  const nlohmann::json status = publisher.value()->status();
  EXPECT_EQ(status["state"], "publishing");
  EXPECT_EQ(status["kind"], "rtp");
  EXPECT_EQ(status["codec"], "vp8");
}

}  // namespace
}  // namespace posecast
