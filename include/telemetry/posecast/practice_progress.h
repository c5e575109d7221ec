// What a student sees of their practice over days, computed from the practice history
// (practice_history.h): per pose and per exercise a value per calendar day, the most frequent
// correction this week against last week, the days practised, and one session's report. The
// progress page (GET /api/progress), the session report (/report/<id>, `history --report`) and the
// class dashboard's student pages all read these. Days and weeks are the local time zone's (TZ);
// weeks start on Monday. See docs/progress.md.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "posecast/practice_history.h"

namespace posecast {

// Days since 1970-01-01 of the local calendar day of `unix_ms`.
int64_t local_day(int64_t unix_ms);
// "2025-01-02" of a local_day().
std::string day_text(int64_t day);
// The Monday on or before `day`.
int64_t week_start(int64_t day);
// "2025-01-02 10:00:05", local time.
std::string local_time_text(int64_t unix_ms);
// "1h 02m", "12m 30s", "42s".
std::string duration_text(double seconds);

// Holds of one pose, added up (a day of them, or a session's).
struct PoseTotals {
  int holds = 0;
  double longest_s = 0;
  double total_s = 0;
  float best_score = 0;
  // Over the holds that were scored, each weighing its duration: a 30 s hold counts more than a
  // 2 s one. 0 when none was scored.
  double mean_score = 0;
  void add(const HoldRecord& hold);

 private:
  double scored_s_ = 0, score_s_sum_ = 0;
};

// Sets of one exercise, added up.
struct ExerciseTotals {
  int sets = 0;
  int reps = 0;
  int partial_reps = 0;
  float best_score = 0;  // the best set's mean score
  // Over the full reps of the sets that have them, each rep weighing the same. 0 when none.
  double mean_score = 0;
  double mean_range = 0;
  void add(const SetRecord& set);

 private:
  int scored_reps_ = 0, ranged_reps_ = 0;
  double score_sum_ = 0, range_sum_ = 0;
};

struct CorrectionCount {
  std::string text;  // "Straighten your left knee"
  int count = 0;     // holds (or sets) whose main correction it was
};

struct PoseProgress {
  std::string pose;
  std::vector<std::pair<int64_t, PoseTotals>> days;  // (local_day, totals), oldest first
  // The correction most often the main one of a hold, in this week and in the one before
  // (a tie goes to the alphabetically first); nullopt when no hold of that week had one.
  std::optional<CorrectionCount> this_week, last_week;
};

struct ExerciseProgress {
  std::string exercise;
  std::vector<std::pair<int64_t, ExerciseTotals>> days;
  std::optional<CorrectionCount> this_week, last_week;  // of the sets' main cues
};

// A day with practice: a session started, or a hold or set done, that day.
struct PracticeDay {
  int64_t day = 0;
  int sessions = 0;
  int holds = 0;
  int sets = 0;
  int reps = 0;
  double active_s = 0;  // time in holds and sets
};

struct PracticeProgress {
  int64_t today = 0;                  // local_day of now
  int64_t this_week = 0;              // its Monday
  std::vector<PracticeDay> calendar;  // oldest first
  std::vector<PoseProgress> poses;    // by pose id
  std::vector<ExerciseProgress> exercises;
  // The newest sessions (at most 20), newest first, for links to their reports.
  std::vector<const PracticeSession*> recent;
};

// `sessions` must outlive the result (PracticeProgress::recent points into it).
PracticeProgress practice_progress(const std::vector<PracticeSession>& sessions,
                                   int64_t now_unix_ms);

// {"today":"2025-01-08","this_week":"2025-01-06","last_week":"2024-12-30",
//  "calendar":[{"date","sessions","holds","sets","reps","active_s"}],
//  "poses":[{"pose","days":[{"date","holds","longest_s","total_s","best_score","mean_score"}],
//            "correction_this_week":{"text","count"}|null,"correction_last_week":...}],
//  "exercises":[{"exercise","days":[{"date","sets","reps","partial_reps","best_score",
//                "mean_score","mean_range"}],"correction_this_week",...}]}
//  "sessions":[{"id","device","start_ms","date","duration_s"|null,"holds","sets"}]}
// Seconds to 0.1, scores to 0.1, ranges to 0.01.
nlohmann::json progress_json(const PracticeProgress& progress);

// One session on one page: what was held and repped, the best scores, the main corrections and
// the time active.
struct SessionReport {
  PracticeSession session;                                // its holds and sets too
  double duration_s = 0;                                  // start to end (to now while it is open)
  double active_s = 0;                                    // time in holds and sets
  std::vector<std::pair<std::string, PoseTotals>> poses;  // by pose id
  std::vector<std::pair<std::string, ExerciseTotals>> exercises;  // by exercise id
  // The main corrections of its holds and cues of its sets, most frequent first (then by text),
  // at most 3.
  std::vector<CorrectionCount> corrections;
};

SessionReport session_report(const PracticeSession& session, int64_t now_unix_ms);
// {"id","device","model","start_ms","end_ms"|null,"date","duration_s","active_s",
//  "poses":[{"pose","holds","longest_s","total_s","best_score","mean_score"}],
//  "exercises":[{"exercise","sets","reps","partial_reps","best_score","mean_score","mean_range"}],
//  "corrections":[{"text","count"}]}
nlohmann::json session_report_json(const SessionReport& report);
// A self-contained HTML page (styles inline, no script, no external file): what /report/<id>
// serves and `history --report --out` writes. Every number carries a data- attribute with its
// value as in session_report_json.
std::string session_report_html(const SessionReport& report);

// The history as CSV (RFC 4180: a header line, CRLF line ends, fields with a comma, quote or line
// break quoted, quotes doubled): one row per hold and per set, oldest session first.
std::string history_csv(const std::vector<PracticeSession>& sessions);

}  // namespace posecast
