// Slow and oversized clients (issue 8, item 1): a request must arrive whole within the request
// timeout however slowly it trickles in, an idle keep-alive connection is closed, and while such
// clients hang on, everybody else is served.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "stream/test_client.h"

namespace posecast {
namespace {

using namespace posecast::testing;

LiveServerOptions short_request_timeout() {
  LiveServerOptions options;
  options.request_timeout = 400ms;
  return options;
}

TEST(LiveServerLimits, ARequestTricklingInIsCutOffAtTheRequestTimeout) {
  auto server = start_test_server({}, short_request_timeout());
  ASSERT_TRUE(server);
  // A header line every 50 ms keeps the connection busy but never finishes the request: the
  // timeout counts from the start of the request, not from the last byte.
  const auto trickling =
      time_until_hung_up(server->port(), "GET /api/status HTTP/1.1\r\nHost: x\r\n", 50ms);
  EXPECT_GE(trickling, 350ms);
  EXPECT_LT(trickling, 2000ms);
  const auto silent = time_until_hung_up(server->port(), "", 0ms);
  EXPECT_GE(silent, 350ms);
  EXPECT_LT(silent, 2000ms);
}

TEST(LiveServerLimits, SlowClientsDoNotKeepOthersWaiting) {
  auto server = start_test_server({}, short_request_timeout());
  ASSERT_TRUE(server);
  std::vector<std::thread> slow;
  std::atomic<int> hung_up{0};
  for (int i = 0; i < 20; ++i)
    slow.emplace_back([&] {
      if (time_until_hung_up(server->port(), "POST /api/message HTTP/1.1\r\n", 20ms, 5s) < 5s)
        ++hung_up;
    });
  // Meanwhile a normal client is answered at once, several times over.
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    const HttpAnswer status = http_get(server->port(), "/api/status");
    EXPECT_EQ(status.status, 200) << status.error;
    EXPECT_LT(Clock::now() - t0, 300ms);
  }
  for (auto& thread : slow) thread.join();
  EXPECT_EQ(hung_up, 20);
}

TEST(LiveServerLimits, AnIdleKeepAliveConnectionIsClosed) {
  auto server = start_test_server({}, short_request_timeout());
  ASSERT_TRUE(server);
  // One whole request on a keep-alive connection, then silence.
  const auto idle =
      time_until_hung_up(server->port(), "GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n", 0ms);
  EXPECT_GE(idle, 350ms);
  EXPECT_LT(idle, 2000ms);
}

TEST(LiveServerLimits, AChunkedBodyPastTheLimitIs413) {
  LiveServerOptions options;
  options.max_body_bytes = 1000;
  auto server = start_test_server({}, options);
  ASSERT_TRUE(server);
  // No Content-Length to check up front: the limit holds while the chunks arrive.
  std::string chunked =
      "POST /api/message HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 4; ++i) chunked += "190\r\n" + std::string(400, 'x') + "\r\n";
  chunked += "0\r\n\r\n";
  const std::string answer = raw_exchange(server->port(), chunked);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << answer;
  EXPECT_NE(answer.find("request body too large: the limit is 1000 bytes"), std::string::npos);
}

}  // namespace
}  // namespace posecast
