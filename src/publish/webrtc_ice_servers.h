// ICE server URLs (--ice-server, WebRtcOptions::ice_servers): read once, then written in
// GStreamer's form for webrtcbin and in the browser's form for RTCPeerConnection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "posecast/status.h"
#include "posecast/webrtc_peer.h"

namespace posecast::publish {

struct IceServer {
  std::string scheme;  // stun, stuns, turn, turns
  std::string host;    // an IPv6 address without brackets
  uint16_t port = 3478;
  std::string username, password;
  std::string transport;  // "", "udp" or "tcp"
  bool turn() const { return scheme.starts_with("turn"); }
};

// Every URL of options.ice_servers, or the first one that is wrong.
Result<std::vector<IceServer>> parse_ice_servers(const WebRtcOptions& options);

// "host:port", an IPv6 host in brackets.
std::string ice_host_port(const IceServer& server);

// GStreamer's forms: stun://host:port, turn(s)://user:pass@host:port[?transport=tcp].
std::string gstreamer_url(const IceServer& server);

}  // namespace posecast::publish
