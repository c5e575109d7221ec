// The progress page in a real headless Chromium (tests/e2e/browser/progress.mjs), served by a live
// server from a practice history with known values: every plotted value read back from the page
// is the one the history gives, the bars are as tall as their values, the calendar marks the
// practice days, and a session's report (followed from its link) has the session's numbers.
// Screenshots: the build folder's e2e-media/progress.png and e2e-media/report.png. Skipped,
// saying why, when Chromium or the npm packages (tests/e2e/browser/setup.sh) are missing.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "e2e/browser_tools.h"
#include "e2e/cli_run.h"
#include "posecast/frame.h"
#include "posecast/live_server.h"
#include "posecast/practice_progress.h"
#include "posecast/practice_store.h"
#include "telemetry/history_temp_dir.h"
#include "test_paths.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using namespace posecast::testing;
using nlohmann::json;

constexpr int64_t kDay = 86'400'000;

struct KnownHistory {
  int64_t a, b, c;  // the starts of the three sessions: 8 and 4 days ago, and 10 minutes ago
  std::string day_a, day_b, day_c;
};

// Three sessions; the values per day are worked out by hand in the test below.
KnownHistory write_known_history(PracticeHistory& h) {
  const int64_t now = unix_ms_now();
  KnownHistory k{now - 8 * kDay, now - 4 * kDay, now - 600'000, "", "", ""};
  k.day_a = day_text(local_day(k.a));
  k.day_b = day_text(local_day(k.b));
  k.day_c = day_text(local_day(k.c));
  const auto hold = [](const char* pose, int64_t start, double s, float best, float mean,
                       const char* correction) {
    return HoldRecord{pose, "", start, s, best, mean, correction};
  };
  const auto squats = [](int set, int64_t start, int reps, float score, float range) {
    return SetRecord{"squat", set, reps, 0, start, 30, score, range, "Chest up"};
  };
  EXPECT_TRUE(h.start_session("mat1", "builtin", k.a).ok());
  EXPECT_TRUE(
      h.record_hold(hold("tree", k.a + 1'000, 20, 80, 70, "Straighten your left knee")).ok());
  EXPECT_TRUE(
      h.record_hold(hold("tree", k.a + 30'000, 30, 90, 80, "Straighten your left knee")).ok());
  EXPECT_TRUE(h.record_set(squats(1, k.a + 70'000, 10, 70, 0.8f)).ok());
  EXPECT_TRUE(h.end_session(k.a + 300'000).ok());
  EXPECT_TRUE(h.start_session("mat1", "builtin", k.b).ok());
  EXPECT_TRUE(h.record_hold(hold("tree", k.b + 1'000, 45, 92, 85, "Lift your arms")).ok());
  EXPECT_TRUE(h.record_set(squats(1, k.b + 60'000, 12, 80, 0.9f)).ok());
  EXPECT_TRUE(h.record_set(squats(2, k.b + 120'000, 8, 90, 1.0f)).ok());
  EXPECT_TRUE(h.end_session(k.b + 300'000).ok());
  EXPECT_TRUE(h.start_session("mat1", "builtin", k.c).ok());
  EXPECT_TRUE(h.record_hold(hold("tree", k.c + 1'000, 60, 95, 90, "")).ok());
  EXPECT_TRUE(h.record_hold(hold("warrior2", k.c + 70'000, 12, 70, 65, "")).ok());
  return k;
}

TEST(ProgressBrowser, ThePageShowsTheHistorysValuesPerDayAndTheReportItsSession) {
  if (const std::string missing = browser_missing(); !missing.empty()) GTEST_SKIP() << missing;
  HistoryTempDir dir;
  auto opened = PracticeHistory::open(dir.path() / "history.sqlite");
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  PracticeHistory& history = *opened.value();
  const KnownHistory k = write_known_history(history);

  // The server's practice hooks as `run` wires them (src/cli/practice_pages.cpp).
  LiveServerHooks hooks;
  hooks.progress_json = [&history](const PracticeQuery&) -> Result<json> {
    auto sessions = history.sessions(0);
    if (!sessions) return sessions.error();
    return progress_json(practice_progress(sessions.value(), unix_ms_now()));
  };
  hooks.report_html = [&history](const PracticeQuery& q) -> Result<std::optional<std::string>> {
    SessionQuery one;
    one.session = q.session;
    auto found = history.sessions(one);
    if (!found) return found.error();
    if (found->empty()) return std::optional<std::string>();
    return std::optional<std::string>(
        session_report_html(session_report(found->front(), unix_ms_now())));
  };
  LiveServerOptions options;
  options.port = 0;
  auto server = LiveServer::start(options, hooks);
  ASSERT_TRUE(server.ok()) << server.error().message();

  const fs::path media = fs::path(POSECAST_BINARY).parent_path() / "e2e-media";
  fs::create_directories(media);
  const auto [exit_code, out] =
      run_command("timeout 90 node " + shell_quote((kBrowserDir / "progress.mjs").string()) + " " +
                  shell_quote(server.value()->url() + "progress") + " " +
                  shell_quote((media / "progress.png").string()) + " --report 2 " +
                  shell_quote((media / "report.png").string()));
  ASSERT_EQ(exit_code, 0) << out;
  const json page = json::parse(out.substr(out.rfind("{\"ok\"")));

  // The tree: total and longest hold, and the duration-weighted mean score, per day.
  const json& tree = page["poses"]["tree"]["series"];
  EXPECT_EQ(tree["total_s"], (json{{k.day_a, 50}, {k.day_b, 45}, {k.day_c, 60}})) << tree.dump();
  EXPECT_EQ(tree["longest_s"], (json{{k.day_a, 30}, {k.day_b, 45}, {k.day_c, 60}}));
  EXPECT_EQ(tree["mean_score"], (json{{k.day_a, 76}, {k.day_b, 85}, {k.day_c, 90}}));
  // Bars as tall as their values: 60 s against 50 s.
  const json& heights = page["poses"]["tree"]["heights"]["total_s"];
  EXPECT_NEAR(heights[k.day_c].get<double>() / heights[k.day_a].get<double>(), 60.0 / 50, 0.02);
  EXPECT_EQ(page["poses"]["warrior2"]["series"]["total_s"], (json{{k.day_c, 12}}));
  // Squats: reps, sets, rep-weighted score and range per day.
  const json& squat = page["exercises"]["squat"]["series"];
  EXPECT_EQ(squat["reps"], (json{{k.day_a, 10}, {k.day_b, 20}}));
  EXPECT_EQ(squat["sets"], (json{{k.day_a, 1}, {k.day_b, 2}}));
  EXPECT_EQ(squat["mean_score"], (json{{k.day_a, 70}, {k.day_b, 84}}));
  EXPECT_EQ(squat["mean_range"], (json{{k.day_a, 0.8}, {k.day_b, 0.94}}));

  // This week's and last week's corrections are the ones the history gives for these days.
  auto sessions = history.sessions(0);
  ASSERT_TRUE(sessions.ok());
  const json expected = progress_json(practice_progress(sessions.value(), unix_ms_now()));
  const json& shown = page["poses"]["tree"]["corrections"];
  for (const auto& [week, field] :
       {std::pair{"this", "correction_this_week"}, {"last", "correction_last_week"}}) {
    const json& want = expected["poses"][0][field];
    if (want.is_null()) {
      EXPECT_TRUE(shown[week].is_null()) << week << ": " << shown.dump();
    } else {
      EXPECT_EQ(shown[week]["text"], want["text"]) << week;
      EXPECT_EQ(shown[week]["count"], want["count"]) << week;
    }
  }

  // The calendar marks the three practice days (12 weeks shown, up to today).
  std::set<std::string> marked;
  for (const json& d : page["calendar"]) marked.insert(d["date"].get<std::string>());
  EXPECT_EQ(marked, (std::set<std::string>{k.day_a, k.day_b, k.day_c}));
  EXPECT_GE(page["calendar_cells"].get<int>(), 11 * 7 + 1);
  EXPECT_EQ(page["recent_days"], 3);
  ASSERT_EQ(page["sessions"].size(), 3u);
  EXPECT_EQ(page["sessions"][0]["href"], "/report/3");

  // The report of session 2, reached from its link: the numbers of that session.
  const json& report = page["report"];
  EXPECT_EQ(report["url"], "/report/2");
  EXPECT_EQ(report["rows"]["tree"]["holds"], 1);
  EXPECT_EQ(report["rows"]["tree"]["longest_s"], 45);
  EXPECT_EQ(report["rows"]["tree"]["best_score"], 92);
  EXPECT_EQ(report["rows"]["squat"]["sets"], 2);
  EXPECT_EQ(report["rows"]["squat"]["reps"], 20);
  EXPECT_EQ(report["rows"]["squat"]["best_score"], 90);
  EXPECT_EQ(report["tiles"]["active_s"], 45 + 30 + 30);
  EXPECT_EQ(report["tiles"]["reps"], 20);
  ASSERT_FALSE(report["corrections"].empty());
  EXPECT_EQ(report["corrections"][0]["text"], "Chest up");
  EXPECT_EQ(report["corrections"][0]["count"], 2);

  const cv::Mat image = cv::imread((media / "progress.png").string());
  EXPECT_EQ(image.cols, 1280);
  EXPECT_GE(image.rows, 900);
  EXPECT_TRUE(fs::exists(media / "report.png"));
}

}  // namespace
}  // namespace posecast
