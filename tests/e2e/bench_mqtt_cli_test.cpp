// `posecast bench mqtt` end to end: the real binary, a real Mosquitto broker.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/cli_run.h"
#include "telemetry/mosquitto_broker.h"

namespace posecast {
namespace {

TEST(BenchMqttCli, AClassOfDevicesLosesNothing) {
  if (!testing::MosquittoBroker::available()) GTEST_SKIP() << "needs mosquitto";
  testing::MosquittoBroker broker;
  ASSERT_TRUE(broker.start());
  auto run = testing::run_posecast({"bench", "mqtt", "--mqtt", broker.url(), "--devices", "5",
                                    "--rate", "10", "--seconds", "1.5"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  ASSERT_EQ(run.out_lines().size(), 1u);
  auto j = nlohmann::json::parse(run.out_lines()[0]);
  EXPECT_EQ(j["sent"], 75);
  EXPECT_EQ(j["received"], 75);
  EXPECT_EQ(j["lost"], 0);
  EXPECT_EQ(j["duplicates"], 0);
  EXPECT_GE(j["latency_ms"]["median"].get<double>(), 0);
  EXPECT_GT(j["publish_us_per_result"].get<double>(), 0);

  auto unreachable =
      testing::run_posecast({"bench", "mqtt", "--mqtt", "tcp://127.0.0.1:1", "--seconds", "1"});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(unreachable.err.find("tcp://127.0.0.1:1"), std::string::npos) << unreachable.err;
}

}  // namespace
}  // namespace posecast
