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
#include "posecast/practice_progress.h"
#include "posecast/practice_store.h"
#include "practice_pages.h"

namespace posecast::cli {

namespace {

struct HistoryArgs {
  std::string db;  // empty: default_history_path()
  int limit = 50;
  bool json = false;
  bool csv = false;
  int64_t report = 0;  // > 0: this session's report
  std::string out;     // empty: stdout
};

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
    std::cout << "Session " << session.id << "  " << local_time_text(session.start_unix_ms) << "  "
              << (session.end_unix_ms == 0
                      ? std::string("open")
                      : duration_text((session.end_unix_ms - session.start_unix_ms) / 1000.0))
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

// The output: to --out FILE, else stdout.
int emit(const HistoryArgs& args, const std::string& text) {
  if (args.out.empty()) {
    std::cout << text << std::flush;
    return 0;
  }
  if (Status s = write_text_file(args.out, text); !s.ok()) {
    std::cerr << "posecast history: --out " << s.error().message() << "\n";
    return 1;
  }
  return 0;
}

int print_report(const PracticeHistory& history, const HistoryArgs& args) {
  Result<std::optional<std::string>> page = session_report_page(
      [&history](const SessionQuery& q) { return history.sessions(q); }, args.report);
  if (!page) {
    std::cerr << "posecast history: " << page.error().message() << "\n";
    return 1;
  }
  if (!page.value()) {
    std::cerr << "posecast history: --report " << args.report << ": no such session in "
              << history.path().string() << "\n";
    return 1;
  }
  return emit(args, *page.value());
}

int run_history(const HistoryArgs& args) {
  const std::filesystem::path path =
      args.db.empty() ? default_history_path() : std::filesystem::path(args.db);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    // Not an error: nothing has been practised on this device yet. Opening would create it.
    if (args.report > 0) {
      std::cerr << "posecast history: --report " << args.report << ": no practice history yet ("
                << path.string() << ")\n";
      return 1;
    }
    if (args.json || args.csv) {
      std::cerr << "posecast history: no practice history yet (" << path.string() << ")\n";
      return emit(args, args.json ? history_json({}).dump() + "\n" : history_csv({}));
    }
    std::cout << "no practice history yet (" << path.string() << ")\n";
    return 0;
  }
  Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(path);
  if (!history) {
    std::cerr << "posecast history: " << history.error().message() << "\n";
    return 1;
  }
  if (args.report > 0) return print_report(*history.value(), args);
  Result<std::vector<PracticeSession>> sessions = (*history)->sessions(args.limit);
  if (!sessions) {
    std::cerr << "posecast history: " << sessions.error().message() << "\n";
    return 1;
  }
  if (args.json) return emit(args, history_json(sessions.value()).dump() + "\n");
  if (args.csv) return emit(args, history_csv(sessions.value()));
  if (sessions->empty()) {
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
  auto* json_flag = cmd->add_flag("--json", args->json, "One JSON object instead of a table");
  auto* csv_flag = cmd->add_flag(
      "--csv", args->csv, "CSV instead of a table: one row per hold and per set, oldest first");
  csv_flag->excludes(json_flag);
  cmd->add_option("--report", args->report,
                  "A one-page HTML report of this session (poses held, reps, best scores, main "
                  "corrections, time active), self-contained")
      ->check(CLI::PositiveNumber)
      ->excludes(json_flag)
      ->excludes(csv_flag);
  cmd->add_option("--out", args->out,
                  "Write to this file instead of stdout (--json, --csv, --report)");
  cmd->add_option("--db", args->db,
                  "History file (default: $XDG_DATA_HOME/posecast/history.sqlite, else "
                  "~/.local/share/posecast/history.sqlite)");
  cmd->add_option("--limit", args->limit, "Most recent sessions to show (0: all)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args, &ctx] { ctx.exit_code = run_history(*args); });
}

}  // namespace posecast::cli
