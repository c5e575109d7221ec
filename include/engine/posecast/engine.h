// Executes a TF.js graph model (model.json + weight shards) with LibTorch.
//
// Loading parses the graph, dequantizes the weights, plans the execution order,
// folds constants and prepares each op's weights in the layout it runs fastest in;
// run() then only executes. The header is torch-free so that callers compile fast.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "posecast/status.h"
#include "posecast/tensor.h"

namespace posecast {

struct EngineOptions {
  // Threads for the convolutions (XNNPACK's pool), at most one per core; LibTorch's own pool
  // stays at 1 (its setting is global to the process).
  int threads = 1;
};

struct TensorSpec {
  std::string name;  // graph tensor name, e.g. "input:0"
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;  // -1 for a dimension the model leaves open
};

class GraphModel {
 public:
  // Errors name the file and, where it applies, the node and op.
  static Result<GraphModel> load(const std::filesystem::path& model_json,
                                 const EngineOptions& options = {});

  GraphModel(GraphModel&&) noexcept;
  GraphModel& operator=(GraphModel&&) noexcept;
  ~GraphModel();

  // One input per entry of inputs(), in that order; returns one tensor per entry of outputs().
  Result<std::vector<HostTensor>> run(const std::vector<HostTensor>& inputs) const;

  const std::vector<TensorSpec>& inputs() const;
  const std::vector<TensorSpec>& outputs() const;
  const std::filesystem::path& path() const;

  // Number of graph nodes left to execute per run after constant folding.
  size_t planned_nodes() const;

  struct Impl;

 private:
  explicit GraphModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
