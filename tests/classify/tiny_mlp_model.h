// A small trained MLP pose model for tests that need a real model file (hot reload, --model):
// varied, jittered stick figures of a few library poses, trained for a few epochs (about a second
// on one core). Two models over different poses tell apart which one is running by their labels.
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "classify/synthetic_poses.h"
#include "posecast/mlp_classifier.h"
#include "posecast/skeleton_poser.h"

namespace posecast::testing {

// Trains on `pose_ids` (library ids, each its own label) and saves the model to `path`.
inline Status save_tiny_mlp_model(const std::filesystem::path& path,
                                  const std::vector<std::string>& pose_ids, uint64_t seed = 1) {
  std::mt19937 rng(static_cast<unsigned>(seed));
  std::uniform_real_distribution<float> place(0.7f, 1.3f);
  std::vector<LabelledPose> data;
  for (const std::string& id : pose_ids)
    for (int i = 0; i < 30; ++i) {
      SkeletonPlacement at;
      at.torso_px = 90 * place(rng);
      at.hip_x = 320 * place(rng);
      const Pose body = pose_skeleton(vary(library_pose_skeleton(id), 8, rng), at);
      data.push_back({jitter(body, 0.02f * at.torso_px, rng), id});
    }
  MlpTrainOptions options;
  options.epochs = 25;
  options.hidden = {16};
  options.seed = seed;
  auto model = MlpClassifier::train(data, options);
  if (!model) return model.error();
  return model->save(path);
}

}  // namespace posecast::testing
