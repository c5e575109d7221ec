// Accuracy, per-class precision/recall and the confusion matrix.
#include "posecast/evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace posecast {

Evaluation evaluate(const std::vector<LabelledPrediction>& predictions,
                    const std::vector<std::string>& classes) {
  Evaluation e;
  e.classes = classes;
  e.predicted_labels = classes;
  auto column = [&](const std::string& label) {
    auto it = std::find(e.predicted_labels.begin(), e.predicted_labels.end(), label);
    if (it != e.predicted_labels.end()) return static_cast<size_t>(it - e.predicted_labels.begin());
    e.predicted_labels.push_back(label);
    for (auto& row : e.confusion) row.push_back(0);
    return e.predicted_labels.size() - 1;
  };
  e.confusion.assign(classes.size(), std::vector<int>(classes.size(), 0));
  for (const LabelledPrediction& p : predictions) {
    auto row = std::find(classes.begin(), classes.end(), p.truth);
    if (row == classes.end()) continue;  // not a class under evaluation
    size_t c = column(p.predicted);
    ++e.confusion[static_cast<size_t>(row - classes.begin())][c];
    ++e.n;
    if (p.predicted == p.truth) ++e.correct;
  }
  e.accuracy = e.n ? double(e.correct) / e.n : 0;
  for (size_t i = 0; i < classes.size(); ++i) {
    Evaluation::PerClass pc;
    int predicted_as = 0;
    for (const auto& row : e.confusion) predicted_as += row[i];
    for (int v : e.confusion[i]) pc.support += v;
    const int tp = e.confusion[i][i];
    pc.precision = predicted_as ? double(tp) / predicted_as : 0;
    pc.recall = pc.support ? double(tp) / pc.support : 0;
    pc.f1 = pc.precision + pc.recall > 0 ? 2 * pc.precision * pc.recall / (pc.precision + pc.recall)
                                         : 0;
    e.per_class.push_back(pc);
  }
  return e;
}

namespace {
double round4(double v) { return std::round(v * 10000) / 10000; }
}  // namespace

nlohmann::ordered_json evaluation_json(const Evaluation& e) {
  nlohmann::ordered_json per_class = nlohmann::ordered_json::object();
  for (size_t i = 0; i < e.classes.size(); ++i)
    per_class[e.classes[i]] = {{"precision", round4(e.per_class[i].precision)},
                               {"recall", round4(e.per_class[i].recall)},
                               {"f1", round4(e.per_class[i].f1)},
                               {"support", e.per_class[i].support}};
  nlohmann::ordered_json unknown = nlohmann::ordered_json::object();
  for (const auto& [label, count] : e.unknown_classes) unknown[label] = count;
  return {{"accuracy", round4(e.accuracy)},
          {"n", e.n},
          {"correct", e.correct},
          {"per_class", per_class},
          {"confusion",
           {{"labels", e.classes}, {"predicted", e.predicted_labels}, {"matrix", e.confusion}}},
          {"unknown_classes", unknown},
          {"no_person", e.no_person},
          {"unreadable", e.unreadable}};
}

std::string evaluation_text(const Evaluation& e) {
  std::ostringstream s;
  char line[256];
  std::snprintf(line, sizeof line, "accuracy %.1f %% (%d of %d photos)\n\n", 100 * e.accuracy,
                e.correct, e.n);
  s << line;
  size_t width = 8;
  for (const auto& l : e.predicted_labels) width = std::max(width, l.size());
  std::snprintf(line, sizeof line, "%-*s %9s %9s %9s %8s\n", int(width), "class", "precision",
                "recall", "f1", "photos");
  s << line;
  for (size_t i = 0; i < e.classes.size(); ++i) {
    std::snprintf(line, sizeof line, "%-*s %8.1f%% %8.1f%% %8.1f%% %8d\n", int(width),
                  e.classes[i].c_str(), 100 * e.per_class[i].precision, 100 * e.per_class[i].recall,
                  100 * e.per_class[i].f1, e.per_class[i].support);
    s << line;
  }
  s << "\nconfusion (rows: true class, columns: predicted)\n";
  std::snprintf(line, sizeof line, "%-*s", int(width), "");
  s << line;
  for (const auto& l : e.predicted_labels) s << ' ' << l;
  s << '\n';
  for (size_t i = 0; i < e.classes.size(); ++i) {
    std::snprintf(line, sizeof line, "%-*s", int(width), e.classes[i].c_str());
    s << line;
    for (size_t c = 0; c < e.predicted_labels.size(); ++c) {
      std::snprintf(line, sizeof line, " %*d", int(e.predicted_labels[c].size()),
                    e.confusion[i][c]);
      s << line;
    }
    s << '\n';
  }
  if (e.no_person)
    s << "\nno person found in " << e.no_person << " photos (counted as take_your_pose)\n";
  for (const auto& [label, count] : e.unknown_classes)
    s << "not evaluated: class '" << label << "' (" << count
      << " photos) is unknown to the model\n";
  for (const auto& u : e.unreadable) s << "unreadable: " << u << '\n';
  return s.str();
}

}  // namespace posecast
