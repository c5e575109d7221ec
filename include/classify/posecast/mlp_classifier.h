// A trained classifier: a small MLP on the feature vector (features.h), for when the zero-shot
// library is not enough (poses it cannot tell apart, a studio's own poses with many photos).
//
// Labels are pose ids, optionally with a side: "tree:left" / "tree:right". classify() reports
// the id as the label and the side as the variant. A "take_your_pose" label trains the "none of
// these" option explicitly; random stick figures can be added to it (synthetic_negatives).
//
// "None of these" has two checks: the calibrated top probability must reach the threshold, and
// the body must lie near the training data of the predicted class (its distance to the class
// centroid in feature space — torso lengths and unit-circle angle coordinates, not normalised,
// so that features that barely varied in training do not dominate — within novelty_factor x
// the radius that held 95 % of that class's augmented training examples). A pose the model never
// saw is not forced into a class.
//
// Model file (version 2): one line of JSON (format, version, labels, feature normalisation, layer
// sizes, threshold, temperature, class centroids and radii, weight byte count and checksum), a
// newline, then the weights as little-endian IEEE fp16, layer by layer: W (out x in, row-major),
// then b.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "posecast/classifier.h"
#include "posecast/keypoints.h"
#include "posecast/status.h"

namespace posecast {

struct LabelledPose {
  Pose pose;
  std::string label;  // "tree", "tree:left", or "take_your_pose"
};

struct MlpTrainOptions {
  std::vector<int> hidden = {64, 32};
  int epochs = 300;
  int batch_size = 64;
  float learning_rate = 3e-3f;
  float weight_decay = 1e-4f;
  // Augmentation in keypoint space, drawn afresh for every example in every epoch.
  bool mirror = true;            // mirror half the examples, swapping ":left" and ":right" labels
  float rotate_deg = 8;          // rotation about the hip centre, uniform in ±rotate_deg
  float scale_jitter = 0.1f;     // scale factor uniform in 1 ± scale_jitter
  float keypoint_noise = 0.02f;  // Gaussian keypoint noise, in torso lengths
  int synthetic_negatives = 0;   // random stick figures added as "take_your_pose"
  float threshold = 0.60f;       // stored in the model: top probability needed to confirm a pose
  uint64_t seed = 1;
  FeatureOptions features;
  // Called after every epoch (progress bars); `loss` is the epoch's mean training loss.
  std::function<void(int epoch, int epochs, float loss)> on_epoch;
};

// Calibration and the distance-to-training-data check, fitted by the trainer.
struct MlpCalibration {
  float temperature = 1;  // logits / temperature before the softmax (fitted on validation data)
  // Per output class (classes() order): centroid of its training feature vectors (augmented, as
  // training saw them) and the distance from it that held 95 % of them. Empty: no check.
  std::vector<std::vector<float>> centroids;
  std::vector<float> radius;
  float novelty_factor = 1.5f;  // reject beyond novelty_factor x radius
};

class MlpClassifier : public PoseClassifier {
 public:
  // Errors name the file and what is wrong with it (truncated, checksum, sizes, version, ...).
  static Result<MlpClassifier> load(const std::filesystem::path& path);
  Status save(const std::filesystem::path& path) const;

  // Trains with LibTorch (src/classify/mlp_trainer.cpp). Errors on an empty or one-label set.
  // `validation` (may be empty) calibrates the probabilities: the softmax temperature that
  // minimises its negative log-likelihood.
  static Result<MlpClassifier> train(const std::vector<LabelledPose>& examples,
                                     const MlpTrainOptions& options = {},
                                     const std::vector<LabelledPose>& validation = {});

  Classification classify(const Pose& pose) const override;
  Classification classify(const Features& features) const;
  // The pose ids it can report (without sides; without take_your_pose).
  std::vector<std::string> labels() const override;
  // The raw output classes, e.g. "tree:left", "take_your_pose".
  const std::vector<std::string>& classes() const { return classes_; }

  float threshold() const { return threshold_; }
  void set_threshold(float threshold) { threshold_ = threshold; }

  struct Layer {
    int in = 0, out = 0;
    std::vector<float> weight;  // out x in, row-major
    std::vector<float> bias;    // out
  };
  // For the trainer: a classifier from its parts (weights rounded to fp16 as saved).
  MlpClassifier(std::vector<std::string> classes, std::vector<float> mean, std::vector<float> std,
                std::vector<Layer> layers, float threshold, FeatureOptions features,
                MlpCalibration calibration = {});

  // Class probabilities (softmax of logits / temperature), in classes() order.
  std::vector<float> probabilities(const Features& features) const;
  // The raw network outputs, in classes() order.
  std::vector<float> logits(const Features& features) const;
  // The normalised feature vector the network sees.
  std::vector<float> normalised(const Features& features) const;
  const MlpCalibration& calibration() const { return calibration_; }
  void set_calibration(MlpCalibration calibration);

 private:
  std::vector<std::string> classes_;
  std::vector<float> mean_, std_;
  std::vector<Layer> layers_;
  float threshold_ = 0.60f;
  FeatureOptions features_;
  MlpCalibration calibration_;
};

// Helpers shared by the trainer and tests. The label with ":left"/":right" swapped.
std::string mirror_label(const std::string& label);
// "tree:left" -> {"tree", "left"}; "plank" -> {"plank", ""}.
std::pair<std::string, std::string> split_label(const std::string& label);
// Rotates (degrees) and scales a pose about its hip centre.
Pose rotate_and_scale(const Pose& pose, float degrees, float scale);

}  // namespace posecast
