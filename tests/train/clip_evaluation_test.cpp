// eval-video's metrics on a hand-made label file and hand-made decisions: every number below is
// counted by hand in the comments.
#include "posecast/clip_evaluation.h"

#include <gtest/gtest.h>

namespace posecast {
namespace {

constexpr const char* kLabels =
    "0.00\t2.00\tnone\ttitle card\n"
    "2.00\t6.00\ttree\tleft leg up\n"
    "6.00\t8.00\ttransition\n"
    "8.00\t12.00\tsquat\treps=2; bottoms=9.0,11.0\n";

// 2 frames a second from t = 0 to 11.5 (24 frames); "-" = take_your_pose.
const std::vector<std::string> kDecisions = {
    "-",    "tree", "-",    "-",                                         // none: 1 pose of 4
    "-",    "tree", "tree", "tree", "warrior2", "tree", "tree", "tree",  // tree 2.0-5.5
    "tree", "-",    "-",    "-",                                         // transition
    "-",    "-",    "-",    "-",    "-",        "-",    "-",    "-"};    // squat (not a pose)

std::vector<FrameDecision> frames() {
  std::vector<FrameDecision> out;
  for (size_t i = 0; i < kDecisions.size(); ++i)
    out.push_back(
        {0.5 * static_cast<double>(i), kDecisions[i] == "-" ? "take_your_pose" : kDecisions[i]});
  return out;
}

std::optional<std::string> knows_tree(const std::string& label) {
  if (label == "tree" || label == "warrior2") return label;
  return std::nullopt;
}

TEST(ClipEvaluation, MetricsOnAHandMadeLabelFile) {
  auto labels = parse_clip_labels(kLabels, "clip.tsv");
  ASSERT_TRUE(labels.ok()) << labels.error().message();
  ASSERT_EQ(labels->size(), 4u);
  EXPECT_EQ(labels->at(3).notes, "reps=2; bottoms=9.0,11.0");
  const ClipMetrics m = evaluate_clip(labels.value(), frames(), knows_tree);
  EXPECT_EQ(m.frames, 24);
  // Tree frames from 1 s after 2.0: t = 3.0 ... 5.5, six frames; one says warrior2.
  EXPECT_EQ(m.poses.frames, 6);
  EXPECT_EQ(m.poses.hits, 5);
  EXPECT_DOUBLE_EQ(m.poses.recall(), 5.0 / 6.0);
  ASSERT_EQ(m.per_pose.count("tree"), 1u);
  EXPECT_EQ(m.per_pose.at("tree").hits, 5);
  EXPECT_EQ(m.per_pose.count("squat"), 0u);  // the model does not know squats
  // None frames t = 0 ... 1.5: one of four decided a pose. Transition frames are not counted.
  EXPECT_EQ(m.none_frames, 4);
  EXPECT_EQ(m.false_poses, 1);
  EXPECT_DOUBLE_EQ(m.false_pose_rate(), 0.25);
  // Changes: -/tree, tree/-, -/tree, tree/warrior2, warrior2/tree, tree/- = 6 in 11.5 s.
  EXPECT_EQ(m.changes, 6);
  EXPECT_DOUBLE_EQ(m.seconds, 11.5);
  EXPECT_NEAR(m.changes_per_min(), 6 * 60 / 11.5, 1e-9);
  // Held: pairs of settled tree frames, 3.0-5.5: five pairs, 2.5 s, two of them change.
  EXPECT_EQ(m.held_changes, 2);
  EXPECT_DOUBLE_EQ(m.held_seconds, 2.5);
  EXPECT_DOUBLE_EQ(m.held_changes_per_min(), 48.0);
}

TEST(ClipEvaluation, TotalsAddClips) {
  auto labels = parse_clip_labels(kLabels, "clip.tsv");
  ASSERT_TRUE(labels.ok());
  const ClipMetrics one = evaluate_clip(labels.value(), frames(), knows_tree);
  ClipMetrics total;
  total += one;
  total += one;
  EXPECT_EQ(total.poses.frames, 12);
  EXPECT_EQ(total.per_pose.at("tree").hits, 10);
  EXPECT_DOUBLE_EQ(total.false_pose_rate(), 0.25);
  EXPECT_DOUBLE_EQ(total.held_changes_per_min(), 48.0);
  const auto json = clip_metrics_json(total);
  EXPECT_DOUBLE_EQ(json["pose_recall"].get<double>(), 0.833);
  EXPECT_EQ(json["none_frames"], 8);
  const std::string table = clip_metrics_table({{"clip", one}}, total);
  EXPECT_NE(table.find("total"), std::string::npos) << table;
}

TEST(ClipEvaluation, SettleTimeIsAnOption) {
  auto labels = parse_clip_labels(kLabels, "clip.tsv");
  ASSERT_TRUE(labels.ok());
  ClipEvaluationOptions options;
  options.settle_s = 0;
  const ClipMetrics m = evaluate_clip(labels.value(), frames(), knows_tree, options);
  EXPECT_EQ(m.poses.frames, 8);  // 2.0 ... 5.5
  EXPECT_EQ(m.poses.hits, 6);    // 2.0 is take_your_pose, 4.0 warrior2
}

TEST(ClipEvaluation, LabelErrorsNameTheFileAndLine) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : {Case{"0\t1\ttree\nx\t2\ttree\n", "clip.tsv:2: start and end"},
                        Case{"0\t1\n", "clip.tsv:1: expected start_s"},
                        Case{"2\t1\ttree\n", "clip.tsv:1: the segment ends before it starts"},
                        Case{"0\t2\ttree\n1\t3\tnone\n", "clip.tsv:2: the segment overlaps"},
                        Case{"0\t1\t\n", "clip.tsv:1: the label is empty"},
                        Case{"\n# nothing\n", "clip.tsv: no segments"}}) {
    auto labels = parse_clip_labels(c.text, "clip.tsv");
    ASSERT_FALSE(labels.ok()) << c.text;
    EXPECT_NE(labels.error().message().find(c.error), std::string::npos)
        << labels.error().message();
  }
  auto missing = read_clip_labels("/nonexistent/clip.tsv");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/nonexistent/clip.tsv"), std::string::npos);
}

TEST(ClipEvaluation, WindowsLineEndingsAndNoNotes) {
  auto labels = parse_clip_labels("0.5\t1.5\ttree\r\n1.5\t3\tnone\r\n", "clip.tsv");
  ASSERT_TRUE(labels.ok()) << labels.error().message();
  EXPECT_EQ(labels->at(1).label, "none");
  EXPECT_EQ(labels->at(1).notes, "");
}

// Reps: a clip of two squat sets (3 + 2 reps) split by a standing pause; per-frame counts as the
// results would give them (total_reps rising, summed over exercises).
constexpr const char* kRepLabels =
    "0.00\t1.00\tmountain\n"
    "1.00\t8.00\tsquat\treps=3; bottoms=2.0,4.5,7.0\n"
    "8.00\t11.00\tmountain\tstanding\n"
    "11.00\t15.00\tsquat\treps=2; bottoms=12.0,14.0\n";

// One frame a second, t = 0 ... 15; the count after each.
std::vector<RepCountFrame> rep_frames(const std::vector<int>& counted) {
  std::vector<RepCountFrame> out;
  for (size_t i = 0; i < counted.size(); ++i) out.push_back({static_cast<double>(i), counted[i]});
  return out;
}

TEST(ClipEvaluation, RepsAreTheSumOfTheSegmentsAndTheRiseOfTheCount) {
  auto labels = parse_clip_labels(kRepLabels, "reps.tsv");
  ASSERT_TRUE(labels.ok()) << labels.error().message();
  EXPECT_EQ(labels->at(1).reps, 3);
  EXPECT_FALSE(labels->at(2).reps.has_value());
  // Counted at 3, 5, 8 and 13 s: one rep missed.
  const ClipReps missed =
      evaluate_clip_reps(*labels, rep_frames({0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4}));
  EXPECT_TRUE(missed.labelled);
  EXPECT_EQ(missed.true_reps, 5);
  EXPECT_EQ(missed.counted, 4);
  EXPECT_EQ(missed.counted_at, (std::vector<double>{3, 5, 8, 13}));
  EXPECT_FALSE(missed.exact());
  EXPECT_TRUE(missed.within_one());
  // Two reps counted in one frame count twice.
  const ClipReps all =
      evaluate_clip_reps(*labels, rep_frames({0, 0, 0, 1, 1, 3, 3, 3, 3, 3, 3, 3, 4, 4, 5, 5}));
  EXPECT_EQ(all.counted, 5);
  EXPECT_TRUE(all.exact());
}

TEST(ClipEvaluation, ARepInAClipWithoutRepLabelsIsAnError) {
  auto yoga = parse_clip_labels("0\t5\ttree\n5\t8\tnone\n", "yoga.tsv");
  ASSERT_TRUE(yoga.ok());
  const ClipReps none = evaluate_clip_reps(*yoga, rep_frames({0, 0, 0, 0, 0, 0, 0, 0}));
  const ClipReps one = evaluate_clip_reps(*yoga, rep_frames({0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_FALSE(one.labelled);
  EXPECT_EQ(one.counted, 1);
  auto squats = parse_clip_labels(kRepLabels, "reps.tsv");
  ASSERT_TRUE(squats.ok());
  const ClipReps exact =
      evaluate_clip_reps(*squats, rep_frames({0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5}));
  const ClipReps off_by_two = evaluate_clip_reps(*squats, rep_frames({0, 0, 0, 1, 1, 2, 2, 3}));
  RepTotals totals;
  for (const ClipReps* c : {&none, &one, &exact, &off_by_two}) totals += *c;
  EXPECT_EQ(totals.clips, 2);
  EXPECT_EQ(totals.exact, 1);
  EXPECT_EQ(totals.within_one, 1);
  EXPECT_EQ(totals.true_reps, 10);
  EXPECT_EQ(totals.counted, 9);  // 1 false + 5 + 3
  EXPECT_EQ(totals.clips_without_reps, 2);
  EXPECT_EQ(totals.false_clips, 1);
  const auto json = rep_totals_json(totals);
  EXPECT_EQ(json["false_clips"], 1);
  EXPECT_EQ(json["within_one"], 1);
  const auto clip = clip_reps_json(off_by_two);
  EXPECT_EQ(clip["counted"], 3);
  EXPECT_EQ(clip["true_reps"], 5);
  EXPECT_EQ(clip["exact"], false);
  EXPECT_EQ(clip["counted_at"].size(), 3u);
  const std::string table = clip_reps_table({{"yoga", one}, {"squats", exact}}, totals);
  EXPECT_NE(table.find("1 of 2 clips exact"), std::string::npos) << table;
  EXPECT_NE(table.find("1 of 2 clips without reps counted some"), std::string::npos) << table;
  EXPECT_NE(table.find("3.0 5.0 8.0 12.0 14.0"), std::string::npos) << table;
}

TEST(ClipEvaluation, AMalformedRepCountNamesTheLine) {
  auto labels =
      parse_clip_labels("0\t1\tmountain\n1\t5\tsquat\treps=three; bottoms=2\n", "bad.tsv");
  ASSERT_FALSE(labels.ok());
  EXPECT_NE(labels.error().message().find("bad.tsv:2: reps= must be a count"), std::string::npos)
      << labels.error().message();
}

}  // namespace
}  // namespace posecast
