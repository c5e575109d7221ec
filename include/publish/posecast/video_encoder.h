// Compressed video for remote viewers: the annotated frames encoded ONCE per codec (GStreamer:
// x264enc for H.264, vp8enc for VP8, tuned for low latency), and every encoded frame handed to
// each subscriber (WebRTC peers, RTMP/RTP publishers, the RTSP server). A subscriber that joins
// late asks for a key frame and starts from it.
//
// The encoder runs in its own GStreamer pipeline: appsrc (BGR, newest frame only) ! videoconvert
// ! I420 ! encoder ! appsink. push() never blocks the render thread: while the encoder is busy
// a newer frame replaces the waiting one. Subscribers are called on GStreamer's streaming thread
// and must return quickly (copy, or push into their own appsrc).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <opencv2/core/mat.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/status.h"

namespace posecast {

enum class VideoCodec { kH264, kVp8 };

std::string_view codec_name(VideoCodec codec);  // "h264", "vp8"
// The GStreamer caps of the encoded stream as the encoder outputs it:
// "video/x-h264,stream-format=byte-stream,alignment=au" (SPS/PPS before every key frame) or
// "video/x-vp8"; each buffer is one access unit (one frame).
std::string_view encoded_caps(VideoCodec codec);

// Starts GStreamer once per process (gst_init); later calls are free. An Error names what is
// missing ("GStreamer element 'x264enc' not found: install gstreamer1.0-plugins-ugly").
Status init_gstreamer();
// Checks that `element` (a GStreamer factory name) exists, with the Debian package to install.
Status require_gst_element(std::string_view element, std::string_view debian_package);

struct EncodedFrame {
  VideoCodec codec = VideoCodec::kH264;
  std::shared_ptr<const std::vector<uint8_t>> data;  // one access unit, shared by all subscribers
  bool keyframe = false;
  int64_t pts_ns = 0;           // running time since the encoder started
  int64_t duration_ns = 0;      // 1 / fps
  int64_t capture_unix_ms = 0;  // when the camera took the frame (for latency figures)
  int64_t frame = 0;            // the pipeline's frame number
};

using EncodedFrameCallback = std::function<void(const EncodedFrame&)>;

struct VideoEncoderOptions {
  VideoCodec codec = VideoCodec::kH264;
  int width = 640, height = 480;  // frames of another size are resized
  double fps = 30;
  int bitrate_kbps = 1500;
  int keyframe_interval = 30;  // frames between key frames (short GOP: quick joins and recovery)
  int threads = 1;             // encoder threads (0: the encoder's default)
};

struct VideoEncoderStats {
  int64_t frames_in = 0;       // push() calls
  int64_t frames_dropped = 0;  // replaced while the encoder was busy
  int64_t frames_out = 0;      // encoded frames
  int64_t keyframes = 0;
  int64_t bytes_out = 0;
  double encode_ms = 0;  // median push -> encoded time over the last frames
  int subscribers = 0;
};

class VideoEncoder {
 public:
  // Builds and starts the pipeline; an Error names the missing element or the bad option.
  static Result<std::unique_ptr<VideoEncoder>> start(VideoEncoderOptions options);
  ~VideoEncoder();  // stop()s
  VideoEncoder(const VideoEncoder&) = delete;
  VideoEncoder& operator=(const VideoEncoder&) = delete;

  // A BGR frame (CV_8UC3). Returns at once; copies the pixels.
  void push(const cv::Mat& bgr, int64_t frame, int64_t capture_unix_ms);

  // Every encoded frame from the next key frame on goes to `callback` (one is requested at
  // once) until unsubscribe(id); unsubscribe waits until the callback is no longer running.
  int subscribe(EncodedFrameCallback callback);
  void unsubscribe(int id);
  void request_keyframe();
  int subscribers() const;

  const VideoEncoderOptions& options() const;
  VideoEncoderStats stats() const;
  nlohmann::json status() const;  // the stats as JSON, with codec, size, bitrate
  void stop();                    // idempotent

  struct Impl;

 private:
  explicit VideoEncoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
