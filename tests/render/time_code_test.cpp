// The latency clock in the picture survives what the video outputs do to it.
#include "posecast/time_code.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace posecast {
namespace {

TEST(TimeCodeTest, ReadsBackWhatWasDrawnThroughLossyCompression) {
  const int64_t t = 1'795'000'123'456;  // Nov 2026, past 2^40
  cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(30, 140, 90));
  cv::randu(frame, cv::Scalar::all(0), cv::Scalar::all(255));  // the worst background
  draw_time_code(frame, t);
  ASSERT_TRUE(read_time_code(frame).has_value());
  EXPECT_EQ(*read_time_code(frame), t % kTimeCodeModulus);
  EXPECT_EQ(time_code_age_ms(*read_time_code(frame), t + 42), 42);

  // JPEG at a low quality and a half-size round trip stand in for a codec's damage.
  std::vector<uint8_t> jpeg;
  cv::imencode(".jpg", frame, jpeg, {cv::IMWRITE_JPEG_QUALITY, 30});
  cv::Mat decoded = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  ASSERT_TRUE(read_time_code(decoded).has_value());
  EXPECT_EQ(*read_time_code(decoded), t % kTimeCodeModulus);
  cv::Mat small, back;
  cv::resize(decoded, small, {}, 0.5, 0.5, cv::INTER_AREA);
  cv::resize(small, back, decoded.size(), 0, 0, cv::INTER_LINEAR);
  ASSERT_TRUE(read_time_code(back).has_value());
  EXPECT_EQ(*read_time_code(back), t % kTimeCodeModulus);
}

TEST(TimeCodeTest, APictureWithoutACodeReadsAsNone) {
  cv::Mat black(480, 640, CV_8UC3, cv::Scalar::all(0));
  EXPECT_FALSE(read_time_code(black).has_value());
  cv::Mat white(480, 640, CV_8UC3, cv::Scalar::all(255));
  EXPECT_FALSE(read_time_code(white).has_value());
  cv::Mat tiny(10, 10, CV_8UC3);
  EXPECT_FALSE(read_time_code(tiny).has_value());
  draw_time_code(tiny, 5);  // too small: left alone, no crash
}

}  // namespace
}  // namespace posecast
