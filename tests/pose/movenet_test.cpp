// MoveNet with the real models on real photographs. Skips when the models are not fetched.
#include "posecast/movenet.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "posecast/model_store.h"
#include "test_paths.h"

namespace posecast {
namespace {

const std::filesystem::path kPersonJpg = std::filesystem::path(POSECAST_TEST_DATA) / "person.jpg";

float mean_score(const Pose& pose) {
  float sum = 0;
  for (const Keypoint& k : pose.keypoints) sum += k.score;
  return sum / kNumJoints;
}

float mid_y(const Pose& pose, Joint a, Joint b) { return (pose[a].y + pose[b].y) / 2; }

class MoveNetTest : public ::testing::Test {
 protected:
  // The loaded model, or nullptr after GTEST_SKIP when it is not fetched.
  MoveNet* load(MoveNetVariant variant = MoveNetVariant::kLightning, int instances = 1) {
    const std::string name = "movenet-" + std::string(variant_name(variant));
    if (Result<std::filesystem::path> found = find_model(name); !found) {
      return nullptr;
    }
    MoveNetOptions options;
    options.variant = variant;
    options.instances = instances;
    Result<MoveNet> loaded = MoveNet::load(options);
    EXPECT_TRUE(loaded.ok()) << loaded.error().message();
    if (!loaded) return nullptr;
    movenet_.emplace(std::move(loaded).value());
    return &*movenet_;
  }

  cv::Mat person() {
    cv::Mat image = cv::imread(kPersonJpg.string());
    EXPECT_FALSE(image.empty()) << kPersonJpg;
    return image;
  }

  std::optional<MoveNet> movenet_;
};

#define LOAD_OR_SKIP(movenet, ...)                                           \
  MoveNet* movenet = load(__VA_ARGS__);                                      \
  if (!movenet) {                                                            \
    if (HasFailure()) return;                                                \
    GTEST_SKIP() << "MoveNet models not found (" << models_dir().string()    \
                 << "): run scripts/fetch-models.sh or set POSECAST_MODELS"; \
  }

TEST(MoveNetVariant, NamesRoundTrip) {
  EXPECT_EQ(variant_name(MoveNetVariant::kLightning), "lightning");
  EXPECT_EQ(variant_name(MoveNetVariant::kThunder), "thunder");
  EXPECT_EQ(variant_from_name("thunder"), MoveNetVariant::kThunder);
  EXPECT_EQ(variant_from_name("lightning"), MoveNetVariant::kLightning);
  EXPECT_EQ(variant_from_name("multipose"), std::nullopt);
}

TEST(MoveNetLoad, MissingModelSaysHowToFetchIt) {
  MoveNetOptions options;
  options.models_dir = "/nonexistent/posecast-models";
  Result<MoveNet> movenet = MoveNet::load(options);
  ASSERT_FALSE(movenet.ok());
  EXPECT_NE(movenet.error().message().find("/nonexistent/posecast-models/movenet-lightning.json"),
            std::string::npos)
      << movenet.error().message();
  EXPECT_NE(movenet.error().message().find("fetch-models"), std::string::npos);
}

TEST_F(MoveNetTest, LightningFindsTheFootballerInPixels) {
  LOAD_OR_SKIP(movenet);
  EXPECT_EQ(movenet->input_size(), 192);
  const cv::Mat image = person();
  Result<Pose> pose = movenet->estimate(image);
  ASSERT_TRUE(pose.ok()) << pose.error().message();
  EXPECT_EQ(pose->image_width, 548);
  EXPECT_EQ(pose->image_height, 342);
  for (int j = 0; j < kNumJoints; ++j) {
    const Keypoint& k = pose->keypoints[j];
    EXPECT_GE(k.x, 0) << joint_name(static_cast<Joint>(j));
    EXPECT_LT(k.x, 548) << joint_name(static_cast<Joint>(j));
    EXPECT_GE(k.y, 0) << joint_name(static_cast<Joint>(j));
    EXPECT_LT(k.y, 342) << joint_name(static_cast<Joint>(j));
  }
  EXPECT_GT(mean_score(*pose), 0.5f);
  // Head above hips above ankles; the torso (shoulders to hips) in the middle third.
  EXPECT_LT((*pose)[Joint::kNose].y, mid_y(*pose, Joint::kLeftHip, Joint::kRightHip));
  EXPECT_LT(mid_y(*pose, Joint::kLeftHip, Joint::kRightHip),
            mid_y(*pose, Joint::kLeftAnkle, Joint::kRightAnkle));
  EXPECT_GT((*pose)[Joint::kLeftShoulder].x, 548 / 3.0f);
  EXPECT_LT((*pose)[Joint::kLeftShoulder].x, 2 * 548 / 3.0f);
  // He faces the camera: his left shoulder is on the right of the picture.
  EXPECT_GT((*pose)[Joint::kLeftShoulder].x, (*pose)[Joint::kRightShoulder].x);
}

TEST_F(MoveNetTest, ThunderAgreesWithLightning) {
  LOAD_OR_SKIP(lightning, MoveNetVariant::kLightning);
  const cv::Mat image = person();
  Result<Pose> fast = lightning->estimate(image);
  ASSERT_TRUE(fast.ok()) << fast.error().message();
  LOAD_OR_SKIP(thunder, MoveNetVariant::kThunder);
  EXPECT_EQ(thunder->input_size(), 256);
  Result<Pose> slow = thunder->estimate(image);
  ASSERT_TRUE(slow.ok()) << slow.error().message();
  for (Joint j : {Joint::kNose, Joint::kLeftShoulder, Joint::kRightShoulder, Joint::kLeftHip,
                  Joint::kRightHip}) {
    EXPECT_NEAR((*slow)[j].x, (*fast)[j].x, 20) << joint_name(j);
    EXPECT_NEAR((*slow)[j].y, (*fast)[j].y, 20) << joint_name(j);
  }
}

TEST_F(MoveNetTest, RejectsImagesThatAreNotBgr) {
  LOAD_OR_SKIP(movenet);
  Result<Pose> empty = movenet->estimate(cv::Mat());
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("CV_8UC3"), std::string::npos);
  Result<Pose> gray = movenet->estimate(cv::Mat(100, 100, CV_8UC1, cv::Scalar(0)));
  ASSERT_FALSE(gray.ok());
  EXPECT_NE(gray.error().message().find("CV_8UC3"), std::string::npos);
}

// The footballer at 80% in the bottom right of a 1280x720 frame (about 160 pixels tall), with
// where his joints are: the full-size estimate, scaled and moved the same way.
struct SmallPerson {
  cv::Mat frame;
  Pose truth;
};

SmallPerson small_person_in_corner(const cv::Mat& photo, const Pose& full_size) {
  const float scale = 0.8f;
  const int width = 1280, height = 720;
  cv::Mat small;
  cv::resize(photo, small, {}, scale, scale, cv::INTER_AREA);
  const cv::Point offset(width - small.cols - width / 10, height - small.rows - height / 10);
  SmallPerson out{cv::Mat(height, width, CV_8UC3, cv::Scalar(60, 90, 70)), full_size};
  small.copyTo(out.frame(cv::Rect(offset, small.size())));
  out.truth.image_width = width;
  out.truth.image_height = height;
  for (Keypoint& k : out.truth.keypoints) {
    k.x = k.x * scale + offset.x;
    k.y = k.y * scale + offset.y;
  }
  return out;
}

// Mean distance in pixels over the joints the full-size estimate is confident of.
float mean_error(const Pose& pose, const Pose& truth) {
  float sum = 0;
  int n = 0;
  for (int j = 0; j < kNumJoints; ++j) {
    if (truth.keypoints[j].score < 0.4f) continue;
    sum += std::hypot(pose.keypoints[j].x - truth.keypoints[j].x,
                      pose.keypoints[j].y - truth.keypoints[j].y);
    ++n;
  }
  return n ? sum / n : 0;
}

TEST_F(MoveNetTest, TrackingCropsAroundAPersonFarFromTheCamera) {
  LOAD_OR_SKIP(movenet);
  const cv::Mat photo = person();
  Result<Pose> full_size = movenet->estimate(photo);
  ASSERT_TRUE(full_size.ok()) << full_size.error().message();
  const SmallPerson scene = small_person_in_corner(photo, *full_size);
  const int width = scene.frame.cols, height = scene.frame.rows;

  EXPECT_FALSE(movenet->next_crop().has_value());
  Result<Pose> first = movenet->track(scene.frame);  // the whole frame, padded
  ASSERT_TRUE(first.ok()) << first.error().message();
  const std::optional<CropRegion> crop = movenet->next_crop();
  ASSERT_TRUE(crop.has_value());
  // The next crop is a small square around him, not the frame.
  EXPECT_LT((crop->xmax - crop->xmin) * width, 400);
  for (Joint j : {Joint::kNose, Joint::kLeftHip, Joint::kRightHip, Joint::kLeftShoulder,
                  Joint::kRightShoulder}) {
    const Keypoint& k = scene.truth[j];
    EXPECT_GT(k.x, crop->xmin * width) << joint_name(j);
    EXPECT_LT(k.x, crop->xmax * width) << joint_name(j);
    EXPECT_GT(k.y, crop->ymin * height) << joint_name(j);
    EXPECT_LT(k.y, crop->ymax * height) << joint_name(j);
  }

  // Two more frames: the crop settles on him (the full-frame pass is off by ~70 px).
  ASSERT_TRUE(movenet->track(scene.frame).ok());
  Result<Pose> third = movenet->track(scene.frame);
  ASSERT_TRUE(third.ok()) << third.error().message();
  const float full_frame_error = mean_error(*first, scene.truth);
  const float tracked_error = mean_error(*third, scene.truth);
  EXPECT_LT(tracked_error, 15.0f) << "pixels in the 1280x720 frame";
  EXPECT_LT(tracked_error, full_frame_error / 3) << "full frame: " << full_frame_error;
  EXPECT_GT(mean_score(*third), mean_score(*first) + 0.1f);

  // A frame of a new size starts again from the full frame, as does reset().
  Result<Pose> other = movenet->track(photo);
  ASSERT_TRUE(other.ok());
  EXPECT_NEAR(mean_error(*other, *full_size), 0, 1e-3);
  movenet->reset();
  EXPECT_FALSE(movenet->next_crop().has_value());
}

// Frames in flight: two copies of the model estimate at once, each exactly as one alone.
TEST_F(MoveNetTest, TwoCopiesEstimateAtOnceAsOneAlone) {
  LOAD_OR_SKIP(movenet, MoveNetVariant::kLightning, 2);
  const cv::Mat photo = person();
  cv::Mat mirrored;
  cv::flip(photo, mirrored, 1);
  Result<Pose> alone = movenet->estimate(photo);
  Result<Pose> mirrored_alone = movenet->estimate(mirrored);
  ASSERT_TRUE(alone.ok() && mirrored_alone.ok());
  std::vector<Pose> together(8), mirrored_together(8);
  std::thread other([&] {
    for (Pose& p : mirrored_together) p = movenet->estimate(mirrored).value();
  });
  for (Pose& p : together) p = movenet->estimate(photo).value();
  other.join();
  for (int k = 0; k < 8; ++k)
    for (int j = 0; j < kNumJoints; ++j) {
      EXPECT_EQ(together[k].keypoints[j].x, alone->keypoints[j].x) << k << " " << j;
      EXPECT_EQ(together[k].keypoints[j].score, alone->keypoints[j].score) << k << " " << j;
      EXPECT_EQ(mirrored_together[k].keypoints[j].x, mirrored_alone->keypoints[j].x);
    }
}

TEST(MoveNetLoad, CopiesOutsideOneToSixteenAreAnError) {
  MoveNetOptions options;
  options.instances = 0;
  Result<MoveNet> loaded = MoveNet::load(options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message().find("1-16"), std::string::npos) << loaded.error().message();
}

// track() in halves: the crop a frame gets before the body of the frame before it is known.
TEST_F(MoveNetTest, TrackingCropAndFollowAreTrackInTwoHalves) {
  LOAD_OR_SKIP(movenet);
  const cv::Mat photo = person();
  const CropRegion full = movenet->tracking_crop(photo.size());
  EXPECT_EQ(full, movenet->tracking_crop(photo.size()));
  Result<Pose> pose = movenet->estimate(photo, full);
  ASSERT_TRUE(pose.ok());
  movenet->follow(*pose, photo.size());
  EXPECT_EQ(movenet->tracking_crop(photo.size()), *movenet->next_crop());
  EXPECT_FALSE(movenet->tracking_crop(photo.size()) == full);
  // Another frame size starts from its full frame.
  const CropRegion other = movenet->tracking_crop(cv::Size(100, 50));
  EXPECT_LT(other.ymin, 0.0f);  // a wide frame is padded to a square above and below
}

TEST_F(MoveNetTest, RefinedStillImageFindsAPersonFarFromTheCamera) {
  LOAD_OR_SKIP(movenet);
  const cv::Mat photo = person();
  Result<Pose> full_size = movenet->estimate(photo);
  ASSERT_TRUE(full_size.ok()) << full_size.error().message();
  const SmallPerson scene = small_person_in_corner(photo, *full_size);

  Result<Pose> single = movenet->estimate(scene.frame);
  Result<Pose> refined = movenet->estimate_refined(scene.frame);
  ASSERT_TRUE(single.ok() && refined.ok());
  EXPECT_LT(mean_error(*refined, scene.truth), mean_error(*single, scene.truth) / 3);
  EXPECT_GT(mean_score(*refined), mean_score(*single) + 0.1f);
}

}  // namespace
}  // namespace posecast
