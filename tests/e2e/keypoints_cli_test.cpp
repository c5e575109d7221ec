// `posecast keypoints` end to end: the real binary on real photographs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "e2e/cli_run.h"
#include "posecast/keypoints.h"
#include "posecast/model_store.h"
#include "test_paths.h"

namespace posecast {
namespace {

using testing::run_posecast;
namespace fs = std::filesystem;

const std::string kPersonJpg = (fs::path(POSECAST_TEST_DATA) / "person.jpg").string();
const std::string kPerson2Png = (fs::path(POSECAST_TEST_DATA) / "person2.png").string();

#define SKIP_WITHOUT_MODEL(name)                                                \
  if (Result<fs::path> model = find_model(name); !model) {                      \
    GTEST_SKIP() << "needs the pretrained models: " << model.error().message(); \
  }

// A temporary file removed at the end of the test.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& bytes)
      : path_(fs::temp_directory_path() / (std::to_string(::getpid()) + "-" + name)) {
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~TempFile() { fs::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

const nlohmann::json& keypoint(const nlohmann::json& line, Joint joint) {
  return line["keypoints"][static_cast<int>(joint)];
}
double mid_y(const nlohmann::json& line, Joint a, Joint b) {
  return (keypoint(line, a)["y"].get<double>() + keypoint(line, b)["y"].get<double>()) / 2;
}

// What any sound result for one whole, upright person looks like.
void expect_plausible_person(const nlohmann::json& line, int width, int height) {
  EXPECT_EQ(line["width"], width);
  EXPECT_EQ(line["height"], height);
  EXPECT_GT(line["ms"].get<double>(), 0);
  ASSERT_EQ(line["keypoints"].size(), 17u);
  int confident = 0;
  for (int j = 0; j < kNumJoints; ++j) {
    const nlohmann::json& k = line["keypoints"][j];
    const std::string_view name = joint_name(static_cast<Joint>(j));
    EXPECT_EQ(k["name"], name);
    EXPECT_GE(k["x"].get<double>(), 0) << name;
    EXPECT_LT(k["x"].get<double>(), width) << name;
    EXPECT_GE(k["y"].get<double>(), 0) << name;
    EXPECT_LT(k["y"].get<double>(), height) << name;
    EXPECT_GE(k["score"].get<double>(), 0) << name;
    EXPECT_LE(k["score"].get<double>(), 1) << name;
    confident += k["score"].get<double>() > 0.3;
  }
  EXPECT_GE(confident, 12) << "most keypoints should score above 0.3";
  const double head = (keypoint(line, Joint::kNose)["y"].get<double>() +
                       mid_y(line, Joint::kLeftEye, Joint::kRightEye)) /
                      2;
  const double hips = mid_y(line, Joint::kLeftHip, Joint::kRightHip);
  const double ankles = mid_y(line, Joint::kLeftAnkle, Joint::kRightAnkle);
  EXPECT_LT(head, hips);
  EXPECT_LT(hips, ankles);
}

TEST(KeypointsCli, PrintsOneJsonLinePerImageInImagePixels) {
  SKIP_WITHOUT_MODEL("movenet-lightning");
  const testing::CliRun run = run_posecast({"keypoints", kPersonJpg, kPerson2Png});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = run.out_lines();
  ASSERT_EQ(lines.size(), 2u) << run.out;

  const nlohmann::json footballer = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(footballer["image"], kPersonJpg);
  EXPECT_EQ(footballer["model"], "lightning");
  expect_plausible_person(footballer, 548, 342);
  // He faces the camera, torso in the middle of the picture.
  const double left_shoulder_x = keypoint(footballer, Joint::kLeftShoulder)["x"];
  EXPECT_GT(left_shoulder_x, keypoint(footballer, Joint::kRightShoulder)["x"].get<double>());
  EXPECT_GT(left_shoulder_x, 548 / 3.0);
  EXPECT_LT(left_shoulder_x, 2 * 548 / 3.0);

  // The standing man on the left of the office picture (the other is cut off at the thighs).
  const nlohmann::json office = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(office["image"], kPerson2Png);
  expect_plausible_person(office, 640, 480);
  EXPECT_LT(keypoint(office, Joint::kLeftHip)["x"].get<double>(), 640 / 3.0);
  EXPECT_GT(keypoint(office, Joint::kLeftAnkle)["y"].get<double>(), 480 * 0.8);
}

TEST(KeypointsCli, ThunderAndRefineAgreeWithLightning) {
  SKIP_WITHOUT_MODEL("movenet-thunder");
  const testing::CliRun thunder = run_posecast({"keypoints", "--model", "thunder", kPersonJpg});
  ASSERT_EQ(thunder.exit_code, 0) << thunder.err;
  const testing::CliRun refined = run_posecast({"keypoints", "--refine", kPersonJpg});
  ASSERT_EQ(refined.exit_code, 0) << refined.err;
  const nlohmann::json slow = nlohmann::json::parse(thunder.out_lines().at(0));
  const nlohmann::json two_pass = nlohmann::json::parse(refined.out_lines().at(0));
  EXPECT_EQ(slow["model"], "thunder");
  expect_plausible_person(slow, 548, 342);
  expect_plausible_person(two_pass, 548, 342);
  for (Joint j : {Joint::kLeftShoulder, Joint::kRightShoulder, Joint::kLeftHip, Joint::kRightHip}) {
    EXPECT_NEAR(keypoint(slow, j)["x"].get<double>(), keypoint(two_pass, j)["x"].get<double>(), 20)
        << joint_name(j);
    EXPECT_NEAR(keypoint(slow, j)["y"].get<double>(), keypoint(two_pass, j)["y"].get<double>(), 20)
        << joint_name(j);
  }
}

TEST(KeypointsCli, CorruptImageIsNamedAndTheOthersStillPrint) {
  SKIP_WITHOUT_MODEL("movenet-lightning");
  const TempFile corrupt("corrupt.jpg", std::string("\xff\xd8\xff\xe0 this is not a JPEG", 22));
  const std::string missing = (fs::temp_directory_path() / "posecast-no-such-image.png").string();
  const testing::CliRun run = run_posecast({"keypoints", corrupt.path(), kPersonJpg, missing});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find(corrupt.path() + ": cannot decode image"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(missing + ": no such file"), std::string::npos) << run.err;
  const std::vector<std::string> lines = run.out_lines();
  ASSERT_EQ(lines.size(), 1u) << run.out;
  const nlohmann::json good = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(good["image"], kPersonJpg);
  expect_plausible_person(good, 548, 342);
}

TEST(KeypointsCli, MissingModelSaysHowToFetchIt) {
  const testing::CliRun run =
      run_posecast({"keypoints", "--models", "/nonexistent/posecast-models", kPersonJpg});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find("/nonexistent/posecast-models/movenet-lightning.json"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("scripts/fetch-models.sh"), std::string::npos) << run.err;
}

TEST(KeypointsCli, UnknownModelIsAUsageError) {
  const testing::CliRun run = run_posecast({"keypoints", "--model", "multipose", kPersonJpg});
  EXPECT_NE(run.exit_code, 0);
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_NE(run.err.find("--model"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace posecast
