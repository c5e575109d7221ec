#include "posecast/evaluation.h"

#include <gtest/gtest.h>

namespace posecast {
namespace {

std::vector<LabelledPrediction> repeat(const std::string& truth, const std::string& predicted,
                                       int n) {
  return std::vector<LabelledPrediction>(static_cast<size_t>(n), {truth, predicted});
}

TEST(Evaluation, AccuracyPrecisionRecallAndConfusion) {
  std::vector<LabelledPrediction> p;
  for (auto part :
       {repeat("tree", "tree", 8), repeat("tree", "take_your_pose", 2), repeat("plank", "plank", 9),
        repeat("plank", "tree", 1), repeat("cobra", "cobra", 1)})
    p.insert(p.end(), part.begin(), part.end());
  Evaluation e = evaluate(p, {"plank", "tree"});  // cobra is not under evaluation
  EXPECT_EQ(e.n, 20);
  EXPECT_EQ(e.correct, 17);
  EXPECT_DOUBLE_EQ(e.accuracy, 0.85);
  EXPECT_EQ(e.predicted_labels, (std::vector<std::string>{"plank", "tree", "take_your_pose"}));
  EXPECT_EQ(e.confusion, (std::vector<std::vector<int>>{{9, 1, 0}, {0, 8, 2}}));
  // plank: predicted 9 times, all right; 9 of 10 found.
  EXPECT_DOUBLE_EQ(e.per_class[0].precision, 1.0);
  EXPECT_DOUBLE_EQ(e.per_class[0].recall, 0.9);
  // tree: predicted 9 times, 8 right; 8 of 10 found.
  EXPECT_DOUBLE_EQ(e.per_class[1].precision, 8.0 / 9);
  EXPECT_DOUBLE_EQ(e.per_class[1].recall, 0.8);
  EXPECT_EQ(e.per_class[1].support, 10);

  nlohmann::ordered_json j = evaluation_json(e);
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), 0.85);
  EXPECT_EQ(j["n"], 20);
  EXPECT_DOUBLE_EQ(j["per_class"]["tree"]["recall"].get<double>(), 0.8);
  EXPECT_EQ(j["confusion"]["matrix"][1][2], 2);
  EXPECT_EQ(j["confusion"]["predicted"][2], "take_your_pose");

  const std::string text = evaluation_text(e);
  EXPECT_NE(text.find("accuracy 85.0 % (17 of 20 photos)"), std::string::npos) << text;
  EXPECT_NE(text.find("take_your_pose"), std::string::npos);
}

TEST(Evaluation, UnknownClassesAreReported) {
  Evaluation e = evaluate({}, {"tree"});
  e.unknown_classes = {{"handstand", 12}};
  EXPECT_EQ(e.n, 0);
  EXPECT_EQ(e.accuracy, 0);
  EXPECT_EQ(evaluation_json(e)["unknown_classes"]["handstand"], 12);
  EXPECT_NE(evaluation_text(e).find("class 'handstand' (12 photos) is unknown"), std::string::npos);
}

}  // namespace
}  // namespace posecast
