// Result clients (GET /ws as a WebSocket): one text message per published result, never more than
// one result pending, so a slow client skips results. Threading: a session's state is touched on
// its connection's strand only; deliveries and stop() post there.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>

#include "server_state.h"

namespace posecast::stream {

// Takes over a connection whose request was a WebSocket upgrade to /ws: registers it, accepts
// the upgrade and sends the current result, then every newer one.
template <class Stream>
void start_websocket_session(Stream stream, const std::shared_ptr<ServerState>& state,
                             beast::http::request<beast::http::string_body> request);

}  // namespace posecast::stream
