// Days, weeks and totals of the practice history: the progress page's data and the session
// report's numbers.
#include "posecast/practice_progress.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>

namespace posecast {

using nlohmann::json;

namespace {

// `value` to `decimals` places: 32.1, not 32.100000000000001.
double rounded(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::tm local_tm(int64_t unix_ms) {
  // Floor, so that a time before 1970 falls on the day before, as the calendar has it.
  const std::time_t seconds =
      static_cast<std::time_t>(unix_ms >= 0 ? unix_ms / 1000 : -((-unix_ms + 999) / 1000));
  std::tm local{};
  localtime_r(&seconds, &local);
  return local;
}

// Counts of the main corrections (or cues) of one thing, per week.
class WeekCorrections {
 public:
  void add(int64_t day, const std::string& text) {
    if (!text.empty()) ++counts_[week_start(day)][text];
  }
  std::optional<CorrectionCount> most_frequent(int64_t week) const {
    const auto found = counts_.find(week);
    if (found == counts_.end()) return std::nullopt;
    CorrectionCount best;
    for (const auto& [text, count] : found->second)  // by text: a tie keeps the first
      if (count > best.count) best = {text, count};
    return best;
  }

 private:
  std::map<int64_t, std::map<std::string, int>> counts_;
};

json correction_json(const std::optional<CorrectionCount>& c) {
  return c ? json{{"text", c->text}, {"count", c->count}} : json(nullptr);
}

json pose_totals_json(const PoseTotals& t) {
  return {{"holds", t.holds},
          {"longest_s", rounded(t.longest_s, 1)},
          {"total_s", rounded(t.total_s, 1)},
          {"best_score", rounded(t.best_score, 1)},
          {"mean_score", rounded(t.mean_score, 1)}};
}

json exercise_totals_json(const ExerciseTotals& t) {
  return {{"sets", t.sets},
          {"reps", t.reps},
          {"partial_reps", t.partial_reps},
          {"best_score", rounded(t.best_score, 1)},
          {"mean_score", rounded(t.mean_score, 1)},
          {"mean_range", rounded(t.mean_range, 2)}};
}

// Per name, per day: the totals and the week's corrections.
template <class Totals>
struct Tally {
  std::map<std::string, std::map<int64_t, Totals>> days;
  std::map<std::string, WeekCorrections> corrections;
};

}  // namespace

int64_t local_day(int64_t unix_ms) {
  const std::tm t = local_tm(unix_ms);
  return days_from_civil(t.tm_year + 1900, static_cast<unsigned>(t.tm_mon + 1),
                         static_cast<unsigned>(t.tm_mday));
}

std::string day_text(int64_t day) {
  // civil_from_days (Hinnant): the inverse of days_from_civil.
  const int64_t z = day + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
  char text[32];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return text;
}

int64_t week_start(int64_t day) {
  // 1970-01-01 was a Thursday: (day + 3) mod 7 is 0 on Mondays.
  const int64_t since_monday = ((day + 3) % 7 + 7) % 7;
  return day - since_monday;
}

std::string local_time_text(int64_t unix_ms) {
  const std::tm t = local_tm(unix_ms);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &t);
  return text;
}

void PoseTotals::add(const HoldRecord& hold) {
  ++holds;
  longest_s = std::max(longest_s, hold.duration_s);
  total_s += hold.duration_s;
  best_score = std::max(best_score, hold.best_score);
  if (hold.best_score > 0 || hold.mean_score > 0) {  // 0 and 0: not scored
    scored_s_ += hold.duration_s;
    score_s_sum_ += hold.mean_score * hold.duration_s;
    mean_score = scored_s_ > 0 ? score_s_sum_ / scored_s_ : 0;
  }
}

void ExerciseTotals::add(const SetRecord& set) {
  ++sets;
  reps += set.reps;
  partial_reps += set.partial_reps;
  best_score = std::max(best_score, set.mean_score);
  if (set.reps > 0 && set.mean_score > 0) {
    scored_reps_ += set.reps;
    score_sum_ += set.mean_score * set.reps;
    mean_score = score_sum_ / scored_reps_;
  }
  if (set.reps > 0 && set.mean_range > 0) {
    ranged_reps_ += set.reps;
    range_sum_ += set.mean_range * set.reps;
    mean_range = range_sum_ / ranged_reps_;
  }
}

PracticeProgress practice_progress(const std::vector<PracticeSession>& sessions,
                                   int64_t now_unix_ms) {
  PracticeProgress progress;
  progress.today = local_day(now_unix_ms);
  progress.this_week = week_start(progress.today);
  std::map<int64_t, PracticeDay> calendar;
  Tally<PoseTotals> poses;
  Tally<ExerciseTotals> exercises;
  for (const PracticeSession& session : sessions) {
    ++calendar[local_day(session.start_unix_ms)].sessions;
    for (const HoldRecord& hold : session.holds) {
      const int64_t day = local_day(hold.start_unix_ms);
      poses.days[hold.pose][day].add(hold);
      poses.corrections[hold.pose].add(day, hold.main_correction);
      PracticeDay& d = calendar[day];
      ++d.holds;
      d.active_s += hold.duration_s;
    }
    for (const SetRecord& set : session.sets) {
      const int64_t day = local_day(set.start_unix_ms);
      exercises.days[set.exercise][day].add(set);
      exercises.corrections[set.exercise].add(day, set.main_cue);
      PracticeDay& d = calendar[day];
      ++d.sets;
      d.reps += set.reps;
      d.active_s += set.duration_s;
    }
  }
  for (const PracticeSession& session : sessions) progress.recent.push_back(&session);
  std::stable_sort(
      progress.recent.begin(), progress.recent.end(),
      [](const auto* a, const auto* b) { return a->start_unix_ms > b->start_unix_ms; });
  if (progress.recent.size() > 20) progress.recent.resize(20);
  for (auto& [day, d] : calendar) {
    d.day = day;
    progress.calendar.push_back(d);
  }
  const int64_t last_week = progress.this_week - 7;
  for (const auto& [pose, days] : poses.days) {
    PoseProgress& p = progress.poses.emplace_back();
    p.pose = pose;
    p.days.assign(days.begin(), days.end());
    p.this_week = poses.corrections[pose].most_frequent(progress.this_week);
    p.last_week = poses.corrections[pose].most_frequent(last_week);
  }
  for (const auto& [exercise, days] : exercises.days) {
    ExerciseProgress& e = progress.exercises.emplace_back();
    e.exercise = exercise;
    e.days.assign(days.begin(), days.end());
    e.this_week = exercises.corrections[exercise].most_frequent(progress.this_week);
    e.last_week = exercises.corrections[exercise].most_frequent(last_week);
  }
  return progress;
}

json progress_json(const PracticeProgress& progress) {
  json calendar = json::array();
  for (const PracticeDay& d : progress.calendar)
    calendar.push_back({{"date", day_text(d.day)},
                        {"sessions", d.sessions},
                        {"holds", d.holds},
                        {"sets", d.sets},
                        {"reps", d.reps},
                        {"active_s", rounded(d.active_s, 1)}});
  json poses = json::array();
  for (const PoseProgress& p : progress.poses) {
    json days = json::array();
    for (const auto& [day, totals] : p.days) {
      json entry = pose_totals_json(totals);
      entry["date"] = day_text(day);
      days.push_back(std::move(entry));
    }
    poses.push_back({{"pose", p.pose},
                     {"days", std::move(days)},
                     {"correction_this_week", correction_json(p.this_week)},
                     {"correction_last_week", correction_json(p.last_week)}});
  }
  json exercises = json::array();
  for (const ExerciseProgress& e : progress.exercises) {
    json days = json::array();
    for (const auto& [day, totals] : e.days) {
      json entry = exercise_totals_json(totals);
      entry["date"] = day_text(day);
      days.push_back(std::move(entry));
    }
    exercises.push_back({{"exercise", e.exercise},
                         {"days", std::move(days)},
                         {"correction_this_week", correction_json(e.this_week)},
                         {"correction_last_week", correction_json(e.last_week)}});
  }
  json recent = json::array();
  for (const PracticeSession* s : progress.recent)
    recent.push_back(
        {{"id", s->id},
         {"device", s->device},
         {"start_ms", s->start_unix_ms},
         {"date", local_time_text(s->start_unix_ms)},
         {"duration_s", s->end_unix_ms == 0
                            ? json(nullptr)
                            : json(rounded((s->end_unix_ms - s->start_unix_ms) / 1000.0, 1))},
         {"holds", s->holds.size()},
         {"sets", s->sets.size()}});
  return {{"today", day_text(progress.today)},
          {"this_week", day_text(progress.this_week)},
          {"last_week", day_text(progress.this_week - 7)},
          {"calendar", std::move(calendar)},
          {"poses", std::move(poses)},
          {"exercises", std::move(exercises)},
          {"sessions", std::move(recent)}};
}

SessionReport session_report(const PracticeSession& session, int64_t now_unix_ms) {
  SessionReport report;
  report.session = session;
  const int64_t end = session.end_unix_ms != 0 ? session.end_unix_ms : now_unix_ms;
  report.duration_s = std::max<int64_t>(0, end - session.start_unix_ms) / 1000.0;
  std::map<std::string, PoseTotals> poses;
  std::map<std::string, ExerciseTotals> exercises;
  std::map<std::string, int> corrections;
  for (const HoldRecord& hold : session.holds) {
    poses[hold.pose].add(hold);
    report.active_s += hold.duration_s;
    if (!hold.main_correction.empty()) ++corrections[hold.main_correction];
  }
  for (const SetRecord& set : session.sets) {
    exercises[set.exercise].add(set);
    report.active_s += set.duration_s;
    if (!set.main_cue.empty()) ++corrections[set.main_cue];
  }
  report.poses.assign(poses.begin(), poses.end());
  report.exercises.assign(exercises.begin(), exercises.end());
  for (const auto& [text, count] : corrections) report.corrections.push_back({text, count});
  std::stable_sort(report.corrections.begin(), report.corrections.end(),
                   [](const auto& a, const auto& b) { return a.count > b.count; });
  if (report.corrections.size() > 3) report.corrections.resize(3);
  return report;
}

json session_report_json(const SessionReport& report) {
  const PracticeSession& s = report.session;
  json poses = json::array();
  for (const auto& [pose, totals] : report.poses) {
    json entry = pose_totals_json(totals);
    entry["pose"] = pose;
    poses.push_back(std::move(entry));
  }
  json exercises = json::array();
  for (const auto& [exercise, totals] : report.exercises) {
    json entry = exercise_totals_json(totals);
    entry["exercise"] = exercise;
    exercises.push_back(std::move(entry));
  }
  json corrections = json::array();
  for (const CorrectionCount& c : report.corrections)
    corrections.push_back({{"text", c.text}, {"count", c.count}});
  return {{"id", s.id},
          {"device", s.device},
          {"model", s.model},
          {"start_ms", s.start_unix_ms},
          {"end_ms", s.end_unix_ms != 0 ? json(s.end_unix_ms) : json(nullptr)},
          {"date", local_time_text(s.start_unix_ms)},
          {"duration_s", rounded(report.duration_s, 1)},
          {"active_s", rounded(report.active_s, 1)},
          {"poses", std::move(poses)},
          {"exercises", std::move(exercises)},
          {"corrections", std::move(corrections)}};
}

}  // namespace posecast
