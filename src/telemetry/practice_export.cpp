// The practice history as files to keep: a session's report as one self-contained HTML page, and
// every hold and set as CSV.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "posecast/practice_progress.h"

namespace posecast {

using nlohmann::json;

namespace {

std::string html_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// 32.1 -> "32.1", 90.0 -> "90": the JSON's value as a person reads it.
std::string number_text(const json& value) {
  if (value.is_null()) return "";
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value.get<double>());
  std::string s = text;
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

// <td data-field="longest_s" data-value="32.1">32.1 s</td>
std::string cell(const json& row, const char* field, const char* unit = "") {
  const std::string value = number_text(row[field]);
  return std::string("<td data-field=\"") + field + "\" data-value=\"" + value + "\">" + value +
         unit + "</td>";
}

std::string tile(const char* field, const std::string& value, const std::string& shown,
                 const char* name) {
  return std::string("<div class=\"tile\" data-field=\"") + field + "\" data-value=\"" + value +
         "\"><b>" + html_escaped(shown) + "</b><span>" + name + "</span></div>";
}

constexpr const char* kReportStyle = R"css(
body{font:15px/1.45 system-ui,sans-serif;color:#1d2430;max-width:860px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 8px}
.meta{color:#5b6474}.tiles{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.tile{flex:1 1 140px;border:1px solid #d8dde6;border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:24px}.tile span{color:#5b6474;font-size:13px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e4e8ef}
td[data-value]{font-variant-numeric:tabular-nums}.none{color:#5b6474}
@media print{body{margin:0}.tile{break-inside:avoid}}
)css";

std::string poses_table(const json& poses) {
  if (poses.empty()) return "<p class=\"none\">No pose held long enough to count.</p>";
  std::string html =
      "<table id=\"poses\"><tr><th>Pose</th><th>Holds</th><th>Longest</th><th>Total</th>"
      "<th>Best score</th><th>Mean score</th></tr>";
  for (const json& p : poses)
    html += "<tr data-pose=\"" + html_escaped(p["pose"].get<std::string>()) + "\"><td>" +
            html_escaped(p["pose"].get<std::string>()) + "</td>" + cell(p, "holds") +
            cell(p, "longest_s", " s") + cell(p, "total_s", " s") + cell(p, "best_score") +
            cell(p, "mean_score") + "</tr>";
  return html + "</table>";
}

std::string exercises_table(const json& exercises) {
  if (exercises.empty()) return "<p class=\"none\">No reps.</p>";
  std::string html =
      "<table id=\"exercises\"><tr><th>Exercise</th><th>Sets</th><th>Reps</th><th>Partial</th>"
      "<th>Best set score</th><th>Mean score</th><th>Mean range</th></tr>";
  for (const json& e : exercises)
    html += "<tr data-exercise=\"" + html_escaped(e["exercise"].get<std::string>()) + "\"><td>" +
            html_escaped(e["exercise"].get<std::string>()) + "</td>" + cell(e, "sets") +
            cell(e, "reps") + cell(e, "partial_reps") + cell(e, "best_score") +
            cell(e, "mean_score") + cell(e, "mean_range") + "</tr>";
  return html + "</table>";
}

std::string corrections_list(const json& corrections) {
  if (corrections.empty()) return "<p class=\"none\">No correction needed most of the time.</p>";
  std::string html = "<ol id=\"corrections\">";
  for (const json& c : corrections)
    html += "<li data-count=\"" + number_text(c["count"]) + "\">" +
            html_escaped(c["text"].get<std::string>()) + " <span class=\"none\">(" +
            number_text(c["count"]) + "&times;)</span></li>";
  return html + "</ol>";
}

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv_number(double value) { return number_text(json(value)); }

}  // namespace

std::string session_report_html(const SessionReport& report) {
  const json r = session_report_json(report);
  int reps = 0, holds = 0;
  double best = 0;
  for (const json& p : r["poses"]) {
    holds += p["holds"].get<int>();
    best = std::max(best, p["best_score"].get<double>());
  }
  for (const json& e : r["exercises"]) {
    reps += e["reps"].get<int>();
    best = std::max(best, e["best_score"].get<double>());
  }
  const std::string title = "Practice report: session " + number_text(r["id"]);
  std::string meta = html_escaped(r["date"].get<std::string>()) + " · " +
                     (r["end_ms"].is_null() ? "still open" : duration_text(report.duration_s));
  if (!report.session.device.empty()) meta += " · device " + html_escaped(report.session.device);
  if (!report.session.model.empty()) meta += " · " + html_escaped(report.session.model);
  std::ostringstream html;
  html << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       // No favicon to fetch: the page stands alone.
       << "<link rel=\"icon\" href=\"data:,\">"
       << "<title>" << title << "</title><style>" << kReportStyle << "</style></head>\n"
       << "<body data-session=\"" << number_text(r["id"]) << "\"><h1>" << title << "</h1>"
       << "<div class=\"meta\">" << meta << "</div>\n<div class=\"tiles\">"
       << tile("active_s", number_text(r["active_s"]), duration_text(report.active_s),
               "time active")
       << tile("holds", std::to_string(holds), std::to_string(holds), "holds")
       << tile("reps", std::to_string(reps), std::to_string(reps), "reps")
       << tile("best_score", number_text(json(best)), number_text(json(best)), "best score")
       << "</div>\n<h2>Poses held</h2>" << poses_table(r["poses"]) << "\n<h2>Reps</h2>"
       << exercises_table(r["exercises"]) << "\n<h2>Main corrections</h2>"
       << corrections_list(r["corrections"]) << "\n</body></html>\n";
  return html.str();
}

std::string duration_text(double seconds) {
  const long total = std::lround(seconds);
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%ldh %02ldm", total / 3600, total / 60 % 60);
  else if (total >= 60)
    std::snprintf(text, sizeof text, "%ldm %02lds", total / 60, total % 60);
  else
    std::snprintf(text, sizeof text, "%lds", total);
  return text;
}

std::string history_csv(const std::vector<PracticeSession>& sessions) {
  std::string csv =
      "session,device,model,session_start,kind,name,variant,set,start,start_ms,duration_s,reps,"
      "partial_reps,best_score,mean_score,mean_range,correction\r\n";
  std::vector<const PracticeSession*> oldest_first;
  for (const PracticeSession& s : sessions) oldest_first.push_back(&s);
  std::stable_sort(oldest_first.begin(), oldest_first.end(), [](const auto* a, const auto* b) {
    return a->start_unix_ms < b->start_unix_ms;
  });
  for (const PracticeSession* s : oldest_first) {
    const std::string session = std::to_string(s->id) + "," + csv_field(s->device) + "," +
                                csv_field(s->model) + "," + local_time_text(s->start_unix_ms);
    std::vector<std::pair<int64_t, std::string>> rows;
    for (const HoldRecord& h : s->holds)
      rows.emplace_back(h.start_unix_ms,
                        "hold," + csv_field(h.pose) + "," + csv_field(h.variant) + ",," +
                            local_time_text(h.start_unix_ms) + "," +
                            std::to_string(h.start_unix_ms) + "," + csv_number(h.duration_s) +
                            ",,," + csv_number(h.best_score) + "," + csv_number(h.mean_score) +
                            ",," + csv_field(h.main_correction));
    for (const SetRecord& t : s->sets)
      rows.emplace_back(t.start_unix_ms,
                        "set," + csv_field(t.exercise) + ",," + std::to_string(t.set) + "," +
                            local_time_text(t.start_unix_ms) + "," +
                            std::to_string(t.start_unix_ms) + "," + csv_number(t.duration_s) + "," +
                            std::to_string(t.reps) + "," + std::to_string(t.partial_reps) + ",," +
                            csv_number(t.mean_score) + "," + csv_number(t.mean_range) + "," +
                            csv_field(t.main_cue));
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [start, row] : rows) csv += session + "," + row + "\r\n";
  }
  return csv;
}

}  // namespace posecast
