// Image classifiers: a ResNet trained on the device by `posecast train image` that looks at the
// picture itself, as the original DeepLens system did, rather than at the body's keypoints.
// Useful where a pose is better told from the whole picture (props, a mat, clothing) and for
// datasets prepared for SageMaker's image classification algorithm.
//
// Model file ("posecast-image", version 1): one line of JSON (architecture and depth, labels,
// input shape, colour order and normalisation, threshold, top_k, the stored tensors' names and
// shapes, the weights' byte count and FNV-1a checksum, and a summary of the training job), a
// newline, then every tensor as little-endian IEEE fp16, in the order listed. See
// docs/image-training.md.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <vector>

#include "posecast/classifier.h"
#include "posecast/status.h"

namespace posecast {

inline constexpr const char* kImageModelFormat = "posecast-image";

struct ImageModelInfo {
  std::string architecture = "resnet";
  int num_layers = 18;
  int channels = 3, height = 224, width = 224;  // image_shape "3,224,224"
  std::vector<std::string> labels;              // output order
  // Per RGB channel, on the 0-255 scale: the network sees (pixel - mean) / std.
  std::array<float, 3> mean{123.68f, 116.78f, 103.94f};
  std::array<float, 3> std{58.40f, 57.12f, 57.38f};
  float threshold = 0.60f;  // top probability needed to name a label
  int top_k = 5;            // labels listed in results by default
  nlohmann::json training =
      nlohmann::json::object();  // how it was trained (hyperparameters, accuracy)
};

class ImageClassifier : public PoseClassifier {
 public:
  // Errors name the file and what is wrong (not a model file, truncated, checksum, tensor shapes).
  static Result<ImageClassifier> load(const std::filesystem::path& path);

  // Without a picture there is nothing to look at: take_your_pose, reason "no_image".
  Classification classify(const Pose& pose) const override;
  // Looks at `image` (BGR) inside the guide box when one is set, else the whole picture.
  Classification classify_frame(const Pose& pose, const cv::Mat& image) const override;
  bool uses_image() const override { return true; }
  std::optional<cv::Rect> input_region(cv::Size frame) const override;
  std::vector<std::string> labels() const override { return info_.labels; }

  // Label probabilities (labels() order) for a picture, prepared as in training: shorter side
  // to the input size, centre crop, BGR -> RGB, normalised. Errors: empty or non-BGR picture.
  Result<std::vector<float>> probabilities(const cv::Mat& bgr) const;

  const ImageModelInfo& info() const { return info_; }
  float threshold() const { return info_.threshold; }
  void set_threshold(float threshold) { info_.threshold = threshold; }
  // Live camera use (`posecast run`): the student stands in a centred box of this share of the
  // frame height, with the model's aspect ratio, and only that part is classified. 0 (default,
  // photos): the whole picture.
  void set_guide_box(float fraction) { guide_box_ = fraction; }

  struct Network;  // the LibTorch module (src/classify/image_classifier.cpp)
  ImageClassifier(ImageModelInfo info, std::shared_ptr<Network> network);

 private:
  ImageModelInfo info_;
  std::shared_ptr<Network> network_;  // eval mode, shared by copies; forward is thread-safe
  float guide_box_ = 0;
};

// The centred box of `fraction` x the frame height with aspect width:height, clipped to the frame.
cv::Rect guide_box(cv::Size frame, float fraction, int width, int height);

// "posecast-mlp", "posecast-image", ... from a model file's first line; errors name the file.
Result<std::string> model_file_format(const std::filesystem::path& path);

}  // namespace posecast
