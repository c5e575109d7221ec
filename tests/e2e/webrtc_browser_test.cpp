// The viewer page's WebRTC video in a real headless Chromium (tests/e2e/browser/webrtc.mjs): the
// browser signals over /rtc, plays the device's VP8 in a <video> and says so in the transport
// badge; ?transport=mjpeg keeps the MJPEG <img>. Against a live server with a real VP8 encoder
// fed with synthetic frames, and against the real `posecast run --source demo`. Skipped, saying
// why, when Chromium or the npm packages (tests/e2e/browser/setup.sh) are missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "e2e/browser_tools.h"
#include "e2e/cli_run.h"
#include "e2e/posecast_process.h"
#include "posecast/webrtc_peer.h"
#include "stream/test_client.h"
#include "test_paths.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace posecast::testing;

// What `posecast run` does for a viewer, without camera or models: 640x480 frames at 30 fps to
// a VP8 encoder (for WebRTC) and as JPEG to the server (for MJPEG), and a result per frame.
class SyntheticWebRtcRun {
 public:
  SyntheticWebRtcRun() {
    VideoEncoderOptions options;
    options.codec = VideoCodec::kVp8;
    auto encoder = VideoEncoder::start(options);
    if (!encoder) {
      error_ = encoder.error().message();
      return;
    }
    encoder_ = std::move(encoder).value();
    signaling_ =
        std::make_unique<WebRtcSignaling>([this] { return encoder_.get(); }, WebRtcOptions{});
    LiveServerHooks hooks;
    hooks.open_signaling = signaling_->hook();
    hooks.status_json = [this] { return json{{"webrtc", signaling_->status()}}; };
    server_ = start_test_server(std::move(hooks));
    if (!server_) {
      error_ = "the live server did not start";
      return;
    }
    thread_ = std::thread([this] { run(); });
  }
  ~SyntheticWebRtcRun() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (server_) server_->stop();
    signaling_.reset();  // before the encoder: it ends every peer
  }
  const std::string& error() const { return error_; }
  LiveServer& server() { return *server_; }
  WebRtcSignaling& signaling() { return *signaling_; }

 private:
  void run() {
    auto next = Clock::now();
    for (int64_t frame = 1; !stop_; ++frame) {
      cv::Mat image(480, 640, CV_8UC3, cv::Scalar(60, 40, 30));
      cv::rectangle(image, {static_cast<int>((frame * 6) % 560), 200, 80, 80},
                    cv::Scalar(40, 180, 240), cv::FILLED);
      cv::putText(image, std::to_string(frame), {20, 60}, cv::FONT_HERSHEY_SIMPLEX, 1.5,
                  cv::Scalar(255, 255, 255), 3);
      const int64_t now = testing::unix_ms_now();
      encoder_->push(image, frame, now);
      std::vector<uint8_t> jpeg;
      cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, 70});
      server_->publish_frame(std::make_shared<const std::vector<uint8_t>>(std::move(jpeg)), frame,
                             now);
      server_->publish_result(json{
          {"frame", frame},
          {"capture_ms", now},
          {"decision", "tree"},
          {"label", "Tree 87 %"},
          {"top", {{{"label", "tree"}, {"prob", 0.87}}}},
          {"score", 80},
          {"fps", 30}}.dump());
      next += std::chrono::milliseconds(33);
      std::this_thread::sleep_until(next);
    }
  }

  std::string error_;
  std::unique_ptr<VideoEncoder> encoder_;
  std::unique_ptr<WebRtcSignaling> signaling_;
  std::unique_ptr<LiveServer> server_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// Runs webrtc.mjs on `url`; its JSON report (with "ok") or a failure naming the output.
json run_webrtc_check(const std::string& url, const std::string& expect, const std::string& name,
                      const std::string& extra = "") {
  const fs::path dir = fs::path(POSECAST_BINARY).parent_path() / "e2e-media";
  std::error_code ec;
  fs::create_directories(dir, ec);
  const fs::path screenshot = dir / (name + "-" + std::to_string(::getpid()) + ".png");
  const auto [exit_code, out] =
      run_command("timeout 90 node " + shell_quote((kBrowserDir / "webrtc.mjs").string()) + " " +
                  shell_quote(url) + " " + shell_quote(screenshot.string()) + " --expect " +
                  expect + " " + extra);
  const size_t at = out.rfind("{\"ok\"");
  if (at == std::string::npos) return {{"ok", false}, {"error", "no report: " + out}};
  json report = json::parse(out.substr(at), nullptr, false);
  if (report.is_discarded()) return {{"ok", false}, {"error", "bad report: " + out}};
  if (exit_code != 0) report["exit_code"] = exit_code;
  fs::rename(screenshot, dir / (name + ".png"), ec);  // kept for a look
  return report;
}

TEST(WebRtcBrowser, SyntheticRunPlaysByWebRtcAndMjpegWhenAsked) {
  if (const std::string missing = browser_missing(); !missing.empty()) GTEST_SKIP() << missing;
  SyntheticWebRtcRun run;
  ASSERT_TRUE(run.error().empty()) << run.error();
  const std::string url = run.server().url();

  const json webrtc = run_webrtc_check(url, "webrtc", "webrtc-synthetic");
  ASSERT_EQ(webrtc["ok"], true) << webrtc.dump(2);
  EXPECT_EQ(webrtc["badge"], "WebRTC");
  EXPECT_EQ(webrtc["video"], json::parse(R"({"width": 640, "height": 480})"));
  EXPECT_GE(webrtc["stats"]["frames_decoded_2s"].get<int>(), 6);
  EXPECT_EQ(webrtc["label"], "Tree 87 %");
  std::cerr << "[ webrtc ] synthetic: first frame " << webrtc["first_frame_ms"]
            << " ms after load; " << webrtc["stats"].dump() << "\n";
  // The browser has gone: its peer ends with the signalling connection.
  EXPECT_TRUE(eventually([&] { return run.signaling().peers() == 0; }, 5s));

  const json mjpeg = run_webrtc_check(url + "?transport=mjpeg", "mjpeg", "mjpeg-forced");
  ASSERT_EQ(mjpeg["ok"], true) << mjpeg.dump(2);
  EXPECT_EQ(mjpeg["badge"], "MJPEG");
  EXPECT_EQ(mjpeg["video"], json::parse(R"({"width": 640, "height": 480})"));
  EXPECT_EQ(mjpeg["mjpeg_reason"], "?transport=mjpeg");
  EXPECT_EQ(mjpeg["label"], "Tree 87 %");
}

// A server without WebRTC (the hook unset): the page goes straight to MJPEG, no errors.
TEST(WebRtcBrowser, NoWebRtcOnTheServerMeansMjpeg) {
  if (const std::string missing = browser_missing(); !missing.empty()) GTEST_SKIP() << missing;
  auto server = start_test_server();
  ASSERT_TRUE(server);
  FramePublisher frames(*server, {synthetic_jpeg(1, 640, 480), synthetic_jpeg(2, 640, 480)}, 15);
  std::atomic<bool> stop{false};
  std::thread results([&] {
    while (!stop) {
      server->publish_result(R"({"decision": "take_your_pose"})");
      std::this_thread::sleep_for(100ms);
    }
  });
  const json mjpeg = run_webrtc_check(server->url(), "mjpeg", "mjpeg-no-webrtc");
  stop = true;
  results.join();
  ASSERT_EQ(mjpeg["ok"], true) << mjpeg.dump(2);
  EXPECT_EQ(mjpeg["mjpeg_reason"], "the device offers no WebRTC");
}

// The real thing: `posecast run --source demo` serves WebRTC by default.
TEST(WebRtcBrowser, RealRunPlaysTheDemoByWebRtc) {
  if (const std::string missing = browser_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  PosecastProcess posecast({"run", "--source", "demo", "--size", "640x480", "--http", "127.0.0.1:0",
                            "--seconds", "90", "--no-auth"});
  ASSERT_TRUE(posecast.started()) << posecast.error();
  const auto url = posecast.wait_for_url(std::chrono::seconds(30));
  ASSERT_TRUE(url) << "no URL; stderr:\n" << posecast.err();

  const json webrtc = run_webrtc_check(*url, "webrtc", "webrtc-run");
  ASSERT_EQ(webrtc["ok"], true) << webrtc.dump(2) << "\nposecast stderr:\n" << posecast.err();
  EXPECT_EQ(webrtc["badge"], "WebRTC");
  EXPECT_EQ(webrtc["video"], json::parse(R"({"width": 640, "height": 480})"));
  EXPECT_GE(webrtc["stats"]["frames_decoded_2s"].get<int>(), 6);
  std::cerr << "[ webrtc ] posecast run: first frame " << webrtc["first_frame_ms"]
            << " ms after load; " << webrtc["stats"].dump() << "\n";

  const json mjpeg = run_webrtc_check(*url + "?transport=mjpeg", "mjpeg", "mjpeg-run");
  ASSERT_EQ(mjpeg["ok"], true) << mjpeg.dump(2);
  EXPECT_EQ(mjpeg["badge"], "MJPEG");

  posecast.signal(SIGINT);
  const auto exited = posecast.wait_exit(std::chrono::seconds(15));
  ASSERT_TRUE(exited) << "still running 15 s after SIGINT";
  EXPECT_EQ(*exited, 0) << posecast.err();
}

}  // namespace
}  // namespace posecast
