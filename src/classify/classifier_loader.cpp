// --model: the pose library or a trained model file.
#include "posecast/classifier_loader.h"

#include <cctype>

#include "posecast/image_classifier.h"
#include "posecast/mlp_classifier.h"

namespace posecast {

Result<LoadedClassifier> load_classifier(const std::string& spec, const PoseLibrary& library,
                                         float threshold, float guide_box) {
  if (spec.empty() || spec == "builtin") {
    ClassifierOptions options;
    if (threshold >= 0) options.threshold = threshold;
    return LoadedClassifier{std::make_shared<LibraryClassifier>(library, options), "builtin"};
  }
  Result<std::string> format = model_file_format(spec);
  if (format && *format == kImageModelFormat) {
    Result<ImageClassifier> image = ImageClassifier::load(spec);
    if (!image) return image.error();
    if (threshold >= 0) image->set_threshold(threshold);
    image->set_guide_box(guide_box);
    return LoadedClassifier{std::make_shared<ImageClassifier>(std::move(image).value()), spec};
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
