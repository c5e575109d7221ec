// Compressed video for `posecast run`: the hub between the pipeline's annotated frames and every
// compressed-video consumer. It owns one encoder per codec (video_encoder.h), started when the
// first consumer needs it and fed only while somebody subscribes, and:
//   - WebRTC viewers of the live page, signalled over /rtc (webrtc_peer.h): VP8;
//   - --publish URLs: rtmp:// (H.264 to nginx-rtmp -> HLS), rtp:// (to Janus) (stream_publisher.h);
//   - --rtsp HOST:PORT: posecast's own RTSP server, rtsp://HOST:PORT/live (H.264).
// Each codec is encoded once, whatever the number of viewers and servers.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "posecast/frame_result.h"
#include "posecast/live_server.h"
#include "posecast/status.h"
#include "posecast/video_encoder.h"
#include "posecast/webrtc_peer.h"

namespace posecast {

struct VideoOutputOptions {
  int width = 640, height = 480;  // the encoded size (the pipeline's frame size)
  double fps = 30;
  int bitrate_kbps = 1500;      // per codec
  double keyframe_seconds = 1;  // GOP length: how soon a new viewer or a lost packet recovers
  int encoder_threads = 1;
  bool webrtc = true;  // serve /rtc (the viewer page then prefers WebRTC over MJPEG)
  WebRtcOptions webrtc_options;
  std::vector<std::string> publish;  // --publish URLs
  std::string rtsp;                  // --rtsp HOST:PORT ("" = none)
};

class VideoOutputs {
 public:
  // Checks every option (URLs, ICE servers, the RTSP address) and starts the publishers and the
  // RTSP server; Errors name the option and its value. A media server that is down is not an
  // error: its publisher retries (status()).
  static Result<std::unique_ptr<VideoOutputs>> start(VideoOutputOptions options);
  ~VideoOutputs();  // stop()s
  VideoOutputs(const VideoOutputs&) = delete;
  VideoOutputs& operator=(const VideoOutputs&) = delete;

  // An annotated frame from the render thread (Pipeline::add_video_sink); returns at once.
  void push(const FrameResult& result, const cv::Mat& annotated);

  // Sets the live server's /rtc hook when WebRTC is on.
  void attach(LiveServerHooks& hooks);

  // One line per output for the terminal: "rtsp at rtsp://127.0.0.1:8554/live", ...
  std::vector<std::string> announcements() const;
  // {"encoders": {"h264": {...}, "vp8": {...}}, "webrtc": {...}, "publish": [...], "rtsp": {...}}
  nlohmann::json status() const;
  std::string metrics() const;  // Prometheus lines

  // Warnings from publishers (a server down, a connection lost): set before start's publishers
  // report, i.e. right after start().
  void set_error_sink(std::function<void(const std::string& message)> sink);

  void stop();  // idempotent: peers, publishers, RTSP server, then the encoders

  struct Impl;

 private:
  explicit VideoOutputs(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
