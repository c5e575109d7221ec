// The image model file and input preparation, shared by the image classifier and the trainer
// (which both hold the ResNet as a LibTorch module). Private: pulls in torch.
#pragma once

#include <filesystem>
#include <opencv2/core/mat.hpp>
#include <vector>

#include "posecast/image_classifier.h"
#include "posecast/status.h"
#include "posecast/torch/resnet.h"

namespace posecast::image_model {

// Writes the model file (header line + fp16 tensors) atomically: a temporary file, then rename.
Status save(const std::filesystem::path& path, const ImageModelInfo& info, resnet::ResNet& net);

struct Loaded {
  ImageModelInfo info;
  resnet::ResNet net{nullptr};  // eval mode
};
Result<Loaded> load(const std::filesystem::path& path);
// Converts the convolution weights to channels-last, the fast layout for inference.
void use_channels_last(resnet::ResNet& net);

// The training/inference view of a picture: shorter side to the input size, centre crop.
cv::Mat fit_to_input(const cv::Mat& bgr, int width, int height);
// BGR 8-bit pictures of the input size -> N x 3 x H x W float, RGB, normalised.
torch::Tensor to_input(const std::vector<cv::Mat>& pictures, const ImageModelInfo& info);

}  // namespace posecast::image_model
