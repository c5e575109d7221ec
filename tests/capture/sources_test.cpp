// Frame sources and the capture thread, on real files made here with OpenCV.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <random>
#include <thread>

#include "posecast/capture.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

fs::path temp_dir(const std::string& tag) {
  static std::mt19937 rng(std::random_device{}());
  fs::path d =
      fs::temp_directory_path() / ("posecast-capture-" + tag + "-" + std::to_string(rng()));
  fs::create_directories(d);
  return d;
}

// A short MJPG video whose frame k is filled with grey level 20 * k.
fs::path write_video(const fs::path& dir, int frames) {
  fs::path p = dir / "clip.avi";
  cv::VideoWriter w(p.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 25, {160, 120});
  EXPECT_TRUE(w.isOpened());
  for (int k = 0; k < frames; ++k) w.write(cv::Mat(120, 160, CV_8UC3, cv::Scalar::all(20 * k)));
  return p;
}

TEST(Sources, VideoFileLoopsAndResizes) {
  auto dir = temp_dir("video");
  auto path = write_video(dir, 3);
  SourceOptions o;
  o.size = {80, 60};
  auto src = open_source(path.string(), o);
  ASSERT_TRUE(src.ok()) << src.error().message();
  EXPECT_NEAR((*src)->pace_fps(), 25, 0.01);
  std::vector<double> levels;
  for (int i = 0; i < 5; ++i) {
    auto f = (*src)->read();
    ASSERT_TRUE(f.ok()) << f.error().message();
    EXPECT_EQ(f->size(), cv::Size(80, 60));
    levels.push_back(cv::mean(*f)[0]);
  }
  EXPECT_NEAR(levels[0], 0, 3);
  EXPECT_NEAR(levels[2], 40, 3);
  EXPECT_NEAR(levels[3], 0, 3);  // looped back to the first frame
}

TEST(Sources, SlideshowSkipsACorruptImageAndNamesIt) {
  auto dir = temp_dir("slides");
  cv::imwrite((dir / "a.png").string(), cv::Mat(40, 40, CV_8UC3, cv::Scalar(10, 20, 30)));
  std::ofstream(dir / "b.jpg") << "not a jpeg at all";
  cv::imwrite((dir / "c.png").string(), cv::Mat(40, 40, CV_8UC3, cv::Scalar(200, 200, 200)));
  auto src = open_source(dir.string(), {});
  ASSERT_TRUE(src.ok()) << src.error().message();
  EXPECT_TRUE((*src)->skip_on_error());
  auto a = (*src)->read();
  ASSERT_TRUE(a.ok());
  auto b = (*src)->read();
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find("b.jpg"), std::string::npos);
  auto c = (*src)->read();
  ASSERT_TRUE(c.ok());
  EXPECT_NEAR(cv::mean(*c)[0], 200, 1);
}

TEST(Sources, GlobAndMissingSources) {
  auto dir = temp_dir("glob");
  cv::imwrite((dir / "x1.png").string(), cv::Mat(20, 20, CV_8UC3, cv::Scalar::all(1)));
  cv::imwrite((dir / "x2.png").string(), cv::Mat(20, 20, CV_8UC3, cv::Scalar::all(2)));
  EXPECT_TRUE(open_source((dir / "x*.png").string(), {}).ok());
  auto none = open_source((dir / "nothing*.jpg").string(), {});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message().find("no .jpg"), std::string::npos);
  auto missing = open_source("/no/such/video.mp4", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/no/such/video.mp4"), std::string::npos);
}

TEST(Sources, DemoDrawsAMovingFigure) {
  SourceOptions o;
  o.size = {320, 240};
  auto src = open_source("demo", o);
  ASSERT_TRUE(src.ok());
  auto f1 = (*src)->read();
  for (int i = 0; i < 200; ++i) ASSERT_TRUE((*src)->read().ok());
  auto f2 = (*src)->read();
  ASSERT_TRUE(f1.ok() && f2.ok());
  EXPECT_EQ(f1->size(), cv::Size(320, 240));
  cv::Mat diff;
  cv::absdiff(*f1, *f2, diff);
  EXPECT_GT(cv::countNonZero(diff.reshape(1)), 500);  // the figure moved between poses
}

TEST(Capture, KeepsOnlyTheNewestFrameAndCountsDrops) {
  SourceOptions o;
  o.size = {64, 48};
  o.fps = 200;
  Capture cap("demo", o);
  cap.start();
  std::this_thread::sleep_for(300ms);
  auto f = cap.next(1000ms);
  ASSERT_TRUE(f.has_value());
  EXPECT_GT(f->number, 10);  // frames kept coming while nobody took them
  EXPECT_GT(f->capture_unix_ms, 1600000000000);
  cap.stop();
  CaptureStats s = cap.stats();
  EXPECT_GT(s.frames_dropped, 5);
  EXPECT_TRUE(s.connected);
}

TEST(Capture, AsFastAsTakenIgnoresThePaceAndDropsNothing) {
  SourceOptions o;
  o.size = {64, 48};
  o.fps = 1;  // paced, 20 frames would take 20 s
  o.as_fast_as_taken = true;
  Capture cap("demo", o);
  cap.start();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t expected = 1; expected <= 20; ++expected) {
    auto f = cap.next(1000ms);
    ASSERT_TRUE(f.has_value()) << "frame " << expected;
    EXPECT_EQ(f->number, expected) << "every frame read reaches the consumer, in order";
    std::this_thread::sleep_for(5ms);  // a consumer slower than the reads: still no drop
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  cap.stop();
  EXPECT_EQ(cap.stats().frames_dropped, 0);
}

TEST(Capture, ReopensASourceThatAppearsLater) {
  auto dir = temp_dir("reopen");
  fs::path video = dir / "late.avi";
  std::vector<std::string> errors;
  std::mutex m;
  Capture cap(video.string(), {}, [&](const std::string& e) {
    std::lock_guard<std::mutex> lock(m);
    errors.push_back(e);
  });
  cap.start();
  std::this_thread::sleep_for(250ms);
  EXPECT_FALSE(cap.stats().connected);
  fs::path made = write_video(dir, 5);
  fs::rename(made, video);
  auto f = cap.next(4000ms);
  cap.stop();
  ASSERT_TRUE(f.has_value()) << "capture did not recover";
  std::lock_guard<std::mutex> lock(m);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.front().find("late.avi"), std::string::npos);
}

}  // namespace
}  // namespace posecast
