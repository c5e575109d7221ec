#include "posecast/mlp_classifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "classify/synthetic_poses.h"
#include "posecast/skeleton_poser.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using testing::library_pose_skeleton;

// Varied, jittered stick figures of `id`, at random places and sizes.
std::vector<Pose> bodies(std::string_view id, int n, std::mt19937& rng) {
  std::uniform_real_distribution<float> place(0.6f, 1.4f);
  std::vector<Pose> out;
  for (int i = 0; i < n; ++i) {
    SkeletonPlacement at;
    at.torso_px = 90 * place(rng);
    at.hip_x = 320 * place(rng);
    Pose p = pose_skeleton(testing::vary(library_pose_skeleton(id), 8, rng), at);
    out.push_back(testing::jitter(p, 0.02f * at.torso_px, rng));
  }
  return out;
}

// Trained once: four poses, the sided ones shown only on their left side.
const MlpClassifier& model() {
  static const MlpClassifier m = [] {
    std::mt19937 rng(11);
    std::vector<LabelledPose> data;
    for (auto [id, label] : {std::pair{"tree", "tree:left"},
                             {"warrior2", "warrior2:left"},
                             {"plank", "plank"},
                             {"downdog", "downdog"}})
      for (Pose& p : bodies(id, 40, rng)) data.push_back({p, label});
    MlpTrainOptions options;
    options.epochs = 60;
    options.synthetic_negatives = 200;
    auto trained = MlpClassifier::train(data, options);
    EXPECT_TRUE(trained.ok()) << trained.error().message();
    return std::move(trained).value();
  }();
  return m;
}

class TempDir {
 public:
  TempDir()
      : dir_(fs::temp_directory_path() / ("posecast_mlp_test_" + std::to_string(::getpid()))) {
    fs::create_directories(dir_);
  }
  ~TempDir() { fs::remove_all(dir_); }
  fs::path operator/(const std::string& name) const { return dir_ / name; }

 private:
  fs::path dir_;
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

TEST(MlpClassifier, LearnsPosesAndTheMirroredSideItNeverSaw) {
  std::mt19937 rng(2024);  // unseen bodies
  for (const char* id : {"tree", "warrior2", "plank", "downdog"}) {
    int right = 0, right_mirrored = 0;
    for (const Pose& p : bodies(id, 20, rng)) {
      Classification c = model().classify(p);
      right += c.decision == id;
      Classification m = model().classify(mirror_pose(p));
      bool sided = std::string_view(id) == "tree" || std::string_view(id) == "warrior2";
      right_mirrored += m.decision == id && m.variant == (sided ? "right" : "");
      if (c.decision == id) {
        EXPECT_EQ(c.variant, sided ? "left" : "");
      }
    }
    EXPECT_GE(right, 18) << id;
    EXPECT_GE(right_mirrored, 18) << id;
  }
  EXPECT_EQ(model().labels(), (std::vector<std::string>{"downdog", "plank", "tree", "warrior2"}));
}

TEST(MlpClassifier, RandomBodiesAreTakeYourPose) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> any(0, 360);
  int rejected = 0;
  const int n = 200;
  for (int i = 0; i < n; ++i) {
    SkeletonAngles a;
    a.torso = any(rng);
    for (float* v : {&a.left_upper_arm, &a.left_forearm, &a.right_upper_arm, &a.right_forearm,
                     &a.left_thigh, &a.left_shin, &a.right_thigh, &a.right_shin})
      *v = any(rng);
    rejected += model().classify(pose_skeleton(a)).decision == kTakeYourPose;
  }
  EXPECT_GE(rejected, n * 8 / 10);
}

TEST(MlpClassifier, ProbabilitiesAddUpAndNoBodyIsNone) {
  Classification c = model().classify(pose_skeleton(library_pose_skeleton("plank")));
  float sum = c.none_prob;
  for (const Prediction& p : c.top) sum += p.prob;
  EXPECT_NEAR(sum, 1.0f, 1e-4);
  Classification none = model().classify(Pose{});
  EXPECT_EQ(none.decision, kTakeYourPose);
  EXPECT_EQ(none.reason, "no_body");
}

TEST(MlpClassifier, SavesAndLoadsTheSameModel) {
  TempDir dir;
  ASSERT_TRUE(model().save(dir / "m.pcmlp").ok());
  auto loaded = MlpClassifier::load(dir / "m.pcmlp");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(loaded->classes(), model().classes());
  EXPECT_FLOAT_EQ(loaded->threshold(), 0.6f);
  EXPECT_FLOAT_EQ(loaded->calibration().temperature, model().calibration().temperature);
  EXPECT_EQ(loaded->calibration().centroids, model().calibration().centroids);
  EXPECT_EQ(loaded->calibration().radius, model().calibration().radius);
  std::mt19937 rng(3);
  for (const Pose& p : bodies("warrior2", 5, rng)) {
    Features f = compute_features(p);
    auto a = model().probabilities(f), b = loaded->probabilities(f);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a[i], b[i]);
  }
  // Header first: one JSON line that says what the file is.
  std::string text = read(dir / "m.pcmlp");
  EXPECT_EQ(text.rfind("{\"activation\":\"relu\"", 0), 0u) << text.substr(0, 80);
}

TEST(MlpClassifier, CorruptFilesAreErrorsNamingTheFile) {
  TempDir dir;
  const fs::path good = dir / "good.pcmlp";
  ASSERT_TRUE(model().save(good).ok());
  const std::string text = read(good);
  auto error_of = [&](const std::string& name, const std::string& content) {
    fs::path p = dir / name;
    write(p, content);
    auto m = MlpClassifier::load(p);
    EXPECT_FALSE(m.ok()) << name;
    if (m.ok()) return std::string();
    EXPECT_EQ(m.error().message().rfind(p.string() + ": ", 0), 0u) << m.error().message();
    return m.error().message();
  };
  EXPECT_NE(error_of("truncated", text.substr(0, text.size() - 10)).find("(truncated)"),
            std::string::npos);
  std::string flipped = text;
  flipped[flipped.size() - 7] ^= 0x40;
  EXPECT_NE(error_of("flipped", flipped).find("checksum mismatch"), std::string::npos);
  EXPECT_NE(error_of("png", "\x89PNG\r\n\x1a\n....").find("not a posecast MLP model"),
            std::string::npos);
  EXPECT_NE(
      error_of("header", "{\"format\": \"posecast-mlp\", \"vers\n").find("corrupt model header"),
      std::string::npos);
  std::string v9 = text;
  v9.replace(v9.find("\"version\":2"), 11, "\"version\":9");
  EXPECT_NE(error_of("v9", v9).find("unsupported model version 9"), std::string::npos);
  std::string no_radius = text;
  no_radius.replace(no_radius.find("\"radius\":["), 10, "\"radius\":[-1,");
  EXPECT_NE(error_of("radius", no_radius).find("radius"), std::string::npos);
  auto missing = MlpClassifier::load(dir / "nope.pcmlp");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("cannot open the model"), std::string::npos);
}

TEST(MlpClassifier, PosesUnlikeItsTrainingDataAreNotForcedIntoAClass) {
  // Mountain, goddess, chair and warrior I were never shown to the model: the distance to the
  // training data of whatever class scores best sends them to "take your pose".
  for (const char* id : {"mountain", "goddess", "chair", "warrior1"}) {
    Classification c = model().classify(pose_skeleton(library_pose_skeleton(id)));
    EXPECT_EQ(c.decision, kTakeYourPose) << id << " taken for " << c.top.front().label;
  }
  // The poses it learned are near their training data.
  Classification tree = model().classify(pose_skeleton(library_pose_skeleton("tree")));
  EXPECT_EQ(tree.decision, "tree");
  EXPECT_LE(tree.distance, model().calibration().novelty_factor);
  ASSERT_EQ(model().calibration().centroids.size(), model().classes().size());
}

TEST(MlpClassifier, TemperatureFittedOnValidationLowersItsLoss) {
  std::mt19937 rng(17);
  std::vector<LabelledPose> train, validation;
  for (const char* id : {"plank", "downdog", "chair"}) {
    for (Pose& p : bodies(id, 30, rng)) train.push_back({p, id});
    for (Pose& p : bodies(id, 15, rng)) validation.push_back({testing::jitter(p, 6, rng), id});
  }
  MlpTrainOptions options;
  options.epochs = 40;
  auto trained = MlpClassifier::train(train, options, validation);
  ASSERT_TRUE(trained.ok()) << trained.error().message();
  MlpClassifier model = std::move(trained).value();
  auto nll = [&](const MlpClassifier& m) {
    double sum = 0;
    for (const LabelledPose& e : validation) {
      auto p = m.probabilities(compute_features(e.pose));
      const auto& classes = m.classes();
      size_t k =
          static_cast<size_t>(std::find(classes.begin(), classes.end(), e.label) - classes.begin());
      sum -= std::log(std::max(p[k], 1e-12f));
    }
    return sum;
  };
  const float fitted = model.calibration().temperature;
  EXPECT_NE(fitted, 1.0f);
  const double fitted_nll = nll(model);
  MlpCalibration plain = model.calibration();
  plain.temperature = 1;
  model.set_calibration(plain);
  EXPECT_LT(fitted_nll, nll(model)) << "temperature " << fitted;
}

TEST(MlpClassifier, TrainingNeedsBodiesAndTwoLabels) {
  EXPECT_FALSE(MlpClassifier::train({}).ok());
  std::vector<LabelledPose> one = {{pose_skeleton(library_pose_skeleton("plank")), "plank"}};
  auto r = MlpClassifier::train(one);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("at least two labels"), std::string::npos);
}

TEST(MlpClassifier, AugmentationHelpers) {
  EXPECT_EQ(mirror_label("tree:left"), "tree:right");
  EXPECT_EQ(mirror_label("tree:right"), "tree:left");
  EXPECT_EQ(mirror_label("plank"), "plank");
  Pose p = pose_skeleton(library_pose_skeleton("triangle"));
  Features a = compute_features(p), b = compute_features(rotate_and_scale(p, 0, 1.7f));
  for (int i = 0; i < kNumAngles; ++i) EXPECT_NEAR(a.angle_deg[i], b.angle_deg[i], 1e-3);
  Features turned = compute_features(rotate_and_scale(p, 10, 1));
  EXPECT_NEAR(*turned.angle(Angle::kLeftKnee), *a.angle(Angle::kLeftKnee),
              1e-3);  // joint angles stay
  EXPECT_NEAR(std::abs(*turned.angle(Angle::kTorso) - *a.angle(Angle::kTorso)), 10, 1e-2);
}

}  // namespace
}  // namespace posecast
