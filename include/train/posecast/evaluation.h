// Accuracy of a classifier on labelled photos: top-1 accuracy, per-class precision and recall,
// and the confusion matrix, as `posecast eval` and `posecast train pose` report them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace posecast {

struct Evaluation {
  // The true classes evaluated (rows); columns are these plus every other predicted label
  // (e.g. "take_your_pose") in `predicted_labels`.
  std::vector<std::string> classes;
  std::vector<std::string> predicted_labels;
  std::vector<std::vector<int>> confusion;  // [true class][predicted label]
  int n = 0;
  int correct = 0;
  double accuracy = 0;
  struct PerClass {
    double precision = 0, recall = 0, f1 = 0;
    int support = 0;  // photos of the class
  };
  std::vector<PerClass> per_class;  // classes order
  // Classes of the data the classifier does not know, with their photo counts (left out of
  // accuracy), and photos that could not be read.
  std::vector<std::pair<std::string, int>> unknown_classes;
  std::vector<std::string> unreadable;
  int no_person = 0;  // photos where no body was found (counted, as take_your_pose)
};

struct LabelledPrediction {
  std::string truth;
  std::string predicted;
};

// `classes`: the true classes to evaluate, in report order.
Evaluation evaluate(const std::vector<LabelledPrediction>& predictions,
                    const std::vector<std::string>& classes);

// {"accuracy","n","correct","per_class":{label:{"precision","recall","f1","support"}},
//  "confusion":{"labels":[...],"predicted":[...],"matrix":[[...]]},"unknown_classes":{...},
//  "no_person":N,"unreadable":[...]}
nlohmann::ordered_json evaluation_json(const Evaluation& e);
// A table for people.
std::string evaluation_text(const Evaluation& e);

}  // namespace posecast
