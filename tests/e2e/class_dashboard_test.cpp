// `posecast class` end to end: three real `posecast run` devices on a demo video, a real
// Mosquitto, the real dashboard binary, its HTTP API, and (when Chromium is here) the page in a
// headless browser: three tiles, a command reaching one device, a message reaching all, and a
// stopped device going offline.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "e2e/browser_tools.h"
#include "e2e/cli_run.h"
#include "e2e/posecast_process.h"
#include "stream/test_client.h"
#include "telemetry/mosquitto_broker.h"
#include "telemetry/mqtt_subscriber.h"
#include "test_paths.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace posecast::testing;

class ClassDashboard : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = models_missing(); !why.empty()) GTEST_SKIP() << why;
    if (!MosquittoBroker::available()) GTEST_SKIP() << "needs mosquitto";
    ASSERT_TRUE(broker_.start());
    dir_ = fs::temp_directory_path() / ("posecast_class_e2e_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    video_ = demo_pose_video(4);
    ASSERT_FALSE(video_.empty());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A device at a gentle pace: three pipelines share the test machine's cores.
  std::unique_ptr<PosecastProcess> start_device(const std::string& id) {
    auto device = std::make_unique<PosecastProcess>(std::vector<std::string>{
        "run", "--source", video_.string(), "--fps", "8", "--http", "127.0.0.1:0", "--token-file",
        (dir_ / (id + ".token")).string(), "--seconds", "150", "--mqtt", broker_.url(), "--device",
        id, "--mqtt-rate", "4", "--history", (dir_ / (id + ".sqlite")).string()});
    EXPECT_TRUE(device->started()) << device->error();
    EXPECT_TRUE(device->wait_for_url(std::chrono::seconds(30))) << id << ": " << device->err();
    return device;
  }

  // GET `path` of a server that needs the token in `access_url` ("http://...:PORT/?token=...").
  static HttpAnswer get(const PosecastProcess& server, const std::string& path) {
    const std::string& url = server.url();
    return http_get(server.port(), path + "?" + url.substr(url.find("token=")));
  }
  static HttpAnswer post(const PosecastProcess& server, const std::string& path,
                         const std::string& body) {
    const std::string& url = server.url();
    return http_post(server.port(), path + "?" + url.substr(url.find("token=")), body);
  }

  json devices(const PosecastProcess& dashboard) {
    const HttpAnswer answer = get(dashboard, "/api/devices");
    EXPECT_EQ(answer.status, 200) << answer.body << answer.error;
    return answer.status == 200 ? json::parse(answer.body)["devices"] : json::array();
  }
  json device(const PosecastProcess& dashboard, const std::string& id) {
    for (const json& d : devices(dashboard))
      if (d["id"] == id) return d;
    return json();
  }

  MosquittoBroker broker_;
  fs::path dir_, video_;
};

TEST_F(ClassDashboard, ThreeDevicesShowUpAndTheInstructorsCommandsReachThem) {
  PosecastProcess dashboard({"class", "--mqtt", broker_.url(), "--http", "127.0.0.1:0", "--seconds",
                             "150", "--db", (dir_ / "class.sqlite").string()});
  ASSERT_TRUE(dashboard.started()) << dashboard.error();
  const auto url =
      dashboard.wait_for_url(std::chrono::seconds(20), "posecast: class dashboard at ");
  ASSERT_TRUE(url) << dashboard.err();
  ASSERT_NE(url->find("?token="), std::string::npos) << *url;
  // Without the token, nothing.
  EXPECT_EQ(http_get(dashboard.port(), "/api/devices").status, 401);

  const std::vector<std::string> ids = {"mat-a", "mat-b", "mat-c"};
  std::map<std::string, std::unique_ptr<PosecastProcess>> mats;
  for (const std::string& id : ids) mats[id] = start_device(id);

  // Discovered from MQTT, each with its own viewer URL and a result.
  ASSERT_TRUE(eventually(
      [&] {
        const json list = devices(dashboard);
        int ready = 0;
        for (const json& d : list)
          ready += d["state"] == "online" && !d["result"].is_null() && d.contains("viewer_url");
        return list.size() == 3 && ready == 3;
      },
      std::chrono::seconds(60)))
      << devices(dashboard).dump() << "\n"
      << dashboard.err();
  // Each device's address without its token, and a short-lived link of its own that opens the
  // device's viewer (the dashboard asked the device for it over MQTT).
  for (const std::string& id : ids) {
    const json d = device(dashboard, id);
    const std::string& url = mats[id]->url();
    const std::string token = url.substr(url.find("token=") + 6);
    EXPECT_EQ(d["stream_url"], url.substr(0, url.find('?'))) << id;
    const std::string viewer_url = d["viewer_url"];
    EXPECT_EQ(viewer_url.find(token), std::string::npos) << id << ": " << viewer_url;
    const std::string link = viewer_url.substr(viewer_url.find("?token=v1-"));
    EXPECT_EQ(http_get(mats[id]->port(), "/snapshot.jpg" + link).status, 200) << id;
    EXPECT_EQ(http_get(mats[id]->port(), "/api/status" + link).status, 200) << id;
    EXPECT_EQ(d["model"], "builtin");
    EXPECT_TRUE(d["result"]["decision"].is_string());
  }
  // Nothing the broker keeps, nor anything it passed on meanwhile, holds a device's token.
  MqttSubscriber everything(broker_.url(), "#");
  ASSERT_TRUE(everything.connect());
  ASSERT_TRUE(everything.wait_for([&] { return everything.messages("/status").size() >= 3; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (const auto& m : everything.messages())
    for (const std::string& id : ids) {
      const std::string& url = mats[id]->url();
      EXPECT_EQ(m.payload.find(url.substr(url.find("token=") + 6)), std::string::npos)
          << m.topic << ": " << m.payload;
    }
  const json status = json::parse(get(dashboard, "/api/status").body);
  EXPECT_EQ(status["connected"], true);
  EXPECT_EQ(status["online"], 3);
  EXPECT_GT(status["poses"].size(), 3u);

  // A command the devices would refuse is refused by the dashboard, before any MQTT.
  const HttpAnswer bad =
      post(dashboard, "/api/command", R"({"device":"*","command":{"command":"dance"}})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("unknown command"), std::string::npos) << bad.body;

  if (const std::string missing = browser_missing(); !missing.empty()) {
    // Without a browser, the same path through the API: one device's target.
    const HttpAnswer sent =
        post(dashboard, "/api/command",
             R"({"device":"mat-b","command":{"command":"target","pose":"tree"}})");
    ASSERT_EQ(sent.status, 200) << sent.body;
    ASSERT_TRUE(eventually(
        [&] { return json::parse(get(*mats["mat-b"], "/api/status").body)["target"] == "tree"; },
        std::chrono::seconds(10)));
    GTEST_SKIP() << "the page itself needs a browser: " << missing;
  }

  // The page, as the instructor uses it. The script says when to stop mat-c, then checks that
  // its tile goes offline.
  const fs::path screenshot = fs::path(POSECAST_BINARY).parent_path() / "e2e-media" /
                              ("class-" + std::to_string(::getpid()) + ".png");
  const std::string command = "timeout 120 node " +
                              shell_quote((kBrowserDir / "class.mjs").string()) + " " +
                              shell_quote(*url) + " " + shell_quote(screenshot.string()) +
                              " --devices mat-a,mat-b,mat-c --command-device mat-b"
                              " --offline-device mat-c";
  FILE* script = ::popen(command.c_str(), "r");
  ASSERT_NE(script, nullptr);
  std::string last_line, out;
  char line[65536];
  while (std::fgets(line, sizeof line, script)) {
    out += line;
    last_line = line;
    if (last_line.starts_with("ready-for-offline")) mats["mat-c"]->signal(SIGTERM);
  }
  const int script_status = ::pclose(script);
  ASSERT_TRUE(WIFEXITED(script_status) && WEXITSTATUS(script_status) == 0)
      << out << "\ndashboard stderr:\n"
      << dashboard.err();
  const json report = json::parse(last_line);
  EXPECT_EQ(report["ok"], true);
  for (const std::string& id : ids) {
    const json& tile = report["tiles"][id];
    const std::string label = tile["label"];
    EXPECT_TRUE(label == "Take your pose" || label.find(" %") != std::string::npos) << label;
    EXPECT_EQ(tile["thumbnail"]["width"], 640) << id;
    // From the device's own server, with the device's viewer link (neither the dashboard's
    // token nor the device's own).
    const std::string& device_url = mats[id]->url();
    const std::string base = device_url.substr(0, device_url.find('?'));
    const std::string token = device_url.substr(device_url.find("token=") + 6);
    const std::string src = tile["thumbnail"]["src"];
    EXPECT_EQ(src.rfind(base + "snapshot.jpg?token=v1-", 0), 0u) << src;
    EXPECT_EQ(src.find(token), std::string::npos) << src;
  }
  EXPECT_EQ(report["offline_badge"], "offline");
  EXPECT_EQ(report["counts"], "2 / 3 online");

  // What the page did reached the devices themselves.
  const json b = json::parse(get(*mats["mat-b"], "/api/status").body);
  EXPECT_EQ(b["target"], report["target"]);
  EXPECT_EQ(b["message"], "Relax your shoulders");
  const json a = json::parse(get(*mats["mat-a"], "/api/status").body);
  EXPECT_EQ(a["message"], "Relax your shoulders");
  EXPECT_NE(a["target"], report["target"]) << "the target went to mat-b only";
  EXPECT_EQ(mats["mat-c"]->wait_exit(std::chrono::seconds(15)), 0) << mats["mat-c"]->err();

  // The dashboard kept each student's holds from their results; mat-c's session ended when it
  // went offline, and its progress page has its Mountain (docs/class.md).
  const std::string token = dashboard.url().substr(dashboard.url().find("token="));
  const HttpAnswer students = http_get(dashboard.port(), "/api/students?" + token);
  ASSERT_EQ(students.status, 200) << students.body;
  EXPECT_NE(json::parse(students.body)["students"].dump().find("mat-c"), std::string::npos)
      << students.body;
  const HttpAnswer progress = http_get(dashboard.port(), "/api/progress?device=mat-c&" + token);
  ASSERT_EQ(progress.status, 200) << progress.body;
  const json mat_c = json::parse(progress.body);
  EXPECT_EQ(mat_c["device"], "mat-c");
  ASSERT_FALSE(mat_c["poses"].empty()) << progress.body;
  EXPECT_EQ(mat_c["poses"][0]["pose"], "mountain");
  ASSERT_FALSE(mat_c["sessions"].empty());
  EXPECT_NE(mat_c["sessions"][0]["duration_s"], nullptr) << "ended when mat-c went offline";
  // The session's report, from the dashboard's store (a page: Bearer, as a script sends it).
  const std::string report_page =
      raw_exchange(dashboard.port(), "GET /report/" + mat_c["sessions"][0]["id"].dump() +
                                         " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                                         token.substr(6) + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(report_page.rfind("HTTP/1.1 200", 0), 0u) << report_page.substr(0, 200);
  EXPECT_NE(report_page.find("<tr data-pose=\"mountain\">"), std::string::npos);

  std::error_code ec;
  fs::rename(screenshot, screenshot.parent_path() / "class-dashboard.png", ec);
  dashboard.signal(SIGINT);
  EXPECT_EQ(dashboard.wait_exit(std::chrono::seconds(15)), 0) << dashboard.err();
  for (const char* id : {"mat-a", "mat-b"}) mats[id]->signal(SIGINT);
}

}  // namespace
}  // namespace posecast
