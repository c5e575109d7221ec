// The live server's request checks without sockets (src/stream/request_checks.h), as the server
// and the fuzzer call them: the parser's limits and the answers to requests that cannot be read,
// the header-field limit, the access check, and which session takes a stream or an upgrade.
#include "stream/request_checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <string>
#include <utility>

namespace posecast::stream {
namespace {

namespace http = boost::beast::http;

const std::string kToken = "request-checks-token-0123456789";
const std::string kUpgrade =
    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n";
constexpr ServedStreams kViewer{LivePage::kViewer, /*signaling=*/true};
constexpr ServedStreams kViewerWithoutSignaling{LivePage::kViewer, /*signaling=*/false};
constexpr ServedStreams kDashboard{LivePage::kClassDashboard, /*signaling=*/false};

struct Parsed {
  Request request;
  boost::beast::error_code ec;
};

// `text` through a parser with the server's limits, whole, as the server would read it.
Parsed parse(std::string_view text, size_t max_body_bytes = 64 * 1024) {
  RequestParser parser;
  apply_request_limits(parser, max_body_bytes);
  parser.eager(true);
  Parsed parsed;
  parser.put(boost::asio::buffer(text.data(), text.size()), parsed.ec);
  if (!parsed.ec && !parser.is_done()) parser.put_eof(parsed.ec);
  if (!parsed.ec) parsed.request = parser.release();
  return parsed;
}

Request request(const std::string& head) {
  Parsed parsed = parse(head + "\r\n");
  EXPECT_FALSE(parsed.ec) << parsed.ec.message();
  return std::move(parsed.request);
}

const HttpRoutes& routes_with_body_limit_1000() {
  static const LiveServerHooks hooks;
  static const HttpRoutes routes(
      LivePage::kViewer, hooks, 1000, [] { return ServerStats{}; }, [] { return FramePtr(); });
  return routes;
}

RequestRoute route_of(const std::string& head, ServedStreams served) {
  const AccessControl open("", 8080);
  return check_request(request(head), open, served).route;
}

TEST(RequestChecks, ABodyOverTheLimitIsAnswered413AndAnOversizedHeader400) {
  const Parsed big_body =
      parse("POST /api/target HTTP/1.1\r\nHost: h\r\nContent-Length: 2000\r\n\r\n", 1000);
  ASSERT_EQ(big_body.ec, http::error::body_limit);
  const auto too_large = read_error_answer(big_body.ec, routes_with_body_limit_1000());
  ASSERT_TRUE(too_large);
  EXPECT_EQ(too_large->status, 413);
  EXPECT_EQ(too_large->body, "{\"error\":\"request body too large: the limit is 1000 bytes\"}\n");

  const Parsed big_header =
      parse("GET / HTTP/1.1\r\nHost: h\r\nX-Pad: " + std::string(kHeaderLimit, 'a') + "\r\n\r\n");
  ASSERT_EQ(big_header.ec, http::error::header_limit);
  const auto header_answer = read_error_answer(big_header.ec, routes_with_body_limit_1000());
  ASSERT_TRUE(header_answer);
  EXPECT_EQ(header_answer->status, 400);
  EXPECT_EQ(header_answer->body,
            "{\"error\":\"bad request: request header larger than 16384 bytes\"}\n");
}

TEST(RequestChecks, AMalformedRequestIsAnswered400NamingTheFault) {
  // "(" is not a method character.
  const Parsed malformed = parse("G(T / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(malformed.ec);
  const auto answer = read_error_answer(malformed.ec, routes_with_body_limit_1000());
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_EQ(answer->body, "{\"error\":\"bad request: " + malformed.ec.message() + "\"}\n");
}

TEST(RequestChecks, NobodyIsAnsweredWhenTheClientLeftOrTimedOut) {
  const HttpRoutes& routes = routes_with_body_limit_1000();
  EXPECT_FALSE(read_error_answer(http::error::end_of_stream, routes));
  EXPECT_FALSE(read_error_answer(boost::beast::error::timeout, routes));
  EXPECT_FALSE(read_error_answer(boost::asio::error::connection_reset, routes));
}

TEST(RequestChecks, MoreThanAHundredHeaderFieldsAreAnswered431AndClose) {
  std::string head = "GET /api/status HTTP/1.1\r\nHost: h\r\n";
  for (size_t i = 1; i < kHeaderFieldLimit; ++i) head += "X-" + std::to_string(i) + ": 1\r\n";
  const AccessControl open("", 8080);
  EXPECT_EQ(check_request(request(head), open, kViewer).route, RequestRoute::kRoutes);

  head += "X-One-Too-Many: 1\r\n";
  const RequestCheck check = check_request(request(head), open, kViewer);
  ASSERT_EQ(check.route, RequestRoute::kAnswer);
  EXPECT_EQ(check.answer->status, 431);
  EXPECT_EQ(check.answer->body, "{\"error\":\"bad request: more than 100 header fields\"}\n");
  EXPECT_FALSE(check.keep_alive);
}

TEST(RequestChecks, AccessRefusalsAndTheSignInRedirectAreAnsweredAtOnce) {
  const AccessControl access(kToken, 8080);
  const RequestCheck refused =
      check_request(request("GET /api/status HTTP/1.1\r\nHost: h\r\n"), access, kViewer);
  ASSERT_EQ(refused.route, RequestRoute::kAnswer);
  EXPECT_EQ(refused.answer->status, 401);
  EXPECT_TRUE(refused.keep_alive);  // HTTP/1.1 keeps the connection after a refusal

  const RequestCheck signed_in =
      check_request(request("GET /?token=" + kToken + " HTTP/1.1\r\nHost: h\r\n"), access, kViewer);
  ASSERT_EQ(signed_in.route, RequestRoute::kAnswer);
  EXPECT_EQ(signed_in.answer->status, 303);
  const auto& headers = signed_in.answer->headers;
  const std::string cookie =
      "posecast_token_8080=" + kToken + "; Path=/; HttpOnly; SameSite=Strict";
  EXPECT_NE(std::find(headers.begin(), headers.end(),
                      std::pair<std::string, std::string>("Set-Cookie", cookie)),
            headers.end());

  // The token in an API URL: answered by the routes, with the cookie.
  const RequestCheck api = check_request(
      request("GET /api/status?token=" + kToken + " HTTP/1.1\r\nHost: h\r\n"), access, kViewer);
  EXPECT_EQ(api.route, RequestRoute::kRoutes);
  EXPECT_EQ(api.set_cookie, cookie);

  const RequestCheck bearer = check_request(
      request("GET /api/status HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer " + kToken + "\r\n"),
      access, kViewer);
  EXPECT_EQ(bearer.route, RequestRoute::kRoutes);
  EXPECT_EQ(bearer.set_cookie, "");
}

TEST(RequestChecks, AnUpgradeFromAnotherSiteIsRefusedBeforeItReachesASession) {
  const AccessControl open("", 8080);
  const RequestCheck check = check_request(
      request("GET /ws HTTP/1.1\r\nHost: h\r\nOrigin: http://evil.example\r\n" + kUpgrade), open,
      kViewer);
  ASSERT_EQ(check.route, RequestRoute::kAnswer);
  EXPECT_EQ(check.answer->status, 403);
}

TEST(RequestChecks, StreamsAndUpgradesGoToTheirSessions) {
  const std::string mjpeg = "GET /stream.mjpg HTTP/1.1\r\nHost: h\r\n";
  EXPECT_EQ(route_of(mjpeg, kViewer), RequestRoute::kMjpeg);
  EXPECT_EQ(route_of("HEAD /stream.mjpg HTTP/1.1\r\nHost: h\r\n", kViewer), RequestRoute::kRoutes);
  EXPECT_EQ(route_of(mjpeg, kDashboard), RequestRoute::kRoutes);  // no video on the dashboard

  const std::string ws = "GET /ws HTTP/1.1\r\nHost: h\r\n" + kUpgrade;
  EXPECT_EQ(route_of(ws, kViewer), RequestRoute::kWebSocket);
  EXPECT_EQ(route_of(ws, kDashboard), RequestRoute::kWebSocket);
  EXPECT_EQ(route_of("GET /ws HTTP/1.1\r\nHost: h\r\n", kViewer), RequestRoute::kRoutes);

  const std::string rtc = "GET /rtc HTTP/1.1\r\nHost: h\r\n" + kUpgrade;
  EXPECT_EQ(route_of(rtc, kViewer), RequestRoute::kSignaling);
  EXPECT_EQ(route_of(rtc, kViewerWithoutSignaling), RequestRoute::kRoutes);
  EXPECT_EQ(route_of(rtc, kDashboard), RequestRoute::kRoutes);
}

}  // namespace
}  // namespace posecast::stream
