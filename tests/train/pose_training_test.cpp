// Training and evaluation on photo folders: real MoveNet on photos of the demo figure.
#include "posecast/pose_training.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "posecast/classifier_loader.h"
#include "posecast/model_store.h"
#include "train/demo_photos.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;

#define SKIP_WITHOUT_MOVENET()                                                  \
  if (Result<fs::path> model = find_model("movenet-lightning"); !model) {       \
    GTEST_SKIP() << "needs the pretrained models: " << model.error().message(); \
  }

class PoseTrainingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("posecast_training_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    options_.extraction.cache_dir = dir_ / "cache";
    options_.mlp.epochs = 60;
    Result<PoseLibrary> library = load_pose_library(default_pose_library_path());
    ASSERT_TRUE(library.ok()) << library.error().message();
    library_ = library.value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  PoseTrainingOptions options_;
  PoseLibrary library_;
};

TEST_F(PoseTrainingTest, KeypointsAreCachedByContentAndBadPhotosNamed) {
  SKIP_WITHOUT_MOVENET();
  auto photos = testing::write_demo_photos(dir_ / "photos", {{"tree", "tree"}}, 2);
  ASSERT_EQ(photos.size(), 2u);
  fs::copy_file(photos[0], dir_ / "photos" / "same-bytes.jpg");  // same content, other name
  photos.push_back(dir_ / "photos" / "same-bytes.jpg");
  std::ofstream(dir_ / "photos" / "corrupt.jpg") << "\xff\xd8 not really a jpeg";
  photos.push_back(dir_ / "photos" / "corrupt.jpg");

  size_t last_done = 0;
  auto first = extract_poses(photos, options_.extraction, [&](size_t done, size_t total) {
    EXPECT_EQ(total, 4u);
    last_done = done;
  });
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(last_done, 4u);
  ASSERT_TRUE(first.value()[0].pose.has_value());
  EXPECT_FALSE(first.value()[0].from_cache);
  EXPECT_GT(compute_features(*first.value()[0].pose).valid, 0);
  EXPECT_FALSE(first.value()[3].pose.has_value());
  EXPECT_NE(first.value()[3].error.find("corrupt.jpg: cannot decode image"), std::string::npos)
      << first.value()[3].error;

  auto second = extract_poses(photos, options_.extraction);
  ASSERT_TRUE(second.ok());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(second.value()[i].from_cache) << photos[i];
    ASSERT_TRUE(second.value()[i].pose.has_value());
    for (int k = 0; k < kNumJoints; ++k)
      EXPECT_NEAR(second.value()[i].pose->keypoints[k].x, first.value()[i].pose->keypoints[k].x,
                  1e-3);
  }
}

TEST_F(PoseTrainingTest, TrainsOnPhotosMapsFolderNamesAndValidates) {
  SKIP_WITHOUT_MOVENET();
  testing::write_demo_photos(dir_ / "photos",
                             {{"mountain", "mountain"},
                              {"Tree_Pose", "tree"},
                              {"warrior2", "warrior2"},
                              {"goddess", "goddess"},
                              {"my_stretch", "triangle"}},
                             10);
  std::ofstream(dir_ / "photos" / "tree_pose_broken.jpg") << "nothing";  // not in a label folder
  std::ofstream(dir_ / "photos" / "goddess" / "broken.jpg") << "not a photo";
  Result<ImageFolder> folder = scan_image_folder(dir_ / "photos");
  ASSERT_TRUE(folder.ok()) << folder.error().message();

  std::vector<TrainingPhase> phases;
  auto report = train_pose_classifier(folder.value(), library_, options_,
                                      [&](TrainingPhase p, size_t, size_t) {
                                        if (phases.empty() || phases.back() != p)
                                          phases.push_back(p);
                                      });
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(phases,
            (std::vector<TrainingPhase>{TrainingPhase::kKeypoints, TrainingPhase::kTraining}));
  EXPECT_EQ(report->photos, 51u);
  ASSERT_EQ(report->unreadable.size(), 1u);
  EXPECT_NE(report->unreadable[0].find("broken.jpg"), std::string::npos);
  EXPECT_EQ(report->label_of_folder.at("Tree_Pose"), "tree");  // a library alias
  EXPECT_EQ(report->label_of_folder.at("my_stretch"), "my_stretch");
  // Sided library poses are learned per side; mirrored photos give both sides.
  const auto& classes = report->model.classes();
  EXPECT_NE(std::find(classes.begin(), classes.end(), "tree:left"), classes.end());
  EXPECT_NE(std::find(classes.begin(), classes.end(), "tree:right"), classes.end());
  EXPECT_NE(std::find(classes.begin(), classes.end(), "mountain"), classes.end());
  ASSERT_TRUE(report->validation.has_value());
  EXPECT_EQ(report->validation_photos, 10u);  // 20 % of each label's 10 photos
  EXPECT_GE(report->validation->accuracy, 0.9) << evaluation_text(*report->validation);
  EXPECT_GT(report->model.calibration().temperature, 0);

  // Training again reads every keypoint from the cache.
  auto again = train_pose_classifier(folder.value(), library_, options_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->from_cache, 50u);

  // The trained model evaluates on the folder; the built-in library does not know my_stretch.
  auto eval = evaluate_on_folder(folder.value(), report->model, library_, options_.extraction);
  ASSERT_TRUE(eval.ok()) << eval.error().message();
  EXPECT_EQ(eval->n, 50);  // 51 files, one unreadable (reported, not counted)
  EXPECT_GE(eval->accuracy, 0.9) << evaluation_text(*eval);
  LibraryClassifier builtin(library_);
  auto builtin_eval = evaluate_on_folder(folder.value(), builtin, library_, options_.extraction);
  ASSERT_TRUE(builtin_eval.ok());
  ASSERT_EQ(builtin_eval->unknown_classes.size(), 1u);
  EXPECT_EQ(builtin_eval->unknown_classes[0], (std::pair<std::string, int>{"my_stretch", 10}));
  EXPECT_EQ(builtin_eval->classes,
            (std::vector<std::string>{"goddess", "mountain", "tree", "warrior2"}));
  EXPECT_GE(builtin_eval->accuracy, 0.8) << evaluation_text(*builtin_eval);
}

TEST_F(PoseTrainingTest, TrainTestSplitFolderValidatesOnTest) {
  SKIP_WITHOUT_MOVENET();
  testing::write_demo_photos(dir_ / "photos" / "train",
                             {{"tree", "tree"}, {"warrior2", "warrior2"}}, 6, 1);
  testing::write_demo_photos(dir_ / "photos" / "test", {{"tree", "tree"}, {"warrior2", "warrior2"}},
                             3, 2);
  Result<ImageFolder> folder = scan_image_folder(dir_ / "photos");
  ASSERT_TRUE(folder.ok());
  auto report = train_pose_classifier(folder.value(), library_, options_);
  ASSERT_TRUE(report.ok()) << report.error().message();
  EXPECT_EQ(report->train_photos, 12u);
  EXPECT_EQ(report->validation_photos, 6u);
  ASSERT_TRUE(report->validation.has_value());
  EXPECT_EQ(report->validation->n, 6);
}

TEST_F(PoseTrainingTest, OneLabelIsAnErrorNamingTheFolder) {
  SKIP_WITHOUT_MOVENET();
  testing::write_demo_photos(dir_ / "photos", {{"tree", "tree"}}, 3);
  Result<ImageFolder> folder = scan_image_folder(dir_ / "photos");
  ASSERT_TRUE(folder.ok());
  auto report = train_pose_classifier(folder.value(), library_, options_);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message().find("at least two labels"), std::string::npos)
      << report.error().message();
}

TEST(ClassifierLoader, BuiltinOrModelFileWithErrorsNamingIt) {
  PoseLibrary library;
  auto builtin = load_classifier("builtin", library, 0.7f);
  ASSERT_TRUE(builtin.ok());
  EXPECT_EQ(builtin->name, "builtin");
  auto missing = load_classifier("/nonexistent/model.pcm", library);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/nonexistent/model.pcm"), std::string::npos);
}

TEST(ClassifierLoader, FolderNamesMapToLibraryIds) {
  Result<PoseLibrary> library = load_pose_library(default_pose_library_path());
  ASSERT_TRUE(library.ok());
  EXPECT_EQ(label_for_folder("downdog", library.value()), "downdog");
  EXPECT_EQ(label_for_folder("Warrior_II", library.value()),
            library->find("warrior2") ? "warrior2" : "warrior_ii");
  EXPECT_EQ(label_for_folder("My Stretch", library.value()), "my_stretch");
}

}  // namespace
}  // namespace posecast
