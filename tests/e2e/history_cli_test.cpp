// `posecast history` end to end: a history written through the library, read by the real binary.
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/cli_run.h"
#include "posecast/practice_history.h"
#include "telemetry/history_temp_dir.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using testing::HistoryTempDir;
using testing::run_posecast;

constexpr int64_t kT0 = 1'735'812'000'000;  // 2025-01-02 10:00:00 UTC

std::string local_time(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

// Two sessions: a finished one with two holds, and a newer one still open with one.
fs::path write_history(const fs::path& dir) {
  const fs::path db = dir / "history.sqlite";
  Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(db);
  EXPECT_TRUE(history.ok()) << history.error().message();
  if (!history) return db;
  PracticeHistory& h = *history.value();
  EXPECT_TRUE(h.start_session("pi-1", "movenet-lightning", kT0).ok());
  EXPECT_TRUE(h.record_hold({"tree", "left", kT0 + 5'000, 32.125, 92, 85.25f, ""}).ok());
  EXPECT_TRUE(h.record_hold({"warrior2", "", kT0 + 40'000, 12.5, 80, 71.5f, ""}).ok());
  EXPECT_TRUE(h.end_session(kT0 + 750'000).ok());  // 12 min 30 s
  EXPECT_TRUE(h.start_session("pi-1", "movenet-thunder", kT0 + 3'600'000).ok());
  EXPECT_TRUE(h.record_hold({"chair", "", kT0 + 3'610'000, 4.0, 66, 60, ""}).ok());
  return db;
}

TEST(HistoryCli, JsonListsSessionsNewestFirstWithTheirHolds) {
  HistoryTempDir dir;
  const fs::path db = write_history(dir.path());
  testing::CliRun run = run_posecast({"history", "--db", db.string(), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  ASSERT_EQ(run.out_lines().size(), 1u) << run.out;  // one JSON object
  const nlohmann::json j = nlohmann::json::parse(run.out);
  ASSERT_EQ(j["sessions"].size(), 2u);

  const nlohmann::json& open = j["sessions"][0];
  EXPECT_EQ(open["id"], 2);
  EXPECT_EQ(open["model"], "movenet-thunder");
  EXPECT_EQ(open["start_ms"], kT0 + 3'600'000);
  EXPECT_TRUE(open["end_ms"].is_null());
  EXPECT_TRUE(open["duration_s"].is_null());
  ASSERT_EQ(open["holds"].size(), 1u);
  EXPECT_EQ(open["holds"][0]["pose"], "chair");

  const nlohmann::json& done = j["sessions"][1];
  EXPECT_EQ(done["id"], 1);
  EXPECT_EQ(done["device"], "pi-1");
  EXPECT_EQ(done["model"], "movenet-lightning");
  EXPECT_EQ(done["start_ms"], kT0);
  EXPECT_EQ(done["end_ms"], kT0 + 750'000);
  EXPECT_DOUBLE_EQ(done["duration_s"].get<double>(), 750.0);
  ASSERT_EQ(done["holds"].size(), 2u);
  const nlohmann::json& tree = done["holds"][0];
  EXPECT_EQ(tree["pose"], "tree");
  EXPECT_EQ(tree["variant"], "left");
  EXPECT_EQ(tree["start_ms"], kT0 + 5'000);
  EXPECT_DOUBLE_EQ(tree["duration_s"].get<double>(), 32.125);
  EXPECT_DOUBLE_EQ(tree["best_score"].get<double>(), 92.0);
  EXPECT_DOUBLE_EQ(tree["mean_score"].get<double>(), 85.25);
  EXPECT_EQ(done["holds"][1]["pose"], "warrior2");
  EXPECT_DOUBLE_EQ(done["holds"][1]["mean_score"].get<double>(), 71.5);

  testing::CliRun limited =
      run_posecast({"history", "--db", db.string(), "--json", "--limit", "1"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  const nlohmann::json one = nlohmann::json::parse(limited.out);
  ASSERT_EQ(one["sessions"].size(), 1u);
  EXPECT_EQ(one["sessions"][0]["id"], 2);
}

TEST(HistoryCli, TextShowsEachSessionAndItsHolds) {
  HistoryTempDir dir;
  const fs::path db = write_history(dir.path());
  testing::CliRun run = run_posecast({"history", "--db", db.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = run.out_lines();
  ASSERT_EQ(lines.size(), 5u) << run.out;
  EXPECT_EQ(lines[0],
            "Session 2  " + local_time(kT0 + 3'600'000) + "  open  movenet-thunder  device pi-1");
  EXPECT_EQ(lines[1], "  chair                    4.0 s  best  66  mean  60.0");
  EXPECT_EQ(lines[2],
            "Session 1  " + local_time(kT0) + "  12m 30s  movenet-lightning  device pi-1");
  EXPECT_EQ(lines[3], "  tree (left)             32.1 s  best  92  mean  85.2");
  EXPECT_EQ(lines[4], "  warrior2                12.5 s  best  80  mean  71.5");
}

// A session of squats between two holds: the sets print in time order among the holds.
TEST(HistoryCli, SetsOfRepsShowAmongTheHoldsInTimeOrder) {
  HistoryTempDir dir;
  const fs::path db = dir.path() / "history.sqlite";
  {
    Result<std::unique_ptr<PracticeHistory>> history = PracticeHistory::open(db);
    ASSERT_TRUE(history.ok()) << history.error().message();
    PracticeHistory& h = *history.value();
    ASSERT_TRUE(h.start_session("pi-1", "builtin", kT0).ok());
    ASSERT_TRUE(h.record_hold({"tree", "", kT0 + 5'000, 20.0, 90, 85, ""}).ok());
    ASSERT_TRUE(h.record_set({"squat", 1, 10, 2, kT0 + 30'000, 31.25, 78.5f, 0.875f,
                              "Hips down to knee height"})
                    .ok());
    ASSERT_TRUE(h.record_set({"squat", 2, 8, 0, kT0 + 90'000, 25.0, 90, 1.0f, ""}).ok());
    ASSERT_TRUE(h.end_session(kT0 + 120'000).ok());
  }
  testing::CliRun run = run_posecast({"history", "--db", db.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = run.out_lines();
  ASSERT_EQ(lines.size(), 4u) << run.out;
  EXPECT_EQ(lines[1], "  tree                    20.0 s  best  90  mean  85.0");
  EXPECT_EQ(lines[2],
            "  squat set 1             31.2 s  reps  10  score  78.5  range 0.88  +2 partial  "
            "\"Hips down to knee height\"");
  EXPECT_EQ(lines[3], "  squat set 2             25.0 s  reps   8  score  90.0  range 1.00");

  testing::CliRun json = run_posecast({"history", "--db", db.string(), "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json sets = nlohmann::json::parse(json.out)["sessions"][0]["sets"];
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[0]["exercise"], "squat");
  EXPECT_EQ(sets[0]["reps"], 10);
  EXPECT_EQ(sets[0]["partial_reps"], 2);
  EXPECT_EQ(sets[0]["main_cue"], "Hips down to knee height");
  EXPECT_EQ(sets[1]["set"], 2);
}

TEST(HistoryCli, CsvHasARowPerHoldAndSetOldestFirst) {
  HistoryTempDir dir;
  const fs::path db = write_history(dir.path());
  testing::CliRun run = run_posecast({"history", "--db", db.string(), "--csv"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> rows;
  for (size_t at = 0, end; (end = run.out.find("\r\n", at)) != std::string::npos; at = end + 2)
    rows.push_back(run.out.substr(at, end - at));
  ASSERT_EQ(rows.size(), 4u) << run.out;  // the header and three holds, CRLF line ends
  EXPECT_EQ(rows[0].rfind("session,device,model,session_start,kind,name,", 0), 0u);
  EXPECT_EQ(rows[1], "1,pi-1,movenet-lightning," + local_time(kT0) + ",hold,tree,left,," +
                         local_time(kT0 + 5'000) + "," + std::to_string(kT0 + 5'000) +
                         ",32.125,,,92,85.25,,");
  EXPECT_EQ(rows[3].rfind("2,pi-1,movenet-thunder,", 0), 0u);

  const fs::path out = dir.path() / "history.csv";
  testing::CliRun to_file =
      run_posecast({"history", "--db", db.string(), "--csv", "--out", out.string()});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.err;
  EXPECT_EQ(to_file.out, "");
  std::ifstream written(out, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(written), {}), run.out);
  EXPECT_NE(run_posecast({"history", "--db", db.string(), "--csv", "--json"}).exit_code, 0);
}

// The data-value of `field` in the report's row of `name`.
double report_value(const std::string& html, const std::string& row, const std::string& field) {
  const size_t at = html.find(row);
  if (at == std::string::npos) return -1;
  const std::string key = "data-field=\"" + field + "\" data-value=\"";
  const size_t value = html.find(key, at);
  return value == std::string::npos ? -1 : std::stod(html.substr(value + key.size()));
}

// The report's numbers are the history's: worked out here from `history --json`.
TEST(HistoryCli, ReportOfASessionHasTheHistorysNumbers) {
  HistoryTempDir dir;
  const fs::path db = write_history(dir.path());
  const fs::path page = dir.path() / "session-1.html";
  testing::CliRun run =
      run_posecast({"history", "--db", db.string(), "--report", "1", "--out", page.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ifstream in(page);
  const std::string html((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(html.find("<title>Practice report: session 1</title>"), std::string::npos);

  testing::CliRun json = run_posecast({"history", "--db", db.string(), "--json"});
  const nlohmann::json session = nlohmann::json::parse(json.out)["sessions"][1];
  ASSERT_EQ(session["id"], 1);
  double active = 0;
  for (const nlohmann::json& hold : session["holds"]) {
    const std::string row = "<tr data-pose=\"" + hold["pose"].get<std::string>() + "\">";
    EXPECT_EQ(report_value(html, row, "holds"), 1);
    EXPECT_NEAR(report_value(html, row, "longest_s"), hold["duration_s"].get<double>(), 0.06);
    EXPECT_NEAR(report_value(html, row, "best_score"), hold["best_score"].get<double>(), 0.06);
    EXPECT_NEAR(report_value(html, row, "mean_score"), hold["mean_score"].get<double>(), 0.06);
    active += hold["duration_s"].get<double>();
  }
  EXPECT_NEAR(report_value(html, "class=\"tiles\"", "active_s"), active, 0.06);
  EXPECT_EQ(report_value(html, "class=\"tiles\"", "holds"), 2);
  EXPECT_EQ(report_value(html, "class=\"tiles\"", "best_score"), 92);

  testing::CliRun to_stdout = run_posecast({"history", "--db", db.string(), "--report", "2"});
  ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_NE(to_stdout.out.find("<tr data-pose=\"chair\">"), std::string::npos);
  testing::CliRun missing = run_posecast({"history", "--db", db.string(), "--report", "9"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "posecast history: --report 9: no such session in " + db.string() + "\n");
}

TEST(HistoryCli, MissingFileMeansNoHistoryYet) {
  HistoryTempDir dir;
  const fs::path db = dir.path() / "never-written.sqlite";
  testing::CliRun text = run_posecast({"history", "--db", db.string()});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out, "no practice history yet (" + db.string() + ")\n");
  testing::CliRun json = run_posecast({"history", "--db", db.string(), "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, "{\"sessions\":[]}\n");
  EXPECT_NE(json.err.find("no practice history yet"), std::string::npos) << json.err;
  EXPECT_FALSE(fs::exists(db));  // reading never creates it
}

TEST(HistoryCli, CorruptFileIsAClearErrorNamingIt) {
  HistoryTempDir dir;
  const fs::path db = dir.path() / "history.sqlite";
  std::ofstream(db, std::ios::binary) << std::string(2048, '\x5a');
  testing::CliRun run = run_posecast({"history", "--db", db.string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err.rfind("posecast history: " + db.string() + ": ", 0), 0u) << run.err;
  EXPECT_NE(run.err.find("not a posecast practice history"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;  // one line
}

}  // namespace
}  // namespace posecast
