// Keypoints of photos with the background removed: cached apart from those of the photo as it is,
// and the same keypoints `classify` sees (PhotoPoseEstimator).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>

#include "posecast/model_store.h"
#include "posecast/pose_extraction.h"
#include "test_paths.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;

TEST(BackgroundExtraction, RemovedAndKeptKeypointsAreCachedApart) {
  if (!find_model("movenet-lightning") || !find_model("selfie"))
    GTEST_SKIP() << "needs the MoveNet and selfie models: run scripts/fetch-models.sh";
  const fs::path cache =
      fs::temp_directory_path() / ("posecast-bg-cache-" + std::to_string(::getpid()));
  fs::remove_all(cache);
  const std::vector<fs::path> photo = {fs::path(POSECAST_TEST_DATA) / "person.jpg"};
  PoseExtractionOptions keep;
  keep.cache_dir = cache;
  keep.workers = 1;
  PoseExtractionOptions remove = keep;
  remove.background = BackgroundMode::kRemove;

  auto kept = extract_poses(photo, keep);
  ASSERT_TRUE(kept.ok()) << kept.error().message();
  auto removed = extract_poses(photo, remove);
  ASSERT_TRUE(removed.ok()) << removed.error().message();
  EXPECT_FALSE(removed.value()[0].from_cache) << "the kept photo's keypoints were reused";
  auto again = extract_poses(photo, remove);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_TRUE(again.value()[0].from_cache);
  EXPECT_TRUE(fs::is_directory(cache / "movenet-lightning-refined"));
  EXPECT_TRUE(fs::is_directory(cache / "movenet-lightning-refined-background-removed"));

  // The cached keypoints are those PhotoPoseEstimator finds on the flattened photo.
  Result<PhotoPoseEstimator> estimator = PhotoPoseEstimator::load(remove);
  ASSERT_TRUE(estimator.ok()) << estimator.error().message();
  auto analysed = estimator->estimate(cv::imread(photo[0].string()));
  ASSERT_TRUE(analysed.ok()) << analysed.error().message();
  ASSERT_TRUE(again.value()[0].pose.has_value());
  for (int j = 0; j < kNumJoints; ++j) {
    EXPECT_NEAR(analysed->pose.keypoints[j].x, again.value()[0].pose->keypoints[j].x, 1e-3) << j;
    EXPECT_NEAR(analysed->pose.keypoints[j].y, again.value()[0].pose->keypoints[j].y, 1e-3) << j;
  }
  // What MoveNet saw is the flattened photo: its corners are the flat grey.
  EXPECT_EQ(analysed->image.at<cv::Vec3b>(0, 0), cv::Vec3b(104, 116, 124));
  fs::remove_all(cache);
}

}  // namespace
}  // namespace posecast
