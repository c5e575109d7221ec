// Background removal with the real selfie model on real photos (skips when the models are not
// fetched), its golden against the official TF.js runtime, and the blend on synthetic images.
#include "posecast/background.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "posecast/model_store.h"
#include "posecast/movenet.h"
#include "test_paths.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
const fs::path kData = POSECAST_TEST_DATA;

class BackgroundRemoverTest : public ::testing::Test {
 protected:
  // The loaded model, or nullptr after GTEST_SKIP when it is not fetched.
  const BackgroundRemover* load() {
    if (!find_model("selfie")) return nullptr;
    Result<BackgroundRemover> loaded = BackgroundRemover::load();
    EXPECT_TRUE(loaded.ok()) << loaded.error().message();
    if (!loaded) return nullptr;
    remover_.emplace(std::move(loaded).value());
    return &*remover_;
  }
  std::optional<BackgroundRemover> remover_;
};

#define LOAD_OR_SKIP(remover)                                               \
  const BackgroundRemover* remover = load();                                \
  if (!remover) {                                                           \
    if (HasFailure()) return;                                               \
    GTEST_SKIP() << "selfie model not found in " << models_dir().string()   \
                 << ": run scripts/fetch-models.sh or set POSECAST_MODELS"; \
  }

// tests/data/golden/selfie-mask.json: the mask of person2.png from vladmandic/human's selfie
// pre/post-processing in TF.js (scripts/selfie-mask-golden.js). Within 1e-3 of probability: the
// engine's own golden (engine/golden_test.cpp) already allows that much for the raw model output,
// and resizing only averages those values. It is also well under what the result can show: a
// probability error of 1e-3 moves a flattened pixel by at most 2 x 1e-3 x 255 x 1.5 (the steepest
// slope of the smoothstep) = 0.77 grey levels, less than one 8-bit step.
TEST_F(BackgroundRemoverTest, MaskMatchesTfjsHumanPipelineWithin1e3) {
  LOAD_OR_SKIP(remover);
  std::ifstream in(kData / "golden" / "selfie-mask.json");
  ASSERT_TRUE(in) << "no golden file selfie-mask.json";
  const nlohmann::json golden = nlohmann::json::parse(in);
  const cv::Mat photo = cv::imread((kData / "golden" / golden["input"].get<std::string>()).string(),
                                   cv::IMREAD_COLOR);
  ASSERT_FALSE(photo.empty());
  ASSERT_EQ(photo.cols, golden["width"].get<int>());
  ASSERT_EQ(photo.rows, golden["height"].get<int>());

  Result<cv::Mat> mask = remover->mask(photo);
  ASSERT_TRUE(mask.ok()) << mask.error().message();
  ASSERT_EQ(mask->type(), CV_32FC1);
  ASSERT_EQ(mask->size(), photo.size());
  ASSERT_TRUE(mask->isContinuous());

  const size_t stride = golden["mask"]["stride"].get<size_t>();
  const auto& data = golden["mask"]["data"];
  ASSERT_EQ(data.size(), (mask->total() + stride - 1) / stride);
  const float* ours = mask->ptr<float>();
  double worst = 0;
  size_t worst_at = 0, person = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    const double want = data[i].get<double>();
    const double d = std::abs(double(ours[i * stride]) - want);
    if (d > worst) worst = d, worst_at = i * stride;
    person += want > 0.5;
  }
  // The comparison means something only if the photo has person pixels and background pixels.
  EXPECT_GT(person, data.size() / 20);
  EXPECT_LT(person, data.size() / 2);
  EXPECT_LE(worst, 1e-3) << "pixel " << worst_at % photo.cols << "," << worst_at / photo.cols;
  std::cout << "[ golden ] selfie mask of person2.png: max |difference| " << worst << "\n";
}

TEST_F(BackgroundRemoverTest, MaskIsHighOverTheBodyAndLowInTheCorners) {
  LOAD_OR_SKIP(remover);
  const cv::Mat photo = cv::imread((kData / "person.jpg").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(photo.empty());
  Result<MoveNet> movenet = MoveNet::load({});
  ASSERT_TRUE(movenet.ok()) << movenet.error().message();
  Result<Pose> pose = movenet->estimate(photo);
  ASSERT_TRUE(pose.ok()) << pose.error().message();
  Result<cv::Mat> mask = remover->mask(photo);
  ASSERT_TRUE(mask.ok()) << mask.error().message();

  auto at = [&](float x, float y) { return mask->at<float>(cvRound(y), cvRound(x)); };
  // The torso: the middle of shoulders and hips, and each of those four joints.
  const Joint torso[] = {Joint::kLeftShoulder, Joint::kRightShoulder, Joint::kLeftHip,
                         Joint::kRightHip};
  float cx = 0, cy = 0;
  for (Joint j : torso) {
    ASSERT_GT((*pose)[j].score, 0.3f) << joint_name(j);
    cx += (*pose)[j].x / 4;
    cy += (*pose)[j].y / 4;
    EXPECT_GT(at((*pose)[j].x, (*pose)[j].y), 0.5f) << joint_name(j);
  }
  EXPECT_GT(at(cx, cy), 0.9f) << "torso centre " << cx << "," << cy;
  // Most confidently seen keypoints lie on the person (a wrist or ankle may sit on an edge).
  int seen = 0, on_person = 0;
  for (const Keypoint& k : pose->keypoints) {
    if (k.score < 0.3f) continue;
    ++seen;
    on_person += at(k.x, k.y) > 0.5f;
  }
  EXPECT_GE(on_person * 10, seen * 8) << on_person << " of " << seen << " keypoints";
  const int w = photo.cols - 1, h = photo.rows - 1;
  for (auto [x, y] : {std::pair{0, 0}, {w, 0}, {0, h}, {w, h}})
    EXPECT_LT(mask->at<float>(y, x), 0.05f) << "corner " << x << "," << y;
}

TEST_F(BackgroundRemoverTest, FlattenKeepsThePersonAndPaintsTheBackgroundFlat) {
  LOAD_OR_SKIP(remover);
  const cv::Mat photo = cv::imread((kData / "person.jpg").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(photo.empty());
  Result<cv::Mat> mask = remover->mask(photo);
  ASSERT_TRUE(mask.ok()) << mask.error().message();
  const auto t0 = std::chrono::steady_clock::now();
  Result<cv::Mat> flat = remover->flatten(photo);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(flat.ok()) << flat.error().message();
  ASSERT_EQ(flat->size(), photo.size());
  ASSERT_EQ(flat->type(), CV_8UC3);

  const cv::Vec3b grey(104, 116, 124);
  size_t person = 0, person_kept = 0, background = 0, background_flat = 0, background_changed = 0;
  for (int y = 0; y < photo.rows; ++y) {
    for (int x = 0; x < photo.cols; ++x) {
      const float p = mask->at<float>(y, x);
      const cv::Vec3b in = photo.at<cv::Vec3b>(y, x), out = flat->at<cv::Vec3b>(y, x);
      if (p > 0.8f) {
        ++person;
        person_kept += cv::norm(cv::Vec3i(in) - cv::Vec3i(out), cv::NORM_INF) <= 1;
      } else if (p < 0.2f) {
        ++background;
        background_flat += out == grey;
        background_changed += out != in;
      }
    }
  }
  ASSERT_GT(person, photo.total() / 50);
  ASSERT_GT(background, photo.total() / 2);
  EXPECT_EQ(person_kept, person);
  EXPECT_EQ(background_flat, background);
  EXPECT_GT(background_changed, background * 95 / 100);  // a few pixels may already be that grey
  std::cout << "[ timing ] flatten of a " << photo.cols << "x" << photo.rows << " photo: " << ms
            << " ms (mask + blend, 1 thread)\n";
}

// Guided by the body: the same checks, plus nothing kept far outside the body's box.
TEST_F(BackgroundRemoverTest, GuidedMaskCoversTheBodyAndNothingFarFromIt) {
  LOAD_OR_SKIP(remover);
  const cv::Mat photo = cv::imread((kData / "person.jpg").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(photo.empty());
  Result<MoveNet> movenet = MoveNet::load({});
  ASSERT_TRUE(movenet.ok()) << movenet.error().message();
  Result<Pose> pose = movenet->estimate_refined(photo);
  ASSERT_TRUE(pose.ok()) << pose.error().message();
  Result<cv::Mat> mask = remover->mask(photo, pose.value());
  ASSERT_TRUE(mask.ok()) << mask.error().message();
  ASSERT_EQ(mask->size(), photo.size());

  // The box of the keypoints that place it (score >= 0.2), and every joint seen well is kept.
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  int seen = 0, on_person = 0;
  for (const Keypoint& k : pose->keypoints) {
    if (k.score < 0.2f) continue;
    x0 = std::min(x0, k.x), y0 = std::min(y0, k.y), x1 = std::max(x1, k.x), y1 = std::max(y1, k.y);
    if (k.score < 0.4f) continue;
    ++seen;
    on_person += mask->at<float>(cvRound(k.y), cvRound(k.x)) > 0.5f;
  }
  ASSERT_GE(seen, 10);
  EXPECT_EQ(on_person, seen);
  // Beyond the keypoints' box and its 20 % margin (plus the bones' blur) the mask is 0.
  const float margin = 0.25f * std::max(x1 - x0, y1 - y0);
  double outside = 0;
  for (int y = 0; y < photo.rows; ++y)
    for (int x = 0; x < photo.cols; ++x)
      if (x < x0 - margin || x > x1 + margin || y < y0 - margin || y > y1 + margin)
        outside = std::max(outside, double(mask->at<float>(y, x)));
  EXPECT_EQ(outside, 0.0);

  // No torso in the guide: the unguided mask.
  Pose nobody = pose.value();
  for (Keypoint& k : nobody.keypoints) k.score = 0.05f;
  Result<cv::Mat> unguided = remover->mask(photo, nobody);
  ASSERT_TRUE(unguided.ok()) << unguided.error().message();
  EXPECT_EQ(cv::norm(unguided.value(), remover->mask(photo).value(), cv::NORM_INF), 0.0);
}

// A body the model cannot see (a plain grey picture): its confident bones are kept anyway, the
// rest is background.
TEST_F(BackgroundRemoverTest, GuidedMaskKeepsTheBonesOfTheGuide) {
  LOAD_OR_SKIP(remover);
  const cv::Mat plain(480, 640, CV_8UC3, cv::Scalar(90, 90, 90));
  Pose body;
  body.image_width = plain.cols;
  body.image_height = plain.rows;
  auto place = [&](Joint j, float x, float y, float score) { body[j] = {x, y, score}; };
  place(Joint::kLeftShoulder, 340, 150, 0.9f);
  place(Joint::kRightShoulder, 300, 150, 0.9f);
  place(Joint::kLeftHip, 335, 260, 0.9f);
  place(Joint::kRightHip, 305, 260, 0.9f);
  place(Joint::kLeftElbow, 400, 150, 0.9f);
  place(Joint::kLeftWrist, 460, 150, 0.2f);  // too unsure for a bone
  Result<cv::Mat> mask = remover->mask(plain, body);
  ASSERT_TRUE(mask.ok()) << mask.error().message();
  EXPECT_GT(mask->at<float>(150, 370), 0.5f);  // the upper arm
  EXPECT_GT(mask->at<float>(205, 305), 0.5f);  // the right side of the torso
  EXPECT_LT(mask->at<float>(150, 440), 0.1f);  // the forearm to the unsure wrist
  EXPECT_LT(mask->at<float>(400, 100), 0.01f);
}

TEST_F(BackgroundRemoverTest, CallsFromSeveralThreadsGiveTheSameMask) {
  LOAD_OR_SKIP(remover);
  const cv::Mat photo = cv::imread((kData / "person2.png").string(), cv::IMREAD_COLOR);
  ASSERT_FALSE(photo.empty());
  Result<cv::Mat> alone = remover->mask(photo);
  ASSERT_TRUE(alone.ok()) << alone.error().message();
  cv::Mat a, b;
  std::thread other([&] { a = remover->mask(photo).value(); });
  b = remover->mask(photo).value();
  other.join();
  EXPECT_EQ(cv::norm(a, alone.value(), cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(b, alone.value(), cv::NORM_INF), 0.0);
}

TEST_F(BackgroundRemoverTest, RejectsAnImageThatIsNotBgr) {
  LOAD_OR_SKIP(remover);
  Result<cv::Mat> grey = remover->mask(cv::Mat(64, 64, CV_8UC1, cv::Scalar(0)));
  ASSERT_FALSE(grey.ok());
  EXPECT_NE(grey.error().message().find("CV_8UC3"), std::string::npos) << grey.error().message();
  EXPECT_FALSE(remover->flatten(cv::Mat()).ok());
}

class ModelFolder {
 public:
  ModelFolder() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("posecast-background-" + std::to_string(::getpid()) + "-" + test->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ModelFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path_ / name, std::ios::binary) << bytes;
    return path_ / name;
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(BackgroundRemoverLoad, MissingModelNamesTheFile) {
  ModelFolder dir;
  Result<BackgroundRemover> loaded = BackgroundRemover::load(dir.path().string());
  ASSERT_FALSE(loaded.ok());
  const std::string message = loaded.error().message();
  EXPECT_NE(message.find((dir.path() / "selfie.json").string()), std::string::npos) << message;
  EXPECT_NE(message.find("fetch-models.sh"), std::string::npos) << message;
}

TEST(BackgroundRemoverLoad, CorruptModelJsonNamesTheFile) {
  ModelFolder dir;
  const fs::path json = dir.write("selfie.json", "{\"modelTopology\": {\"node\": [");
  Result<BackgroundRemover> loaded = BackgroundRemover::load(dir.path().string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message().find(json.string()), std::string::npos)
      << loaded.error().message();
}

TEST(BackgroundRemoverLoad, TruncatedWeightsNameTheFile) {
  Result<fs::path> real = find_model("selfie");
  if (!real) GTEST_SKIP() << real.error().message();
  ModelFolder dir;
  std::ifstream in(real.value());
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  dir.write("selfie.json", json);
  const fs::path bin = dir.write("selfie.bin", std::string(1000, '\0'));
  Result<BackgroundRemover> loaded = BackgroundRemover::load(dir.path().string());
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message().find("selfie.bin"), std::string::npos)
      << loaded.error().message();
}

TEST(BackgroundMode, NamesRoundTrip) {
  for (BackgroundMode m : {BackgroundMode::kKeep, BackgroundMode::kRemove})
    EXPECT_EQ(background_mode_from_name(background_mode_name(m)), m);
  EXPECT_EQ(background_mode_name(BackgroundMode::kRemove), "remove");
  EXPECT_FALSE(background_mode_from_name("blur").has_value());
  EXPECT_FALSE(background_mode_from_name("").has_value());
}

// The blend alone: probability 1 keeps the pixel, 0 paints it flat, 0.5 is half way (the
// smoothstep's middle), and probabilities below 0.25 / above 0.75 are fully flat / fully kept.
TEST(FlattenWithMask, BlendsByTheSmoothstepOfTheProbability) {
  const cv::Mat image(1, 6, CV_8UC3, cv::Scalar(0, 200, 40));
  const cv::Mat mask = (cv::Mat_<float>(1, 6) << 1.0f, 0.0f, 0.5f, 0.2f, 0.8f, -0.3f);
  Result<cv::Mat> flat = flatten_with_mask(image, mask);
  ASSERT_TRUE(flat.ok()) << flat.error().message();
  auto px = [&](int x) { return flat->at<cv::Vec3b>(0, x); };
  const cv::Vec3b grey(104, 116, 124);
  EXPECT_EQ(px(0), cv::Vec3b(0, 200, 40));
  EXPECT_EQ(px(1), grey);
  EXPECT_EQ(px(2), cv::Vec3b(52, 158, 82));  // (104+0)/2, (116+200)/2, (124+40)/2
  EXPECT_EQ(px(3), grey);
  EXPECT_EQ(px(4), cv::Vec3b(0, 200, 40));
  EXPECT_EQ(px(5), grey);
}

TEST(FlattenWithMask, RejectsAMaskOfAnotherSize) {
  Result<cv::Mat> flat =
      flatten_with_mask(cv::Mat(4, 4, CV_8UC3), cv::Mat(4, 5, CV_32FC1, cv::Scalar(1)));
  EXPECT_FALSE(flat.ok());
}

}  // namespace
}  // namespace posecast
