// ResNet building blocks. Layout follows torchvision's resnet so that the layer names and
// shapes are the familiar ones (conv1, layer1.0.conv1, ..., fc).
#include "posecast/torch/resnet.h"

namespace posecast::resnet {

namespace nn = torch::nn;

namespace {

struct Depth {
  bool bottleneck;
  std::vector<int> blocks;
};

Depth depth_of(int num_layers) {
  switch (num_layers) {
    case 18:
      return {false, {2, 2, 2, 2}};
    case 34:
      return {false, {3, 4, 6, 3}};
    case 50:
      return {true, {3, 4, 6, 3}};
    default:
      return {false, {}};
  }
}

nn::Conv2d conv(int in, int out, int kernel, int stride) {
  return nn::Conv2d(
      nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

// Basic (two 3x3) or bottleneck (1x1, 3x3, 1x1 x4) residual block.
class BlockImpl : public nn::Module {
 public:
  BlockImpl(int in, int width, int stride, bool bottleneck) {
    const int out = bottleneck ? width * 4 : width;
    if (bottleneck) {
      body_ = nn::Sequential(conv(in, width, 1, 1), nn::BatchNorm2d(width), nn::ReLU(true),
                             conv(width, width, 3, stride), nn::BatchNorm2d(width), nn::ReLU(true),
                             conv(width, out, 1, 1), nn::BatchNorm2d(out));
    } else {
      body_ = nn::Sequential(conv(in, width, 3, stride), nn::BatchNorm2d(width), nn::ReLU(true),
                             conv(width, out, 3, 1), nn::BatchNorm2d(out));
    }
    // The last batch norm of each block starts at zero, so every block starts as the identity:
    // training from scratch converges faster and more reliably (Goyal et al. 2017).
    auto last = body_->ptr(body_->size() - 1)->as<nn::BatchNorm2d>();
    torch::NoGradGuard no_grad;
    last->weight.zero_();
    register_module("body", body_);
    if (stride != 1 || in != out) {
      shortcut_ = nn::Sequential(conv(in, out, 1, stride), nn::BatchNorm2d(out));
      register_module("shortcut", shortcut_);
    }
  }

  torch::Tensor forward(torch::Tensor x) {
    torch::Tensor identity = shortcut_ ? shortcut_->forward(x) : x;
    return torch::relu(body_->forward(x) + identity);
  }

 private:
  nn::Sequential body_{nullptr};
  nn::Sequential shortcut_{nullptr};
};
TORCH_MODULE(Block);

}  // namespace

bool supported_depth(int num_layers) { return !depth_of(num_layers).blocks.empty(); }

ResNetImpl::ResNetImpl(int num_layers, int num_classes) {
  const Depth depth = depth_of(num_layers);
  TORCH_CHECK(!depth.blocks.empty(), "ResNet depth ", num_layers, " is not 18, 34 or 50");
  stem_ = nn::Sequential(conv(3, 64, 7, 2), nn::BatchNorm2d(64), nn::ReLU(true),
                         nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  register_module("stem", stem_);
  int in = 64;
  for (size_t s = 0; s < depth.blocks.size(); ++s) {
    const int width = 64 << s;
    nn::Sequential stage;
    for (int b = 0; b < depth.blocks[s]; ++b) {
      const int stride = (s > 0 && b == 0) ? 2 : 1;
      stage->push_back(Block(in, width, stride, depth.bottleneck));
      in = depth.bottleneck ? width * 4 : width;
    }
    stages_.push_back(register_module("layer" + std::to_string(s + 1), stage));
  }
  fc_ = register_module("fc", nn::Linear(in, num_classes));
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<nn::Conv2d>())
      nn::init::kaiming_normal_(c->weight, 0, torch::kFanOut, torch::kReLU);
  }
}

torch::Tensor ResNetImpl::forward(torch::Tensor x) {
  x = stem_->forward(x);
  for (auto& stage : stages_) x = stage->forward(x);
  x = torch::adaptive_avg_pool2d(x, {1, 1}).flatten(1);
  return fc_->forward(x);
}

int64_t forward_macs(int num_layers, int num_classes, int height, int width) {
  const Depth depth = depth_of(num_layers);
  if (depth.blocks.empty()) return 0;
  auto out_size = [](int size, int kernel, int stride) {
    return (size + 2 * (kernel / 2) - kernel) / stride + 1;
  };
  int64_t macs = 0;
  int h = out_size(height, 7, 2), w = out_size(width, 7, 2);
  macs += int64_t{h} * w * 64 * 3 * 49;
  h = out_size(h, 3, 2), w = out_size(w, 3, 2);  // max pool
  int in = 64;
  for (size_t s = 0; s < depth.blocks.size(); ++s) {
    const int wd = 64 << s;
    for (int b = 0; b < depth.blocks[s]; ++b) {
      const int stride = (s > 0 && b == 0) ? 2 : 1;
      const int oh = out_size(h, 3, stride), ow = out_size(w, 3, stride);
      const int out = depth.bottleneck ? wd * 4 : wd;
      if (depth.bottleneck) {
        macs += int64_t{h} * w * in * wd;        // 1x1 at the input size
        macs += int64_t{oh} * ow * wd * wd * 9;  // 3x3, strided
        macs += int64_t{oh} * ow * wd * out;     // 1x1 up
      } else {
        macs += int64_t{oh} * ow * in * wd * 9;
        macs += int64_t{oh} * ow * wd * wd * 9;
      }
      if (stride != 1 || in != out) macs += int64_t{oh} * ow * in * out;
      in = out, h = oh, w = ow;
    }
  }
  return macs + int64_t{in} * num_classes;
}

std::vector<std::pair<std::string, torch::Tensor>> stored_tensors(torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& p : module.named_parameters()) out.emplace_back(p.key(), p.value());
  for (auto& b : module.named_buffers())
    if (b.value().is_floating_point()) out.emplace_back(b.key(), b.value());
  return out;
}

}  // namespace posecast::resnet
