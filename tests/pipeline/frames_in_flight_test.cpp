// Frames in flight: FrameAnalyzer's start/estimate/finish with two frames at once, and the live
// Pipeline with two pose workers, on the built-in demo (a figure MoveNet really sees). Skips
// without the models.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "posecast/capture.h"
#include "posecast/classifier.h"
#include "posecast/frame_analyzer.h"
#include "posecast/model_store.h"
#include "posecast/pipeline.h"
#include "posecast/pose_model_choice.h"

namespace posecast {
namespace {

bool models_present() { return find_model("movenet-lightning").ok(); }

PoseLibrary library() {
  auto loaded = load_pose_library(default_pose_library_path());
  EXPECT_TRUE(loaded.ok()) << loaded.error().message();
  return loaded.ok() ? loaded.value() : PoseLibrary{};
}

// `n` frames of the demo at 30 fps, numbered from 1.
std::vector<Frame> demo_frames(int n) {
  SourceOptions options;
  options.size = {640, 480};
  options.fps = 30;
  std::unique_ptr<FrameSource> demo = make_demo_source(options);
  std::vector<Frame> frames;
  for (int k = 1; k <= n; ++k) {
    Result<cv::Mat> image = demo->read();
    EXPECT_TRUE(image.ok());
    if (!image) break;
    Frame f;
    f.image = image.value();
    f.number = k;
    frames.push_back(f);
  }
  return frames;
}

std::unique_ptr<FrameAnalyzer> analyzer(int instances) {
  FrameAnalyzerOptions options;
  options.movenet.instances = instances;
  auto created = FrameAnalyzer::create(options, library());
  EXPECT_TRUE(created.ok()) << created.error().message();
  return created.ok() ? std::move(created).value() : nullptr;
}

float mean_distance(const Pose& a, const Pose& b) {
  float sum = 0;
  for (int j = 0; j < kNumJoints; ++j)
    sum += std::hypot(a.keypoints[j].x - b.keypoints[j].x, a.keypoints[j].y - b.keypoints[j].y);
  return sum / kNumJoints;
}

TEST(FramesInFlight, TwoAtOnceFollowTheFigureAsOneAtATimeDoes) {
  if (!models_present()) GTEST_SKIP() << "MoveNet models not fetched (scripts/fetch-models.sh)";
  const std::vector<Frame> frames = demo_frames(60);
  const LibraryClassifier classifier(library());
  auto one = analyzer(1), two = analyzer(2);
  ASSERT_TRUE(one && two);
  std::vector<FrameResult> alone, paired;
  for (const Frame& f : frames) {
    auto r = one->analyze(f, f.number / 30.0, classifier, {});
    ASSERT_TRUE(r.ok()) << r.error().message();
    alone.push_back(std::move(r).value());
  }
  for (size_t k = 0; k + 1 < frames.size(); k += 2) {
    auto first = two->start(frames[k], frames[k].number / 30.0);
    auto second = two->start(frames[k + 1], frames[k + 1].number / 30.0);
    std::thread other([&] { two->estimate(*second); });
    two->estimate(*first);
    other.join();
    for (auto* f : {&first, &second}) {
      auto r = two->finish(**f, classifier, {});
      ASSERT_TRUE(r.ok()) << r.error().message();
      paired.push_back(std::move(r).value());
    }
  }
  ASSERT_EQ(paired.size(), alone.size());
  int seen = 0;
  for (size_t k = 0; k < paired.size(); ++k) {
    EXPECT_EQ(paired[k].frame, frames[k].number);
    seen += paired[k].person;
    // The second of each pair was cropped around the body two frames back, not one: a figure
    // moving at the demo's pace is still found within a few pixels.
    if (k >= 4 && alone[k].person) {
      EXPECT_LT(mean_distance(paired[k].pose, alone[k].pose), 12.0f) << k;
    }
  }
  EXPECT_GE(seen, 55);
}

TEST(FramesInFlight, FinishingOutOfTurnIsAnErrorAndTheTurnWaits) {
  if (!models_present()) GTEST_SKIP() << "MoveNet models not fetched (scripts/fetch-models.sh)";
  const std::vector<Frame> frames = demo_frames(2);
  const LibraryClassifier classifier(library());
  auto two = analyzer(2);
  ASSERT_TRUE(two);
  auto first = two->start(frames[0], 0.0);
  auto second = two->start(frames[1], 1 / 30.0);
  two->estimate(*first);
  two->estimate(*second);
  auto early = two->finish(*second, classifier, {});
  ASSERT_FALSE(early.ok());
  EXPECT_NE(early.error().message().find("out of turn"), std::string::npos)
      << early.error().message();
  EXPECT_TRUE(two->finish(*first, classifier, {}).ok());
  EXPECT_TRUE(two->finish(*second, classifier, {}).ok());
}

TEST(FramesInFlight, ThePipelinePublishesInFrameOrder) {
  if (!models_present()) GTEST_SKIP() << "MoveNet models not fetched (scripts/fetch-models.sh)";
  PipelineOptions options;
  options.source = "demo";
  options.capture.size = {640, 480};
  options.capture.as_fast_as_taken = true;
  options.frames_in_flight = 2;
  const PoseLibrary lib = library();
  auto created = Pipeline::create(options, std::make_shared<LibraryClassifier>(lib), lib);
  ASSERT_TRUE(created.ok()) << created.error().message();
  Pipeline& pipeline = *created.value();
  std::mutex mutex;
  std::vector<int64_t> numbers;
  pipeline.add_frame_sink([&](const FrameResult& r, std::shared_ptr<const std::vector<uint8_t>>) {
    std::lock_guard lock(mutex);
    numbers.push_back(r.frame);
  });
  pipeline.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  pipeline.stop();
  EXPECT_EQ(pipeline.status()["frames_in_flight"], 2);
  ASSERT_GT(numbers.size(), 10u);
  for (size_t k = 1; k < numbers.size(); ++k) EXPECT_GT(numbers[k], numbers[k - 1]) << k;
}

TEST(FramesInFlight, ThePipelineRefusesZeroOrTooMany) {
  PipelineOptions options;
  options.frames_in_flight = 0;
  auto created = Pipeline::create(options, std::make_shared<LibraryClassifier>(PoseLibrary{}), {});
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message().find("frames in flight"), std::string::npos);
}

TEST(PoseModelChoice, ThunderWhenItsFramesInFlightKeepUpWithTheCamera) {
  // 30 ms a frame: 2 in flight take 2 * 1000 / (30 * 1.25) = 53 fps >= 30 * 1.2.
  PoseModelChoice two = choose_pose_model(30, 30, 2);
  EXPECT_EQ(two.variant, MoveNetVariant::kThunder);
  EXPECT_NEAR(two.capacity_fps, 53.3, 0.1);
  EXPECT_NE(two.reason.find("thunder: 30 ms"), std::string::npos) << two.reason;
  // One in flight takes 27 fps: too few.
  PoseModelChoice one = choose_pose_model(30, 30, 1);
  EXPECT_EQ(one.variant, MoveNetVariant::kLightning);
  EXPECT_NE(one.reason.find("lightning: thunder takes 30 ms"), std::string::npos) << one.reason;
  // A 15 fps camera needs less.
  EXPECT_EQ(choose_pose_model(30, 15, 1).variant, MoveNetVariant::kThunder);
}

TEST(PoseModelChoice, MeasuresThunderOnThisMachine) {
  if (!find_model("movenet-thunder").ok()) GTEST_SKIP() << "MoveNet Thunder not fetched";
  auto choice = measure_and_choose_pose_model({}, 30, 2);
  ASSERT_TRUE(choice.ok()) << choice.error().message();
  EXPECT_GT(choice->thunder_ms, 1.0);
  EXPECT_LT(choice->thunder_ms, 5000.0);
  EXPECT_EQ(choice->variant, choose_pose_model(choice->thunder_ms, 30, 2).variant);
}

}  // namespace
}  // namespace posecast
