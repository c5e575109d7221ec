// --model: the pose library or a trained model file.
#include "posecast/classifier_loader.h"

#include <cctype>

#include "posecast/mlp_classifier.h"

namespace posecast {

Result<LoadedClassifier> load_classifier(const std::string& spec, const PoseLibrary& library,
                                         float threshold) {
  if (spec.empty() || spec == "builtin") {
    ClassifierOptions options;
    if (threshold >= 0) options.threshold = threshold;
    return LoadedClassifier{std::make_shared<LibraryClassifier>(library, options), "builtin"};
  }
  Result<MlpClassifier> model = MlpClassifier::load(spec);
  if (!model) return model.error();
  if (threshold >= 0) model->set_threshold(threshold);
  return LoadedClassifier{std::make_shared<MlpClassifier>(std::move(model).value()), spec};
}

std::string label_for_folder(const std::string& folder, const PoseLibrary& library) {
  if (const PoseEntry* entry = library.find(folder)) return entry->id;
  std::string label;
  for (char c : folder) {
    unsigned char u = static_cast<unsigned char>(c);
    label.push_back(std::isalnum(u) ? static_cast<char>(std::tolower(u)) : '_');
  }
  return label;
}

}  // namespace posecast
