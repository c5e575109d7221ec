// `posecast run` end to end: the real binary on a video file of a real pose (the demo figure
// holding Mountain, rendered into an .avi by the fixture), with real loopback clients reading the
// MJPEG stream, the WebSocket of results and the JSON API, as a viewer page and a coach would.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "e2e/cli_run.h"
#include "e2e/posecast_process.h"
#include "stream/test_client.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace posecast::testing;

std::vector<std::string> run_args(const fs::path& video, double seconds) {
  return {"run",         "--source",  video.string(),          "--http",
          "127.0.0.1:0", "--seconds", std::to_string(seconds), "--no-auth",
          "--size",      "640x480"};
}

// Results from /ws until one satisfies `wanted` (or `timeout` passes); every result is checked for
// the fields the viewer relies on, and frames must only go forward.
class ResultWatcher {
 public:
  explicit ResultWatcher(uint16_t port) : ws_(port) {}
  bool ok() const { return ws_.ok(); }
  const std::string& error() const { return ws_.error(); }
  int seen() const { return seen_; }

  template <class Wanted>
  std::optional<json> until(Wanted wanted, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto message = ws_.next_message(std::chrono::duration_cast<std::chrono::milliseconds>(
          std::max<Clock::duration>(deadline - Clock::now(), 1ms)));
      if (!message) return std::nullopt;
      const json r = json::parse(*message, nullptr, /*allow_exceptions=*/false);
      ++seen_;
      check_fields(r);
      if (::testing::Test::HasFatalFailure()) return std::nullopt;
      if (wanted(r)) return r;
    }
    return std::nullopt;
  }

 private:
  void check_fields(const json& r) {
    ASSERT_TRUE(r.is_object()) << "a /ws message is not a JSON object";
    ASSERT_TRUE(r.contains("decision") && r["decision"].is_string()) << r.dump();
    ASSERT_TRUE(r.contains("top") && r["top"].is_array() && !r["top"].empty()) << r.dump();
    EXPECT_TRUE(r["top"][0]["label"].is_string() && r["top"][0]["prob"].is_number()) << r.dump();
    ASSERT_TRUE(r.contains("frame") && r["frame"].is_number_integer()) << r.dump();
    ASSERT_TRUE(r.contains("capture_ms") && r["capture_ms"].is_number_integer()) << r.dump();
    ASSERT_TRUE(r.contains("fps") && r["fps"].is_number()) << r.dump();
    ASSERT_TRUE(r.contains("label") && r["label"].is_string()) << r.dump();
    const int64_t frame = r["frame"];
    EXPECT_GT(frame, last_frame_) << "results must go forward";
    last_frame_ = frame;
    // The capture time is this machine's wall clock, a moment ago.
    const int64_t age_ms = testing::unix_ms_now() - r["capture_ms"].get<int64_t>();
    EXPECT_GE(age_ms, -50);
    EXPECT_LT(age_ms, 5000);
  }

  WsReader ws_;
  int64_t last_frame_ = 0;
  int seen_ = 0;
};

TEST(RunCli, StreamsDecodableFramesOfTheVideoAndExitsAfterSeconds) {
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const fs::path video = demo_pose_video();
  ASSERT_FALSE(video.empty()) << "cannot write the demo video with cv::VideoWriter";
  const auto spawned = Clock::now();
  PosecastProcess posecast(run_args(video, 4));
  ASSERT_TRUE(posecast.started()) << posecast.error();
  const auto url = posecast.wait_for_url(20s);
  ASSERT_TRUE(url) << "no 'posecast: viewer at' line; stderr:\n" << posecast.err();
  EXPECT_EQ(url->rfind("http://127.0.0.1:", 0), 0u) << *url;
  EXPECT_NE(posecast.port(), 0);

  MjpegReader viewer(posecast.port());
  ASSERT_TRUE(viewer.ok()) << viewer.error();
  EXPECT_EQ(viewer.status_line(), "HTTP/1.1 200 OK");
  EXPECT_EQ(viewer.header("content-type").rfind("multipart/x-mixed-replace; boundary=", 0), 0u);
  int64_t last_frame = 0;
  for (int i = 0; i < 6; ++i) {
    auto part = viewer.next_part(10s);
    ASSERT_TRUE(part) << "part " << i << ": " << viewer.error() << "\nstderr:\n" << posecast.err();
    const cv::Mat image =
        cv::imdecode(std::vector<uint8_t>(part->jpeg.begin(), part->jpeg.end()), cv::IMREAD_COLOR);
    ASSERT_FALSE(image.empty()) << "part " << i << " is not a JPEG";
    EXPECT_EQ(image.cols, 640);
    EXPECT_EQ(image.rows, 480);
    EXPECT_GT(part->frame(), last_frame) << "X-Frame must increase";
    last_frame = part->frame();
    const int64_t age_ms = testing::unix_ms_now() - part->capture_ms();
    EXPECT_GE(age_ms, -50) << "X-Capture-Time is in the future";
    EXPECT_LT(age_ms, 5000) << "X-Capture-Time is long past";
  }
  viewer.close();

  const HttpAnswer snapshot = http_get(posecast.port(), "/snapshot.jpg");
  ASSERT_EQ(snapshot.status, 200) << snapshot.error << snapshot.body;
  EXPECT_EQ(snapshot.header("content-type"), "image/jpeg");
  const cv::Mat still = cv::imdecode(
      std::vector<uint8_t>(snapshot.body.begin(), snapshot.body.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(still.size(), cv::Size(640, 480));
  EXPECT_GE(std::stoll(snapshot.header("x-frame")), last_frame);

  const auto exit_code = posecast.wait_exit(20s);
  ASSERT_TRUE(exit_code) << "still running long after --seconds 4";
  EXPECT_EQ(*exit_code, 0) << posecast.err();
  const double ran_s = std::chrono::duration<double>(Clock::now() - spawned).count();
  EXPECT_GE(ran_s, 3.9) << "exited before --seconds";
}

TEST(RunCli, ResultsNameThePoseAndFollowTheInstructor) {
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const fs::path video = demo_pose_video();
  ASSERT_FALSE(video.empty()) << "cannot write the demo video with cv::VideoWriter";
  // Long enough for every check on a busy machine; the test stops it with Ctrl-C (SIGINT).
  PosecastProcess posecast(run_args(video, 60));
  ASSERT_TRUE(posecast.started()) << posecast.error();
  ASSERT_TRUE(posecast.wait_for_url(20s)) << "no URL; stderr:\n" << posecast.err();
  const uint16_t port = posecast.port();

  ResultWatcher results(port);
  ASSERT_TRUE(results.ok()) << results.error();
  // The figure in the video holds Mountain: the pipeline must recognise it.
  const auto mountain =
      results.until([](const json& r) { return r["decision"] == "mountain"; }, 20s);
  ASSERT_TRUE(mountain) << "no 'mountain' in " << results.seen() << " results; stderr:\n"
                        << posecast.err();
  EXPECT_EQ((*mountain)["label"].get<std::string>().rfind("Mountain ", 0), 0u)
      << (*mountain)["label"];
  EXPECT_EQ((*mountain)["top"][0]["label"], "mountain");
  EXPECT_GT((*mountain)["top"][0]["prob"].get<double>(), 0.5);
  EXPECT_EQ((*mountain)["person"], true);

  // The frame rate is measured over frames: give it a few.
  ASSERT_TRUE(results.until([](const json& r) { return r["fps"].get<double>() > 1; }, 10s));

  // /api/status: what runs, how fast, who watches.
  HttpAnswer status_answer = http_get(port, "/api/status");
  ASSERT_EQ(status_answer.status, 200) << status_answer.error;
  EXPECT_EQ(status_answer.header("content-type"), "application/json");
  json status = json::parse(status_answer.body);
  EXPECT_EQ(status["source"], "video " + video.string());
  EXPECT_EQ(status["model"], "builtin");
  EXPECT_EQ(status["pose_model"], "lightning");
  EXPECT_GT(status["fps"].get<double>(), 1.0);
  EXPECT_GT(status["stage_ms"]["pose"].get<double>(), 0.0);
  EXPECT_GT(status["stage_ms"]["encode"].get<double>(), 0.0);
  EXPECT_GE(status["viewers"].get<int>(), 1) << "the WebSocket client is a viewer";
  EXPECT_TRUE(status["drops"]["capture"].is_number_integer()) << status.dump();
  EXPECT_TRUE(status["drops"]["render"].is_number_integer()) << status.dump();
  EXPECT_GT(status["frames"]["rendered"].get<int64_t>(), 0);
  EXPECT_NE(status["poses"].dump().find(R"({"id":"tree","name":"Tree"})"), std::string::npos)
      << status["poses"].dump();

  // The coach sets a target: accepted, and the next results carry it.
  HttpAnswer target = http_post(port, "/api/target", R"({"pose":"tree"})");
  EXPECT_EQ(target.status, 200) << target.body;
  EXPECT_EQ(json::parse(target.body, nullptr, false)["ok"], true) << target.body;
  const auto with_target =
      results.until([](const json& r) { return r.value("target", "") == "tree"; }, 10s);
  ASSERT_TRUE(with_target) << "no result with target 'tree'";
  EXPECT_EQ(json::parse(http_get(port, "/api/status").body)["target"], "tree");

  // Bad requests get a clear answer and change nothing.
  HttpAnswer bad_json = http_post(port, "/api/target", R"({"pose": "tree")");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_NE(bad_json.body.find("malformed JSON in request body"), std::string::npos)
      << bad_json.body;
  HttpAnswer unknown = http_post(port, "/api/target", R"({"pose":"handstand"})");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_NE(unknown.body.find("unknown pose 'handstand'"), std::string::npos) << unknown.body;
  HttpAnswer no_pose = http_post(port, "/api/target", R"({"target":"tree"})");
  EXPECT_EQ(no_pose.status, 422);
  EXPECT_NE(no_pose.body.find("'pose'"), std::string::npos) << no_pose.body;
  EXPECT_EQ(json::parse(http_get(port, "/api/status").body)["target"], "tree");

  // null clears the target (the viewer's "Any pose").
  HttpAnswer cleared = http_post(port, "/api/target", R"({"pose":null})");
  EXPECT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_TRUE(results.until([](const json& r) { return !r.contains("target"); }, 10s))
      << "the target stayed after {\"pose\": null}";

  // The viewer's target control also offers the rep exercises, with reps a set; an exercise
  // replaces a pose target, and an unknown one changes nothing.
  EXPECT_NE(status["exercises"].dump().find(R"({"id":"squat","name":"Squat"})"), std::string::npos)
      << status["exercises"].dump();
  HttpAnswer squats = http_post(port, "/api/target", R"({"exercise":"squat","reps":10})");
  EXPECT_EQ(squats.status, 200) << squats.body;
  json with_squats = json::parse(http_get(port, "/api/status").body);
  EXPECT_EQ(with_squats["target_exercise"], "squat");
  EXPECT_EQ(with_squats["target_reps"], 10);
  EXPECT_EQ(with_squats["target"], "");
  HttpAnswer burpee = http_post(port, "/api/target", R"({"exercise":"burpee"})");
  EXPECT_EQ(burpee.status, 422);
  EXPECT_NE(burpee.body.find("unknown exercise 'burpee'"), std::string::npos) << burpee.body;
  HttpAnswer bad_reps = http_post(port, "/api/target", R"({"exercise":"squat","reps":-2})");
  EXPECT_EQ(bad_reps.status, 422);
  EXPECT_EQ(json::parse(http_get(port, "/api/status").body)["target_exercise"], "squat");
  HttpAnswer any = http_post(port, "/api/target", R"({"pose":null})");
  EXPECT_EQ(any.status, 200) << any.body;
  EXPECT_EQ(json::parse(http_get(port, "/api/status").body)["target_exercise"], "");

  // A message to the student shows up in the results (and so on the overlay and the page).
  HttpAnswer message = http_post(port, "/api/message", R"({"text":"Relax your shoulders"})");
  EXPECT_EQ(message.status, 200) << message.body;
  EXPECT_TRUE(results.until(
      [](const json& r) { return r.value("message", "") == "Relax your shoulders"; }, 10s))
      << "no result with the message";
  HttpAnswer long_message =
      http_post(port, "/api/message", json{{"text", std::string(201, 'x')}}.dump());
  EXPECT_EQ(long_message.status, 422);
  EXPECT_NE(long_message.body.find("longer than 200 characters"), std::string::npos);

  // /metrics: Prometheus text with the pipeline's and the server's lines.
  HttpAnswer metrics = http_get(port, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("# TYPE posecast_frames_total counter\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("posecast_stream_viewers{kind=\"websocket\"} 1\n"), std::string::npos)
      << metrics.body;
  const std::string rendered = "posecast_frames_total{stage=\"rendered\"} ";
  const size_t rendered_at = metrics.body.find(rendered);
  ASSERT_NE(rendered_at, std::string::npos) << metrics.body;
  EXPECT_GT(std::stoll(metrics.body.substr(rendered_at + rendered.size())), 0);

  // Ctrl-C ends the run cleanly.
  posecast.signal(SIGINT);
  const auto exit_code = posecast.wait_exit(15s);
  ASSERT_TRUE(exit_code) << "still running 15 s after SIGINT";
  EXPECT_EQ(*exit_code, 0) << posecast.err();
}

TEST(RunCli, BadOptionsAreOneClearLineAndExitCode1) {
  CliRun size = run_posecast({"run", "--source", "demo", "--size", "12x", "--seconds", "1"});
  EXPECT_EQ(size.exit_code, 1);
  EXPECT_NE(size.err.find("posecast run: bad --size '12x'"), std::string::npos) << size.err;
  CliRun http =
      run_posecast({"run", "--source", "demo", "--http", "127.0.0.1:70000", "--seconds", "1"});
  EXPECT_EQ(http.exit_code, 1);
  EXPECT_NE(http.err.find("bad --http address '127.0.0.1:70000': port '70000' is not"),
            std::string::npos)
      << http.err;
  EXPECT_TRUE(http.out.empty()) << http.out;
  CliRun open = run_posecast(
      {"run", "--source", "demo", "--http", "0.0.0.0:0", "--no-auth", "--seconds", "1"});
  EXPECT_EQ(open.exit_code, 1);
  EXPECT_NE(open.err.find("--no-auth is allowed only on a loopback --http address"),
            std::string::npos)
      << open.err;
}

// --exercise names an exercise of the library; a typo is one line that lists the known ids.
TEST(RunCli, AnUnknownExerciseIsAnErrorListingTheKnownOnes) {
  CliRun unknown = run_posecast({"run", "--source", "demo", "--http", "127.0.0.1:0", "--no-auth",
                                 "--exercise", "burpee", "--seconds", "1"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("posecast run: --exercise: unknown exercise 'burpee' (known: "),
            std::string::npos)
      << unknown.err;
  EXPECT_NE(unknown.err.find("squat"), std::string::npos) << unknown.err;
  EXPECT_TRUE(unknown.out.empty()) << unknown.out;
  CliRun reps = run_posecast({"run", "--source", "demo", "--http", "127.0.0.1:0", "--no-auth",
                              "--exercise", "squat", "--reps", "-3", "--seconds", "1"});
  EXPECT_NE(reps.exit_code, 0);
  EXPECT_NE(reps.err.find("--reps"), std::string::npos) << reps.err;
}

// The compressed-video options are checked before anything starts, each error naming the value.
TEST(RunCli, BadVideoOptionsNameTheValue) {
  const std::vector<std::string> base = {"run",          "--source",    "demo",
                                         "--http",       "127.0.0.1:0", "--no-auth",
                                         "--no-history", "--seconds",   "1"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_posecast(args);
  };
  CliRun publish = with({"--publish", "ftp://example.com/live"});
  EXPECT_EQ(publish.exit_code, 1);
  EXPECT_NE(publish.err.find("ftp://example.com/live"), std::string::npos) << publish.err;
  CliRun rtp = with({"--publish", "rtp://127.0.0.1"});
  EXPECT_EQ(rtp.exit_code, 1);
  EXPECT_NE(rtp.err.find("rtp://127.0.0.1"), std::string::npos) << rtp.err;
  CliRun rtsp = with({"--rtsp", "127.0.0.1:99999"});
  EXPECT_EQ(rtsp.exit_code, 1);
  EXPECT_NE(rtsp.err.find("bad --rtsp address '127.0.0.1:99999'"), std::string::npos) << rtsp.err;
  CliRun ports = with({"--webrtc-ports", "9000"});
  EXPECT_EQ(ports.exit_code, 1);
  EXPECT_NE(ports.err.find("bad --webrtc-ports '9000'"), std::string::npos) << ports.err;
  CliRun bitrate = with({"--video-bitrate", "5"});
  EXPECT_EQ(bitrate.exit_code, 1);
  EXPECT_NE(bitrate.err.find("--video-bitrate 5"), std::string::npos) << bitrate.err;
  CliRun ice = with({"--ice-server", "http://stun.example.com"});
  EXPECT_EQ(ice.exit_code, 1);
  EXPECT_NE(ice.err.find("http://stun.example.com"), std::string::npos) << ice.err;
  for (const CliRun* r : {&publish, &rtp, &rtsp, &ports, &bitrate, &ice})
    EXPECT_TRUE(r->out.empty()) << r->out;  // nothing served
}

// Without --no-auth: a token made on first run, printed in the URL, required everywhere, and the
// same on the next run.
TEST(RunCli, TheViewerNeedsTheAccessTokenItPrints) {
  if (std::string why = models_missing(); !why.empty()) GTEST_SKIP() << why;
  const fs::path dir =
      fs::temp_directory_path() / ("posecast_run_token_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string token_file = (dir / "access-token").string();
  std::string first_url;
  for (int run = 0; run < 2; ++run) {
    PosecastProcess posecast({"run", "--source", "demo", "--http", "127.0.0.1:0", "--seconds", "20",
                              "--token-file", token_file});
    ASSERT_TRUE(posecast.started()) << posecast.error();
    const auto url = posecast.wait_for_url(20s);
    ASSERT_TRUE(url) << posecast.err();
    const size_t at = url->find("/?token=");
    ASSERT_NE(at, std::string::npos) << *url;
    const std::string token = url->substr(at + 8);
    EXPECT_EQ(token.size(), 64u);
    if (run == 0) first_url = token;
    EXPECT_EQ(token, first_url) << "the token is kept between runs";
    EXPECT_EQ(http_get(posecast.port(), "/api/status").status, 401);
    EXPECT_EQ(http_get(posecast.port(), "/api/status?token=" + token).status, 200);
    EXPECT_EQ(http_get(posecast.port(), "/stream.mjpg?token=wrong").status, 401);
    posecast.signal(SIGINT);
    EXPECT_EQ(posecast.wait_exit(15s), 0) << posecast.err();
  }
  EXPECT_EQ(fs::status(token_file).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace posecast
