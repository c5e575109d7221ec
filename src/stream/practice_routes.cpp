// The practice pages' endpoints (docs/progress.md): the history as JSON or CSV, the progress
// page's data, a session's report page, and the class dashboard's students. The numbers are
// computed by the hooks (practice_progress.h, below this layer's knowledge); here are the paths,
// the query and the answers.
#include <charconv>
#include <nlohmann/json.hpp>

#include "access_control.h"
#include "http_routes.h"

namespace posecast::stream {
namespace {

using nlohmann::json;

HttpResponse json_error(int status, const std::string& message) {
  return {status,
          "application/json",
          json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n",
          {{"Cache-Control", "no-store"}}};
}

// "%C3%A9+x" -> "é x"; a bad escape stays as it is.
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    unsigned value = 0;
    if (c == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr ==
            text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += c == '+' ? ' ' : c;
    }
  }
  return out;
}

HttpResponse no_store(std::string content_type, std::string body) {
  return {200, std::move(content_type), std::move(body), {{"Cache-Control", "no-store"}}};
}

// The answer may quote the query (?device= is any bytes once decoded): invalid UTF-8 becomes
// U+FFFD rather than dump() throwing.
HttpResponse json_answer(const json& body) {
  return no_store("application/json", body.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

bool is_practice_path(std::string_view path) {
  return path == "/api/history" || path == "/api/progress" || path == "/api/students" ||
         path.starts_with("/report/");
}

HttpResponse HttpRoutes::practice(std::string_view path, std::string_view target) const {
  const size_t question = target.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  PracticeQuery q;
  q.device = percent_decoded(parameter(query, "device", '&'));
  const std::string missing = page_ == LivePage::kViewer
                                  ? "no practice history on this device (--no-history)"
                                  : "no class results here";
  if (path == "/api/history") {
    const std::string format = percent_decoded(parameter(query, "format", '&'));
    if (format == "csv") {
      if (!hooks_.history_csv) return json_error(404, missing);
      Result<std::string> csv = hooks_.history_csv(q);
      if (!csv) return json_error(500, "practice history: " + csv.error().message());
      HttpResponse answer = no_store("text/csv; charset=utf-8; header=present", csv.value());
      answer.headers.emplace_back("Content-Disposition",
                                  "attachment; filename=\"posecast-history.csv\"");
      return answer;
    }
    if (!format.empty() && format != "json")
      return json_error(400, "unknown format '" + format + "' (json or csv)");
    if (!hooks_.history_json) return json_error(404, missing);
    Result<json> history = hooks_.history_json(q);
    if (!history) return json_error(500, "practice history: " + history.error().message());
    return json_answer(history.value());
  }
  if (path == "/api/progress") {
    if (!hooks_.progress_json) return json_error(404, missing);
    Result<json> progress = hooks_.progress_json(q);
    if (!progress) return json_error(500, "practice history: " + progress.error().message());
    return json_answer(progress.value());
  }
  if (path == "/api/students") {
    if (!hooks_.students_json) return json_error(404, missing);
    Result<json> students = hooks_.students_json();
    if (!students) return json_error(500, "class results: " + students.error().message());
    return json_answer(students.value());
  }
  // /report/<session>
  const std::string_view number = path.substr(std::string_view("/report/").size());
  const auto parsed = std::from_chars(number.data(), number.data() + number.size(), q.session);
  if (number.empty() || parsed.ec != std::errc() || parsed.ptr != number.data() + number.size() ||
      q.session <= 0)
    return json_error(404, "no session '" + std::string(number) + "': /report/<session number>");
  if (!hooks_.report_html) return json_error(404, missing);
  Result<std::optional<std::string>> report = hooks_.report_html(q);
  if (!report) return json_error(500, "practice history: " + report.error().message());
  if (!report.value()) return json_error(404, "no session " + std::to_string(q.session));
  return no_store("text/html; charset=utf-8", std::move(*report.value()));
}

}  // namespace posecast::stream
