// The practice pages over real loopback connections: /progress and its assets, the history as
// JSON and CSV, the progress data, the session reports and the class dashboard's students, with
// the query each hook gets and every error answer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "stream/test_client.h"

namespace posecast {
namespace {

using namespace posecast::testing;
using nlohmann::json;

// Hooks that answer from fixed data and remember the queries they got.
struct PracticeHooks {
  std::vector<PracticeQuery> queries;
  std::mutex mutex;

  LiveServerHooks hooks() {
    LiveServerHooks h;
    auto seen = [this](const PracticeQuery& q) {
      std::lock_guard lock(mutex);
      queries.push_back(q);
    };
    h.history_json = [seen](const PracticeQuery& q) -> Result<json> {
      seen(q);
      return json{{"sessions", json::array()}};
    };
    h.history_csv = [seen](const PracticeQuery& q) -> Result<std::string> {
      seen(q);
      return std::string("session,device\r\n1,\"a,b\"\r\n");
    };
    h.progress_json = [seen](const PracticeQuery& q) -> Result<json> {
      seen(q);
      if (q.device == "broken") return Error("disk on fire");
      return json{{"poses", json::array()}, {"device", q.device}};
    };
    h.report_html = [seen](const PracticeQuery& q) -> Result<std::optional<std::string>> {
      seen(q);
      if (q.session != 7) return std::optional<std::string>();
      return std::optional<std::string>("<!doctype html><title>report 7</title>");
    };
    h.students_json = []() -> Result<json> { return json{{"students", {"mat1", "mat 2"}}}; };
    return h;
  }
  PracticeQuery last() {
    std::lock_guard lock(mutex);
    return queries.back();
  }
};

TEST(PracticePages, TheProgressPageAndItsScriptAreServedWithoutACdn) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  const HttpAnswer page = http_get(server->port(), "/progress");
  ASSERT_EQ(page.status, 200) << page.error;
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<script src=\"/progress.js\">"), std::string::npos);
  EXPECT_NE(page.body.find("id=\"calendar\""), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos) << "the page must not load from a CDN";
  EXPECT_EQ(page.body.find("https://"), std::string::npos);
  const HttpAnswer script = http_get(server->port(), "/progress.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_NE(script.body.find("/api/progress"), std::string::npos);
  EXPECT_EQ(script.body.find("innerHTML"), std::string::npos) << "data only as text";
  // The viewer links to it.
  EXPECT_NE(http_get(server->port(), "/").body.find("href=\"/progress\""), std::string::npos);
}

TEST(PracticePages, WithoutAHistoryTheApiSaysSo) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  for (const char* path :
       {"/api/history", "/api/history?format=csv", "/api/progress", "/report/1"}) {
    const HttpAnswer answer = http_get(server->port(), path);
    EXPECT_EQ(answer.status, 404) << path;
    EXPECT_NE(answer.body.find("--no-history"), std::string::npos) << answer.body;
  }
}

TEST(PracticePages, HistoryIsJsonOrCsv) {
  PracticeHooks hooks;
  auto server = start_test_server(hooks.hooks());
  ASSERT_TRUE(server);
  const HttpAnswer j = http_get(server->port(), "/api/history");
  ASSERT_EQ(j.status, 200);
  EXPECT_EQ(j.header("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(j.body)["sessions"], json::array());
  const HttpAnswer csv = http_get(server->port(), "/api/history?format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.header("Content-Type"), "text/csv; charset=utf-8; header=present");
  EXPECT_EQ(csv.header("Content-Disposition"), "attachment; filename=\"posecast-history.csv\"");
  EXPECT_EQ(csv.header("Cache-Control"), "no-store");
  EXPECT_EQ(csv.body, "session,device\r\n1,\"a,b\"\r\n");
  const HttpAnswer bad = http_get(server->port(), "/api/history?format=xml");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"], "unknown format 'xml' (json or csv)");
  EXPECT_EQ(http_post(server->port(), "/api/history", "{}").status, 405);
}

TEST(PracticePages, ReportsAreFoundByTheirSessionNumber) {
  PracticeHooks hooks;
  auto server = start_test_server(hooks.hooks());
  ASSERT_TRUE(server);
  const HttpAnswer report = http_get(server->port(), "/report/7");
  ASSERT_EQ(report.status, 200);
  EXPECT_EQ(report.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(report.body, "<!doctype html><title>report 7</title>");
  EXPECT_EQ(hooks.last().session, 7);
  const HttpAnswer missing = http_get(server->port(), "/report/8");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"], "no session 8");
  for (const char* bad : {"/report/", "/report/x", "/report/-1", "/report/0", "/report/7a",
                          "/report/99999999999999999999"}) {
    const HttpAnswer answer = http_get(server->port(), bad);
    EXPECT_EQ(answer.status, 404) << bad;
    EXPECT_NE(answer.body.find("/report/<session number>"), std::string::npos) << answer.body;
  }
}

TEST(PracticePages, TheClassDashboardAnswersPerStudent) {
  PracticeHooks hooks;
  LiveServerOptions options;
  options.page = LivePage::kClassDashboard;
  auto server = start_test_server(hooks.hooks(), options);
  ASSERT_TRUE(server);
  const HttpAnswer page = http_get(server->port(), "/progress?device=mat1");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("id=\"student\""), std::string::npos);
  const HttpAnswer progress = http_get(server->port(), "/api/progress?device=mat%202");
  ASSERT_EQ(progress.status, 200);
  EXPECT_EQ(json::parse(progress.body)["device"], "mat 2");  // percent-decoded
  EXPECT_EQ(hooks.last().device, "mat 2");
  ASSERT_EQ(http_get(server->port(), "/api/history?device=mat1&format=csv").status, 200);
  EXPECT_EQ(hooks.last().device, "mat1");
  const HttpAnswer students = http_get(server->port(), "/api/students");
  ASSERT_EQ(students.status, 200);
  EXPECT_EQ(json::parse(students.body)["students"], (json{"mat1", "mat 2"}));
  const HttpAnswer broken = http_get(server->port(), "/api/progress?device=broken");
  EXPECT_EQ(broken.status, 500);
  EXPECT_EQ(json::parse(broken.body)["error"], "practice history: disk on fire");
  // The class page links each tile to its student's page.
  EXPECT_NE(http_get(server->port(), "/class.js").body.find("/progress?device="),
            std::string::npos);
}

TEST(PracticePages, TheStudentsListIsTheClassDashboardsOnly) {
  PracticeHooks hooks;
  LiveServerHooks viewer_hooks = hooks.hooks();
  viewer_hooks.students_json = nullptr;
  auto server = start_test_server(viewer_hooks);
  ASSERT_TRUE(server);
  EXPECT_EQ(http_get(server->port(), "/api/students").status, 404);
}

}  // namespace
}  // namespace posecast
