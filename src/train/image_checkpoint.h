// Checkpoints of `posecast train image`: the network and optimizer state after an epoch, in
// JOB/checkpoints, with latest.json naming the newest, for --resume. Private to src/train.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "posecast/status.h"
#include "posecast/torch/resnet.h"

namespace posecast::image_training {

struct Checkpoint {
  int epoch = 0;
  nlohmann::json meta;
};

// The two tensor files first, then latest.json by rename: a job killed while writing still
// resumes from the checkpoint before. Keeps the last two checkpoints. `meta` (labels, num_layers,
// image_shape, ...) is written into latest.json.
Status save_checkpoint(const std::filesystem::path& dir, int epoch, resnet::ResNet& net,
                       torch::optim::Optimizer& optimizer, const nlohmann::json& meta);

// The newest checkpoint into `net` and `optimizer`; refused (with --resume errors) when its
// labels, num_layers or image_shape differ from `expected`.
Result<Checkpoint> load_checkpoint(const std::filesystem::path& dir, resnet::ResNet& net,
                                   torch::optim::Optimizer& optimizer,
                                   const nlohmann::json& expected);

}  // namespace posecast::image_training
