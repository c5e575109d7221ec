// The once-per-codec encoder: real x264enc/vp8enc output, decoded again with GStreamer's own
// decoders (openh264dec, vp8dec) and compared with what went in.
#include "posecast/video_encoder.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>
#include <vector>

namespace posecast {
namespace {

// A frame whose content moves with `i`: a white box on a gradient, and the frame number written.
cv::Mat test_frame(int i, int width = 320, int height = 240) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    image.row(y).setTo(cv::Scalar(40 + y * 150 / height, 80, 200 - y * 150 / height));
  cv::rectangle(image, cv::Rect((i * 4) % (width - 60), height / 3, 60, 60), cv::Scalar::all(255),
                cv::FILLED);
  cv::putText(image, std::to_string(i), {10, height - 20}, cv::FONT_HERSHEY_SIMPLEX, 1.2,
              cv::Scalar(0, 0, 0), 3);
  return image;
}

struct Collected {
  std::mutex mutex;
  std::vector<EncodedFrame> frames;
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex);
    return frames.size();
  }
};

// Pushes `count` frames at ~fps, pausing a little so that the encoder keeps up.
void push_frames(VideoEncoder& encoder, int first, int count, int width = 320, int height = 240) {
  for (int i = first; i < first + count; ++i) {
    encoder.push(test_frame(i, width, height), i, 1'700'000'000'000 + i);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool wait_for(Collected& c, size_t n, std::chrono::seconds limit = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (c.size() < n && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return c.size() >= n;
}

// Decodes encoded access units with GStreamer into BGR pictures.
std::vector<cv::Mat> decode(const std::vector<EncodedFrame>& frames, VideoCodec codec) {
  const std::string decoder = codec == VideoCodec::kH264 ? "h264parse ! openh264dec" : "vp8dec";
  const std::string description =
      "appsrc name=src format=time caps=" + std::string(encoded_caps(codec)) +
      ",width=320,height=240,framerate=30/1 ! " + decoder +
      " ! videoconvert ! video/x-raw,format=BGR ! appsink name=sink "
      "sync=false";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  EXPECT_EQ(error, nullptr) << (error ? error->message : "");
  if (!pipeline) return {};
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  int64_t pts = 0;
  for (const auto& f : frames) {
    GstBuffer* buffer = gst_buffer_new_memdup(f.data->data(), f.data->size());
    GST_BUFFER_PTS(buffer) = pts;
    GST_BUFFER_DURATION(buffer) = 33'333'333;
    pts += 33'333'333;
    gst_app_src_push_buffer(GST_APP_SRC(src), buffer);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  std::vector<cv::Mat> pictures;
  while (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 5 * GST_SECOND)) {
    GstCaps* caps = gst_sample_get_caps(sample);
    GstStructure* s = gst_caps_get_structure(caps, 0);
    int width = 0, height = 0;
    gst_structure_get_int(s, "width", &width);
    gst_structure_get_int(s, "height", &height);
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    GstMapInfo map;
    gst_buffer_map(buffer, &map, GST_MAP_READ);
    pictures.push_back(cv::Mat(height, width, CV_8UC3, map.data).clone());
    gst_buffer_unmap(buffer, &map);
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return pictures;
}

class VideoEncoderTest : public ::testing::TestWithParam<VideoCodec> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_gstreamer().ok());
    const char* decoder = GetParam() == VideoCodec::kH264 ? "openh264dec" : "vp8dec";
    if (!require_gst_element(decoder, "").ok())
      GTEST_SKIP() << decoder << " is missing (gstreamer1.0-plugins-bad/good)";
  }
};

TEST_P(VideoEncoderTest, EncodesFramesThatDecodeToWhatWentIn) {
  VideoEncoderOptions options;
  options.codec = GetParam();
  options.width = 320;
  options.height = 240;
  options.bitrate_kbps = 1500;
  auto encoder = VideoEncoder::start(options);
  ASSERT_TRUE(encoder.ok()) << encoder.error().message();
  Collected collected;
  encoder.value()->subscribe([&](const EncodedFrame& f) {
    std::lock_guard<std::mutex> lock(collected.mutex);
    collected.frames.push_back(f);
  });
  push_frames(*encoder.value(), 0, 40);
  ASSERT_TRUE(wait_for(collected, 30)) << "only " << collected.size() << " frames came out";
  std::vector<EncodedFrame> frames;
  {
    std::lock_guard<std::mutex> lock(collected.mutex);
    frames = collected.frames;
  }
  EXPECT_TRUE(frames.front().keyframe);
  EXPECT_EQ(frames.front().codec, GetParam());
  // Frame numbers and capture times travel with the encoded frames, in order.
  for (size_t k = 1; k < frames.size(); ++k) {
    EXPECT_GT(frames[k].frame, frames[k - 1].frame);
    EXPECT_EQ(frames[k].capture_unix_ms, 1'700'000'000'000 + frames[k].frame);
    EXPECT_GT(frames[k].pts_ns, frames[k - 1].pts_ns);
  }
  auto pictures = decode(frames, GetParam());
  ASSERT_GE(pictures.size(), frames.size() - 2);
  EXPECT_EQ(pictures.back().cols, 320);
  EXPECT_EQ(pictures.back().rows, 240);
  // The last decoded picture is the frame that went in, at video quality (PSNR > 25 dB).
  const double psnr = cv::PSNR(pictures.back(), test_frame(static_cast<int>(frames.back().frame)));
  EXPECT_GT(psnr, 25.0) << "frame " << frames.back().frame;

  const VideoEncoderStats stats = encoder.value()->stats();
  EXPECT_EQ(stats.frames_in, 40);
  EXPECT_GE(stats.frames_out, 30);
  EXPECT_GE(stats.keyframes, 1);
  EXPECT_GT(stats.bytes_out, 1000);
  EXPECT_GT(stats.encode_ms, 0);
  EXPECT_EQ(stats.subscribers, 1);
}

TEST_P(VideoEncoderTest, LateSubscriberStartsAtARequestedKeyFrame) {
  VideoEncoderOptions options;
  options.codec = GetParam();
  options.width = 320;
  options.height = 240;
  options.keyframe_interval = 1000;  // no scheduled key frame: only the requested one
  auto encoder = VideoEncoder::start(options);
  ASSERT_TRUE(encoder.ok()) << encoder.error().message();
  Collected first, late;
  int first_id = encoder.value()->subscribe([&](const EncodedFrame& f) {
    std::lock_guard<std::mutex> lock(first.mutex);
    first.frames.push_back(f);
  });
  push_frames(*encoder.value(), 0, 20);
  ASSERT_TRUE(wait_for(first, 15));
  encoder.value()->subscribe([&](const EncodedFrame& f) {
    std::lock_guard<std::mutex> lock(late.mutex);
    late.frames.push_back(f);
  });
  push_frames(*encoder.value(), 20, 20);
  ASSERT_TRUE(wait_for(late, 10));
  {
    std::lock_guard<std::mutex> lock(late.mutex);
    EXPECT_TRUE(late.frames.front().keyframe);
    EXPECT_LT(late.frames.front().frame, 27) << "the key frame came late";
    auto pictures = decode(late.frames, GetParam());
    EXPECT_GE(pictures.size(), late.frames.size() - 2) << "a late joiner could not decode";
  }
  // After unsubscribe nothing more arrives.
  encoder.value()->unsubscribe(first_id);
  const size_t before = first.size();
  push_frames(*encoder.value(), 40, 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(first.size(), before);
}

TEST_P(VideoEncoderTest, ResizesFramesOfAnotherSize) {
  VideoEncoderOptions options;
  options.codec = GetParam();
  options.width = 320;
  options.height = 240;
  auto encoder = VideoEncoder::start(options);
  ASSERT_TRUE(encoder.ok());
  Collected collected;
  encoder.value()->subscribe([&](const EncodedFrame& f) {
    std::lock_guard<std::mutex> lock(collected.mutex);
    collected.frames.push_back(f);
  });
  push_frames(*encoder.value(), 0, 10, 640, 480);
  ASSERT_TRUE(wait_for(collected, 5));
  std::lock_guard<std::mutex> lock(collected.mutex);
  auto pictures = decode(collected.frames, GetParam());
  ASSERT_FALSE(pictures.empty());
  EXPECT_EQ(pictures[0].size(), cv::Size(320, 240));
}

INSTANTIATE_TEST_SUITE_P(Codecs, VideoEncoderTest,
                         ::testing::Values(VideoCodec::kH264, VideoCodec::kVp8),
                         [](const auto& info) { return std::string(codec_name(info.param)); });

TEST(VideoEncoderOptionsTest, BadOptionsAreRefusedByName) {
  VideoEncoderOptions odd;
  odd.width = 641;
  auto a = VideoEncoder::start(odd);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message().find("641x480"), std::string::npos) << a.error().message();
  VideoEncoderOptions slow;
  slow.bitrate_kbps = 1;
  auto b = VideoEncoder::start(slow);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find("bitrate"), std::string::npos);
  EXPECT_FALSE(require_gst_element("no-such-element", "some-package").ok());
  EXPECT_NE(
      require_gst_element("no-such-element", "some-package").error().message().find("some-package"),
      std::string::npos);
}

}  // namespace
}  // namespace posecast
