// PracticeHistory: sessions and holds round-trip through a real SQLite file.
#include "posecast/practice_history.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "telemetry/history_temp_dir.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using testing::HistoryTempDir;

constexpr int64_t kT0 = 1'735'812'000'000;  // 2025-01-02 10:00:00 UTC

HoldRecord hold(std::string pose, std::string variant, int64_t start_ms, double duration_s,
                float best, float mean) {
  return HoldRecord{std::move(pose), std::move(variant), start_ms, duration_s, best, mean, ""};
}

std::unique_ptr<PracticeHistory> open_ok(const fs::path& db) {
  Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(db);
  EXPECT_TRUE(history.ok()) << (history.ok() ? "" : history.error().message());
  return history.ok() ? std::move(history).value() : nullptr;
}

void expect_hold_eq(const HoldRecord& actual, const HoldRecord& expected) {
  EXPECT_EQ(actual.pose, expected.pose);
  EXPECT_EQ(actual.variant, expected.variant);
  EXPECT_EQ(actual.start_unix_ms, expected.start_unix_ms);
  EXPECT_DOUBLE_EQ(actual.duration_s, expected.duration_s);
  EXPECT_FLOAT_EQ(actual.best_score, expected.best_score);
  EXPECT_FLOAT_EQ(actual.mean_score, expected.mean_score);
}

TEST(PracticeHistory, SessionsAndHoldsRoundTripNewestFirst) {
  HistoryTempDir dir;
  auto history = open_ok(dir.path() / "history.sqlite");
  ASSERT_TRUE(history);
  EXPECT_EQ(history->current_session(), std::nullopt);

  Result<int64_t> first = history->start_session("pi-1", "movenet-lightning", kT0);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(history->current_session(), first.value());
  const HoldRecord tree = hold("tree", "left", kT0 + 5'000, 32.125, 92, 85.25f);
  const HoldRecord warrior = hold("warrior2", "", kT0 + 40'000, 12.5, 80, 71.5f);
  ASSERT_TRUE(history->record_hold(warrior).ok());  // stored out of order, read in time order
  ASSERT_TRUE(history->record_hold(tree).ok());
  ASSERT_TRUE(history->end_session(kT0 + 60'000).ok());
  EXPECT_EQ(history->current_session(), std::nullopt);
  EXPECT_TRUE(history->end_session(kT0 + 70'000).ok());  // none open: no-op

  Result<int64_t> second = history->start_session("pi-1", "movenet-thunder", kT0 + 3'600'000);
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second.value(), first.value());
  const HoldRecord chair = hold("chair", "", kT0 + 3'610'000, 4.0, 66, 60);
  ASSERT_TRUE(history->record_hold(chair).ok());

  Result<std::vector<PracticeSession>> sessions = history->sessions();
  ASSERT_TRUE(sessions.ok()) << sessions.error().message();
  ASSERT_EQ(sessions->size(), 2u);
  const PracticeSession& newest = sessions->at(0);
  EXPECT_EQ(newest.id, second.value());
  EXPECT_EQ(newest.model, "movenet-thunder");
  EXPECT_EQ(newest.start_unix_ms, kT0 + 3'600'000);
  EXPECT_EQ(newest.end_unix_ms, 0);  // still open
  ASSERT_EQ(newest.holds.size(), 1u);
  expect_hold_eq(newest.holds[0], chair);

  const PracticeSession& oldest = sessions->at(1);
  EXPECT_EQ(oldest.id, first.value());
  EXPECT_EQ(oldest.device, "pi-1");
  EXPECT_EQ(oldest.model, "movenet-lightning");
  EXPECT_EQ(oldest.start_unix_ms, kT0);
  EXPECT_EQ(oldest.end_unix_ms, kT0 + 60'000);
  ASSERT_EQ(oldest.holds.size(), 2u);
  expect_hold_eq(oldest.holds[0], tree);
  expect_hold_eq(oldest.holds[1], warrior);
}

TEST(PracticeHistory, StartingASessionEndsTheOpenOne) {
  HistoryTempDir dir;
  auto history = open_ok(dir.path() / "history.sqlite");
  ASSERT_TRUE(history);
  ASSERT_TRUE(history->start_session("pi-1", "a", kT0).ok());
  ASSERT_TRUE(history->start_session("pi-1", "b", kT0 + 90'000).ok());
  Result<std::vector<PracticeSession>> sessions = history->sessions();
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ(sessions->at(0).model, "b");
  EXPECT_EQ(sessions->at(0).end_unix_ms, 0);
  EXPECT_EQ(sessions->at(1).model, "a");
  EXPECT_EQ(sessions->at(1).end_unix_ms, kT0 + 90'000);
}

TEST(PracticeHistory, RecordHoldWithoutASessionStartsOne) {
  HistoryTempDir dir;
  auto history = open_ok(dir.path() / "history.sqlite");
  ASSERT_TRUE(history);
  ASSERT_TRUE(history->record_hold(hold("tree", "right", kT0 + 1'000, 3.0, 90, 85)).ok());
  ASSERT_TRUE(history->current_session().has_value());
  ASSERT_TRUE(history->record_hold(hold("tree", "left", kT0 + 9'000, 2.5, 88, 84)).ok());
  Result<std::vector<PracticeSession>> sessions = history->sessions();
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);  // both holds in the one session started by the first
  EXPECT_EQ(sessions->at(0).device, "");
  EXPECT_EQ(sessions->at(0).model, "");
  EXPECT_EQ(sessions->at(0).start_unix_ms, kT0 + 1'000);
  ASSERT_EQ(sessions->at(0).holds.size(), 2u);
  EXPECT_EQ(sessions->at(0).holds[1].variant, "left");
}

TEST(PracticeHistory, InvalidHoldIsAnErrorAndStoresNothing) {
  HistoryTempDir dir;
  auto history = open_ok(dir.path() / "history.sqlite");
  ASSERT_TRUE(history);
  Status no_pose = history->record_hold(hold("", "", kT0, 3.0, 90, 85));
  ASSERT_FALSE(no_pose.ok());
  EXPECT_EQ(no_pose.error().message(), "a hold needs a pose");
  Status nan = history->record_hold(hold("tree", "", kT0, std::nan(""), 90, 85));
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.error().message().find("\"tree\""), std::string::npos) << nan.error().message();
  EXPECT_EQ(history->current_session(), std::nullopt);
  Result<std::vector<PracticeSession>> sessions = history->sessions();
  ASSERT_TRUE(sessions.ok());
  EXPECT_TRUE(sessions->empty());
}

TEST(PracticeHistory, LimitKeepsTheNewestSessions) {
  HistoryTempDir dir;
  auto history = open_ok(dir.path() / "history.sqlite");
  ASSERT_TRUE(history);
  for (int i = 0; i < 5; ++i) {
    // append() rather than "m" + string: GCC 12 warns falsely (-Wrestrict) on the latter.
    const std::string model = std::string("m").append(std::to_string(i));
    ASSERT_TRUE(history->start_session("pi", model, kT0 + i * 1000).ok());
    ASSERT_TRUE(history->end_session(kT0 + i * 1000 + 500).ok());
  }
  Result<std::vector<PracticeSession>> two = history->sessions(2);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ(two->at(0).model, "m4");
  EXPECT_EQ(two->at(1).model, "m3");
  Result<std::vector<PracticeSession>> all = history->sessions(0);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  EXPECT_EQ(all->at(4).model, "m0");
}

TEST(PracticeHistory, ReopenedFileKeepsEverything) {
  HistoryTempDir dir;
  const fs::path db = dir.path() / "nested" / "folder" / "history.sqlite";  // created on open
  int64_t id = 0;
  {
    auto history = open_ok(db);
    ASSERT_TRUE(history);
    Result<int64_t> started = history->start_session("pi-2", "movenet-thunder", kT0);
    ASSERT_TRUE(started.ok());
    id = started.value();
    ASSERT_TRUE(history->record_hold(hold("plank", "", kT0 + 2'000, 30.5, 77, 70.25f)).ok());
    ASSERT_TRUE(history->end_session(kT0 + 40'000).ok());
  }
  ASSERT_TRUE(fs::is_regular_file(db));
  auto reopened = open_ok(db);
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->current_session(), std::nullopt);
  Result<std::vector<PracticeSession>> sessions = reopened->sessions();
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ(sessions->at(0).id, id);
  EXPECT_EQ(sessions->at(0).device, "pi-2");
  EXPECT_EQ(sessions->at(0).end_unix_ms, kT0 + 40'000);
  ASSERT_EQ(sessions->at(0).holds.size(), 1u);
  expect_hold_eq(sessions->at(0).holds[0], hold("plank", "", kT0 + 2'000, 30.5, 77, 70.25f));
  // A new session continues the numbering.
  Result<int64_t> next = reopened->start_session("pi-2", "x", kT0 + 50'000);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next.value(), id + 1);
}

TEST(PracticeHistory, TwoConnectionsToOneFileSeeEachOther) {
  HistoryTempDir dir;
  auto writer = open_ok(dir.path() / "history.sqlite");
  auto reader = open_ok(dir.path() / "history.sqlite");
  ASSERT_TRUE(writer && reader);
  ASSERT_TRUE(writer->start_session("pi", "m", kT0).ok());
  ASSERT_TRUE(writer->record_hold(hold("tree", "", kT0, 2.0, 50, 40)).ok());
  Result<std::vector<PracticeSession>> seen = reader->sessions();
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ(seen->at(0).holds.size(), 1u);
}

TEST(PracticeHistory, ConcurrentRecordsFromThreadsAllLand) {
  HistoryTempDir dir;
  auto history = open_ok(dir.path() / "history.sqlite");
  ASSERT_TRUE(history);
  ASSERT_TRUE(history->start_session("pi", "m", kT0).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i)
        EXPECT_TRUE(history->record_hold(hold("tree", "", kT0 + t * 100 + i, 2.0, 50, 40)).ok());
    });
  for (std::thread& t : threads) t.join();
  Result<std::vector<PracticeSession>> sessions = history->sessions();
  ASSERT_TRUE(sessions.ok());
  ASSERT_EQ(sessions->size(), 1u);
  EXPECT_EQ(sessions->at(0).holds.size(), 100u);
}

TEST(PracticeHistory, CorruptFileIsAnErrorNamingItAndIsLeftAlone) {
  HistoryTempDir dir;
  const fs::path db = dir.path() / "history.sqlite";
  std::string garbage(4096, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 131 + 7) % 251);
  std::ofstream(db, std::ios::binary) << garbage;

  Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(db);
  ASSERT_FALSE(history.ok());
  const std::string& message = history.error().message();
  EXPECT_EQ(message.rfind(db.string() + ": ", 0), 0u) << message;
  EXPECT_NE(message.find("not a posecast practice history"), std::string::npos) << message;
  EXPECT_EQ(fs::file_size(db), garbage.size());
}

TEST(PracticeHistory, AnotherProgramsDatabaseIsRefused) {
  HistoryTempDir dir;
  const fs::path db = dir.path() / "other.sqlite";
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE notes (text TEXT)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);

  Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(db);
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(
      history.error().message(),
      db.string() + ": not a posecast practice history (an SQLite database of another program)");
}

TEST(PracticeHistory, NewerSchemaIsRefused) {
  HistoryTempDir dir;
  const fs::path db = dir.path() / "history.sqlite";
  ASSERT_TRUE(open_ok(db));
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 7", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);

  Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(db);
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(history.error().message(),
            db.string() + ": written by a newer posecast (schema version 7, this one knows 3)");
}

TEST(PracticeHistory, EmptyFileBecomesAHistory) {
  HistoryTempDir dir;
  const fs::path db = dir.path() / "history.sqlite";
  std::ofstream(db).close();
  auto history = open_ok(db);
  ASSERT_TRUE(history);
  Result<std::vector<PracticeSession>> sessions = history->sessions();
  ASSERT_TRUE(sessions.ok());
  EXPECT_TRUE(sessions->empty());
}

TEST(PracticeHistory, DirectoryThatCannotBeCreatedIsAnError) {
  HistoryTempDir dir;
  const fs::path file = dir.path() / "a-file";
  std::ofstream(file) << "x";
  const fs::path db = file / "sub" / "history.sqlite";  // under a regular file
  Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(db);
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(history.error().message().rfind(db.string() + ": cannot create its directory", 0), 0u)
      << history.error().message();
}

TEST(PracticeHistory, ReadOnlyDirectoryIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
  HistoryTempDir dir;
  const fs::path locked = dir.path() / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  const fs::path db = locked / "history.sqlite";
  Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(db);
  ASSERT_FALSE(history.ok());
  EXPECT_EQ(history.error().message().rfind(db.string() + ": cannot open", 0), 0u)
      << history.error().message();
}

TEST(PracticeHistory, DefaultPathFollowsXdgDataHome) {
  const char* saved = std::getenv("XDG_DATA_HOME");
  const std::string saved_value = saved ? saved : "";
  ::setenv("XDG_DATA_HOME", "/data/me", 1);
  EXPECT_EQ(default_history_path(), fs::path("/data/me/posecast/history.sqlite"));
  ::setenv("XDG_DATA_HOME", "", 1);
  const char* home = std::getenv("HOME");
  if (home && *home) {
    EXPECT_EQ(default_history_path(), fs::path(home) / ".local/share/posecast/history.sqlite");
  }
  if (saved) {
    ::setenv("XDG_DATA_HOME", saved_value.c_str(), 1);
  } else {
    ::unsetenv("XDG_DATA_HOME");
  }
}

TEST(PracticeHistory, JsonHasEverySessionAndHoldField) {
  PracticeSession closed{3, "pi-1", "movenet-lightning", kT0, kT0 + 312'500, {}, {}};
  closed.holds.push_back(hold("tree", "left", kT0 + 5'000, 32.1234, 92, 85.456f));
  PracticeSession open{4, "pi-1", "movenet-thunder", kT0 + 400'000, 0, {}, {}};
  const nlohmann::json j = history_json({open, closed});
  ASSERT_EQ(j["sessions"].size(), 2u);
  const nlohmann::json& first = j["sessions"][0];
  EXPECT_EQ(first["id"], 4);
  EXPECT_TRUE(first["end_ms"].is_null());
  EXPECT_TRUE(first["duration_s"].is_null());
  EXPECT_TRUE(first["holds"].is_array());
  EXPECT_TRUE(first["holds"].empty());
  const nlohmann::json& second = j["sessions"][1];
  EXPECT_EQ(second["id"], 3);
  EXPECT_EQ(second["device"], "pi-1");
  EXPECT_EQ(second["model"], "movenet-lightning");
  EXPECT_EQ(second["start_ms"], kT0);
  EXPECT_EQ(second["end_ms"], kT0 + 312'500);
  EXPECT_DOUBLE_EQ(second["duration_s"].get<double>(), 312.5);
  const nlohmann::json& h = second["holds"][0];
  EXPECT_EQ(h["pose"], "tree");
  EXPECT_EQ(h["variant"], "left");
  EXPECT_EQ(h["start_ms"], kT0 + 5'000);
  EXPECT_DOUBLE_EQ(h["duration_s"].get<double>(), 32.123);
  EXPECT_DOUBLE_EQ(h["best_score"].get<double>(), 92.0);
  EXPECT_DOUBLE_EQ(h["mean_score"].get<double>(), 85.46);
  EXPECT_EQ(history_json({}).dump(), R"({"sessions":[]})");
}

}  // namespace
}  // namespace posecast
