// WebRTC signalling (GET /rtc as a WebSocket, viewer page only): every message in order, to and
// from the SignalingSession that hooks.open_signaling makes for the connection. Threading: a
// session's state is touched on its connection's strand only; `send` and stop() post there.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>

#include "server_state.h"

namespace posecast::stream {

// Takes over a connection whose request was a WebSocket upgrade to /rtc: registers it, accepts
// the upgrade and opens a signalling session (hooks.open_signaling must be set).
template <class Stream>
void start_signaling_session(Stream stream, const std::shared_ptr<ServerState>& state,
                             beast::http::request<beast::http::string_body> request);

}  // namespace posecast::stream
