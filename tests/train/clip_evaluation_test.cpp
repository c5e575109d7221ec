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

}  // namespace
}  // namespace posecast
