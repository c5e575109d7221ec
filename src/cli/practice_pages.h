// The practice pages' server hooks (GET /progress's data, /api/history as JSON or CSV,
// /report/<session>) over whatever keeps the sessions: the device's history in `run`, the class
// results in `class`. One code path for both.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "posecast/live_server.h"
#include "posecast/practice_history.h"
#include "posecast/practice_store.h"

namespace posecast::cli {

using SessionReader = std::function<Result<std::vector<PracticeSession>>(const SessionQuery&)>;

void add_practice_hooks(LiveServerHooks& hooks, SessionReader read);

// The report page of `session` (practice_progress.h), or nullopt when there is no such session.
Result<std::optional<std::string>> session_report_page(const SessionReader& read, int64_t session);

// Writes `text` to `file` (through a temporary file beside it, so a reader never sees half of
// it); an Error names the file.
Status write_text_file(const std::filesystem::path& file, const std::string& text);

}  // namespace posecast::cli
