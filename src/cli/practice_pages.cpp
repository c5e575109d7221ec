#include "practice_pages.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "posecast/frame.h"
#include "posecast/practice_progress.h"

namespace posecast::cli {

namespace {

SessionQuery query_of(const PracticeQuery& q, int limit) {
  SessionQuery query;
  query.device = q.device;
  query.limit = limit;
  return query;
}

}  // namespace

Result<std::optional<std::string>> session_report_page(const SessionReader& read, int64_t session) {
  SessionQuery query;
  query.session = session;
  Result<std::vector<PracticeSession>> found = read(query);
  if (!found) return found.error();
  if (found->empty()) return std::optional<std::string>();
  return std::optional<std::string>(
      session_report_html(session_report(found->front(), unix_ms_now())));
}

void add_practice_hooks(LiveServerHooks& hooks, SessionReader read) {
  hooks.history_json = [read](const PracticeQuery& q) -> Result<nlohmann::json> {
    auto sessions = read(query_of(q, 50));
    if (!sessions) return sessions.error();
    return history_json(sessions.value());
  };
  hooks.history_csv = [read](const PracticeQuery& q) -> Result<std::string> {
    auto sessions = read(query_of(q, 0));
    if (!sessions) return sessions.error();
    return history_csv(sessions.value());
  };
  hooks.progress_json = [read](const PracticeQuery& q) -> Result<nlohmann::json> {
    auto sessions = read(query_of(q, 0));
    if (!sessions) return sessions.error();
    nlohmann::json progress = progress_json(practice_progress(sessions.value(), unix_ms_now()));
    if (!q.device.empty()) progress["device"] = q.device;
    return progress;
  };
  hooks.report_html = [read](const PracticeQuery& q) {
    return session_report_page(read, q.session);
  };
}

Status write_text_file(const std::filesystem::path& file, const std::string& text) {
  std::filesystem::path temporary = file;
  temporary += ".part";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return Error(file.string() + ": cannot write it");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, file, ec);
  if (ec) {
    const std::string why = ec.message();
    std::filesystem::remove(temporary, ec);
    return Error(file.string() + ": cannot write it: " + why);
  }
  return Status::Ok();
}

}  // namespace posecast::cli
