// `posecast train image` as a user runs it: hyperparameters from hp.json and flags, a training
// job killed with SIGKILL mid-way and resumed from its checkpoint, then the model used by
// `posecast classify` and `posecast eval`.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "../data_tools/data_temp_dir.h"
#include "../train/shapes_dataset.h"
#include "cli_run.h"
#include "posecast_process.h"
#include "stream/test_client.h"

namespace posecast {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::DataTempDir;

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return json::parse(in, nullptr, false);
}

TEST(TrainImageCli, AKilledJobResumesFromItsCheckpointAndTheModelClassifies) {
  DataTempDir dir;
  testing::write_shapes_dataset(dir / "data" / "train", 24, 11);
  testing::write_shapes_dataset(dir / "data" / "val", 8, 12);
  testing::write_bytes(dir / "hp.json",
                       R"({"image_shape": "3,32,32", "epochs": "5", "mini_batch_size": "8",
                           "optimizer": "adam", "learning_rate": "0.002", "top_k": "2"})");
  const std::string model = (dir / "shapes.model").string();
  const std::filesystem::path job = model + ".job";
  const std::vector<std::string> args = {"train",
                                         "image",
                                         "--data",
                                         (dir / "data").string(),
                                         "--out",
                                         model,
                                         "--hyperparameters",
                                         (dir / "hp.json").string(),
                                         "--epochs",
                                         "6",
                                         "--json",
                                         "--threads",
                                         "1",
                                         "--workers",
                                         "1"};
  {
    testing::PosecastProcess training(args);
    ASSERT_TRUE(training.started()) << training.error();
    // Killed without warning once the first checkpoint exists: what a power cut does.
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (!std::filesystem::exists(job / "checkpoints" / "latest.json") &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(std::filesystem::exists(job / "checkpoints" / "latest.json")) << training.err();
    training.signal(SIGKILL);
    training.wait_exit(10s);
  }
  json status = read_json(job / "status.json");
  EXPECT_EQ(status["TrainingJobStatus"], "InProgress") << "a killed job cannot record its end";
  EXPECT_EQ(status["HyperParameters"]["epochs"], "6") << "the flag wins over hp.json";
  EXPECT_EQ(status["HyperParameters"]["mini_batch_size"], "8");
  const int checkpoint = read_json(job / "checkpoints" / "latest.json")["epoch"].get<int>();
  ASSERT_GE(checkpoint, 1);
  EXPECT_FALSE(std::filesystem::exists(model));

  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  testing::CliRun run = testing::run_posecast(resume);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json summary = json::parse(run.out_lines().back());
  EXPECT_EQ(summary["status"], "Completed");
  EXPECT_EQ(summary["first_epoch"], checkpoint + 1);
  EXPECT_EQ(summary["epochs_done"], 6);
  EXPECT_GE(summary["validation_accuracy"].get<double>(), 0.6);
  status = read_json(job / "status.json");
  EXPECT_EQ(status["TrainingJobStatus"], "Completed");
  EXPECT_EQ(status["ModelArtifacts"]["S3ModelArtifacts"],
            std::filesystem::absolute(model).string());

  // The model is a --model like any other.
  std::mt19937 rng(3);
  cv::imwrite((dir / "ring.png").string(), testing::draw_shape(2, rng));
  testing::CliRun classified = testing::run_posecast(
      {"classify", "--model", model, "--threshold", "0", (dir / "ring.png").string()});
  ASSERT_EQ(classified.exit_code, 0) << classified.err;
  json line = json::parse(classified.out_lines().at(0));
  EXPECT_EQ(line["top"][0]["label"], "ring");
  EXPECT_EQ(line["decision"], "ring");
  testing::CliRun eval = testing::run_posecast(
      {"eval", "--model", model, "--data", (dir / "data" / "val").string(), "--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  json report = json::parse(eval.out_lines().at(0));
  EXPECT_EQ(report["n"], 24);
  EXPECT_GE(report["accuracy"].get<double>(), 0.6);

  // Live: camera frames of a ring in the middle; the model looks inside the guide box only.
  if (const std::string missing = testing::models_missing(); !missing.empty())
    GTEST_SKIP() << "run with an image model: " << missing;
  std::filesystem::create_directories(dir / "frames");
  for (int i = 0; i < 4; ++i) {
    cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(20, 20, 20));
    testing::draw_shape(2, rng, 480).copyTo(frame(cv::Rect(80, 0, 480, 480)));
    cv::imwrite((dir / "frames" / (std::to_string(i) + ".png")).string(), frame);
  }
  testing::PosecastProcess live({"run", "--source", (dir / "frames").string(), "--model", model,
                                 "--threshold", "0", "--fps", "10", "--http", "127.0.0.1:0",
                                 "--no-auth", "--seconds", "60"});
  ASSERT_TRUE(live.started()) << live.error();
  ASSERT_TRUE(live.wait_for_url(30s)) << live.err();
  testing::WsReader results(live.port());
  ASSERT_TRUE(results.ok()) << results.error();
  std::optional<json> ring;
  for (int i = 0; i < 40 && !ring; ++i) {
    auto message = results.next_message(15s);
    if (!message) break;
    json r = json::parse(*message, nullptr, false);
    if (r.is_object() && r.value("decision", "") == "ring") ring = r;
  }
  ASSERT_TRUE(ring) << live.err();
  EXPECT_EQ((*ring)["top"][0]["label"], "ring");
  EXPECT_EQ(json::parse(testing::http_get(live.port(), "/api/status").body)["model"], model);
  live.signal(SIGINT);
  EXPECT_EQ(live.wait_exit(20s), 0);
}

TEST(TrainImageCli, BadHyperparametersAreRefusedBeforeAnyWork) {
  DataTempDir dir;
  testing::CliRun run =
      testing::run_posecast({"train", "image", "--data", (dir / "x").string(), "--out",
                             (dir / "m").string(), "--num_layers", "101"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("num_layers 101 is not 18, 34 or 50"), std::string::npos) << run.err;
  testing::write_bytes(dir / "hp.json", R"({"use_pretrained_model": "1"})");
  run = testing::run_posecast({"train", "image", "--data", (dir / "x").string(), "--out",
                               (dir / "m").string(), "--hyperparameters",
                               (dir / "hp.json").string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("hp.json: hyperparameter use_pretrained_model=1 is not supported"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace posecast
