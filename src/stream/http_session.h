// One accepted connection as HTTP/1.1 (over TLS when the server has a certificate): requests in,
// answers out, keep-alive, until a request asks for a stream or an upgrade, which a session of
// its own takes over (mjpeg_session.h, websocket_session.h, rtc_signaling_session.h).
// Threading: a connection's state is touched on its own strand only; stop() posts there.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "server_state.h"

namespace posecast::stream {

// Registers the connection and serves it; `socket` runs on a strand of its own.
void start_http_session(net::ip::tcp::socket socket, const std::shared_ptr<ServerState>& state);

}  // namespace posecast::stream
