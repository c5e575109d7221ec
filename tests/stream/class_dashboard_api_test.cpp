// The live server as the class dashboard: its own page, no video, GET /api/devices and
// POST /api/command with every error answer a page or script can provoke.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "stream/test_client.h"

namespace posecast {
namespace {

using namespace posecast::testing;
using nlohmann::json;

struct ClassHooks {
  std::mutex mutex;
  std::vector<json> commands;

  LiveServerHooks hooks() {
    LiveServerHooks hooks;
    hooks.status_json = [] { return json{{"mode", "class"}, {"connected", true}}; };
    hooks.devices_json = [] {
      return json{{"version", 3}, {"devices", {{{"id", "mat1"}, {"state", "online"}}}}};
    };
    hooks.on_command = [this](const json& request) -> Result<json> {
      std::lock_guard lock(mutex);
      commands.push_back(request);
      if (request["device"] == "nobody") return Error("no device of the class is online");
      return json{{"sent_to", {request["device"]}}};
    };
    return hooks;
  }
};

std::unique_ptr<LiveServer> class_server(ClassHooks& hooks) {
  LiveServerOptions options;
  options.page = LivePage::kClassDashboard;
  return start_test_server(hooks.hooks(), options);
}

TEST(ClassDashboardApi, ServesTheClassPageAndNoVideo) {
  ClassHooks hooks;
  auto server = class_server(hooks);
  ASSERT_TRUE(server);
  const HttpAnswer page = http_get(server->port(), "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<script src=\"class.js\">"), std::string::npos);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(http_get(server->port(), "/class.js").status, 200);
  EXPECT_EQ(http_get(server->port(), "/class.css").status, 200);
  EXPECT_EQ(http_get(server->port(), "/viewer.js").status, 404) << "the student's page is not here";
  EXPECT_EQ(http_get(server->port(), "/stream.mjpg").status, 404);
  EXPECT_EQ(http_get(server->port(), "/snapshot.jpg").status, 404);
  EXPECT_EQ(http_post(server->port(), "/api/target", R"({"pose":"tree"})").status, 404);
  EXPECT_EQ(http_post(server->port(), "/api/person", R"({"person":2})").status, 404);

  const HttpAnswer devices = http_get(server->port(), "/api/devices");
  ASSERT_EQ(devices.status, 200);
  EXPECT_EQ(json::parse(devices.body)["devices"][0]["id"], "mat1");
  EXPECT_EQ(json::parse(http_get(server->port(), "/api/status").body)["mode"], "class");
}

TEST(ClassDashboardApi, TheViewerHasNoClassEndpoints) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  EXPECT_EQ(http_get(server->port(), "/api/devices").status, 404);
  EXPECT_EQ(http_post(server->port(), "/api/command", "{}").status, 404);
  EXPECT_EQ(http_get(server->port(), "/class.js").status, 404);
}

TEST(ClassDashboardApi, CommandsAreCheckedThenHandedToTheLink) {
  ClassHooks hooks;
  auto server = class_server(hooks);
  ASSERT_TRUE(server);
  const uint16_t port = server->port();
  const HttpAnswer ok = http_post(
      port, "/api/command", R"({"device":"mat1","command":{"command":"target","pose":"tree"}})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json::parse(ok.body), (json{{"ok", true}, {"sent_to", {"mat1"}}}));
  ASSERT_EQ(hooks.commands.size(), 1u);
  EXPECT_EQ(hooks.commands[0]["command"]["pose"], "tree");

  struct Case {
    std::string body;
    int status;
    std::string says;
  };
  const Case cases[] = {
      {"", 400, "empty request body"},
      {"{oops", 400, "malformed JSON"},
      {"[]", 400, "must be a JSON object"},
      {R"({"command":{"command":"message","text":"hi"}})", 400, R"(needs \"device\")"},
      {R"({"device":7,"command":{}})", 400, R"(needs \"device\")"},
      {R"({"device":"mat1","command":"target"})", 400, R"(needs \"command\")"},
      {R"({"device":"nobody","command":{"command":"message","text":"hi"}})", 422,
       "no device of the class is online"},
  };
  for (const Case& c : cases) {
    const HttpAnswer answer = http_post(port, "/api/command", c.body);
    EXPECT_EQ(answer.status, c.status) << c.body << " -> " << answer.body;
    EXPECT_NE(answer.body.find(c.says), std::string::npos) << c.body << " -> " << answer.body;
  }
  EXPECT_EQ(hooks.commands.size(), 2u) << "only well-formed requests reach the link";
  EXPECT_EQ(http_get(port, "/api/command").status, 405);
}

}  // namespace
}  // namespace posecast
