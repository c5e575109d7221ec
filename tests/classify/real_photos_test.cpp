// The built-in library on real photos: development data that only exists on some machines
// (../shared/data/yoga5-train/<class>/*.jpg, never shipped). Skips cleanly without it or without
// the MoveNet models.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <opencv2/imgcodecs.hpp>

#include "posecast/classifier.h"
#include "posecast/model_store.h"
#include "posecast/movenet.h"
#include "test_paths.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;

fs::path photos_dir() {
  if (const char* env = std::getenv("POSECAST_YOGA5_DIR"); env && *env) return env;
  return fs::path(POSECAST_SOURCE_DIR) / ".." / "shared" / "data" / "yoga5-train";
}

TEST(RealPhotos, BuiltInLibraryRecognisesTheFiveYogaPoses) {
  const fs::path dir = photos_dir();
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no development photos at " << dir;
  auto model = find_model("movenet-lightning");
  if (!model.ok()) GTEST_SKIP() << "needs the pretrained models: " << model.error().message();
  auto movenet = MoveNet::load({});
  ASSERT_TRUE(movenet.ok()) << movenet.error().message();
  auto lib = load_pose_library(default_pose_library_path());
  ASSERT_TRUE(lib.ok()) << lib.error().message();
  LibraryClassifier classifier(*lib);

  // Every 5th photo of each class keeps the test under a minute on one core.
  constexpr int kStride = 5;
  int right = 0, total = 0;
  for (const char* cls : {"downdog", "goddess", "plank", "tree", "warrior2"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir / cls))
      if (e.path().extension() == ".jpg") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    int class_right = 0, class_total = 0;
    std::map<std::string, int> wrong;
    for (size_t i = 0; i < files.size(); i += kStride) {
      cv::Mat image = cv::imread(files[i].string());
      ASSERT_FALSE(image.empty()) << files[i];
      auto pose = movenet->estimate_refined(image);
      ASSERT_TRUE(pose.ok()) << files[i] << ": " << pose.error().message();
      Classification c = classifier.classify(*pose);
      ++class_total;
      if (c.decision == cls)
        ++class_right;
      else
        ++wrong[c.decision];
    }
    std::string errors;
    for (const auto& [d, n] : wrong) errors += " " + d + ":" + std::to_string(n);
    std::printf("  %-9s %3d/%3d recognised%s\n", cls, class_right, class_total, errors.c_str());
    EXPECT_GE(class_right, class_total * 6 / 10) << cls;
    right += class_right;
    total += class_total;
  }
  std::printf("  overall   %3d/%3d = %.1f%%\n", right, total, 100.0 * right / total);
  EXPECT_GE(right, total * 8 / 10);
}

}  // namespace
}  // namespace posecast
