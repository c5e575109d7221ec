// The TF.js graph model loader: model.json and its weight shard, parsed and dequantized by
// parse_model_def (the in-memory half of load_model_def, which GraphModel::load starts with).
//
// Input: the model.json text, then optionally "\n#shard\n" and the bytes of the one weight shard,
// which the manifest finds under the path "w.bin" (a manifest naming other paths gets the
// loader's "weight shard ... is missing" error).
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "engine/model_def.h"
#include "fuzz_support.h"

namespace posecast::fuzz {

inline constexpr std::string_view kShardSeparator = "\n#shard\n";

Status run_model_def(std::string_view input) {
  const auto [json_text, shard] = split_last(input, kShardSeparator);
  std::map<std::string, std::string> shards;
  shards["w.bin"] = std::string(shard);
  Result<engine::ModelDef> def =
      engine::parse_model_def(std::string(json_text), shards, "fuzz/model.json");
  if (!def) return def.error();
  // What the graph planner reads next: every node's attributes through the typed accessors,
  // which report a malformed attribute by throwing std::runtime_error (GraphModel::load catches
  // it and names the node).
  for (const engine::NodeDef& node : def->nodes) {
    for (const char* key : {"T", "dtype", "padding", "strides", "dilations", "value", "shape"}) {
      try {
        (void)node.attrs.i(key);
      } catch (const std::exception&) {
      }
      try {
        (void)node.attrs.ints(key);
      } catch (const std::exception&) {
      }
      try {
        (void)node.attrs.s(key);
      } catch (const std::exception&) {
      }
      try {
        (void)node.attrs.type(key);
      } catch (const std::exception&) {
      }
      try {
        (void)node.attrs.f(key);
      } catch (const std::exception&) {
      }
    }
    for (const std::string& ref : node.inputs) (void)engine::split_tensor_name(ref);
  }
  return Status::Ok();
}

}  // namespace posecast::fuzz

#ifndef POSECAST_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)posecast::fuzz::run_model_def(posecast::fuzz::as_text(data, size));
  return 0;
}
#endif
