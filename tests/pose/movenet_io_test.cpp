#include "posecast/movenet_io.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "posecast/crop_region.h"

namespace posecast {
namespace {

TEST(FillRgbInt32, SwapsBgrToRgbInNhwcOrder) {
  cv::Mat square(2, 2, CV_8UC3);
  square.at<cv::Vec3b>(0, 0) = {1, 2, 3};
  square.at<cv::Vec3b>(0, 1) = {4, 5, 6};
  square.at<cv::Vec3b>(1, 0) = {7, 8, 9};
  square.at<cv::Vec3b>(1, 1) = {10, 11, 255};
  HostTensor input;
  fill_rgb_int32(square, input);
  EXPECT_EQ(input.dtype, DType::kInt32);
  EXPECT_EQ(input.shape, (std::vector<int64_t>{1, 2, 2, 3}));
  EXPECT_EQ(input.i32, (std::vector<int32_t>{3, 2, 1, 6, 5, 4, 9, 8, 7, 255, 11, 10}));
}

TEST(CropAndResize, CropAtScaleOneCopiesPixelsExactly) {
  cv::Mat image(300, 400, CV_8UC3);
  cv::randu(image, 0, 256);
  // A 192x192 pixel square starting at (100, 50): input pixel (u, v) is image pixel (100+u, 50+v).
  CropRegion crop;
  crop.xmin = 100.0f / 400;
  crop.xmax = 292.0f / 400;
  crop.ymin = 50.0f / 300;
  crop.ymax = 242.0f / 300;
  cv::Mat square;
  crop_and_resize(image, crop, 192, square);
  ASSERT_EQ(square.size(), cv::Size(192, 192));
  EXPECT_EQ(cv::norm(square, image(cv::Rect(100, 50, 192, 192)), cv::NORM_INF), 0);
}

TEST(CropAndResize, PadsAStillImageToASquareWithBlack) {
  // 384x192 white: the 384x384 padded square has 96 black rows above and below; at 192x192
  // that is 48 black rows, 96 white rows, 48 black rows.
  cv::Mat image(192, 384, CV_8UC3, cv::Scalar::all(255));
  cv::Mat square;
  crop_and_resize(image, full_frame_crop(384, 192), 192, square);
  ASSERT_EQ(square.size(), cv::Size(192, 192));
  EXPECT_EQ(cv::countNonZero(square.reshape(1).rowRange(0, 48)), 0);
  EXPECT_EQ(cv::countNonZero(square.reshape(1).rowRange(144, 192)), 0);
  cv::Mat middle = square.rowRange(48, 144);
  EXPECT_EQ(cv::norm(middle, cv::Mat(middle.size(), CV_8UC3, cv::Scalar::all(255)), cv::NORM_INF),
            0);
}

TEST(CropAndResize, ReusesTheOutputBuffer) {
  cv::Mat image(480, 640, CV_8UC3, cv::Scalar(10, 20, 30));
  cv::Mat square;
  crop_and_resize(image, full_frame_crop(640, 480), 192, square);
  const uint8_t* buffer = square.data;
  crop_and_resize(image, full_frame_crop(640, 480), 192, square);
  EXPECT_EQ(square.data, buffer);
}

TEST(CropAndResize, ADotLandsWhereInputToImageMapsItBack) {
  // A bright dot in a large frame, cropped off-centre and scaled down: the brightest input pixel,
  // mapped back with input_to_image, is within one input pixel of the dot.
  cv::Mat image(1080, 1920, CV_8UC3, cv::Scalar::all(0));
  const cv::Point2f dot(1500.5f, 700.5f);
  cv::circle(image, cv::Point(1500, 700), 3, cv::Scalar::all(255), cv::FILLED);
  CropRegion crop;
  crop.xmin = 1300.0f / 1920;
  crop.xmax = 1780.0f / 1920;  // 480 px -> 192: 2.5 image pixels per input pixel
  crop.ymin = 600.0f / 1080;
  crop.ymax = 1080.0f / 1080;
  cv::Mat square, gray;
  crop_and_resize(image, crop, 192, square);
  cv::cvtColor(square, gray, cv::COLOR_BGR2GRAY);
  cv::Point brightest;
  cv::minMaxLoc(gray, nullptr, nullptr, nullptr, &brightest);
  const cv::Point2f back =
      input_to_image(crop, 1920, 1080, (brightest.x + 0.5f) / 192, (brightest.y + 0.5f) / 192);
  EXPECT_NEAR(back.x, dot.x, 2.5);
  EXPECT_NEAR(back.y, dot.y, 2.5);
}

HostTensor fake_output(const std::vector<float>& yxs) {
  std::vector<float> data(kNumJoints * 3, 0.0f);
  std::copy(yxs.begin(), yxs.end(), data.begin());
  return HostTensor::floats({1, 1, kNumJoints, 3}, std::move(data));
}

TEST(DecodeKeypoints, MapsNormalisedYxToImagePixelsThroughThePadding) {
  // nose at (y, x) = (0.5, 0.25) of the input, left eye at the image's bottom-right corner.
  const HostTensor output = fake_output({0.5f, 0.25f, 0.9f, 0.875f, 1.0f, 0.4f});
  Result<Pose> pose = decode_keypoints(output, full_frame_crop(640, 480), 640, 480, "m.json");
  ASSERT_TRUE(pose.ok()) << pose.error().message();
  EXPECT_EQ(pose->image_width, 640);
  EXPECT_EQ(pose->image_height, 480);
  EXPECT_FLOAT_EQ((*pose)[Joint::kNose].x, 160);
  EXPECT_FLOAT_EQ((*pose)[Joint::kNose].y, 240);  // -80 + 0.5 * 640
  EXPECT_FLOAT_EQ((*pose)[Joint::kNose].score, 0.9f);
  EXPECT_FLOAT_EQ((*pose)[Joint::kLeftEye].x, 640);
  EXPECT_FLOAT_EQ((*pose)[Joint::kLeftEye].y, 480);
  EXPECT_FLOAT_EQ((*pose)[Joint::kLeftEye].score, 0.4f);
}

TEST(DecodeKeypoints, MapsThroughACrop) {
  CropRegion crop;  // pixels x 1300..1780, y 600..1080 of 1920x1080
  crop.xmin = 1300.0f / 1920;
  crop.xmax = 1780.0f / 1920;
  crop.ymin = 600.0f / 1080;
  crop.ymax = 1.0f;
  Result<Pose> pose = decode_keypoints(fake_output({0.25f, 0.5f, 0.7f}), crop, 1920, 1080, "m");
  ASSERT_TRUE(pose.ok()) << pose.error().message();
  EXPECT_NEAR((*pose)[Joint::kNose].x, 1540, 1e-3);
  EXPECT_NEAR((*pose)[Joint::kNose].y, 720, 1e-3);
}

TEST(DecodeKeypoints, WrongOutputShapeIsAnErrorNamingTheModel) {
  const HostTensor output = HostTensor::floats({1, 6, 56}, std::vector<float>(336));
  Result<Pose> pose =
      decode_keypoints(output, full_frame_crop(10, 10), 10, 10, "/models/movenet-multipose.json");
  ASSERT_FALSE(pose.ok());
  EXPECT_NE(pose.error().message().find("/models/movenet-multipose.json"), std::string::npos);
  EXPECT_NE(pose.error().message().find("[1,6,56]"), std::string::npos);
}

}  // namespace
}  // namespace posecast
