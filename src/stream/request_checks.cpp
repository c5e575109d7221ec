#include "request_checks.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <iterator>
#include <string_view>

namespace posecast::stream {
namespace {

namespace http = boost::beast::http;

// The route of a request that passed the checks: a stream or upgrade it asks for, else the routes.
RequestRoute route_of(const Request& request, std::string_view path, bool upgrade,
                      ServedStreams served) {
  const bool viewer = served.page == LivePage::kViewer;
  if (path == "/ws" && upgrade) return RequestRoute::kWebSocket;
  if (path == "/rtc" && upgrade && viewer && served.signaling) return RequestRoute::kSignaling;
  if (path == "/stream.mjpg" && request.method() == http::verb::get && viewer)
    return RequestRoute::kMjpeg;
  return RequestRoute::kRoutes;
}

}  // namespace

void apply_request_limits(RequestParser& parser, size_t max_body_bytes) {
  parser.body_limit(max_body_bytes);
  parser.header_limit(kHeaderLimit);
}

std::optional<HttpResponse> read_error_answer(boost::beast::error_code ec,
                                              const HttpRoutes& routes) {
  if (ec == http::error::end_of_stream) return std::nullopt;  // closed between requests
  if (ec == http::error::body_limit) return routes.body_too_large();
  if (ec == http::error::header_limit) {
    return HttpRoutes::bad_request("request header larger than " + std::to_string(kHeaderLimit) +
                                   " bytes");
  }
  // A malformed request (bad method, target, version, chunk...): say so, then hang up.
  if (ec && ec.category() == make_error_code(http::error::end_of_stream).category())
    return HttpRoutes::bad_request(ec.message());
  return std::nullopt;  // timeout, reset: nobody to answer
}

RequestCheck check_request(const Request& request, const AccessControl& access,
                           ServedStreams served) {
  RequestCheck check;
  if (static_cast<size_t>(std::distance(request.begin(), request.end())) > kHeaderFieldLimit) {
    HttpResponse too_many = HttpRoutes::bad_request(
        "more than " + std::to_string(kHeaderFieldLimit) + " header fields");
    too_many.status = 431;
    check.route = RequestRoute::kAnswer;
    check.answer = std::move(too_many);
    return check;
  }
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view method(request.method_string().data(), request.method_string().size());
  auto field = [&](auto name) {
    const auto value = request[name];
    return std::string_view(value.data(), value.size());
  };
  const bool upgrade = boost::beast::websocket::is_upgrade(request);
  const AccessRequest fields{method,
                             target,
                             field(http::field::cookie),
                             field(http::field::authorization),
                             field(http::field::origin),
                             field(http::field::host),
                             field("Sec-Fetch-Site"),
                             upgrade};
  // The media servers' question (nginx, nginx-rtmp): it is itself the token check, so it comes
  // before the one every other path passes, and answers nothing but yes or no.
  if (served.page == LivePage::kViewer && request_path(target) == "/api/auth") {
    check.route = RequestRoute::kAnswer;
    check.keep_alive = request.keep_alive();
    const bool get = method == "GET" || method == "HEAD";
    if (!get && method != "POST") {
      check.answer = HttpRoutes::method_not_allowed("/api/auth", method, "GET, HEAD, POST");
      return check;
    }
    check.answer = access.authorize_media(fields, get ? std::string_view() : request.body());
    return check;
  }
  AccessDecision decision = access.check(fields);
  if (decision.instead) {
    if (!decision.set_cookie.empty())
      decision.instead->headers.emplace_back("Set-Cookie", decision.set_cookie);
    check.route = RequestRoute::kAnswer;
    check.answer = std::move(decision.instead);
    check.keep_alive = request.keep_alive();
    return check;
  }
  check.route = route_of(request, request_path(target), upgrade, served);
  if (check.route == RequestRoute::kRoutes) check.set_cookie = std::move(decision.set_cookie);
  return check;
}

}  // namespace posecast::stream
