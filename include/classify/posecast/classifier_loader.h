// The classifier behind --model: "builtin" (the zero-shot pose library), a pose model file
// written by `posecast train pose` or an image model file written by `posecast train image`.
#pragma once

#include <memory>
#include <string>

#include "posecast/classifier.h"
#include "posecast/pose_library.h"
#include "posecast/status.h"

namespace posecast {

struct LoadedClassifier {
  std::shared_ptr<const PoseClassifier> classifier;
  std::string name;  // "builtin" or the model file's path
};

// `threshold` < 0 keeps the model's own (0.60 for builtin). `guide_box` > 0: an image model
// classifies only the centred box of this share of the frame height (live video; see
// ImageClassifier::set_guide_box). Errors name the file.
Result<LoadedClassifier> load_classifier(const std::string& spec, const PoseLibrary& library,
                                         float threshold = -1, float guide_box = 0);

// The label a data set folder stands for: the library pose id when `folder` is one of its ids
// or aliases ("downdog" -> "downward_dog"), else the folder name normalised (lower case, '_').
std::string label_for_folder(const std::string& folder, const PoseLibrary& library);

}  // namespace posecast
