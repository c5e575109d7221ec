// On-device training and evaluation from a folder of labelled photos: keypoints of every photo
// (cached), labels mapped onto the pose library, keypoint-space augmentation, a small MLP, and
// its accuracy on held-out photos.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "posecast/classifier.h"
#include "posecast/evaluation.h"
#include "posecast/image_dataset.h"
#include "posecast/mlp_classifier.h"
#include "posecast/pose_extraction.h"
#include "posecast/pose_library.h"
#include "posecast/status.h"

namespace posecast {

enum class TrainingPhase { kKeypoints, kTraining };
// After each photo (kKeypoints: done/total photos) and each epoch (kTraining: done/total epochs).
using TrainingProgress = std::function<void(TrainingPhase phase, size_t done, size_t total)>;

struct PoseTrainingOptions {
  // Share of each label's photos held out for validation when the folder has no train/test split.
  double val_fraction = 0.2;
  uint64_t seed = 1;
  // "None of these" examples: sketched bodies (pose_sketches.h) of every library pose the photos
  // do not teach, and random stick figures, so that the model learns what not to name.
  int negatives_per_pose = 40;
  int random_negatives = 100;
  PoseExtractionOptions extraction;
  MlpTrainOptions mlp;
};

struct PoseTrainingReport {
  MlpClassifier model;
  std::map<std::string, std::string> label_of_folder;  // "downdog" -> "downdog", "Tree" -> "tree"
  size_t photos = 0, train_photos = 0, validation_photos = 0, from_cache = 0;
  std::vector<std::string> no_person;    // photos where no body was found: not trained on
  std::vector<std::string> unreadable;   // error messages naming the photo
  std::optional<Evaluation> validation;  // none when nothing was held out
  double keypoints_s = 0, training_s = 0;
};

Result<PoseTrainingReport> train_pose_classifier(const ImageFolder& folder,
                                                 const PoseLibrary& library,
                                                 const PoseTrainingOptions& options,
                                                 const TrainingProgress& progress = {});

// One classification per photo, or why not (naming the file): keypoints for pose classifiers,
// the picture itself for image classifiers.
Result<std::vector<Result<Classification>>> classify_photos(
    const std::vector<std::filesystem::path>& paths, const PoseClassifier& classifier,
    const PoseExtractionOptions& extraction, const ExtractionProgress& progress = {});

// Accuracy of `classifier` on the photos of `folder` (its test split when it has one). Folder
// labels map onto the library as in training; labels the classifier does not know are reported
// in unknown_classes and left out of accuracy.
Result<Evaluation> evaluate_on_folder(const ImageFolder& folder, const PoseClassifier& classifier,
                                      const PoseLibrary& library,
                                      const PoseExtractionOptions& extraction,
                                      const ExtractionProgress& progress = {});

}  // namespace posecast
