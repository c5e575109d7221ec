// PracticeHistory: sets of rep exercises round-trip, and a version 1 file gains them.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "posecast/practice_history.h"
#include "telemetry/history_temp_dir.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using testing::HistoryTempDir;

constexpr int64_t kT0 = 1'735'812'000'000;  // 2025-01-02 10:00:00 UTC

SetRecord squats(int set, int reps, int64_t start_ms) {
  SetRecord s;
  s.exercise = "squat";
  s.set = set;
  s.reps = reps;
  s.partial_reps = 2;
  s.start_unix_ms = start_ms;
  s.duration_s = 31.25;
  s.mean_score = 78.5f;
  s.mean_range = 0.875f;
  s.main_cue = "Hips down to knee height";
  return s;
}

std::unique_ptr<PracticeHistory> open_ok(const fs::path& db) {
  Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(db);
  EXPECT_TRUE(history.ok()) << (history.ok() ? "" : history.error().message());
  return history.ok() ? std::move(history).value() : nullptr;
}

void expect_set_eq(const SetRecord& actual, const SetRecord& expected) {
  EXPECT_EQ(actual.exercise, expected.exercise);
  EXPECT_EQ(actual.set, expected.set);
  EXPECT_EQ(actual.reps, expected.reps);
  EXPECT_EQ(actual.partial_reps, expected.partial_reps);
  EXPECT_EQ(actual.start_unix_ms, expected.start_unix_ms);
  EXPECT_DOUBLE_EQ(actual.duration_s, expected.duration_s);
  EXPECT_FLOAT_EQ(actual.mean_score, expected.mean_score);
  EXPECT_FLOAT_EQ(actual.mean_range, expected.mean_range);
  EXPECT_EQ(actual.main_cue, expected.main_cue);
}

int64_t query_int(const fs::path& db, const char* sql) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(raw, sql, -1, &s, nullptr), SQLITE_OK) << sql;
  const int64_t value = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_finalize(s);
  sqlite3_close(raw);
  return value;
}

TEST(PracticeHistorySets, SetsRoundTripInTimeOrderBesideTheHolds) {
  HistoryTempDir dir;
  auto history = open_ok(dir.path() / "history.sqlite");
  ASSERT_TRUE(history);
  ASSERT_TRUE(history->start_session("pi-1", "builtin", kT0).ok());
  const SetRecord second = squats(2, 10, kT0 + 90'000), first = squats(1, 8, kT0 + 10'000);
  ASSERT_TRUE(history->record_set(second).ok());  // stored out of order, read in time order
  ASSERT_TRUE(history->record_set(first).ok());
  ASSERT_TRUE(history->record_hold({"tree", "", kT0 + 200'000, 12, 90, 85, ""}).ok());
  ASSERT_TRUE(history->end_session(kT0 + 300'000).ok());

  Result<std::vector<PracticeSession>> sessions = history->sessions();
  ASSERT_TRUE(sessions.ok()) << sessions.error().message();
  ASSERT_EQ(sessions->size(), 1u);
  ASSERT_EQ(sessions->at(0).sets.size(), 2u);
  expect_set_eq(sessions->at(0).sets[0], first);
  expect_set_eq(sessions->at(0).sets[1], second);
  EXPECT_EQ(sessions->at(0).holds.size(), 1u);
}

TEST(PracticeHistorySets, ASetWithoutASessionStartsOne) {
  HistoryTempDir dir;
  auto history = open_ok(dir.path() / "history.sqlite");
  ASSERT_TRUE(history);
  ASSERT_TRUE(history->record_set(squats(1, 5, kT0)).ok());
  ASSERT_TRUE(history->current_session());
  auto sessions = history->sessions();
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ(sessions->at(0).start_unix_ms, kT0);
  EXPECT_EQ(sessions->at(0).sets.size(), 1u);
}

TEST(PracticeHistorySets, AnInvalidSetIsAnErrorAndStoresNothing) {
  HistoryTempDir dir;
  auto history = open_ok(dir.path() / "history.sqlite");
  ASSERT_TRUE(history);
  SetRecord nameless = squats(1, 5, kT0);
  nameless.exercise.clear();
  EXPECT_EQ(history->record_set(nameless).error().message(), "a set needs an exercise");
  SetRecord negative = squats(1, -1, kT0);
  EXPECT_FALSE(history->record_set(negative).ok());
  SetRecord nan = squats(1, 5, kT0);
  nan.mean_range = std::nanf("");
  Status refused = history->record_set(nan);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(),
            "set of \"squat\": duration, score and range must be finite and >= 0");
  auto sessions = history->sessions();
  ASSERT_TRUE(sessions.ok());
  EXPECT_TRUE(sessions->empty());
}

// A file written before issue 18 (schema version 1: sessions and holds) keeps everything and
// gains the sets table the first time this version opens it.
TEST(PracticeHistorySets, AVersion1FileIsMigratedKeepingItsHolds) {
  HistoryTempDir dir;
  const fs::path db = dir.path() / "history.sqlite";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  const char* v1 = R"sql(
    CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, device TEXT NOT NULL,
      model TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER);
    CREATE INDEX sessions_by_start ON sessions (start_ms);
    CREATE TABLE holds (id INTEGER PRIMARY KEY,
      session_id INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
      pose TEXT NOT NULL, variant TEXT NOT NULL, start_ms INTEGER NOT NULL,
      duration_s REAL NOT NULL, best_score REAL NOT NULL, mean_score REAL NOT NULL);
    CREATE INDEX holds_by_session ON holds (session_id, start_ms);
    INSERT INTO sessions (device, model, start_ms, end_ms) VALUES ('pi-1', 'builtin', 1735812000000, 1735812060000);
    INSERT INTO holds (session_id, pose, variant, start_ms, duration_s, best_score, mean_score)
      VALUES (1, 'tree', 'left', 1735812005000, 32.5, 92, 85);
    PRAGMA application_id = 1346586707; PRAGMA user_version = 1;)sql";
  ASSERT_EQ(sqlite3_exec(raw, v1, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  sqlite3_close(raw);

  {
    auto history = open_ok(db);
    ASSERT_TRUE(history);
    auto sessions = history->sessions();
    ASSERT_TRUE(sessions.ok()) << sessions.error().message();
    ASSERT_EQ(sessions->size(), 1u);
    ASSERT_EQ(sessions->at(0).holds.size(), 1u);
    EXPECT_EQ(sessions->at(0).holds[0].pose, "tree");
    EXPECT_TRUE(sessions->at(0).sets.empty());
    ASSERT_TRUE(history->start_session("pi-1", "builtin", kT0 + 100'000).ok());
    ASSERT_TRUE(history->record_set(squats(1, 10, kT0 + 110'000)).ok());
  }
  EXPECT_EQ(query_int(db, "PRAGMA user_version"), 3);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM sets"), 1);
  EXPECT_EQ(query_int(db, "SELECT count(*) FROM holds"), 1);
  auto again = open_ok(db);  // opening a current file changes nothing
  ASSERT_TRUE(again);
  auto sessions = again->sessions();
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ(sessions->at(0).sets.size(), 1u);
  EXPECT_EQ(sessions->at(1).holds.size(), 1u);
}

TEST(PracticeHistorySets, JsonHasEverySetField) {
  PracticeSession session{3, "pi-1", "builtin", kT0, kT0 + 60'000, {}, {}};
  SetRecord s = squats(2, 10, kT0 + 5'000);
  s.duration_s = 31.23456;
  s.mean_score = 78.456f;
  s.mean_range = 0.8761f;
  session.sets.push_back(s);
  const nlohmann::json j = history_json({session});
  const nlohmann::json& set = j["sessions"][0]["sets"][0];
  EXPECT_EQ(set["exercise"], "squat");
  EXPECT_EQ(set["set"], 2);
  EXPECT_EQ(set["reps"], 10);
  EXPECT_EQ(set["partial_reps"], 2);
  EXPECT_EQ(set["start_ms"], kT0 + 5'000);
  EXPECT_DOUBLE_EQ(set["duration_s"].get<double>(), 31.235);
  EXPECT_DOUBLE_EQ(set["mean_score"].get<double>(), 78.46);
  EXPECT_DOUBLE_EQ(set["mean_range"].get<double>(), 0.88);
  EXPECT_EQ(set["main_cue"], "Hips down to knee height");
  EXPECT_TRUE(j["sessions"][0]["holds"].empty());
}

}  // namespace
}  // namespace posecast
