// The progress page's numbers (practice_progress.h): per day, per week, the calendar, a session's
// report and the CSV, from a history with known values. Days are computed in UTC here (TZ=UTC),
// and once in New York to see that days are the local ones.
#include "posecast/practice_progress.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <sstream>

namespace posecast {
namespace {

constexpr int64_t kJan1 = 1'735'689'600'000;  // 2025-01-01 00:00:00 UTC, a Wednesday
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;
// Wednesday 2025-01-08 12:00 UTC: this week began on Monday 2025-01-06, last week on 2024-12-30.
constexpr int64_t kNow = kJan1 + 7 * kDay + 12 * kHour;

// Sets TZ for one test and puts the old one back.
class TimeZone {
 public:
  explicit TimeZone(const char* zone) {
    const char* old = std::getenv("TZ");
    had_ = old != nullptr;
    if (had_) old_ = old;
    ::setenv("TZ", zone, 1);
    ::tzset();
  }
  ~TimeZone() {
    if (had_)
      ::setenv("TZ", old_.c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

 private:
  bool had_ = false;
  std::string old_;
};

HoldRecord hold(const std::string& pose, int64_t start, double s, float best, float mean,
                const std::string& correction) {
  return {pose, "", start, s, best, mean, correction};
}

SetRecord set(const std::string& exercise, int number, int64_t start, int reps, int partial,
              float score, float range, const std::string& cue) {
  return {exercise, number, reps, partial, start, 30.0, score, range, cue};
}

// Three sessions: Tuesday of last week, Monday and Tuesday of this week.
std::vector<PracticeSession> known_history() {
  const int64_t s1 = kJan1 - kDay + 10 * kHour;      // 2024-12-31 10:00
  const int64_t s2 = kJan1 + 5 * kDay + 18 * kHour;  // 2025-01-06 18:00
  const int64_t s3 = kJan1 + 6 * kDay + 7 * kHour;   // 2025-01-07 07:00
  PracticeSession first{1, "pi-1", "builtin", s1, s1 + 600'000, {}, {}};
  first.holds = {hold("tree", s1 + 10'000, 30, 90, 80, "Straighten your left knee"),
                 hold("tree", s1 + 60'000, 10, 70, 60, "Straighten your left knee"),
                 hold("tree", s1 + 90'000, 20, 0, 0, "")};  // not scored
  first.sets = {set("squat", 1, s1 + 200'000, 10, 2, 80, 0.9f, "Chest up")};
  PracticeSession second{2, "pi-1", "builtin", s2, s2 + 900'000, {}, {}};
  second.holds = {hold("tree", s2 + 10'000, 40, 95, 90, "Lift your arms"),
                  hold("tree", s2 + 70'000, 15, 85, 70, "Straighten your left knee"),
                  hold("warrior2", s2 + 100'000, 12, 80, 72, "")};
  second.sets = {set("squat", 1, s2 + 200'000, 8, 0, 70, 0.8f, "Chest up"),
                 set("squat", 2, s2 + 300'000, 12, 0, 90, 1.0f, "")};
  PracticeSession third{3, "pi-1", "builtin", s3, 0, {}, {}};  // still open
  third.holds = {hold("tree", s3 + 5'000, 25, 88, 82, "Lift your arms")};
  return {third, second, first};  // newest first, as the history reads them
}

TEST(PracticeDays, DaysAndWeeksFollowTheCalendar) {
  TimeZone utc("UTC");
  EXPECT_EQ(day_text(local_day(kJan1)), "2025-01-01");
  EXPECT_EQ(day_text(local_day(kJan1 - 1)), "2024-12-31");
  EXPECT_EQ(day_text(local_day(kJan1 + 59 * kDay)), "2025-03-01");
  EXPECT_EQ(day_text(local_day(1'709'164'800'000)), "2024-02-29");  // a leap day
  EXPECT_EQ(day_text(0), "1970-01-01");
  // Weeks start on Monday: Sunday 2025-01-05 is in the week of 2024-12-30.
  EXPECT_EQ(day_text(week_start(local_day(kJan1 + 4 * kDay))), "2024-12-30");
  EXPECT_EQ(day_text(week_start(local_day(kJan1 + 5 * kDay))), "2025-01-06");
  EXPECT_EQ(day_text(week_start(local_day(kNow))), "2025-01-06");
  EXPECT_EQ(local_time_text(kJan1 + 10 * kHour + 5'000), "2025-01-01 10:00:05");
}

TEST(PracticeDays, ADayIsTheLocalTimeZones) {
  TimeZone new_york("America/New_York");
  // 03:00 UTC on the 7th is 22:00 on the 6th in New York.
  EXPECT_EQ(day_text(local_day(kJan1 + 6 * kDay + 3 * kHour)), "2025-01-06");
  EXPECT_EQ(local_time_text(kJan1 + 6 * kDay + 3 * kHour), "2025-01-06 22:00:00");
}

TEST(PracticeProgress, PosesAddUpPerDay) {
  TimeZone utc("UTC");
  const std::vector<PracticeSession> history = known_history();
  const PracticeProgress p = practice_progress(history, kNow);
  ASSERT_EQ(p.poses.size(), 2u);
  const PoseProgress& tree = p.poses[0];
  EXPECT_EQ(tree.pose, "tree");
  ASSERT_EQ(tree.days.size(), 3u);
  EXPECT_EQ(day_text(tree.days[0].first), "2024-12-31");
  const PoseTotals& tuesday = tree.days[0].second;
  EXPECT_EQ(tuesday.holds, 3);
  EXPECT_DOUBLE_EQ(tuesday.longest_s, 30);
  EXPECT_DOUBLE_EQ(tuesday.total_s, 60);
  EXPECT_FLOAT_EQ(tuesday.best_score, 90);
  // Weighted by duration over the scored holds: (80*30 + 60*10) / 40; the unscored one is out.
  EXPECT_DOUBLE_EQ(tuesday.mean_score, 75);
  const PoseTotals& monday = tree.days[1].second;
  EXPECT_EQ(day_text(tree.days[1].first), "2025-01-06");
  EXPECT_EQ(monday.holds, 2);
  EXPECT_DOUBLE_EQ(monday.longest_s, 40);
  EXPECT_DOUBLE_EQ(monday.total_s, 55);
  EXPECT_NEAR(monday.mean_score, (90.0 * 40 + 70.0 * 15) / 55, 1e-9);
  EXPECT_EQ(day_text(tree.days[2].first), "2025-01-07");
  EXPECT_DOUBLE_EQ(tree.days[2].second.longest_s, 25);
  EXPECT_EQ(p.poses[1].pose, "warrior2");
  ASSERT_EQ(p.poses[1].days.size(), 1u);
  EXPECT_DOUBLE_EQ(p.poses[1].days[0].second.mean_score, 72);
}

TEST(PracticeProgress, ExercisesAddUpPerDayWeighingEachRep) {
  TimeZone utc("UTC");
  const std::vector<PracticeSession> history = known_history();
  const PracticeProgress p = practice_progress(history, kNow);
  ASSERT_EQ(p.exercises.size(), 1u);
  const ExerciseProgress& squat = p.exercises[0];
  ASSERT_EQ(squat.days.size(), 2u);
  const ExerciseTotals& last = squat.days[0].second;
  EXPECT_EQ(last.sets, 1);
  EXPECT_EQ(last.reps, 10);
  EXPECT_EQ(last.partial_reps, 2);
  EXPECT_NEAR(last.mean_range, 0.9, 1e-6);
  const ExerciseTotals& monday = squat.days[1].second;
  EXPECT_EQ(day_text(squat.days[1].first), "2025-01-06");
  EXPECT_EQ(monday.sets, 2);
  EXPECT_EQ(monday.reps, 20);
  EXPECT_FLOAT_EQ(monday.best_score, 90);
  EXPECT_NEAR(monday.mean_score, (70.0 * 8 + 90.0 * 12) / 20, 1e-6);  // 82
  EXPECT_NEAR(monday.mean_range, (0.8 * 8 + 1.0 * 12) / 20, 1e-6);    // 0.92
}

TEST(PracticeProgress, TheMostFrequentCorrectionThisWeekAgainstLastWeek) {
  TimeZone utc("UTC");
  const std::vector<PracticeSession> history = known_history();
  const PracticeProgress p = practice_progress(history, kNow);
  EXPECT_EQ(day_text(p.this_week), "2025-01-06");
  const PoseProgress& tree = p.poses[0];
  ASSERT_TRUE(tree.this_week && tree.last_week);
  EXPECT_EQ(tree.this_week->text, "Lift your arms");  // 2 of this week's 3 holds
  EXPECT_EQ(tree.this_week->count, 2);
  EXPECT_EQ(tree.last_week->text, "Straighten your left knee");
  EXPECT_EQ(tree.last_week->count, 2);
  EXPECT_FALSE(p.poses[1].this_week);  // warrior2: no correction needed
  EXPECT_FALSE(p.poses[1].last_week);
  ASSERT_TRUE(p.exercises[0].this_week);
  EXPECT_EQ(p.exercises[0].this_week->text, "Chest up");
  EXPECT_EQ(p.exercises[0].this_week->count, 1);
}

TEST(PracticeProgress, TheCalendarHasEachPracticeDay) {
  TimeZone utc("UTC");
  const std::vector<PracticeSession> history = known_history();
  const PracticeProgress p = practice_progress(history, kNow);
  ASSERT_EQ(p.calendar.size(), 3u);
  EXPECT_EQ(day_text(p.calendar[0].day), "2024-12-31");
  EXPECT_EQ(p.calendar[0].sessions, 1);
  EXPECT_EQ(p.calendar[0].holds, 3);
  EXPECT_EQ(p.calendar[0].sets, 1);
  EXPECT_EQ(p.calendar[0].reps, 10);
  EXPECT_DOUBLE_EQ(p.calendar[0].active_s, 60 + 30);
  EXPECT_EQ(day_text(p.calendar[1].day), "2025-01-06");
  EXPECT_DOUBLE_EQ(p.calendar[1].active_s, 40 + 15 + 12 + 30 + 30);
  EXPECT_EQ(p.calendar[1].reps, 20);
  EXPECT_EQ(day_text(p.calendar[2].day), "2025-01-07");
  EXPECT_EQ(p.calendar[2].sessions, 1);
}

TEST(PracticeProgress, JsonHasTheDaysWeeksAndSessions) {
  TimeZone utc("UTC");
  const std::vector<PracticeSession> history = known_history();
  const nlohmann::json j = progress_json(practice_progress(history, kNow));
  EXPECT_EQ(j["today"], "2025-01-08");
  EXPECT_EQ(j["this_week"], "2025-01-06");
  EXPECT_EQ(j["last_week"], "2024-12-30");
  const nlohmann::json& monday = j["poses"][0]["days"][1];
  EXPECT_EQ(monday["date"], "2025-01-06");
  EXPECT_DOUBLE_EQ(monday["mean_score"].get<double>(), 84.5);  // 84.545 to 0.1
  EXPECT_DOUBLE_EQ(monday["total_s"].get<double>(), 55);
  EXPECT_EQ(j["poses"][0]["correction_this_week"]["text"], "Lift your arms");
  EXPECT_TRUE(j["poses"][1]["correction_this_week"].is_null());
  EXPECT_DOUBLE_EQ(j["exercises"][0]["days"][1]["mean_range"].get<double>(), 0.92);
  ASSERT_EQ(j["sessions"].size(), 3u);
  EXPECT_EQ(j["sessions"][0]["id"], 3);  // newest first
  EXPECT_TRUE(j["sessions"][0]["duration_s"].is_null());
  EXPECT_DOUBLE_EQ(j["sessions"][1]["duration_s"].get<double>(), 900);
  const nlohmann::json empty = progress_json(practice_progress({}, kNow));
  EXPECT_TRUE(empty["calendar"].empty());
  EXPECT_TRUE(empty["poses"].empty());
}

TEST(SessionReport, SumsUpOneSession) {
  TimeZone utc("UTC");
  const PracticeSession monday = known_history()[1];
  const SessionReport r = session_report(monday, kNow);
  EXPECT_DOUBLE_EQ(r.duration_s, 900);
  EXPECT_DOUBLE_EQ(r.active_s, 40 + 15 + 12 + 30 + 30);
  ASSERT_EQ(r.poses.size(), 2u);
  EXPECT_EQ(r.poses[0].first, "tree");
  EXPECT_EQ(r.poses[0].second.holds, 2);
  EXPECT_DOUBLE_EQ(r.poses[0].second.longest_s, 40);
  EXPECT_FLOAT_EQ(r.poses[0].second.best_score, 95);
  ASSERT_EQ(r.exercises.size(), 1u);
  EXPECT_EQ(r.exercises[0].second.reps, 20);
  EXPECT_FLOAT_EQ(r.exercises[0].second.best_score, 90);
  // Each correction once: by text.
  ASSERT_EQ(r.corrections.size(), 3u);
  EXPECT_EQ(r.corrections[0].text, "Chest up");
  EXPECT_EQ(r.corrections[1].text, "Lift your arms");
  // An open session lasts until now.
  const SessionReport open = session_report(known_history()[0], kNow);
  EXPECT_DOUBLE_EQ(open.duration_s, (kNow - (kJan1 + 6 * kDay + 7 * kHour)) / 1000.0);
}

TEST(SessionReport, TheMostFrequentCorrectionsComeFirstAtMostThree) {
  PracticeSession s{1, "", "", kJan1, kJan1 + 600'000, {}, {}};
  for (const char* c : {"B", "A", "C", "C", "D", "C", "B"})
    s.holds.push_back(hold("tree", kJan1, 3, 50, 50, c));
  const SessionReport r = session_report(s, kNow);
  ASSERT_EQ(r.corrections.size(), 3u);
  EXPECT_EQ(r.corrections[0].text, "C");
  EXPECT_EQ(r.corrections[0].count, 3);
  EXPECT_EQ(r.corrections[1].text, "B");
  EXPECT_EQ(r.corrections[2].text, "A");  // a tie with D: by text
}

TEST(SessionReport, HtmlIsSelfContainedWithEveryNumberAsData) {
  TimeZone utc("UTC");
  PracticeSession monday = known_history()[1];
  monday.device = "mat <1>";
  const std::string html = session_report_html(session_report(monday, kNow));
  EXPECT_NE(html.find("<title>Practice report: session 2</title>"), std::string::npos);
  EXPECT_NE(html.find("device mat &lt;1&gt;"), std::string::npos) << "escaped";
  EXPECT_EQ(html.find("mat <1>"), std::string::npos);
  EXPECT_NE(
      html.find(R"(<tr data-pose="tree"><td>tree</td><td data-field="holds" data-value="2">)"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find(R"(<td data-field="longest_s" data-value="40">40 s</td>)"),
            std::string::npos);
  EXPECT_NE(html.find(R"(<td data-field="mean_score" data-value="84.5">)"), std::string::npos);
  EXPECT_NE(html.find(R"(data-field="reps" data-value="20")"), std::string::npos);
  EXPECT_NE(html.find(R"(data-field="active_s" data-value="127")"), std::string::npos);
  EXPECT_NE(html.find(R"(data-field="best_score" data-value="95")"), std::string::npos);
  EXPECT_NE(html.find(R"(<li data-count="1">Chest up)"), std::string::npos);
  // Nothing to fetch: no script, no stylesheet or image link.
  for (const char* outside : {"<script", "stylesheet", "src=", "http://", "https://"})
    EXPECT_EQ(html.find(outside), std::string::npos) << outside;
}

// The fields of one CSV line (RFC 4180), for checking what history_csv wrote.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

TEST(HistoryCsv, OneRowPerHoldAndSetQuotedAsRfc4180) {
  TimeZone utc("UTC");
  std::vector<PracticeSession> history = known_history();
  history[2].device = "mat \"one\", left";
  history[2].holds[0].main_correction = "Knee\nout";
  const std::string csv = history_csv(history);
  EXPECT_EQ(
      csv.rfind("session,device,model,session_start,kind,name,variant,set,start,start_ms,"
                "duration_s,reps,partial_reps,best_score,mean_score,mean_range,correction\r\n",
                0),
      0u);
  EXPECT_NE(csv.find(R"("mat ""one"", left")"), std::string::npos) << csv;
  const auto rows = parse_csv(csv);
  ASSERT_EQ(rows.size(), 1u + 4 + 5 + 1);  // header, then oldest session first
  for (const auto& row : rows) EXPECT_EQ(row.size(), 17u);
  EXPECT_EQ(rows[1][0], "1");
  EXPECT_EQ(rows[1][1], "mat \"one\", left");
  EXPECT_EQ(rows[1][3], "2024-12-31 10:00:00");
  EXPECT_EQ(rows[1][4], "hold");
  EXPECT_EQ(rows[1][5], "tree");
  EXPECT_EQ(rows[1][10], "30");
  EXPECT_EQ(rows[1][13], "90");
  EXPECT_EQ(rows[1][16], "Knee\nout");
  const auto& squat = rows[4];  // the set, after the three holds in time order
  EXPECT_EQ(squat[4], "set");
  EXPECT_EQ(squat[5], "squat");
  EXPECT_EQ(squat[7], "1");
  EXPECT_EQ(squat[11], "10");
  EXPECT_EQ(squat[12], "2");
  EXPECT_EQ(squat[15], "0.9");
  EXPECT_EQ(squat[16], "Chest up");
  EXPECT_EQ(rows.back()[0], "3");
  EXPECT_EQ(history_csv({}).find("\r\n"), csv.find("\r\n"));  // the header alone
}

}  // namespace
}  // namespace posecast
