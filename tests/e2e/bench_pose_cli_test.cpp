// `posecast bench pose` end to end.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/cli_run.h"
#include "posecast/model_store.h"

namespace posecast {
namespace {

using testing::run_posecast;

TEST(BenchPoseCli, PrintsOneJsonLineOfLatencies) {
  if (Result<std::filesystem::path> model = find_model("movenet-lightning"); !model) {
    GTEST_SKIP() << "needs the pretrained models: " << model.error().message();
  }
  const testing::CliRun run = run_posecast({"bench", "pose", "--iters", "5", "--warmup", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = run.out_lines();
  ASSERT_EQ(lines.size(), 1u) << run.out;
  const nlohmann::json line = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(line["model"], "lightning");
  EXPECT_EQ(line["iters"], 5);
  EXPECT_EQ(line["threads"], 1);
  const double min = line["min_ms"], median = line["median_ms"], p90 = line["p90_ms"];
  EXPECT_GT(min, 0);
  EXPECT_LE(min, median);
  EXPECT_LE(median, p90);
  EXPECT_LT(p90, 10000);
  // The process holds LibTorch and the 4.6 MB model: tens of MiB at least, not gigabytes.
  EXPECT_GT(line["rss_mb"].get<double>(), 20);
  EXPECT_LT(line["rss_mb"].get<double>(), 4000);
  EXPECT_LT(line["preprocess_median_ms"].get<double>(), median);
  EXPECT_NE(line["image"].get<std::string>().find("person.jpg"), std::string::npos);
}

TEST(BenchPoseCli, TimesMultiPoseToo) {
  if (Result<std::filesystem::path> model = find_model("movenet-multipose"); !model) {
    GTEST_SKIP() << "needs the pretrained models: " << model.error().message();
  }
  const testing::CliRun run =
      run_posecast({"bench", "pose", "--model", "multipose", "--iters", "2", "--warmup", "1"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::json line = nlohmann::json::parse(run.out_lines().at(0));
  EXPECT_EQ(line["model"], "multipose");
  EXPECT_GT(line["median_ms"].get<double>(), 0);
}

TEST(BenchPoseCli, ProfileListsTheTimePerOperatorKindOnTwoThreads) {
  if (Result<std::filesystem::path> model = find_model("movenet-lightning"); !model) {
    GTEST_SKIP() << "needs the pretrained models: " << model.error().message();
  }
  const testing::CliRun run = run_posecast(
      {"bench", "pose", "--iters", "2", "--warmup", "1", "--threads", "2", "--profile"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out_lines().at(0))["threads"], 2);
  EXPECT_NE(run.err.find("profile of"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("_FusedConv2D"), std::string::npos) << run.err;
}

TEST(BenchPoseCli, MissingModelIsOneClearLine) {
  const testing::CliRun run =
      run_posecast({"bench", "pose", "--iters", "1", "--models", "/nonexistent/models"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_NE(run.err.find("scripts/fetch-models.sh"), std::string::npos) << run.err;
}

TEST(BenchCli, NeedsASubcommand) {
  const testing::CliRun run = run_posecast({"bench"});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("subcommand"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace posecast
