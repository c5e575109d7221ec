// HoldTracker: per-frame results at 30 fps in, holds out.
#include <gtest/gtest.h>

#include <vector>

#include "posecast/classifier.h"
#include "posecast/practice_history.h"

namespace posecast {
namespace {

constexpr int64_t kT0 = 1'735'812'000'000;
constexpr double kFps = 30;

// Feeds frames to a tracker at 30 fps and keeps every hold it reports.
class Feeder {
 public:
  explicit Feeder(HoldTracker& tracker) : tracker_(tracker) {}

  // `frames` frames of `decision`, each scored by `score(i)` (< 0: no coach report).
  template <class ScoreFn>
  void feed(const std::string& decision, int frames, ScoreFn score,
            const std::string& variant = "") {
    for (int i = 0; i < frames; ++i, ++frame_) {
      FrameResult r;
      r.frame = frame_;
      r.capture_unix_ms = time_ms(frame_);
      r.classification.decision = decision;
      r.classification.variant = variant;
      if (const int s = score(i); s >= 0) {
        r.coach.emplace();
        r.coach->pose = decision;
        r.coach->score = s;
      }
      if (std::optional<HoldRecord> hold = tracker_.update(r)) holds.push_back(*hold);
    }
  }
  void feed(const std::string& decision, int frames) {
    feed(decision, frames, [](int) { return -1; });
  }

  static int64_t time_ms(int64_t frame) { return kT0 + static_cast<int64_t>(frame * 1000 / kFps); }

  std::vector<HoldRecord> holds;

 private:
  HoldTracker& tracker_;
  int64_t frame_ = 0;
};

int tree_score(int i) { return 80 + i % 11; }  // 80..90

TEST(HoldTracker, ThreeSecondTreeThenNoPoseIsOneHold) {
  HoldTracker tracker;
  Feeder feeder(tracker);
  feeder.feed(std::string(kTakeYourPose), 15);
  feeder.feed("tree", 90, tree_score, "left");  // frames 15..104: 3 s
  double sum = 0;
  for (int i = 0; i < 90; ++i) sum += tree_score(i);
  EXPECT_TRUE(feeder.holds.empty());  // still held
  feeder.feed(std::string(kTakeYourPose), 30);
  ASSERT_EQ(feeder.holds.size(), 1u);
  const HoldRecord& h = feeder.holds[0];
  EXPECT_EQ(h.pose, "tree");
  EXPECT_EQ(h.variant, "left");
  EXPECT_EQ(h.start_unix_ms, Feeder::time_ms(15));
  // It ends when the first take_your_pose frame came (frame 105): 90 frames at 30 fps.
  EXPECT_NEAR(h.duration_s, 3.0, 0.002);
  EXPECT_EQ(h.duration_s, (Feeder::time_ms(105) - Feeder::time_ms(15)) / 1000.0);
  EXPECT_FLOAT_EQ(h.best_score, 90);
  EXPECT_FLOAT_EQ(h.mean_score, static_cast<float>(sum / 90));
  EXPECT_EQ(tracker.flush(), std::nullopt);  // nothing left in progress
}

TEST(HoldTracker, HoldShorterThanMinimumIsIgnored) {
  HoldTracker tracker(2.0);
  Feeder feeder(tracker);
  feeder.feed("tree", 30, tree_score);  // 1 s
  feeder.feed(std::string(kTakeYourPose), 30);
  EXPECT_TRUE(feeder.holds.empty());
  EXPECT_EQ(tracker.flush(), std::nullopt);
}

TEST(HoldTracker, PoseChangeClosesTheHoldAtOnce) {
  HoldTracker tracker;
  Feeder feeder(tracker);
  feeder.feed("tree", 90, [](int) { return 70; });
  feeder.feed("warrior2", 1, [](int) { return 50; });
  ASSERT_EQ(feeder.holds.size(), 1u);  // on the first frame of the new pose
  EXPECT_EQ(feeder.holds[0].pose, "tree");
  EXPECT_NEAR(feeder.holds[0].duration_s, 3.0, 0.002);
  EXPECT_FLOAT_EQ(feeder.holds[0].mean_score, 70);

  feeder.feed("warrior2", 89, [](int i) { return 50 + i % 2; });  // 3 s of warrior2 in all
  std::optional<HoldRecord> in_progress = tracker.flush();
  ASSERT_TRUE(in_progress.has_value());
  EXPECT_EQ(in_progress->pose, "warrior2");
  EXPECT_EQ(in_progress->start_unix_ms, Feeder::time_ms(90));
  // Flushed at the last frame seen (frame 179).
  EXPECT_EQ(in_progress->duration_s, (Feeder::time_ms(179) - Feeder::time_ms(90)) / 1000.0);
  EXPECT_FLOAT_EQ(in_progress->best_score, 51);
  // 50 on the first frame and the 45 even ones after it, 51 on the 44 odd ones.
  EXPECT_FLOAT_EQ(in_progress->mean_score, (46 * 50 + 44 * 51) / 90.0f);
  EXPECT_EQ(tracker.flush(), std::nullopt);  // flushed once only
}

TEST(HoldTracker, StumbleWithinGraceContinuesTheHold) {
  HoldTracker tracker(2.0, 0.5);
  Feeder feeder(tracker);
  feeder.feed("tree", 45, [](int) { return 80; });  // 1.5 s
  feeder.feed(std::string(kTakeYourPose), 6);       // 0.2 s lost
  feeder.feed("tree", 45, [](int) { return 90; });  // 1.5 s
  EXPECT_TRUE(feeder.holds.empty());
  feeder.feed(std::string(kTakeYourPose), 30);
  ASSERT_EQ(feeder.holds.size(), 1u);
  EXPECT_EQ(feeder.holds[0].duration_s, (Feeder::time_ms(96) - Feeder::time_ms(0)) / 1000.0);
  EXPECT_FLOAT_EQ(feeder.holds[0].best_score, 90);
  EXPECT_FLOAT_EQ(feeder.holds[0].mean_score, 85);  // the lost frames are not scored
}

TEST(HoldTracker, LongerLossEndsTheHoldWhenThePoseWasLost) {
  HoldTracker tracker(2.0, 0.5);
  Feeder feeder(tracker);
  feeder.feed("tree", 75, [](int) { return 80; });  // 2.5 s
  feeder.feed(std::string(kTakeYourPose), 15);      // 0.5 s: still within grace
  EXPECT_TRUE(feeder.holds.empty());
  feeder.feed(std::string(kTakeYourPose), 1);  // beyond grace
  ASSERT_EQ(feeder.holds.size(), 1u);
  EXPECT_EQ(feeder.holds[0].duration_s, (Feeder::time_ms(75) - Feeder::time_ms(0)) / 1000.0);
  feeder.feed("tree", 75, [](int) { return 60; });  // a new hold
  feeder.feed(std::string(kTakeYourPose), 30);
  ASSERT_EQ(feeder.holds.size(), 2u);
  EXPECT_EQ(feeder.holds[1].start_unix_ms, Feeder::time_ms(91));
  EXPECT_FLOAT_EQ(feeder.holds[1].mean_score, 60);
}

TEST(HoldTracker, UnscoredHoldAndMajorityVariant) {
  HoldTracker tracker;
  Feeder feeder(tracker);
  feeder.feed(
      "tree", 60, [](int) { return -1; }, "right");
  feeder.feed(
      "tree", 3, [](int) { return -1; }, "left");  // a flicker of the other side
  feeder.feed(
      "tree", 10, [](int) { return -1; }, "right");
  std::optional<HoldRecord> h = tracker.flush();
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->variant, "right");
  EXPECT_FLOAT_EQ(h->best_score, 0);
  EXPECT_FLOAT_EQ(h->mean_score, 0);
}

TEST(HoldTracker, ScoresAgainstAnotherTargetPoseAreNotTheHolds) {
  HoldTracker tracker;
  FrameResult r;
  r.classification.decision = "tree";
  r.target = "warrior2";  // the instructor's target: the coach scores warrior2
  r.coach.emplace();
  r.coach->pose = "warrior2";
  r.coach->score = 20;
  for (int i = 0; i < 90; ++i) {
    r.capture_unix_ms = Feeder::time_ms(i);
    if (i == 45) {  // from here the student holds the target, coached as such
      r.target = "tree";
      r.coach->pose = "tree";
      r.coach->score = 75;
    }
    EXPECT_EQ(tracker.update(r), std::nullopt);
  }
  std::optional<HoldRecord> h = tracker.flush();
  ASSERT_TRUE(h.has_value());
  EXPECT_FLOAT_EQ(h->best_score, 75);
  EXPECT_FLOAT_EQ(h->mean_score, 75);
}

}  // namespace
}  // namespace posecast

namespace posecast {
namespace {

// The hold's main correction is the coach's first cue on most of its scored frames.
TEST(HoldTracker, MainCorrectionIsTheMostFrequentFirstCue) {
  HoldTracker tracker;
  std::vector<HoldRecord> holds;
  for (int i = 0; i < 120; ++i) {
    FrameResult r;
    r.frame = i + 1;
    r.capture_unix_ms = kT0 + i * 33;
    r.classification.decision = i < 90 ? "tree" : std::string(kTakeYourPose);
    if (i < 90) {
      r.coach.emplace();
      r.coach->pose = "tree";
      r.coach->score = 70;
      // 50 frames say "knee" first, 30 say "arms" first, 10 have no correction.
      if (i < 50) r.coach->corrections.push_back({"", "Straighten your left knee", "left_knee"});
      if (i < 50) r.coach->corrections.push_back({"", "Raise your arms", "arms"});
      if (i >= 50 && i < 80) r.coach->corrections.push_back({"", "Raise your arms", "arms"});
    }
    if (auto hold = tracker.update(r)) holds.push_back(*hold);
  }
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds[0].main_correction, "Straighten your left knee");
}

TEST(HoldTracker, HoldWithoutCorrectionsHasNoMainCorrection) {
  HoldTracker tracker;
  FrameResult r;
  r.classification.decision = "tree";
  for (int i = 0; i < 90; ++i) {
    r.capture_unix_ms = kT0 + i * 33;
    (void)tracker.update(r);
  }
  auto hold = tracker.flush();
  ASSERT_TRUE(hold.has_value());
  EXPECT_EQ(hold->main_correction, "");
}

}  // namespace
}  // namespace posecast
