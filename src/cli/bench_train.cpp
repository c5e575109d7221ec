// posecast bench train: ResNet training and inference speed, and the share of the machine's
// convolution throughput they reach.
#include <iostream>
#include <memory>

#include "bench.h"
#include "json_output.h"
#include "posecast/image_training.h"

namespace posecast::cli {

void add_bench_train(CLI::App& bench, Context& ctx) {
  auto args = std::make_shared<TrainBenchmark>();
  auto shape = std::make_shared<std::string>("3,224,224");
  CLI::App* cmd = bench.add_subcommand(
      "train",
      "ResNet training and inference images/s on this machine, and the share of its measured "
      "3x3-convolution throughput (GFLOP/s) they reach. One JSON line.");
  cmd->add_option("--num-layers,--num_layers", args->num_layers, "ResNet depth: 18, 34 or 50")
      ->capture_default_str();
  cmd->add_option("--image-shape,--image_shape", *shape, "channels,height,width")
      ->capture_default_str();
  cmd->add_option("--batch", args->batch, "Mini-batch size")->capture_default_str();
  cmd->add_option("--iters", args->iterations, "Timed iterations (median)")->capture_default_str();
  cmd->add_option("--threads", args->threads, "LibTorch threads (0: one per core)")
      ->capture_default_str();
  cmd->callback([args, shape, &ctx] {
    ImageHyperparameters hp;
    if (Status s = set_hyperparameter(hp, "image_shape", *shape); !s.ok()) {
      std::cerr << "posecast bench train: " << s.error().message() << "\n";
      ctx.exit_code = 2;
      return;
    }
    args->image_shape = hp.image_shape;
    Result<TrainBenchmarkResult> r = benchmark_training(*args);
    if (!r) {
      std::cerr << "posecast bench train: " << r.error().message() << "\n";
      ctx.exit_code = 1;
      return;
    }
    print_json_line({
        {"bench", "train"},
        {"model", "resnet-" + std::to_string(args->num_layers)},
        {"image_shape", *shape},
        {"batch", args->batch},
        {"threads", r->threads},
        {"train_images_per_s", rounded(r->train_images_per_s, 2)},
        {"infer_images_per_s", rounded(r->infer_images_per_s, 2)},
        {"infer_single_ms", rounded(r->infer_single_ms, 1)},
        {"forward_gmacs_per_image", rounded(r->forward_gmacs, 3)},
        {"train_gflops", rounded(r->train_gflops, 2)},
        {"infer_gflops", rounded(r->infer_gflops, 2)},
        {"conv_peak_gflops", rounded(r->conv_peak_gflops, 2)},
        {"train_share_of_conv_peak", rounded(r->train_gflops / r->conv_peak_gflops, 3)},
        {"infer_share_of_conv_peak", rounded(r->infer_gflops / r->conv_peak_gflops, 3)},
        {"peak_rss_mb", rounded(peak_rss_mb(), 1)},
    });
  });
}

}  // namespace posecast::cli
