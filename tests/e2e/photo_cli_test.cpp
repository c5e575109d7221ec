// `posecast classify`, `eval`, `train pose` and `pose add` end to end: the real binary on photos.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/cli_run.h"
#include "posecast/model_store.h"
#include "posecast/pose_library.h"
#include "test_paths.h"
#include "train/demo_photos.h"

namespace posecast {
namespace {

using testing::run_posecast;
namespace fs = std::filesystem;
using nlohmann::json;

#define SKIP_WITHOUT_MOVENET()                                                  \
  if (Result<fs::path> model = find_model("movenet-lightning"); !model) {       \
    GTEST_SKIP() << "needs the pretrained models: " << model.error().message(); \
  }

const std::string kPersonJpg = (fs::path(POSECAST_TEST_DATA) / "person.jpg").string();

class PhotoCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("posecast_photo_cli_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

std::vector<json> json_lines(const testing::CliRun& run) {
  std::vector<json> out;
  for (const std::string& line : run.out_lines()) out.push_back(json::parse(line));
  return out;
}

TEST_F(PhotoCli, ClassifyNamesThePoseWithScoreCorrectionsAndKeypoints) {
  SKIP_WITHOUT_MOVENET();
  auto photos =
      testing::write_demo_photos(dir_ / "photos", {{"tree", "tree"}, {"warrior2", "warrior2"}}, 1);
  ASSERT_EQ(photos.size(), 2u);
  auto run = run_posecast({"classify", photos[0].string(), photos[1].string(), kPersonJpg});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto lines = json_lines(run);
  ASSERT_EQ(lines.size(), 3u) << run.out;
  for (size_t i = 0; i < 2; ++i) {
    const json& l = lines[i];
    const std::string pose = i == 0 ? "tree" : "warrior2";
    EXPECT_EQ(l["image"], photos[i].string());
    EXPECT_EQ(l["decision"], pose) << l.dump();
    EXPECT_EQ(l["top"][0]["label"], pose);
    EXPECT_GE(l["top"][0]["prob"].get<double>(), 0.6);
    ASSERT_TRUE(l["score"].is_number()) << l.dump();
    EXPECT_GE(l["score"].get<double>(), 50);
    EXPECT_LE(l["score"].get<double>(), 100);
    EXPECT_TRUE(l["corrections"].is_array());
    EXPECT_LE(l["corrections"].size(), 3u);
    EXPECT_EQ(l["keypoints"].size(), 17u);
  }
  // The footballer is in no yoga pose: not forced into one.
  EXPECT_EQ(lines[2]["decision"], "take_your_pose") << lines[2].dump();
  EXPECT_TRUE(lines[2]["score"].is_null());
  // Keys come in the documented order.
  EXPECT_EQ(run.out_lines()[0].rfind("{\"image\":", 0), 0u);
}

TEST_F(PhotoCli, ClassifyReportsABadImageByNameAndGoesOn) {
  SKIP_WITHOUT_MOVENET();
  std::ofstream(path("corrupt.jpg")) << "\xff\xd8\xff garbage";
  auto run = run_posecast({"classify", path("corrupt.jpg"), kPersonJpg, path("missing.png")});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find(path("corrupt.jpg") + ": cannot decode image"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find(path("missing.png") + ": no such file"), std::string::npos) << run.err;
  ASSERT_EQ(run.out_lines().size(), 1u);
  EXPECT_EQ(json::parse(run.out_lines()[0])["image"], kPersonJpg);
}

TEST_F(PhotoCli, ABadModelFileIsAnErrorNamingIt) {
  std::ofstream(path("bad.model")) << "{\"format\":\"posecast-mlp\",\"version\":2}\n";
  for (const char* command : {"classify", "eval"}) {
    std::vector<std::string> args = {command, "--model", path("bad.model")};
    if (std::string(command) == "eval")
      args.insert(args.end(), {"--data", dir_.string()});
    else
      args.push_back(kPersonJpg);
    auto run = run_posecast(args);
    EXPECT_EQ(run.exit_code, 1) << command;
    EXPECT_NE(run.err.find(path("bad.model") + ": "), std::string::npos) << run.err;
    EXPECT_TRUE(run.out.empty());
  }
}

TEST_F(PhotoCli, TrainThenEvalAndClassifyWithTheModel) {
  SKIP_WITHOUT_MOVENET();
  testing::write_demo_photos(dir_ / "photos",
                             {{"mountain", "mountain"},
                              {"tree", "tree"},
                              {"warrior2", "warrior2"},
                              {"my_stretch", "triangle"}},
                             10);
  const std::string cache = path("cache"), model = path("poses.model");
  auto train = run_posecast({"train", "pose", "--data", path("photos"), "--out", model, "--epochs",
                             "80", "--cache", cache, "--json"});
  ASSERT_EQ(train.exit_code, 0) << train.err;
  ASSERT_EQ(train.out_lines().size(), 1u) << train.out;
  json summary = json::parse(train.out_lines()[0]);
  EXPECT_EQ(summary["photos"], 40);
  EXPECT_EQ(summary["keypoints_from_cache"], 0);
  EXPECT_GE(summary["val_accuracy"].get<double>(), 0.85) << summary.dump();
  EXPECT_EQ(summary["labels"]["my_stretch"], "my_stretch");
  // Plain log lines (stderr is not a terminal), with an ETA.
  EXPECT_NE(train.err.find("posecast train pose: keypoints 40/40 (100 %)"), std::string::npos)
      << train.err;
  EXPECT_NE(train.err.find("ETA"), std::string::npos);
  ASSERT_TRUE(fs::exists(model));

  auto again = run_posecast({"train", "pose", "--data", path("photos"), "--out",
                             path("again.model"), "--epochs", "5", "--cache", cache, "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out_lines()[0])["keypoints_from_cache"], 40);

  auto eval = run_posecast(
      {"eval", "--model", model, "--data", path("photos"), "--cache", cache, "--json"});
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  json e = json::parse(eval.out_lines()[0]);
  EXPECT_EQ(e["n"], 40);
  EXPECT_GE(e["accuracy"].get<double>(), 0.9) << e.dump();
  EXPECT_EQ(e["confusion"]["labels"].size(), 4u);
  EXPECT_TRUE(e["per_class"].contains("my_stretch"));

  auto text = run_posecast({"eval", "--model", model, "--data", path("photos"), "--cache", cache});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("accuracy "), std::string::npos);
  EXPECT_NE(text.out.find("confusion (rows: true class, columns: predicted)"), std::string::npos);

  auto photo = testing::write_demo_photos(dir_ / "more", {{"warrior2", "warrior2"}}, 1, 99);
  auto classify = run_posecast({"classify", "--model", model, photo[0].string()});
  ASSERT_EQ(classify.exit_code, 0) << classify.err;
  json c = json::parse(classify.out_lines()[0]);
  EXPECT_EQ(c["decision"], "warrior2") << c.dump();
  EXPECT_TRUE(c["score"].is_number());  // a library pose: the coach scores it
}

TEST_F(PhotoCli, EvalBuiltinReportsClassesItDoesNotKnow) {
  SKIP_WITHOUT_MOVENET();
  testing::write_demo_photos(
      dir_ / "photos",
      {{"Goddess", "goddess"}, {"warrior2", "warrior2"}, {"handstand", "triangle"}}, 3);
  auto run = run_posecast({"eval", "--data", path("photos"), "--cache", path("cache"), "--json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  json e = json::parse(run.out_lines()[0]);
  EXPECT_EQ(e["model"], "builtin");
  EXPECT_EQ(e["n"], 6);
  EXPECT_EQ(e["unknown_classes"]["handstand"], 3);
  EXPECT_EQ(e["confusion"]["labels"], json({"goddess", "warrior2"}));
  EXPECT_GE(e["accuracy"].get<double>(), 0.8) << e.dump();

  auto missing = run_posecast({"eval", "--data", path("nothing-here")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find(path("nothing-here") + ": no such folder"), std::string::npos)
      << missing.err;
}

TEST_F(PhotoCli, PoseAddLearnsAPoseFromPhotosIntoTheUsersLibrary) {
  SKIP_WITHOUT_MOVENET();
  // XDG_CONFIG_HOME points the user's library into the test folder.
  const std::string old_config =
      std::getenv("XDG_CONFIG_HOME") ? std::getenv("XDG_CONFIG_HOME") : "";
  ::setenv("XDG_CONFIG_HOME", path("config").c_str(), 1);
  auto add = run_posecast({"pose", "add", "kick", "--from", kPersonJpg, "--name", "Football kick",
                           "--alias", "soccer_kick"});
  auto list = run_posecast({"pose", "list"});
  auto classify = run_posecast({"classify", kPersonJpg});
  if (old_config.empty())
    ::unsetenv("XDG_CONFIG_HOME");
  else
    ::setenv("XDG_CONFIG_HOME", old_config.c_str(), 1);

  ASSERT_EQ(add.exit_code, 0) << add.err;
  json added = json::parse(add.out_lines()[0]);
  EXPECT_EQ(added["added"], "kick");
  EXPECT_EQ(added["library"], path("config") + "/posecast/poses.json");
  EXPECT_GE(added["angle_targets"].get<int>(), 8);
  Result<PoseLibrary> library = load_pose_library(path("config") + "/posecast/poses.json");
  ASSERT_TRUE(library.ok()) << library.error().message();
  EXPECT_GE(library->poses.size(), 11u);  // the built-in poses and the new one
  ASSERT_NE(library->find("soccer_kick"), nullptr);
  EXPECT_EQ(library->find("soccer_kick")->name, "Football kick");

  EXPECT_NE(list.out.find("\"id\":\"kick\""), std::string::npos) << list.out;
  // The photo it was learned from is now recognised as the new pose.
  ASSERT_EQ(classify.exit_code, 0) << classify.err;
  EXPECT_EQ(json::parse(classify.out_lines()[0])["decision"], "kick") << classify.out;

  auto duplicate = run_posecast({"pose", "add", "kick", "--from", kPersonJpg, "--library",
                                 path("config") + "/posecast/poses.json"});
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_NE(duplicate.err.find("kick"), std::string::npos) << duplicate.err;
}

}  // namespace
}  // namespace posecast
