// Builds small TF.js graph models on disk for engine tests: nodes, attributes and float32 /
// int32 / float16 weights, written as model.json + one shard into a temporary folder.
#pragma once

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace posecast::testing {

inline std::string b64(const std::string& s) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : s) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(t[(val >> bits) & 0x3f]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(t[((val << 8) >> (bits + 8)) & 0x3f]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

class TinyGraph {
 public:
  using json = nlohmann::ordered_json;

  // Attribute helpers in TF's JSON form.
  static json i(int64_t v) { return {{"i", std::to_string(v)}}; }
  static json f(float v) { return {{"f", v}}; }
  static json b(bool v) { return {{"b", v}}; }
  static json s(const std::string& v) { return {{"s", b64(v)}}; }
  static json type(const std::string& v) { return {{"type", v}}; }
  static json ints(std::vector<int64_t> v) {
    json l = json::array();
    for (auto x : v) l.push_back(std::to_string(x));
    return {{"list", {{"i", l}}}};
  }
  static json strings(std::vector<std::string> v) {
    json l = json::array();
    for (auto& x : v) l.push_back(b64(x));
    return {{"list", {{"s", l}}}};
  }

  TinyGraph& input(const std::string& name, std::vector<int64_t> shape,
                   const std::string& dtype = "DT_FLOAT") {
    json dims = json::array();
    for (auto d : shape) dims.push_back({{"size", std::to_string(d)}});
    nodes_.push_back({{"name", name}, {"op", "Placeholder"}, {"attr", {{"dtype", type(dtype)}}}});
    inputs_[name] = {{"name", name + ":0"}, {"dtype", dtype}, {"tensorShape", {{"dim", dims}}}};
    return *this;
  }
  TinyGraph& const_f32(const std::string& name, std::vector<int64_t> shape,
                       const std::vector<float>& v) {
    return add_weight(name, shape, "float32",
                      std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4), json());
  }
  TinyGraph& const_i32(const std::string& name, std::vector<int64_t> shape,
                       const std::vector<int32_t>& v) {
    return add_weight(name, shape, "int32",
                      std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4), json());
  }
  // Stored as float16, like the pose models.
  TinyGraph& const_f16(const std::string& name, std::vector<int64_t> shape,
                       const std::vector<uint16_t>& halves) {
    return add_weight(name, shape, "float32",
                      std::string(reinterpret_cast<const char*>(halves.data()), halves.size() * 2),
                      {{"dtype", "float16"}, {"original_dtype", "float32"}});
  }
  TinyGraph& const_u8(const std::string& name, std::vector<int64_t> shape,
                      const std::vector<uint8_t>& q, float scale, float min) {
    return add_weight(
        name, shape, "float32", std::string(q.begin(), q.end()),
        {{"dtype", "uint8"}, {"scale", scale}, {"min", min}, {"original_dtype", "float32"}});
  }
  TinyGraph& node(const std::string& name, const std::string& op, std::vector<std::string> in,
                  json attr = json::object()) {
    nodes_.push_back({{"name", name}, {"op", op}, {"input", in}, {"attr", attr}});
    return *this;
  }
  TinyGraph& output(const std::string& tensor, const std::string& dtype = "DT_FLOAT") {
    outputs_[tensor] = {{"name", tensor}, {"dtype", dtype}};
    return *this;
  }

  json model_json() const {
    json weights = json::array();
    for (const auto& w : weights_) weights.push_back(w);
    return {{"format", "graph-model"},
            {"signature", {{"inputs", inputs_}, {"outputs", outputs_}}},
            {"modelTopology",
             {{"node", nodes_}, {"library", json::object()}, {"versions", json::object()}}},
            {"weightsManifest",
             json::array({{{"paths", {"group1-shard1of1.bin"}}, {"weights", weights}}})}};
  }
  const std::string& shard() const { return shard_; }

  // Writes the model into a fresh folder and returns the model.json path.
  std::filesystem::path write(const std::string& tag) const {
    static std::mt19937 rng(std::random_device{}());
    auto dir = std::filesystem::temp_directory_path() /
               ("posecast-test-" + tag + "-" + std::to_string(rng()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "model.json") << model_json().dump();
    std::ofstream(dir / "group1-shard1of1.bin", std::ios::binary) << shard_;
    return dir / "model.json";
  }

 private:
  TinyGraph& add_weight(const std::string& name, std::vector<int64_t> shape,
                        const std::string& dtype, const std::string& bytes, json quant) {
    json w = {{"name", name}, {"shape", shape}, {"dtype", dtype}};
    if (!quant.is_null()) w["quantization"] = quant;
    weights_.push_back(w);
    shard_ += bytes;
    nodes_.push_back({{"name", name},
                      {"op", "Const"},
                      {"attr", {{"dtype", type(dtype == "int32" ? "DT_INT32" : "DT_FLOAT")}}}});
    return *this;
  }

  json nodes_ = json::array();
  json inputs_ = json::object();
  json outputs_ = json::object();
  std::vector<json> weights_;
  std::string shard_;
};

}  // namespace posecast::testing
