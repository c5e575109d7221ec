// Fan-out through existing media servers: posecast encodes once (video_encoder.h) and hands the
// stream to a server that serves a whole class.
//   rtmp://HOST[:PORT]/APP/STREAM   H.264 in FLV, e.g. to nginx-rtmp, which serves HLS
//                                   (deploy/nginx-rtmp, scripts/start-nginx-rtmp.sh)
//   rtmps://...                     the same over TLS (port 443 by default)
//   rtp://HOST:PORT[?codec=vp8|h264&pt=96]
//                                   RTP over UDP, e.g. into a Janus streaming mountpoint that
//                                   relays WebRTC (deploy/janus, scripts/start-janus.sh)
// and an RTSP server of posecast's own (rtsp://HOST:PORT/live) for VLC, ffplay and NVRs.
//
// Each publisher runs its own GStreamer pipeline fed by an appsrc with the encoder's frames. The
// encoder's thread never waits for it: a frame that finds the publisher's queue full is dropped,
// and the publisher waits for (and asks for) the next key frame so that the stream stays
// decodable. A server that is down, refuses, or goes away is reported (status(), on_error) with
// the URL and retried with back-off, starting again from a fresh key frame; posecast carries on.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "posecast/status.h"
#include "posecast/video_encoder.h"

namespace posecast {

struct PublishTarget {
  enum Kind { kRtmp, kRtp };
  Kind kind = kRtmp;
  std::string url;                       // as given (the name used in status and errors)
  VideoCodec codec = VideoCodec::kH264;  // rtmp: always H.264; rtp: ?codec= (default VP8)
  std::string host;
  uint16_t port = 0;      // rtmp: 1935 (rtmps: 443) when the URL has none
  std::string app;        // rtmp: the application ("live")
  std::string stream;     // rtmp: the stream name/key, everything after the application
  bool tls = false;       // rtmps://
  int payload_type = 96;  // rtp: ?pt= (96-127)
};

// Parses a --publish URL. Errors name the URL and what is wrong with it:
//   "bad --publish URL 'rtp://host': rtp:// needs a port (rtp://HOST:PORT)".
Result<PublishTarget> parse_publish_url(std::string_view url);

struct StreamPublisherOptions {
  // Called (on the publisher's own thread) each time the connection fails or drops, with a line
  // naming the URL, the cause and when it retries. Must be quick.
  std::function<void(const std::string& message)> on_error;
  std::chrono::milliseconds retry_initial{500};  // back-off: doubles up to retry_max
  std::chrono::milliseconds retry_max{8000};
  int max_queued_frames = 30;  // more waiting frames (a slow server): drop, wait for a key frame
};

class StreamPublisher {
 public:
  // Checks the target against the encoder (RTMP needs H.264; rtp's codec must be the encoder's)
  // and the GStreamer elements needed, then connects in the background: a server that is down
  // is not an error here but a "retrying" state. `encoder` must outlive the publisher.
  static Result<std::unique_ptr<StreamPublisher>> start(const PublishTarget& target,
                                                        VideoEncoder& encoder,
                                                        StreamPublisherOptions options = {});
  ~StreamPublisher();  // stop()s
  StreamPublisher(const StreamPublisher&) = delete;
  StreamPublisher& operator=(const StreamPublisher&) = delete;

  // {"url", "kind": "rtmp"|"rtp", "codec", "state": "connecting"|"publishing"|"retrying"|
  //  "stopped", "frames", "frames_dropped", "bytes", "bytes_sent" (rtmp: acknowledged by the
  //  TCP stack), "last_error", "reconnects"}
  nlohmann::json status() const;
  const PublishTarget& target() const;
  void stop();  // idempotent; unsubscribes from the encoder and closes the connection

  struct Impl;

 private:
  explicit StreamPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An RTSP server (gst-rtsp-server) with one shared stream, rtsp://HOST:PORT/live: H.264 in RTP,
// over UDP or interleaved in the RTSP TCP connection, to any number of clients at once. The
// encoder's frames go in only while at least one client plays.
class RtspServer {
 public:
  // Port 0: a free port (url() tells which). Errors name HOST:PORT (in use, bad address) or the
  // encoder's codec when it is not H.264. `h264_encoder` must outlive the server.
  static Result<std::unique_ptr<RtspServer>> start(std::string host, uint16_t port,
                                                   VideoEncoder& h264_encoder);
  ~RtspServer();  // stop()s
  RtspServer(const RtspServer&) = delete;
  RtspServer& operator=(const RtspServer&) = delete;

  std::string url() const;  // rtsp://HOST:PORT/live (HOST 127.0.0.1 when serving 0.0.0.0)
  uint16_t port() const;
  // {"url", "clients", "playing" (medias fed now), "frames", "bytes", "clients_total"}
  nlohmann::json status() const;
  void stop();  // idempotent; disconnects every client

  struct Impl;

 private:
  explicit RtspServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
