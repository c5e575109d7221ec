// The stratified split: counts per label, determinism, stability across labels, and the files it
// places (hard links or copies).
#include "posecast/dataset_split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "data_tools/data_temp_dir.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using testing::DataTempDir;

// IN/<label>/img<i>.jpg with `count` files each (the split reads only names, never pixels).
void make_labels(const fs::path& in, const std::vector<std::pair<std::string, int>>& labels) {
  for (const auto& [label, count] : labels)
    for (int i = 0; i < count; ++i)
      testing::write_bytes(in / label / ("img" + std::to_string(i) + ".jpg"),
                           label + " image " + std::to_string(i));
}

const LabelSplit& label(const SplitPlan& plan, const std::string& name) {
  return *std::find_if(plan.labels.begin(), plan.labels.end(),
                       [&](const LabelSplit& s) { return s.label == name; });
}

TEST(SplitCounts, AtLeastOneValidationAndOneTrainingImageFromTwoImagesOn) {
  EXPECT_EQ(validation_count(0, 0.25), 0u);
  EXPECT_EQ(validation_count(1, 0.25), 0u);
  EXPECT_EQ(validation_count(2, 0.25), 1u);
  EXPECT_EQ(validation_count(2, 0.9), 1u);
  EXPECT_EQ(validation_count(3, 0.1), 1u);
  EXPECT_EQ(validation_count(4, 0.25), 1u);
  EXPECT_EQ(validation_count(10, 0.25), 3u);  // 2.5 rounds half away from zero
  EXPECT_EQ(validation_count(100, 0.25), 25u);
  EXPECT_EQ(validation_count(5, 0.99), 4u);
}

TEST(SplitPlan, StratifiedPerLabelAndEveryImageUsedOnce) {
  DataTempDir dir;
  make_labels(dir / "in", {{"chair", 10}, {"tree", 3}, {"solo", 1}, {"pair", 2}});
  testing::write_bytes(dir / "in/stray.jpg", "not in a label");
  Result<SplitPlan> plan = plan_split(dir / "in", {0.25, 3, PlaceMode::kLinkOrCopy});
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  ASSERT_EQ(plan->labels.size(), 4u);
  EXPECT_EQ(plan->labels[0].label, "chair");  // sorted
  const std::map<std::string, std::pair<size_t, size_t>> expected = {
      {"chair", {7, 3}}, {"tree", {2, 1}}, {"solo", {1, 0}}, {"pair", {1, 1}}};
  for (const LabelSplit& s : plan->labels) {
    EXPECT_EQ(s.train.size(), expected.at(s.label).first) << s.label;
    EXPECT_EQ(s.val.size(), expected.at(s.label).second) << s.label;
    std::set<fs::path> all(s.train.begin(), s.train.end());
    for (const fs::path& p : s.val) EXPECT_TRUE(all.insert(p).second) << p << " in both";
    EXPECT_EQ(all.size(), s.train.size() + s.val.size());
    for (const fs::path& p : all) EXPECT_EQ(p.begin()->string(), s.label);
  }
  ASSERT_EQ(plan->not_in_a_label.size(), 1u);
  EXPECT_EQ(plan->not_in_a_label[0], fs::path("stray.jpg"));
}

TEST(SplitPlan, DeterministicForASeedAndStableWhenOtherLabelsChange) {
  DataTempDir dir;
  make_labels(dir / "in", {{"chair", 12}, {"tree", 6}});
  const SplitOptions seed1{0.25, 1, PlaceMode::kLinkOrCopy};
  const SplitOptions seed2{0.25, 2, PlaceMode::kLinkOrCopy};
  Result<SplitPlan> a = plan_split(dir / "in", seed1);
  Result<SplitPlan> b = plan_split(dir / "in", seed1);
  Result<SplitPlan> c = plan_split(dir / "in", seed2);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(label(*a, "chair").val, label(*b, "chair").val);
  EXPECT_EQ(label(*a, "tree").val, label(*b, "tree").val);
  EXPECT_NE(label(*a, "chair").val, label(*c, "chair").val);

  make_labels(dir / "in", {{"tree", 9}, {"warrior", 4}});  // more trees, a new label
  Result<SplitPlan> d = plan_split(dir / "in", seed1);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(label(*a, "chair").val, label(*d, "chair").val);
  EXPECT_EQ(label(*a, "chair").train, label(*d, "chair").train);
}

TEST(SplitPlan, ErrorsNameTheFolder) {
  DataTempDir dir;
  Result<SplitPlan> missing = plan_split(dir / "nope", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("nope: no such folder"), std::string::npos);
  testing::write_bytes(dir / "flat/a.jpg", "x");
  Result<SplitPlan> flat = plan_split(dir / "flat", {});
  ASSERT_FALSE(flat.ok());
  EXPECT_NE(flat.error().message().find("no label folders"), std::string::npos);
  make_labels(dir / "in", {{"a", 2}});
  EXPECT_FALSE(plan_split(dir / "in", {0.0, 1, PlaceMode::kCopy}).ok());
  EXPECT_FALSE(plan_split(dir / "in", {1.0, 1, PlaceMode::kCopy}).ok());
}

TEST(SplitFolder, HardLinksByDefaultCopiesOnRequestAndRefusesAStaleOutput) {
  DataTempDir dir;
  make_labels(dir / "in", {{"chair", 4}, {"tree", 2}});
  testing::write_bytes(dir / "in/tree/nested/deep.jpg", "a nested tree image");
  Result<SplitReport> linked = split_folder(dir / "in", dir / "linked", {0.25, 5});
  ASSERT_TRUE(linked.ok()) << linked.error().message();
  EXPECT_EQ(linked->linked, 7u);
  EXPECT_EQ(linked->copied, 0u);
  for (const LabelSplit& s : linked->plan.labels) {
    for (const fs::path& p : s.train) {
      EXPECT_EQ(fs::hard_link_count(dir / "linked/train" / p), 2u) << p;
      EXPECT_EQ(testing::read_bytes(dir / "linked/train" / p), testing::read_bytes(dir / "in" / p));
      EXPECT_FALSE(fs::exists(dir / "linked/val" / p));
    }
    for (const fs::path& p : s.val) EXPECT_TRUE(fs::exists(dir / "linked/val" / p)) << p;
  }
  const LabelSplit& tree = label(linked->plan, "tree");
  EXPECT_EQ(tree.train.size() + tree.val.size(), 3u);  // the nested image counts for its label

  Result<SplitReport> copied =
      split_folder(dir / "in", dir / "copied", {0.25, 5, PlaceMode::kCopy});
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(copied->copied, 7u);
  const fs::path one = dir / "copied/train" / label(copied->plan, "chair").train[0];
  EXPECT_EQ(fs::hard_link_count(one), 1u);
  // Same seed, same split, whether linked or copied.
  EXPECT_EQ(label(copied->plan, "chair").val, label(linked->plan, "chair").val);

  Result<SplitReport> again = split_folder(dir / "in", dir / "linked", {0.25, 6});
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("already has files"), std::string::npos);
  Result<SplitReport> inside = split_folder(dir / "in", dir / "in/split", {0.25, 6});
  ASSERT_FALSE(inside.ok());
  EXPECT_NE(inside.error().message().find("is inside"), std::string::npos);
}

}  // namespace
}  // namespace posecast
