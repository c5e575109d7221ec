// A TF.js graph model as read from disk: nodes, attributes and dequantized weights.
// Torch-free so the parser can be fuzzed and tested on its own.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "posecast/engine.h"
#include "posecast/half_float.h"
#include "posecast/status.h"
#include "posecast/tensor.h"

namespace posecast::engine {

// A node attribute in TF's AttrValue JSON form ({"i": "2"}, {"list": {"i": [...]}}, {"s": base64},
// ...).
class Attrs {
 public:
  Attrs() = default;
  explicit Attrs(nlohmann::json attr) : attr_(std::move(attr)) {}

  bool has(const std::string& key) const { return attr_.contains(key); }
  // Each accessor returns `fallback` when the attribute is absent and throws
  // std::runtime_error naming the attribute when it is present but malformed.
  int64_t i(const std::string& key, int64_t fallback = 0) const;
  float f(const std::string& key, float fallback = 0) const;
  bool b(const std::string& key, bool fallback = false) const;
  std::string s(const std::string& key, const std::string& fallback = "") const;  // base64-decoded
  std::vector<int64_t> ints(const std::string& key) const;
  std::vector<std::string> strings(const std::string& key) const;  // base64-decoded
  std::optional<DType> type(const std::string& key) const;         // "DT_FLOAT" etc.
  std::string type_name(const std::string& key) const;             // "DT_FLOAT", "" when absent

 private:
  nlohmann::json attr_ = nlohmann::json::object();
};

struct NodeDef {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;  // "node", "node:1"; control inputs ("^node") are dropped
  Attrs attrs;
};

struct ModelDef {
  std::filesystem::path path;  // model.json
  std::vector<NodeDef> nodes;
  std::map<std::string, HostTensor> weights;  // by Const node name, dequantized
  std::vector<TensorSpec> inputs;   // from the signature (or Placeholders), in signature order
  std::vector<TensorSpec> outputs;  // from the signature, in signature order
};

// Reads model.json and its weight shards. Errors name the file and what is wrong in it.
Result<ModelDef> load_model_def(const std::filesystem::path& model_json);
// The same from memory (the shards by their manifest path): used by tests and the fuzzer.
Result<ModelDef> parse_model_def(const std::string& model_json_text,
                                 const std::map<std::string, std::string>& shards,
                                 const std::filesystem::path& path_for_errors);

// "name:1" -> {"name", 1}; "name" -> {"name", 0}.
std::pair<std::string, int> split_tensor_name(const std::string& ref);

std::string base64_decode(const std::string& in);

}  // namespace posecast::engine
