// ResNet-18/34/50 (He et al. 2016, "v1.5": the stride on the 3x3 of a bottleneck, as torchvision
// and MXNet's Gluon model zoo have it) in LibTorch, for image classifier models. Private to the
// classifier and the trainer: it pulls in torch.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace posecast::resnet {

// The depths SageMaker's image classification algorithm offers for ImageNet-style inputs.
bool supported_depth(int num_layers);

class ResNetImpl : public torch::nn::Module {
 public:
  ResNetImpl(int num_layers, int num_classes);
  // x: N x 3 x H x W, normalised. Returns logits N x num_classes.
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Sequential stem_{nullptr};
  std::vector<torch::nn::Sequential> stages_;
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ResNet);

// Multiply-accumulates of one forward pass of the convolutions and the classifier at H x W
// (what "GFLOPs" figures count, x2), for throughput figures.
int64_t forward_macs(int num_layers, int num_classes, int height, int width);

// Parameters then buffers (batch-norm running statistics), in a fixed order, without the
// integer batch counters: what the model file stores.
std::vector<std::pair<std::string, torch::Tensor>> stored_tensors(torch::nn::Module& module);

}  // namespace posecast::resnet
