// `posecast run --publish ... --rtsp ...` (the real binary) into real servers on loopback, started
// by the test through the repo's scripts: RTMP -> nginx-rtmp -> HLS and RTSP checked with
// ffprobe/ffmpeg; RTP -> Janus -> headless Chromium; and an RTMP server that is down at first,
// while the coach keeps serving its viewer and results. Skipped, saying why, when the models,
// the servers or ffmpeg/Chromium are not installed.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <nlohmann/json.hpp>

#include "e2e/posecast_process.h"
#include "posecast/access_token.h"
#include "publish/janus_server.h"
#include "publish/media_servers.h"
#include "stream/test_client.h"

namespace posecast {
namespace {

using namespace posecast::testing;
using nlohmann::json;

// "posecast: rtsp at rtsp://127.0.0.1:PORT/live" -> the URL.
std::string url_after(const std::optional<std::string>& line, const std::string& prefix) {
  return line ? line->substr(prefix.size()) : "";
}

json api_status(const PosecastProcess& run) {
  const HttpAnswer answer = http_get(run.port(), "/api/status");
  return answer.status == 200 ? json::parse(answer.body, nullptr, false) : json(nullptr);
}

TEST(PublishCli, RtmpBecomesHlsAndRtspServesTwoClients) {
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = nginx_rtmp_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = ffmpeg_missing(); !missing.empty()) GTEST_SKIP() << missing;
  NginxRtmp nginx;
  ASSERT_TRUE(nginx.ready()) << nginx.process.log();

  PosecastProcess run({"run", "--source", "demo", "--size", "480x360", "--http", "127.0.0.1:0",
                       "--no-auth", "--no-history", "--seconds", "90", "--publish",
                       nginx.publish_url(), "--rtsp", "127.0.0.1:0"});
  ASSERT_TRUE(run.started()) << run.error();
  ASSERT_TRUE(run.wait_for_url(std::chrono::seconds(30))) << run.err();
  const std::string rtsp_url = url_after(
      run.wait_for_line("posecast: rtsp at ", std::chrono::seconds(5)), "posecast: rtsp at ");
  ASSERT_EQ(rtsp_url.rfind("rtsp://127.0.0.1:", 0), 0u) << rtsp_url << run.err();
  EXPECT_EQ(rtsp_url.substr(rtsp_url.size() - 5), "/live");
  const auto publishing = run.wait_for_line("posecast: publishing to ", std::chrono::seconds(5));
  ASSERT_TRUE(publishing) << run.err();
  EXPECT_EQ(*publishing, "posecast: publishing to " + nginx.publish_url());

  // HLS, as a class's players fetch it.
  ASSERT_TRUE(wait_until([&] { return playlist_segments(nginx.playlist()).size() >= 2; },
                         std::chrono::seconds(30)))
      << api_status(run).dump() << "\n"
      << run.err();
  const json hls = ffprobe(nginx.hls_url());
  ASSERT_FALSE(hls.is_null()) << nginx.hls_url();
  EXPECT_EQ(hls["codec_name"], "h264");
  EXPECT_EQ(hls["width"], 480);
  EXPECT_EQ(hls["height"], 360);
  // The newest segment: nginx cleans the oldest up, maybe before ffprobe gets to it.
  const std::string segment_url = "http://127.0.0.1:" + std::to_string(nginx.http_port) + "/hls/" +
                                  playlist_segments(nginx.playlist()).back();
  const json segment = ffprobe(segment_url);
  ASSERT_FALSE(segment.is_null()) << segment_url;
  EXPECT_EQ(segment["width"], 480);
  EXPECT_GT(segment["duration"].get<double>(), 0.3);
  EXPECT_LT(segment["duration"].get<double>(), 4.0);
  EXPECT_EQ(ffmpeg_decoded_frames(nginx.hls_url(), 10), 10);

  // RTSP: two players at once.
  const json probe = ffprobe(rtsp_url, "-rtsp_transport tcp");
  ASSERT_FALSE(probe.is_null()) << rtsp_url << "\n" << run.err();
  EXPECT_EQ(probe["codec_name"], "h264");
  EXPECT_EQ(probe["width"], 480);
  EXPECT_EQ(probe["height"], 360);
  auto first = std::async(std::launch::async, [&] {
    return ffmpeg_decoded_frames(rtsp_url, 30, "-rtsp_transport tcp");
  });
  auto second = std::async(std::launch::async, [&] {
    return ffmpeg_decoded_frames(rtsp_url, 30, "-rtsp_transport tcp");
  });
  EXPECT_EQ(first.get(), 30);
  EXPECT_EQ(second.get(), 30);

  // What /api/status says about both.
  const json status = api_status(run);
  ASSERT_TRUE(status.is_object());
  const json& video = status["video"];
  ASSERT_EQ(video["publish"].size(), 1u) << video.dump();
  EXPECT_EQ(video["publish"][0]["url"], nginx.publish_url());
  EXPECT_EQ(video["publish"][0]["state"], "publishing");
  EXPECT_GT(video["publish"][0]["frames"].get<int>(), 30);
  EXPECT_EQ(video["rtsp"]["url"], rtsp_url);
  EXPECT_GE(video["rtsp"]["clients_total"].get<int>(), 3);

  run.signal(SIGINT);
  EXPECT_EQ(run.wait_exit(std::chrono::seconds(15)), 0) << run.err();
}

// The RTMP server is down at the start: the error names the URL, posecast keeps coaching (viewer,
// snapshot, results), and publishes as soon as nginx comes up.
TEST(PublishCli, ServerDownIsReportedAndTheCoachCarriesOn) {
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = nginx_rtmp_missing(); !missing.empty()) GTEST_SKIP() << missing;
  const uint16_t rtmp_port = free_port(), http_port = free_port();
  const std::string url = "rtmp://127.0.0.1:" + std::to_string(rtmp_port) + "/live/pose";
  PosecastProcess run({"run", "--source", "demo", "--size", "320x240", "--http", "127.0.0.1:0",
                       "--no-auth", "--no-history", "--seconds", "90", "--publish", url});
  ASSERT_TRUE(run.started()) << run.error();
  ASSERT_TRUE(run.wait_for_url(std::chrono::seconds(30))) << run.err();

  const std::string reported = "posecast run: video: " + url + ": ";
  ASSERT_TRUE(wait_until([&] { return run.err().find(reported) != std::string::npos; },
                         std::chrono::seconds(10)))
      << run.err();
  EXPECT_NE(run.err().find("(retrying in "), std::string::npos) << run.err();

  // The coach is unaffected: frames, results and the MJPEG viewer's snapshot.
  const json before = api_status(run);
  ASSERT_TRUE(before.is_object());
  EXPECT_NE(before["video"]["publish"][0]["state"], "publishing");
  EXPECT_EQ(before["video"]["publish"][0]["last_error"].get<std::string>().rfind(url, 0), 0u);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const json after = api_status(run);
  EXPECT_GT(after["frames"]["analyzed"].get<int64_t>(), before["frames"]["analyzed"].get<int64_t>())
      << after.dump();
  const HttpAnswer snapshot = http_get(run.port(), "/snapshot.jpg");
  EXPECT_EQ(snapshot.status, 200);
  EXPECT_EQ(snapshot.headers.count("content-type") ? snapshot.headers.at("content-type") : "",
            "image/jpeg");

  NginxRtmp nginx("", rtmp_port, http_port);
  ASSERT_TRUE(nginx.ready()) << nginx.process.log();
  ASSERT_TRUE(wait_until([&] { return !playlist_segments(nginx.playlist()).empty(); },
                         std::chrono::seconds(30)))
      << api_status(run).dump();
  EXPECT_EQ(api_status(run)["video"]["publish"][0]["state"], "publishing");
  if (ffmpeg_missing().empty()) {
    EXPECT_EQ(ffprobe(nginx.hls_url())["width"], 320);
  }
}

// nginx behind posecast's token (deploy/nginx-rtmp/nginx.conf, --auth): HLS and RTMP players
// without the token are refused, with it (or a viewer link made from it) they play, and once the
// token file is replaced and posecast restarted, the old token is refused: revoked.
TEST(PublishCli, NginxServesOnlyViewersWithPosecastsToken) {
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = nginx_rtmp_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = ffmpeg_missing(); !missing.empty()) GTEST_SKIP() << missing;
  TokenFile token_file("nginx-test-token-0123456789abcdef0123456789abcdef");
  const uint16_t http_port = free_port();
  const std::string auth_url = "http://127.0.0.1:" + std::to_string(http_port);
  NginxRtmp nginx(auth_url);
  ASSERT_TRUE(nginx.ready()) << nginx.process.log();
  const std::string http = "127.0.0.1:" + std::to_string(http_port);
  auto run = std::make_unique<PosecastProcess>(std::vector<std::string>{
      "run", "--source", "demo", "--size", "320x240", "--http", http, "--token-file",
      token_file.path.string(), "--device", "mat1", "--no-history", "--seconds", "90", "--publish",
      nginx.publish_url()});
  ASSERT_TRUE(run->started()) << run->error();
  ASSERT_TRUE(run->wait_for_url(std::chrono::seconds(30))) << run->err();
  ASSERT_TRUE(wait_until([&] { return playlist_segments(nginx.playlist()).size() >= 2; },
                         std::chrono::seconds(30)))
      << run->err();
  const std::string old_token = token_file.token;
  auto hls_status = [&](const std::string& token, const std::string& file) {
    return http_get(nginx.http_port, "/hls/" + (token.empty() ? "" : token + "/") + file).status;
  };
  const std::string segment = playlist_segments(nginx.playlist()).back();

  // No token: nothing, neither the playlist, a segment, nor the RTMP stream.
  EXPECT_EQ(hls_status("", "pose.m3u8"), 401);
  EXPECT_EQ(hls_status("", segment), 401);
  EXPECT_EQ(hls_status("not-the-token-0123456789abcdef0123456789", "pose.m3u8"), 403);
  EXPECT_EQ(ffmpeg_decoded_frames(nginx.play_url("pose", ""), 5), 0);
  EXPECT_EQ(ffmpeg_decoded_frames(nginx.play_url("pose", "wrong-token-0123456789abcdef0123"), 5),
            0);
  // The token: the playlist and its segments (the token rides in the path), and RTMP.
  const json hls = ffprobe(nginx.hls_url("pose", old_token));
  ASSERT_FALSE(hls.is_null()) << nginx.hls_url("pose", old_token) << "\n" << nginx.process.log();
  EXPECT_EQ(hls["width"], 320);
  EXPECT_EQ(hls_status(old_token, playlist_segments(nginx.playlist()).back()), 200);
  EXPECT_EQ(ffmpeg_decoded_frames(nginx.play_url("pose", old_token), 5), 5);
  // A viewer link the device would hand the class dashboard, and an expired one.
  const int64_t now_s = now_unix_ms() / 1000;
  EXPECT_EQ(hls_status(sign_viewer_credential(old_token, "mat1", now_s + 60), "pose.m3u8"), 200);
  EXPECT_EQ(hls_status(sign_viewer_credential(old_token, "mat1", now_s - 1), "pose.m3u8"), 403);

  // Revoked: a new token file (delete the old one, as docs/security.md says) and a restart.
  run->signal(SIGTERM);
  ASSERT_TRUE(run->wait_exit(std::chrono::seconds(15)));
  fs::remove(token_file.path);
  run = std::make_unique<PosecastProcess>(std::vector<std::string>{
      "run", "--source", "demo", "--size", "320x240", "--http", http, "--token-file",
      token_file.path.string(), "--no-history", "--seconds", "60"});
  ASSERT_TRUE(run->started()) << run->error();
  const auto url = run->wait_for_url(std::chrono::seconds(30));
  ASSERT_TRUE(url) << run->err();
  const std::string new_token = url->substr(url->find("token=") + 6);
  ASSERT_NE(new_token, old_token);
  EXPECT_EQ(hls_status(old_token, "pose.m3u8"), 403);
  EXPECT_EQ(ffmpeg_decoded_frames(nginx.play_url("pose", old_token), 5), 0);
  // The new token passes nginx's check (the stream itself has ended: 404 or a stale playlist).
  const int with_new = hls_status(new_token, "pose.m3u8");
  EXPECT_TRUE(with_new == 200 || with_new == 404) << with_new;
}

// RTP/VP8 into Janus's streaming mountpoint, watched over WebRTC in headless Chromium with the pin
// that posecast shows a viewer with its token (Janus derives it from the same token file).
TEST(PublishCli, RtpToJanusPlaysInChromium) {
  if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = janus_missing(); !missing.empty()) GTEST_SKIP() << missing;
  if (const std::string missing = browser_missing(); !missing.empty()) GTEST_SKIP() << missing;
  Janus janus;
  ASSERT_TRUE(janus.ready()) << janus.process.log();
  const std::string url = "rtp://127.0.0.1:" + std::to_string(janus.rtp_port);
  PosecastProcess run({"run", "--source", "demo", "--http", "127.0.0.1:0", "--token-file",
                       janus.token_file.path.string(), "--no-history", "--seconds", "90",
                       "--publish", url});
  ASSERT_TRUE(run.started()) << run.error();
  ASSERT_TRUE(run.wait_for_url(std::chrono::seconds(30))) << run.err();
  ASSERT_TRUE(run.wait_for_line("posecast: publishing to " + url, std::chrono::seconds(5)));
  const HttpAnswer status = http_get(run.port(), "/api/status?token=" + janus.token_file.token);
  ASSERT_EQ(status.status, 200) << status.body;
  const std::string pin = json::parse(status.body).value("janus_pin", "");
  EXPECT_EQ(pin, janus.pin());

  const json report = watch_in_chromium(janus, 1, pin);
  ASSERT_FALSE(report.is_null()) << janus.process.log();
  ASSERT_EQ(report["ok"], true) << report.dump() << "\n" << run.err();
  EXPECT_GT(report["video"]["framesDecoded"].get<int>(), 20);
  EXPECT_EQ(report["video"]["width"], 640);
  EXPECT_EQ(report["video"]["height"], 480);
  EXPECT_EQ(report["video"]["codec"], "video/VP8");
}

}  // namespace
}  // namespace posecast
