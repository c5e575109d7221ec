// The live server's HTTP request handling, without sockets: the raw request bytes go through
// Beast's parser with the server's limits (apply_request_limits), then through the server's own
// checks (read_error_answer, check_request: header fields, access, the streams it hands over) and
// HttpRoutes::handle, exactly as http_session.cpp calls them, for both pages (student viewer and
// class dashboard). POST /api/command bodies reach the instructor command parser, as the class
// dashboard's hook does.
//
// Input: an HTTP/1.1 request as it arrives on the socket.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "posecast/instructor_command.h"
#include "stream/access_control.h"
#include "stream/http_routes.h"
#include "stream/request_checks.h"

namespace posecast::fuzz {

namespace http = boost::beast::http;

inline constexpr size_t kFuzzBodyLimit = 64 * 1024;
inline constexpr std::string_view kFuzzToken = "fuzz-token-0123456789";

LiveServerHooks make_fuzz_hooks() {
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
  hooks.history_json = [](const PracticeQuery&) -> Result<nlohmann::json> {
    return nlohmann::json::array();
  };
  hooks.history_csv = [](const PracticeQuery& q) -> Result<std::string> {
    return "device\r\n" + q.device + "\r\n";
  };
  hooks.progress_json = [](const PracticeQuery& q) -> Result<nlohmann::json> {
    return nlohmann::json{{"device", q.device}};  // any bytes, as a student id may be
  };
  hooks.report_html = [](const PracticeQuery& q) -> Result<std::optional<std::string>> {
    if (q.session % 2 == 0) return std::optional<std::string>();
    return std::optional<std::string>("<p>report " + std::to_string(q.session) + "</p>");
  };
  hooks.students_json = []() -> Result<nlohmann::json> { return nlohmann::json{{"students", {}}}; };
  hooks.devices_json = [] { return nlohmann::json::array(); };
  hooks.on_command = [](const nlohmann::json& request) -> Result<nlohmann::json> {
    Result<InstructorCommand> command = parse_instructor_command(request["command"].dump());
    if (!command) return command.error();
    return nlohmann::json{{"sent_to", {request["device"]}},
                          {"command", instructor_command_json(command.value())}};
  };
  return hooks;
}

const LiveServerHooks& fuzz_hooks() {
  static const LiveServerHooks hooks = make_fuzz_hooks();
  return hooks;
}

stream::HttpRoutes fuzz_routes(LivePage page) {
  return stream::HttpRoutes(
      page, fuzz_hooks(), kFuzzBodyLimit, [] { return ServerStats{}; },
      [] { return stream::FramePtr(); });
}

// Ok for an answer below 400, else the answer as an error.
Status answered(const stream::HttpResponse& response) {
  if (response.status < 100 || response.status > 599 || response.content_type.empty())
    std::abort();  // every answer is a real HTTP answer
  if (response.status < 400) return Status::Ok();
  return Error("fuzz request: answered " + std::to_string(response.status) + ": " + response.body);
}

// What one page does with a complete request; Ok when a stream session would take it over.
Status answer_on_page(LivePage page, const stream::Request& request) {
  // The viewer with an access token; the dashboard with none (--no-auth), so that requests
  // without the token still reach its routes.
  const stream::AccessControl access(page == LivePage::kViewer ? std::string(kFuzzToken) : "",
                                     8080);
  const stream::RequestCheck check = stream::check_request(
      request, access, {page, static_cast<bool>(fuzz_hooks().open_signaling)});
  switch (check.route) {
    case stream::RequestRoute::kAnswer:
      return answered(*check.answer);
    case stream::RequestRoute::kRoutes:
      break;
    case stream::RequestRoute::kMjpeg:
    case stream::RequestRoute::kWebSocket:
    case stream::RequestRoute::kSignaling:
      return Status::Ok();
  }
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view method(request.method_string().data(), request.method_string().size());
  return answered(fuzz_routes(page).handle({method, target, request.body()}));
}

Status run_http_request(std::string_view input) {
  stream::RequestParser parser;
  stream::apply_request_limits(parser, kFuzzBodyLimit);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(input.data(), input.size()), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec == http::error::need_more) return Error("fuzz request: incomplete");
  if (ec) {
    const std::optional<stream::HttpResponse> refusal =
        stream::read_error_answer(ec, fuzz_routes(LivePage::kViewer));
    if (!refusal) return Error("fuzz request: " + ec.message());
    return answered(*refusal);
  }
  if (!parser.is_done()) return Error("fuzz request: incomplete");

  // The viewer's answer, unless the dashboard accepts what the viewer refuses.
  const stream::Request& request = parser.get();
  const Status viewer = answer_on_page(LivePage::kViewer, request);
  const Status dashboard = answer_on_page(LivePage::kClassDashboard, request);
  return viewer.ok() || dashboard.ok() ? Status::Ok() : viewer;
}

}  // namespace posecast::fuzz

#ifndef POSECAST_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)posecast::fuzz::run_http_request(posecast::fuzz::as_text(data, size));
  return 0;
}
#endif
