// What the live server decides about a request before any route answers it, without sockets: the
// parser's limits, the answer to a request that could not be read, and for a complete request the
// header-field limit, the access check (access_control.h) and which long-lived session takes an
// upgrade or a stream. http_session.cpp, the fuzzer (fuzz/http_request_fuzzer.cpp) and the tests
// call these same functions.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "access_control.h"
#include "http_routes.h"

namespace posecast::stream {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

inline constexpr size_t kHeaderLimit = 16 * 1024;  // bytes of request line and header fields
inline constexpr size_t kHeaderFieldLimit = 100;   // header lines per request

// Sets a fresh parser's limits: the server's body limit and kHeaderLimit.
void apply_request_limits(RequestParser& parser, size_t max_body_bytes);

// After reading a request failed: the answer that says why (413 for the body, 400 for the header
// or a malformed request), sent before hanging up; nullopt when there is nobody to answer (the
// client closed, a timeout, a reset).
std::optional<HttpResponse> read_error_answer(boost::beast::error_code ec,
                                              const HttpRoutes& routes);

// Who takes a complete request.
enum class RequestRoute {
  kAnswer,     // RequestCheck::answer at once: 431, 401, 403 or the sign-in redirect
  kRoutes,     // HttpRoutes::handle
  kMjpeg,      // GET /stream.mjpg on the viewer: mjpeg_session.h
  kWebSocket,  // an upgrade to /ws: websocket_session.h
  kSignaling,  // an upgrade to /rtc on the viewer with signalling: rtc_signaling_session.h
};

struct RequestCheck {
  RequestRoute route = RequestRoute::kRoutes;
  std::optional<HttpResponse> answer;  // kAnswer: the answer, its Set-Cookie included
  bool keep_alive = false;             // kAnswer: whether the connection stays open after it
  std::string set_cookie;              // kRoutes: non-empty: add as Set-Cookie to the answer
};

// The long-lived sessions the server offers besides /ws.
struct ServedStreams {
  LivePage page = LivePage::kViewer;  // the viewer streams MJPEG and signals; the dashboard not
  bool signaling = false;             // hooks.open_signaling is set
};

RequestCheck check_request(const Request& request, const AccessControl& access,
                           ServedStreams served);

}  // namespace posecast::stream
