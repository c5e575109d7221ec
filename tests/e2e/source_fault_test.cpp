// Fault: the video source disappears and comes back. The real binary reads another posecast's
// MJPEG stream over HTTP (a network camera, as far as it can tell); that upstream is killed and
// started again on the same port. While it is gone the stream keeps serving the last picture with
// a "camera lost" notice; when it returns, capture reconnects within its 2 s back-off.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "e2e/posecast_process.h"
#include "stream/test_client.h"
#include "telemetry/mosquitto_broker.h"

namespace posecast {
namespace {

using nlohmann::json;
using namespace posecast::testing;

std::unique_ptr<PosecastProcess> start_camera(int port) {
  auto camera = std::make_unique<PosecastProcess>(std::vector<std::string>{
      "run", "--source", "demo", "--fps", "10", "--no-auth", "--no-history", "--http",
      "127.0.0.1:" + std::to_string(port), "--seconds", "120"});
  EXPECT_TRUE(camera->started()) << camera->error();
  EXPECT_TRUE(camera->wait_for_url(std::chrono::seconds(30))) << camera->err();
  return camera;
}

int64_t analyzed(uint16_t port) {
  const HttpAnswer answer = http_get(port, "/api/status");
  if (answer.status != 200) return -1;
  return json::parse(answer.body)["frames"]["analyzed"].get<int64_t>();
}

double mean_brightness(const std::string& jpeg) {
  const cv::Mat image =
      cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_GRAYSCALE);
  return image.empty() ? -1 : cv::mean(image)[0];
}

TEST(SourceFault, TheCameraGoesAwayTheStreamSaysSoAndReconnectsWhenItReturns) {
  if (std::string why = models_missing(); !why.empty()) GTEST_SKIP() << why;
  const int camera_port = free_loopback_port();
  auto camera = start_camera(camera_port);
  const std::string source = "http://127.0.0.1:" + std::to_string(camera_port) + "/stream.mjpg";
  PosecastProcess coach({"run", "--source", source, "--no-auth", "--no-history", "--http",
                         "127.0.0.1:0", "--seconds", "120"});
  ASSERT_TRUE(coach.started()) << coach.error();
  ASSERT_TRUE(coach.wait_for_url(std::chrono::seconds(30))) << coach.err();
  const uint16_t port = coach.port();
  ASSERT_TRUE(eventually([&] { return analyzed(port) >= 10; }, std::chrono::seconds(30)))
      << coach.err();
  const HttpAnswer live = http_get(port, "/snapshot.jpg");
  ASSERT_EQ(live.status, 200);

  WsReader results(port);
  ASSERT_TRUE(results.ok()) << results.error();
  camera->signal(SIGKILL);
  ASSERT_TRUE(camera->wait_exit(std::chrono::seconds(10)));

  // The viewers hear of it, and the picture stays, dimmed, with the notice.
  std::optional<json> lost;
  const auto deadline = Clock::now() + std::chrono::seconds(8);
  while (!lost && Clock::now() < deadline) {
    // One wait for the rest of the time: a timed-out read leaves the socket unusable.
    auto message = results.next_message(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!message) break;
    json r = json::parse(*message);
    if (r.value("source_lost", false)) lost = r;
  }
  ASSERT_TRUE(lost) << "no source_lost result within 8 s\n" << coach.err();
  EXPECT_EQ((*lost)["decision"], "take_your_pose");
  EXPECT_EQ((*lost)["label"], "Camera lost");
  const HttpAnswer dimmed = http_get(port, "/snapshot.jpg");
  ASSERT_EQ(dimmed.status, 200);
  EXPECT_LT(mean_brightness(dimmed.body), 0.7 * mean_brightness(live.body));
  EXPECT_NE(coach.err().find("source: stream " + source), std::string::npos)
      << "the loss is reported, naming the source:\n"
      << coach.err();
  const int64_t before = analyzed(port);

  // Back on the same address: frames flow again within the capture's back-off (at most 2 s
  // between attempts) plus the first frame's way through.
  camera = start_camera(camera_port);
  const auto back = Clock::now();
  ASSERT_TRUE(eventually([&] { return analyzed(port) > before + 3; }, std::chrono::seconds(10)))
      << coach.err();
  const double reconnect_s = std::chrono::duration<double>(Clock::now() - back).count();
  std::cerr << "reconnected " << reconnect_s << " s after the camera came back\n";
  EXPECT_LE(reconnect_s, 3.5);
  const json status = json::parse(http_get(port, "/api/status").body);
  EXPECT_GE(status["frames"]["captured"].get<int64_t>(), before + 3);

  coach.signal(SIGINT);
  EXPECT_EQ(coach.wait_exit(std::chrono::seconds(15)), 0) << coach.err();
  camera->signal(SIGINT);
}

}  // namespace
}  // namespace posecast
