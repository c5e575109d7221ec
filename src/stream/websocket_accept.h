// Both WebSocket paths (/ws, /rtc) accept alike: the websocket's own timeouts replace the HTTP
// ones, answers carry our Server header, and a message is bounded like a request body.
#pragma once

#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <utility>

#include "server_state.h"

namespace posecast::stream {

template <class WsStream, class AcceptHandler>
void accept_websocket(WsStream& ws, const ServerState& state,
                      const beast::http::request<beast::http::string_body>& request,
                      AcceptHandler handler) {
  namespace websocket = beast::websocket;
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, kServerName); }));
  ws.read_message_max(state.options.max_body_bytes);
  ws.async_accept(request, std::move(handler));
}

}  // namespace posecast::stream
