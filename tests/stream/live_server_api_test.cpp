// The live server's plain HTTP side over real loopback connections: the viewer page, the JSON API
// with its hooks, /metrics, /snapshot.jpg and every error answer a browser or script can provoke.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "posecast/instructor_command.h"
#include "stream/test_client.h"

namespace posecast {
namespace {

using namespace posecast::testing;
using nlohmann::json;

// Hooks like the pipeline's: a pose list, a target that must be one of them, recorded messages.
struct RecordingHooks {
  std::mutex mutex;
  std::vector<json> targets;
  std::vector<json> messages;
  std::vector<InstructorCommand> people;  // person commands, parsed as the device parses them
  std::string target;

  LiveServerHooks hooks() {
    LiveServerHooks hooks;
    hooks.status_json = [this] {
      std::lock_guard lock(mutex);
      return json{{"poses", {"tree", "warrior2"}}, {"target", target}, {"fps", 29.5}};
    };
    hooks.metrics_text = [] {
      return std::string("# TYPE posecast_pipeline_fps gauge\nposecast_pipeline_fps 29.5");
    };
    hooks.on_target = [this](const json& body) -> Status {
      std::lock_guard lock(mutex);
      targets.push_back(body);
      if (!body.contains("pose") || !body["pose"].is_string())
        return Error("field 'pose' must be a string");
      const std::string pose = body["pose"];
      if (pose != "tree" && pose != "warrior2") return Error("unknown pose '" + pose + "'");
      target = pose;
      return Status::Ok();
    };
    hooks.on_message = [this](const json& body) -> Status {
      std::lock_guard lock(mutex);
      messages.push_back(body);
      return Status::Ok();
    };
    hooks.on_person = [this](const json& body) -> Status {
      Result<InstructorCommand> person = parse_instructor_command("person", body);
      if (!person) return Error("body: " + person.error().message());
      if (person->person > 2)
        return Error("no person " + std::to_string(person->person) + " in view");
      std::lock_guard lock(mutex);
      people.push_back(person.value());
      return Status::Ok();
    };
    return hooks;
  }
  size_t target_calls() {
    std::lock_guard lock(mutex);
    return targets.size();
  }
};

TEST(LiveServerApi, StartsOnAFreePortAndReportsItsUrl) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  EXPECT_GT(server->port(), 0);
  EXPECT_EQ(server->url(), "http://127.0.0.1:" + std::to_string(server->port()) + "/");
}

TEST(LiveServerApi, BusyPortIsAnErrorNamingTheAddress) {
  auto first = start_test_server();
  ASSERT_TRUE(first);
  LiveServerOptions options;
  options.port = first->port();
  auto second = LiveServer::start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message().find("127.0.0.1:" + std::to_string(first->port())),
            std::string::npos)
      << second.error().message();
  EXPECT_NE(second.error().message().find("in use"), std::string::npos) << second.error().message();
}

TEST(LiveServerApi, BadOptionsAreErrors) {
  LiveServerOptions options;
  options.host = "not-an-ip";
  auto bad_host = LiveServer::start(options);
  ASSERT_FALSE(bad_host.ok());
  EXPECT_NE(bad_host.error().message().find("'not-an-ip' is not an IP address"), std::string::npos);
  options = {};
  options.threads = 0;
  EXPECT_FALSE(LiveServer::start(options).ok());
}

TEST(LiveServerApi, ParsesHttpAddresses) {
  auto full = parse_http_address("0.0.0.0:9000");
  ASSERT_TRUE(full.ok()) << full.error().message();
  EXPECT_EQ(full->host, "0.0.0.0");
  EXPECT_EQ(full->port, 9000);
  auto port_only = parse_http_address(":0");
  ASSERT_TRUE(port_only.ok());
  EXPECT_EQ(port_only->host, "127.0.0.1");
  EXPECT_EQ(port_only->port, 0);
  auto v6 = parse_http_address("[::1]:8081");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 8081);
  auto localhost = parse_http_address("localhost:8080");
  ASSERT_TRUE(localhost.ok());
  EXPECT_EQ(localhost->host, "127.0.0.1");

  auto bad_port = parse_http_address("127.0.0.1:70000");
  ASSERT_FALSE(bad_port.ok());
  EXPECT_NE(bad_port.error().message().find("'127.0.0.1:70000'"), std::string::npos);
  EXPECT_NE(bad_port.error().message().find("port '70000' is not a number 0-65535"),
            std::string::npos);
  EXPECT_FALSE(parse_http_address("example.com:80").ok());
  EXPECT_FALSE(parse_http_address("::1:80").ok());
  EXPECT_FALSE(parse_http_address("127.0.0.1:").ok());
}

TEST(LiveServerApi, ServesTheViewerPageAndItsAssetsWithoutACdn) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  const HttpAnswer page = http_get(server->port(), "/");
  ASSERT_EQ(page.status, 200) << page.error;
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  // The video: a WebRTC <video> and the MJPEG <img> (viewer.js picks one and says which).
  EXPECT_NE(page.body.find("<video id=\"rtc-video\" muted autoplay playsinline"),
            std::string::npos);
  EXPECT_NE(page.body.find("<img id=\"video\""), std::string::npos);
  EXPECT_NE(page.body.find("<span id=\"transport\""), std::string::npos);
  EXPECT_NE(page.body.find("<canvas id=\"sparkline\""), std::string::npos);
  EXPECT_NE(page.body.find("<select id=\"target\""), std::string::npos);
  EXPECT_EQ(page.body.find("http://"), std::string::npos) << "the page must not load from a CDN";
  EXPECT_EQ(page.body.find("https://"), std::string::npos) << "the page must not load from a CDN";

  const HttpAnswer script = http_get(server->port(), "/viewer.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_NE(script.body.find("/api/target"), std::string::npos);
  EXPECT_NE(script.body.find("new WebSocket"), std::string::npos);
  const HttpAnswer people = http_get(server->port(), "/people.js");  // the People card
  ASSERT_EQ(people.status, 200);
  EXPECT_NE(people.body.find("/api/person"), std::string::npos);
  EXPECT_NE(page.body.find("<script src=\"/people.js\">"), std::string::npos);
  const HttpAnswer style = http_get(server->port(), "/viewer.css");
  ASSERT_EQ(style.status, 200);
  EXPECT_EQ(style.header("Content-Type"), "text/css; charset=utf-8");

  const HttpAnswer head = http_call(server->port(), http::verb::head, "/viewer.css");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(style.body.size()));
  EXPECT_TRUE(head.body.empty());
}

TEST(LiveServerApi, StatusMergesThePipelineFieldsWithTheServers) {
  RecordingHooks recording;
  auto server = start_test_server(recording.hooks());
  ASSERT_TRUE(server);
  const HttpAnswer answer = http_get(server->port(), "/api/status");
  ASSERT_EQ(answer.status, 200) << answer.error;
  EXPECT_EQ(answer.header("Content-Type"), "application/json");
  const json status = json::parse(answer.body);
  EXPECT_EQ(status["poses"], json({"tree", "warrior2"}));
  EXPECT_EQ(status["fps"], 29.5);
  EXPECT_EQ(status["viewers"], 0);
  EXPECT_EQ(status["frames_sent"], 0);
  EXPECT_EQ(status["frames_skipped"], 0);
  EXPECT_EQ(status["frames_published"], 0);
  EXPECT_TRUE(status["latest_frame"].is_null());

  server->publish_frame(synthetic_jpeg(7), 7, unix_ms_now());
  EXPECT_TRUE(eventually([&] {
    return json::parse(http_get(server->port(), "/api/status").body)["latest_frame"] == 7;
  }));
}

TEST(LiveServerApi, StatusWithoutHooksHasTheServerFields) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  const json status = json::parse(http_get(server->port(), "/api/status").body);
  EXPECT_EQ(status["viewers"], 0);
  EXPECT_FALSE(status.contains("poses"));
}

TEST(LiveServerApi, ValidTargetReachesTheHook) {
  RecordingHooks recording;
  auto server = start_test_server(recording.hooks());
  ASSERT_TRUE(server);
  const HttpAnswer answer = http_post(server->port(), "/api/target", R"({"pose": "tree"})");
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(json::parse(answer.body), json({{"ok", true}}));
  ASSERT_EQ(recording.target_calls(), 1u);
  EXPECT_EQ(recording.targets[0], json({{"pose", "tree"}}));
  EXPECT_EQ(json::parse(http_get(server->port(), "/api/status").body)["target"], "tree");

  const HttpAnswer message =
      http_post(server->port(), "/api/message", R"({"text": "Relax your shoulders"})");
  EXPECT_EQ(message.status, 200);
  ASSERT_EQ(recording.messages.size(), 1u);
  EXPECT_EQ(recording.messages[0]["text"], "Relax your shoulders");
}

TEST(LiveServerApi, PersonPicksWhomToCoach) {
  RecordingHooks recording;
  auto server = start_test_server(recording.hooks());
  ASSERT_TRUE(server);
  const uint16_t port = server->port();
  for (const char* body : {R"({"person": 2})", R"({"person": "all"})", R"({"person": 0})"}) {
    const HttpAnswer answer = http_post(port, "/api/person", body);
    EXPECT_EQ(answer.status, 200) << body << ": " << answer.body;
    EXPECT_EQ(json::parse(answer.body), json({{"ok", true}}));
  }
  {
    std::lock_guard lock(recording.mutex);
    ASSERT_EQ(recording.people.size(), 3u);
    EXPECT_EQ(recording.people[0].person, 2);
    EXPECT_FALSE(recording.people[0].everyone);
    EXPECT_TRUE(recording.people[1].everyone);
    EXPECT_EQ(recording.people[2].person, 0);
    EXPECT_FALSE(recording.people[2].everyone);
  }

  // Malformed JSON: 400 naming the problem; a body that is not a person: 422 saying what is.
  const HttpAnswer malformed = http_post(port, "/api/person", R"({"person": two})");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_TRUE(json::parse(malformed.body)["error"].get<std::string>().starts_with(
      "malformed JSON in request body"));
  const HttpAnswer empty = http_post(port, "/api/person", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(json::parse(empty.body)["error"],
            "empty request body: POST /api/person expects a JSON object");
  const HttpAnswer no_person = http_post(port, "/api/person", R"({"who": 2})");
  EXPECT_EQ(no_person.status, 422);
  EXPECT_TRUE(json::parse(no_person.body)["error"].get<std::string>().starts_with(
      "body: command needs a field 'person': a person's id"))
      << no_person.body;
  const HttpAnswer negative = http_post(port, "/api/person", R"({"person": -3})");
  EXPECT_EQ(negative.status, 422);
  EXPECT_NE(negative.body.find("not -3"), std::string::npos) << negative.body;
  const HttpAnswer absent = http_post(port, "/api/person", R"({"person": 7})");
  EXPECT_EQ(absent.status, 422);
  EXPECT_EQ(json::parse(absent.body)["error"], "no person 7 in view");
  {
    std::lock_guard lock(recording.mutex);
    EXPECT_EQ(recording.people.size(), 3u);
  }

  const HttpAnswer get = http_get(port, "/api/person");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.header("Allow"), "POST");
  // Without a pipeline (no hook) it is not available.
  auto bare = start_test_server();
  ASSERT_TRUE(bare);
  EXPECT_EQ(http_post(bare->port(), "/api/person", R"({"person": 2})").status, 501);
}

TEST(LiveServerApi, MalformedJsonIs400AndNeverReachesTheHook) {
  RecordingHooks recording;
  auto server = start_test_server(recording.hooks());
  ASSERT_TRUE(server);
  const HttpAnswer malformed = http_post(server->port(), "/api/target", R"({"pose": tree})");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.header("Content-Type"), "application/json");
  const std::string error = json::parse(malformed.body)["error"];
  EXPECT_TRUE(error.starts_with("malformed JSON in request body: parse error at line 1, column"))
      << error;

  const HttpAnswer not_object = http_post(server->port(), "/api/target", R"(["tree"])");
  EXPECT_EQ(not_object.status, 400);
  EXPECT_EQ(json::parse(not_object.body)["error"], "request body must be a JSON object, not array");

  const HttpAnswer empty = http_post(server->port(), "/api/message", "");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(json::parse(empty.body)["error"],
            "empty request body: POST /api/message expects a JSON object");
  EXPECT_EQ(recording.target_calls(), 0u);
  EXPECT_TRUE(recording.messages.empty());
}

TEST(LiveServerApi, HookErrorIs422WithItsMessage) {
  RecordingHooks recording;
  auto server = start_test_server(recording.hooks());
  ASSERT_TRUE(server);
  const HttpAnswer answer = http_post(server->port(), "/api/target", R"({"pose": "headstand"})");
  EXPECT_EQ(answer.status, 422);
  EXPECT_EQ(json::parse(answer.body)["error"], "unknown pose 'headstand'");
}

TEST(LiveServerApi, MissingHookIs501AndThrowingHookIs500) {
  LiveServerHooks hooks;
  hooks.on_target = [](const json&) -> Status { throw std::runtime_error("pipeline gone"); };
  auto server = start_test_server(hooks);
  ASSERT_TRUE(server);
  const HttpAnswer thrown = http_post(server->port(), "/api/target", R"({"pose": "tree"})");
  EXPECT_EQ(thrown.status, 500);
  EXPECT_EQ(json::parse(thrown.body)["error"],
            "internal error answering /api/target: pipeline gone");
  const HttpAnswer missing = http_post(server->port(), "/api/message", R"({"text": "hi"})");
  EXPECT_EQ(missing.status, 501);
  // The server is still there.
  EXPECT_EQ(http_get(server->port(), "/api/status").status, 200);
}

TEST(LiveServerApi, OversizeBodyIs413AndTheHookIsNotCalled) {
  RecordingHooks recording;
  LiveServerOptions options;
  options.max_body_bytes = 1024;
  auto server = start_test_server(recording.hooks(), options);
  ASSERT_TRUE(server);
  const std::string big = R"({"pose": ")" + std::string(200 * 1024, 'x') + R"("})";
  const HttpAnswer answer = http_post(server->port(), "/api/target", big);
  EXPECT_EQ(answer.status, 413) << answer.error;
  EXPECT_EQ(json::parse(answer.body)["error"], "request body too large: the limit is 1024 bytes");
  EXPECT_EQ(recording.target_calls(), 0u);
  // Just under the limit is fine.
  const std::string fits = R"({"pose": "tree", "pad": ")" + std::string(900, 'x') + R"("})";
  EXPECT_EQ(http_post(server->port(), "/api/target", fits).status, 200);
}

TEST(LiveServerApi, UnknownPathIs404AndWrongMethodIs405) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  const HttpAnswer missing = http_get(server->port(), "/nope?x=1");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(json::parse(missing.body)["error"], "not found: /nope");

  const HttpAnswer get_target = http_get(server->port(), "/api/target");
  EXPECT_EQ(get_target.status, 405);
  EXPECT_EQ(get_target.header("Allow"), "POST");
  const HttpAnswer post_status = http_post(server->port(), "/api/status", "{}");
  EXPECT_EQ(post_status.status, 405);
  EXPECT_EQ(post_status.header("Allow"), "GET, HEAD");
  EXPECT_EQ(http_call(server->port(), http::verb::delete_, "/").status, 405);
  EXPECT_EQ(http_post(server->port(), "/stream.mjpg", "{}").status, 405);
  // /ws without the upgrade handshake.
  EXPECT_EQ(http_get(server->port(), "/ws").status, 426);
}

TEST(LiveServerApi, GarbageRequestsAre400AndTheServerCarriesOn) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  const std::string garbage = raw_exchange(server->port(), "HELLO THERE\r\n\r\n");
  EXPECT_TRUE(garbage.starts_with("HTTP/1.1 400 Bad Request\r\n")) << garbage;
  EXPECT_NE(garbage.find("bad request:"), std::string::npos);
  const std::string bad_target = raw_exchange(server->port(), "GET nope HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(bad_target.starts_with("HTTP/1.1 400")) << bad_target;
  const std::string bad_length =
      raw_exchange(server->port(), "POST /api/target HTTP/1.1\r\nContent-Length: -5\r\n\r\n");
  EXPECT_TRUE(bad_length.starts_with("HTTP/1.1 400")) << bad_length;
  const std::string huge_header = raw_exchange(
      server->port(), "GET / HTTP/1.1\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
  EXPECT_TRUE(huge_header.starts_with("HTTP/1.1 400")) << huge_header.substr(0, 200);
  // A client that connects and hangs up at once.
  EXPECT_EQ(raw_exchange(server->port(), ""), "");
  EXPECT_EQ(http_get(server->port(), "/api/status").status, 200);
}

TEST(LiveServerApi, KeepAliveAnswersSeveralRequestsOnOneConnection) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  const std::string two =
      raw_exchange(server->port(),
                   "GET /api/status HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n"
                   "Connection: close\r\n\r\n");
  EXPECT_TRUE(two.starts_with("HTTP/1.1 200 OK\r\n")) << two;
  EXPECT_NE(two.find("HTTP/1.1 404 Not Found\r\n"), std::string::npos) << two;
  EXPECT_GE(server->stats().http_requests, 2);
}

TEST(LiveServerApi, SnapshotIs503BeforeTheFirstFrameThenTheLatestJpeg) {
  auto server = start_test_server();
  ASSERT_TRUE(server);
  const HttpAnswer before = http_get(server->port(), "/snapshot.jpg");
  EXPECT_EQ(before.status, 503);
  EXPECT_EQ(before.body, "no frame yet: the pipeline has not published a frame\n");

  const LiveServer::Jpeg jpeg = synthetic_jpeg(3, 160, 120);
  server->publish_frame(jpeg, 41, 1'700'000'000'123);
  const HttpAnswer after = http_get(server->port(), "/snapshot.jpg");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.header("Content-Type"), "image/jpeg");
  EXPECT_EQ(after.header("X-Frame"), "41");
  EXPECT_EQ(after.header("X-Capture-Time"), "1700000000123");
  EXPECT_EQ(after.body, std::string(jpeg->begin(), jpeg->end()));
  const cv::Mat image =
      cv::imdecode(std::vector<uint8_t>(after.body.begin(), after.body.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(image.cols, 160);
  EXPECT_EQ(image.rows, 120);
}

TEST(LiveServerApi, MetricsAreaPrometheusTextWithThePipelinesLines) {
  RecordingHooks recording;
  auto server = start_test_server(recording.hooks());
  ASSERT_TRUE(server);
  server->publish_frame(synthetic_jpeg(1), 1, unix_ms_now());
  server->publish_result(R"({"frame": 1})");
  const HttpAnswer answer = http_get(server->port(), "/metrics");
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = answer.body;
  EXPECT_NE(text.find("# TYPE posecast_stream_viewers gauge\n"), std::string::npos);
  EXPECT_NE(text.find("posecast_stream_viewers{kind=\"mjpeg\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("posecast_stream_viewers{kind=\"websocket\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE posecast_stream_frames_published_total counter\n"),
            std::string::npos);
  EXPECT_NE(text.find("posecast_stream_frames_published_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("posecast_stream_results_published_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("posecast_stream_frames_skipped_total 0\n"), std::string::npos);
  EXPECT_TRUE(text.ends_with("posecast_pipeline_fps 29.5\n")) << text;
}

}  // namespace
}  // namespace posecast
