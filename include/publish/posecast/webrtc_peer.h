// WebRTC straight from the device: each browser viewer gets the annotated video as VP8 over
// SRTP from a GStreamer webrtcbin of its own, fed from the shared VP8 encoder (video_encoder.h),
// so adding a viewer costs packetizing and encryption, never another encode.
//
// Signalling runs over the live server's own WebSocket (GET /rtc, live_server.h); the device
// makes the offer, the browser answers (JSON text messages):
//   device -> browser  {"type":"config","iceServers":[{"urls":"stun:host:3478"}, ...]}  (first)
//   browser -> device  {"type":"start"}                      (creates the peer)
//   device -> browser  {"type":"offer","sdp":"v=0..."}
//   browser -> device  {"type":"answer","sdp":"v=0..."}
//   both ways          {"type":"ice","candidate":"candidate:...","sdpMLineIndex":0}
//   device -> browser  {"type":"error","message":"..."}     (the session stays open)
// Media goes over UDP between the browser and the device (ICE: host candidates, or STUN/TURN
// from WebRtcOptions::ice_servers, which the browser is told to use too).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/live_server.h"
#include "posecast/status.h"
#include "posecast/video_encoder.h"

namespace posecast {

struct WebRtcOptions {
  // STUN and TURN servers, one URL each (the --ice-server option):
  //   "stun:host:port" or GStreamer's "stun://host:port" (webrtcbin uses the first STUN server);
  //   "turn://user:pass@host:port" or "turns://..." (GStreamer's form), or the browser's
  //   "turn:host:port?transport=udp" with turn_username/turn_password below.
  std::vector<std::string> ice_servers;
  std::string turn_username;  // for TURN URLs without credentials of their own
  std::string turn_password;
  // The UDP ports ICE may use on the device (0, 0: any); open this range in a firewall.
  uint16_t udp_port_min = 0;
  uint16_t udp_port_max = 0;
  int max_peers = 16;  // more browsers are told to use MJPEG instead
  // Encoded frames waiting for the network, per peer; beyond this the peer drops frames and
  // restarts from the next key frame (a slow peer never slows the encoder or other peers).
  int max_queued_frames = 5;
};

// Checks every ICE server URL and the port range; the Error names the bad URL.
Status check_webrtc_options(const WebRtcOptions& options);
// The ICE servers as the browser's RTCPeerConnection wants them:
// [{"urls": "turn:host:port?transport=udp", "username": "...", "credential": "..."}, ...].
nlohmann::json browser_ice_servers(const WebRtcOptions& options);

struct WebRtcPeerStats {
  // new, connecting, connected, disconnected, failed or closed (webrtcbin's connection state).
  std::string state = "new";
  int64_t frames_sent = 0;     // encoded frames handed to the network
  int64_t bytes_sent = 0;      // their payload bytes (before RTP/SRTP)
  int64_t frames_dropped = 0;  // skipped: not connected yet, queue full, or waiting for a key frame
  int64_t keyframes_requested = 0;  // by the browser (PLI/FIR) or after a drop
};

// One browser viewer. Thread-safe; `send` is called on GStreamer's threads with each signalling
// message for the browser (it must not block and must not destroy the peer).
class WebRtcPeer {
 public:
  // Builds and starts the peer's pipeline, subscribes to `vp8_encoder` (which must outlive the
  // peer) and sends the offer through `send` once webrtcbin asks for negotiation.
  static Result<std::unique_ptr<WebRtcPeer>> start(VideoEncoder& vp8_encoder, WebRtcOptions options,
                                                   std::function<void(std::string json_text)> send);
  ~WebRtcPeer();  // unsubscribes and tears the pipeline down
  WebRtcPeer(const WebRtcPeer&) = delete;
  WebRtcPeer& operator=(const WebRtcPeer&) = delete;

  // {"type":"answer","sdp":...} or {"type":"ice","candidate":...,"sdpMLineIndex":N}; an Error
  // names the missing or bad field, and the peer keeps running.
  Status handle_message(const nlohmann::json& message);

  WebRtcPeerStats stats() const;

  struct Impl;

 private:
  explicit WebRtcPeer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The /rtc sessions of one `posecast run`: a WebRtcPeer per browser, created when the browser
// sends {"type":"start"}. `vp8_encoder` is asked for the encoder then (so that it can be started
// lazily; nullptr or a non-VP8 encoder: the browser gets an error and falls back to MJPEG).
// Destroy it (or close_all()) before the encoder: it ends every peer.
class WebRtcSignaling {
 public:
  WebRtcSignaling(std::function<VideoEncoder*()> vp8_encoder, WebRtcOptions options);
  ~WebRtcSignaling();  // close_all()
  WebRtcSignaling(const WebRtcSignaling&) = delete;
  WebRtcSignaling& operator=(const WebRtcSignaling&) = delete;

  // For LiveServerHooks::open_signaling; stays safe to call after this object is gone (new
  // sessions then get an error).
  std::function<std::shared_ptr<SignalingSession>(std::function<void(std::string)> send)> hook();

  int peers() const;  // live peers (browsers that sent start and have not gone)
  // {"peers": N, "connected": N, "frames_sent": N, "bytes_sent": N, "ice_servers": N}
  nlohmann::json status() const;
  void close_all();  // ends every peer; later starts are refused

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace posecast
