// The live server's HTTP request handling, without sockets: the raw request bytes go through
// Beast's parser with the server's limits, then AccessControl::check and HttpRoutes::handle
// exactly as live_server.cpp's on_request hands them on, for both pages (student viewer and
// class dashboard). POST /api/command bodies reach the instructor command parser, as the class
// dashboard's hook does.
//
// Input: an HTTP/1.1 request as it arrives on the socket.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "posecast/instructor_command.h"
#include "stream/access_control.h"
#include "stream/http_routes.h"

namespace posecast::fuzz {

namespace http = boost::beast::http;

inline constexpr size_t kFuzzBodyLimit = 64 * 1024;
inline constexpr size_t kFuzzHeaderLimit = 16 * 1024;  // live_server.cpp's kHeaderLimit
inline constexpr std::string_view kFuzzToken = "fuzz-token-0123456789";

LiveServerHooks fuzz_hooks() {
  LiveServerHooks hooks;
  hooks.status_json = [] { return nlohmann::json{{"fps", 30}}; };
  hooks.metrics_text = [] { return std::string("posecast_fps 30"); };
  hooks.on_target = [](const nlohmann::json& body) -> Status {
    if (!body.contains("pose") || !body["pose"].is_string())
      return Error("'pose' must be a string");
    return Status::Ok();
  };
  hooks.on_message = [](const nlohmann::json& body) -> Status {
    if (!body.contains("text") || !body["text"].is_string())
      return Error("'text' must be a string");
    return Status::Ok();
  };
  hooks.history_json = []() -> Result<nlohmann::json> { return nlohmann::json::array(); };
  hooks.devices_json = [] { return nlohmann::json::array(); };
  hooks.on_command = [](const nlohmann::json& request) -> Result<nlohmann::json> {
    Result<InstructorCommand> command = parse_instructor_command(request["command"].dump());
    if (!command) return command.error();
    return nlohmann::json{{"sent_to", {request["device"]}},
                          {"command", instructor_command_json(command.value())}};
  };
  return hooks;
}

Status run_http_request(std::string_view input) {
  http::request_parser<http::string_body> parser;
  parser.body_limit(kFuzzBodyLimit);
  parser.header_limit(kFuzzHeaderLimit);
  parser.eager(true);
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
  (void)used;
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec == http::error::need_more) return Error("fuzz request: incomplete");
  if (ec) return Error("fuzz request: " + ec.message());
  if (!parser.is_done()) return Error("fuzz request: incomplete");

  const http::request<http::string_body>& request = parser.get();
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view method(request.method_string().data(), request.method_string().size());
  auto field = [&](auto name) {
    const auto value = request[name];
    return std::string_view(value.data(), value.size());
  };
  const bool upgrade = boost::beast::websocket::is_upgrade(request);
  static const LiveServerHooks hooks = fuzz_hooks();
  // The answer of the first page that accepted the request, else the viewer's refusal.
  Status answered = Status::Ok();
  bool accepted = false;
  for (LivePage page : {LivePage::kViewer, LivePage::kClassDashboard}) {
    // The viewer with an access token; the dashboard with none (--no-auth), so that requests
    // without the token still reach its routes.
    stream::AccessControl access(page == LivePage::kViewer ? std::string(kFuzzToken) : "", 8080);
    stream::AccessDecision decision = access.check(
        {method, target, field(http::field::cookie), field(http::field::authorization),
         field(http::field::origin), field(http::field::host), field("Sec-Fetch-Site"), upgrade});
    stream::HttpRoutes routes(
        page, hooks, kFuzzBodyLimit, [] { return ServerStats{}; },
        [] { return stream::FramePtr(); });
    const stream::HttpResponse response =
        decision.instead ? *decision.instead : routes.handle({method, target, request.body()});
    if (response.status < 100 || response.status > 599 || response.content_type.empty())
      std::abort();  // every answer is a real HTTP answer
    if (response.status < 400)
      accepted = true;
    else if (page == LivePage::kViewer)
      answered =
          Error("fuzz request: answered " + std::to_string(response.status) + ": " + response.body);
  }
  return accepted ? Status::Ok() : answered;
}

}  // namespace posecast::fuzz

#ifndef POSECAST_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)posecast::fuzz::run_http_request(posecast::fuzz::as_text(data, size));
  return 0;
}
#endif
