// The whole TF.js model loader: GraphModel::load (model.json + weight shard from disk: parse,
// dequantize, plan, fold constants, prepare each op), then one run on zero inputs when they are
// small. model_def_fuzzer covers the parser alone, much faster.
//
// Input: as model_def_fuzzer: the model.json text, then optionally "\n#shard\n" and the bytes of
// the weight shard, found under the manifest path "w.bin".
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "posecast/engine.h"

namespace posecast::fuzz {

inline constexpr std::string_view kGraphShardSeparator = "\n#shard\n";

Status run_graph_model(std::string_view input) {
  const auto [json_text, shard] = split_last(input, kGraphShardSeparator);
  const std::filesystem::path model_json = scratch_file("model.json", json_text);
  if (model_json.empty() || scratch_file("w.bin", shard).empty())
    return Error("fuzz: cannot write the scratch files");
  Result<GraphModel> model = GraphModel::load(model_json);
  if (!model) return model.error();
  std::vector<HostTensor> inputs;
  for (const TensorSpec& spec : model->inputs()) {
    HostTensor t;
    t.dtype = spec.dtype;
    int64_t n = 1;
    for (int64_t d : spec.shape) {
      t.shape.push_back(d < 0 ? 1 : d);
      n *= t.shape.back();
      if (n > 4096) return Status::Ok();  // loading was the point; skip slow runs
    }
    if (t.dtype == DType::kFloat32)
      t.f32.assign(static_cast<size_t>(n), 0.5f);
    else
      t.i32.assign(static_cast<size_t>(n), 1);
    inputs.push_back(std::move(t));
  }
  Result<std::vector<HostTensor>> out = model->run(inputs);
  if (!out) return out.error();
  return Status::Ok();
}

}  // namespace posecast::fuzz

#ifndef POSECAST_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)posecast::fuzz::run_graph_model(posecast::fuzz::as_text(data, size));
  return 0;
}
#endif
