// The classifier model file reader (`--model FILE`, `posecast train pose` output):
// MlpClassifier::load on a JSON header line plus fp16 weights, then one classification, which
// reads every layer the header announced.
//
// Input: the model file's bytes.
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "posecast/features.h"
#include "posecast/mlp_classifier.h"

namespace posecast::fuzz {

Status run_mlp_model(std::string_view input) {
  const std::filesystem::path path = scratch_file("pose.model", input);
  if (path.empty()) return Error("fuzz: cannot write the scratch file");
  Result<MlpClassifier> model = MlpClassifier::load(path);
  if (!model) return model.error();
  // A standing figure: every joint seen, so the features are valid and the network runs.
  Pose pose;
  pose.image_width = pose.image_height = 100;
  for (int j = 0; j < kNumJoints; ++j)
    pose.keypoints[j] = Keypoint{40.0f + j, 10.0f + 5.0f * j, 0.9f};
  const Classification c = model->classify(pose);
  (void)model->labels();
  if (c.decision.empty()) return Error("fuzz: empty decision");
  return Status::Ok();
}

}  // namespace posecast::fuzz

#ifndef POSECAST_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)posecast::fuzz::run_mlp_model(posecast::fuzz::as_text(data, size));
  return 0;
}
#endif
