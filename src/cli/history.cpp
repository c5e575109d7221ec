// posecast history: the practice sessions stored on this device and the holds and sets in each.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "posecast/practice_history.h"

namespace posecast::cli {

namespace {

struct HistoryArgs {
  std::string db;  // empty: default_history_path()
  int limit = 50;
  bool json = false;
};

// "2025-01-02 10:00:05" in the local time zone.
std::string local_time(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

// "1h 02m", "12m 30s", "42s".
std::string span_text(double seconds) {
  const long total = std::lround(seconds);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%ldh %02ldm", total / 3600, total / 60 % 60);
  } else if (total >= 60) {
    std::snprintf(text, sizeof text, "%ldm %02lds", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%lds", total);
  }
  return text;
}

//   tree (left)            3.0 s  best  90  mean  85.0
std::string hold_line(const HoldRecord& hold) {
  const std::string pose = hold.variant.empty() ? hold.pose : hold.pose + " (" + hold.variant + ")";
  char line[256];
  std::snprintf(line, sizeof line, "  %-20s %7.1f s  best %3.0f  mean %5.1f", pose.c_str(),
                hold.duration_s, hold.best_score, hold.mean_score);
  return line;
}

//   squat set 2           31.3 s  reps  10  score  78.5  range 0.88  +2 partial  "Chest up"
std::string set_line(const SetRecord& set) {
  const std::string name = set.exercise + " set " + std::to_string(set.set);
  char line[256];
  std::snprintf(line, sizeof line, "  %-20s %7.1f s  reps %3d  score %5.1f  range %4.2f",
                name.c_str(), set.duration_s, set.reps, set.mean_score, set.mean_range);
  std::string text = line;
  if (set.partial_reps > 0) text += "  +" + std::to_string(set.partial_reps) + " partial";
  if (!set.main_cue.empty()) text += "  \"" + set.main_cue + "\"";
  return text;
}

// Session 3  2025-01-02 10:00:05  12m 30s  movenet-lightning  device pi-1
//   then its holds and sets, one a line, in time order.
void print_sessions_text(const std::vector<PracticeSession>& sessions) {
  for (const PracticeSession& session : sessions) {
    std::cout << "Session " << session.id << "  " << local_time(session.start_unix_ms) << "  "
              << (session.end_unix_ms == 0
                      ? std::string("open")
                      : span_text((session.end_unix_ms - session.start_unix_ms) / 1000.0))
              << "  " << (session.model.empty() ? "-" : session.model);
    if (!session.device.empty()) std::cout << "  device " << session.device;
    std::cout << "\n";
    std::vector<std::pair<int64_t, std::string>> lines;
    for (const HoldRecord& hold : session.holds)
      lines.emplace_back(hold.start_unix_ms, hold_line(hold));
    for (const SetRecord& set : session.sets) lines.emplace_back(set.start_unix_ms, set_line(set));
    std::stable_sort(lines.begin(), lines.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    if (lines.empty()) std::cout << "  no holds or sets\n";
    for (const auto& [start, line] : lines) std::cout << line << "\n";
  }
}

int run_history(const HistoryArgs& args) {
  const std::filesystem::path path =
      args.db.empty() ? default_history_path() : std::filesystem::path(args.db);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    // Not an error: nothing has been practised on this device yet. Opening would create it.
    if (args.json) {
      std::cout << history_json({}).dump() << std::endl;
      std::cerr << "posecast history: no practice history yet (" << path.string() << ")\n";
    } else {
      std::cout << "no practice history yet (" << path.string() << ")\n";
    }
    return 0;
  }
  Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(path);
  if (!history) {
    std::cerr << "posecast history: " << history.error().message() << "\n";
    return 1;
  }
  Result<std::vector<PracticeSession>> sessions = (*history)->sessions(args.limit);
  if (!sessions) {
    std::cerr << "posecast history: " << sessions.error().message() << "\n";
    return 1;
  }
  if (args.json) {
    std::cout << history_json(sessions.value()).dump() << std::endl;
  } else if (sessions->empty()) {
    std::cout << "no practice sessions yet (" << path.string() << ")\n";
  } else {
    print_sessions_text(sessions.value());
  }
  return 0;
}

}  // namespace

void add_history(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<HistoryArgs>();
  CLI::App* cmd = app.add_subcommand(
      "history",
      "Practice sessions stored on this device, newest first, with their holds (pose, duration, "
      "best and mean form score) and sets of rep exercises (reps, partial reps, mean score and "
      "range, the most frequent cue). With --json one object "
      "{\"sessions\":[{\"id\",\"device\",\"model\",\"start_ms\",\"end_ms\",\"duration_s\","
      "\"holds\":[{\"pose\",\"variant\",\"start_ms\",\"duration_s\",\"best_score\","
      "\"mean_score\"}],\"sets\":[{\"exercise\",\"set\",\"reps\",\"partial_reps\",\"start_ms\","
      "\"duration_s\",\"mean_score\",\"mean_range\",\"main_cue\"}]}]}.");
  cmd->add_flag("--json", args->json, "One JSON object instead of a table");
  cmd->add_option("--db", args->db,
                  "History file (default: $XDG_DATA_HOME/posecast/history.sqlite, else "
                  "~/.local/share/posecast/history.sqlite)");
  cmd->add_option("--limit", args->limit, "Most recent sessions to show (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args, &ctx] { ctx.exit_code = run_history(*args); });
}

}  // namespace posecast::cli
