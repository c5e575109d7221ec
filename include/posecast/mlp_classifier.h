// A trained classifier: a small MLP on the feature vector (features.h), for when the zero-shot
// library is not enough (poses it cannot tell apart, a studio's own poses with many photos).
//
// Labels are pose ids, optionally with a side: "tree:left" / "tree:right". classify() reports
// the id as the label and the side as the variant. A "take_your_pose" label trains the "none of
// these" option explicitly; random stick figures can be added to it (synthetic_negatives).
//
// Model file (version 1): one line of JSON (format, version, labels, feature normalisation, layer
// sizes, threshold, weight byte count and checksum), a newline, then the weights as little-endian
// IEEE fp16, layer by layer: W (out x in, row-major), then b.
#pragma once

#include <cstdint>
#include <filesystem>
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
};

class MlpClassifier : public PoseClassifier {
 public:
  // Errors name the file and what is wrong with it (truncated, checksum, sizes, version, ...).
  static Result<MlpClassifier> load(const std::filesystem::path& path);
  Status save(const std::filesystem::path& path) const;

  // Trains with LibTorch (src/classify/mlp_trainer.cpp). Errors on an empty or one-label set.
  static Result<MlpClassifier> train(const std::vector<LabelledPose>& examples,
                                     const MlpTrainOptions& options = {});

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
                std::vector<Layer> layers, float threshold, FeatureOptions features);

  // Class probabilities (softmax), in classes() order.
  std::vector<float> probabilities(const Features& features) const;

 private:
  std::vector<std::string> classes_;
  std::vector<float> mean_, std_;
  std::vector<Layer> layers_;
  float threshold_ = 0.60f;
  FeatureOptions features_;
};

// Helpers shared by the trainer and tests. The label with ":left"/":right" swapped.
std::string mirror_label(const std::string& label);
// Rotates (degrees) and scales a pose about its hip centre.
Pose rotate_and_scale(const Pose& pose, float degrees, float scale);

}  // namespace posecast
