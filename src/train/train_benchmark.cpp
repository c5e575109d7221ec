// `posecast bench train`: how fast this machine trains and runs a ResNet, against what its
// convolutions can do at best.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "posecast/image_training.h"
#include "posecast/torch/resnet.h"

namespace posecast {

namespace {

template <class Fn>
double median_seconds(int iterations, Fn&& fn) {
  fn();  // warm-up: first-call allocations and kernel selection
  std::vector<double> times;
  for (int i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

Result<TrainBenchmarkResult> benchmark_training(const TrainBenchmark& o) {
  if (!resnet::supported_depth(o.num_layers))
    return Error("--num-layers " + std::to_string(o.num_layers) + " is not 18, 34 or 50");
  if (o.image_shape[0] != 3 || o.image_shape[1] < 16 || o.image_shape[2] < 16)
    return Error("--image-shape must be 3,H,W with H and W at least 16");
  if (o.batch < 2 || o.iterations < 1) return Error("--batch must be >= 2 and --iterations >= 1");
  TrainBenchmarkResult r;
  r.threads = o.threads > 0 ? o.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(r.threads);
  try {
    torch::manual_seed(1);
    const int classes = 10, h = o.image_shape[1], w = o.image_shape[2];
    resnet::ResNet net(o.num_layers, classes);
    auto input = [&](int n) { return torch::randn({n, 3, h, w}); };
    torch::Tensor x = input(o.batch);
    torch::Tensor y = torch::randint(0, classes, {o.batch}, torch::kLong);
    torch::optim::SGD sgd(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
    net->train();
    const double train_s = median_seconds(o.iterations, [&] {
      sgd.zero_grad();
      torch::Tensor loss = torch::nn::functional::cross_entropy(net->forward(x), y);
      loss.backward();
      sgd.step();
    });
    net->eval();
    torch::NoGradGuard no_grad;
    const double infer_s = median_seconds(o.iterations, [&] { net->forward(x); });
    torch::Tensor one = input(1);
    const double single_s = median_seconds(o.iterations * 3, [&] { net->forward(one); });

    const double macs = static_cast<double>(resnet::forward_macs(o.num_layers, classes, h, w));
    r.forward_gmacs = macs / 1e9;
    r.train_images_per_s = o.batch / train_s;
    r.infer_images_per_s = o.batch / infer_s;
    r.infer_single_ms = single_s * 1e3;
    // A training step is about three forward passes of work (forward, input and weight grads).
    r.train_gflops = 3 * 2 * macs * r.train_images_per_s / 1e9;
    r.infer_gflops = 2 * macs * r.infer_images_per_s / 1e9;

    // The machine's convolution peak: a large 3x3, 128 -> 128 channels at 28x28 (ResNet's
    // second stage, where convolutions are the most efficient), same layout and threads.
    torch::Tensor cx = torch::randn({o.batch, 28, 28, 128}).permute({0, 3, 1, 2});
    torch::Tensor cw = torch::randn({128, 128, 3, 3});
    const double conv_s =
        median_seconds(o.iterations * 2, [&] { torch::conv2d(cx, cw, {}, 1, 1); });
    r.conv_peak_gflops = 2.0 * o.batch * 28 * 28 * 128 * 128 * 9 / conv_s / 1e9;
  } catch (const c10::Error& e) {
    return Error(std::string("bench train: LibTorch: ") + e.what_without_backtrace());
  }
  return r;
}

}  // namespace posecast
