#include "model_def.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace posecast::engine {

namespace fs = std::filesystem;
using nlohmann::json;
using ordered_json = nlohmann::ordered_json;

namespace {

const json* find_attr(const json& attr, const std::string& key) {
  auto it = attr.find(key);
  return it == attr.end() ? nullptr : &*it;
}

[[noreturn]] void bad_attr(const std::string& key, const char* want) {
  throw std::runtime_error("attribute '" + key + "' is not " + want);
}

int64_t json_int(const json& v) {
  // TF.js writes int64 attributes as strings ("2") and sometimes as numbers.
  if (v.is_string()) return std::stoll(v.get<std::string>());
  if (v.is_number_integer()) return v.get<int64_t>();
  throw std::runtime_error("expected an integer, got " + v.dump());
}

std::optional<DType> dtype_from_tf(const std::string& tf) {
  if (tf == "DT_FLOAT") return DType::kFloat32;
  if (tf == "DT_INT32") return DType::kInt32;
  // Booleans only occur as intermediate values; int64 indices are narrowed like TF.js does.
  if (tf == "DT_INT64" || tf == "DT_BOOL") return DType::kInt32;
  return std::nullopt;
}

std::optional<TensorSpec> spec_from_signature(const std::string& key, const ordered_json& entry) {
  TensorSpec spec;
  spec.name = entry.value("name", key);
  auto dt = dtype_from_tf(entry.value("dtype", std::string("DT_FLOAT")));
  if (!dt) return std::nullopt;
  spec.dtype = *dt;
  if (entry.contains("tensorShape") && entry["tensorShape"].contains("dim"))
    for (const auto& d : entry["tensorShape"]["dim"])
      spec.shape.push_back(json_int(d.value("size", json("-1"))));
  return spec;
}

size_t element_bytes(const std::string& dtype) {
  if (dtype == "float32" || dtype == "int32") return 4;
  if (dtype == "float16" || dtype == "uint16" || dtype == "int16") return 2;
  if (dtype == "uint8" || dtype == "int8" || dtype == "bool") return 1;
  return 0;
}

// Decodes one weight from its bytes into a HostTensor of its original dtype.
Result<HostTensor> decode_weight(const json& spec, const uint8_t* bytes, int64_t n) {
  std::string dtype = spec.value("dtype", "");
  HostTensor t;
  for (const auto& d : spec.at("shape")) t.shape.push_back(d.get<int64_t>());
  if (dtype == "int32" || dtype == "bool") {
    t.dtype = DType::kInt32;
  } else if (dtype == "float32") {
    t.dtype = DType::kFloat32;
  } else {
    return Error("weight dtype '" + dtype + "' is not supported");
  }
  std::string qdtype;
  if (spec.contains("quantization")) qdtype = spec["quantization"].value("dtype", "");
  auto put = [&](int64_t i, double v) {
    if (t.dtype == DType::kFloat32)
      t.f32[i] = static_cast<float>(v);
    else
      t.i32[i] = static_cast<int32_t>(std::lround(v));
  };
  if (t.dtype == DType::kFloat32)
    t.f32.resize(n);
  else
    t.i32.resize(n);
  if (qdtype.empty()) {
    if (dtype == "bool") {
      for (int64_t i = 0; i < n; ++i) t.i32[i] = bytes[i] ? 1 : 0;
    } else if (n == 0) {
      // A zero-element weight (a dimension of 0): nothing to copy, and memcpy must not be handed
      // the empty vector's null data().
    } else if (t.dtype == DType::kFloat32) {
      std::memcpy(t.f32.data(), bytes, n * 4);
    } else {
      std::memcpy(t.i32.data(), bytes, n * 4);
    }
  } else if (qdtype == "float16") {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, bytes + 2 * i, 2);
      put(i, half_to_float(h));
    }
  } else if (qdtype == "uint8" || qdtype == "uint16") {
    // Affine quantization: value = q * scale + min.
    double scale = spec["quantization"].value("scale", 1.0);
    double min = spec["quantization"].value("min", 0.0);
    for (int64_t i = 0; i < n; ++i) {
      uint32_t q = 0;
      if (qdtype == "uint8") {
        q = bytes[i];
      } else {
        uint16_t q16;
        std::memcpy(&q16, bytes + 2 * i, 2);
        q = q16;
      }
      put(i, q * scale + min);
    }
  } else {
    return Error("quantization dtype '" + qdtype + "' is not supported");
  }
  return t;
}

Result<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error(p.string() + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error(p.string() + ": read error");
  return ss.str();
}

}  // namespace

int64_t Attrs::i(const std::string& key, int64_t fallback) const {
  const json* a = find_attr(attr_, key);
  if (!a) return fallback;
  if (!a->contains("i")) bad_attr(key, "an integer");
  return json_int((*a)["i"]);
}

float Attrs::f(const std::string& key, float fallback) const {
  const json* a = find_attr(attr_, key);
  if (!a) return fallback;
  if (!a->contains("f") || !(*a)["f"].is_number()) bad_attr(key, "a float");
  return (*a)["f"].get<float>();
}

bool Attrs::b(const std::string& key, bool fallback) const {
  const json* a = find_attr(attr_, key);
  if (!a) return fallback;
  if (!a->contains("b") || !(*a)["b"].is_boolean()) bad_attr(key, "a boolean");
  return (*a)["b"].get<bool>();
}

std::string Attrs::s(const std::string& key, const std::string& fallback) const {
  const json* a = find_attr(attr_, key);
  if (!a) return fallback;
  if (!a->contains("s") || !(*a)["s"].is_string()) bad_attr(key, "a string");
  return base64_decode((*a)["s"].get<std::string>());
}

std::vector<int64_t> Attrs::ints(const std::string& key) const {
  std::vector<int64_t> out;
  const json* a = find_attr(attr_, key);
  if (!a) return out;
  if (!a->contains("list") || !(*a)["list"].is_object()) bad_attr(key, "a list");
  const json& list = (*a)["list"];
  if (list.contains("i")) {
    if (!list["i"].is_array()) bad_attr(key, "a list of integers");
    for (const auto& v : list["i"]) out.push_back(json_int(v));
  }
  return out;
}

std::vector<std::string> Attrs::strings(const std::string& key) const {
  std::vector<std::string> out;
  const json* a = find_attr(attr_, key);
  if (!a) return out;
  if (!a->contains("list") || !(*a)["list"].is_object()) bad_attr(key, "a list");
  const json& list = (*a)["list"];
  if (list.contains("s")) {
    if (!list["s"].is_array()) bad_attr(key, "a list of strings");
    for (const auto& v : list["s"]) {
      if (!v.is_string()) bad_attr(key, "a list of strings");
      out.push_back(base64_decode(v.get<std::string>()));
    }
  }
  return out;
}

std::optional<DType> Attrs::type(const std::string& key) const {
  const json* a = find_attr(attr_, key);
  if (!a) return std::nullopt;
  if (!a->contains("type") || !(*a)["type"].is_string()) bad_attr(key, "a type");
  return dtype_from_tf((*a)["type"].get<std::string>());
}

std::string Attrs::type_name(const std::string& key) const {
  const json* a = find_attr(attr_, key);
  if (!a) return "";
  if (!a->contains("type") || !(*a)["type"].is_string()) bad_attr(key, "a type");
  return (*a)["type"].get<std::string>();
}

std::pair<std::string, int> split_tensor_name(const std::string& ref) {
  auto colon = ref.rfind(':');
  if (colon == std::string::npos || colon + 1 >= ref.size()) return {ref, 0};
  const std::string tail = ref.substr(colon + 1);
  // No op has anywhere near 100000 outputs: a longer "index" is part of a (then unknown) name,
  // which the planner reports, instead of std::stoi throwing or a huge output table.
  if (tail.size() > 5) return {ref, 0};
  for (char c : tail)
    if (c < '0' || c > '9') return {ref, 0};
  return {ref.substr(0, colon), std::stoi(tail)};
}

float half_to_float(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      bits = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

std::string base64_decode(const std::string& in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  int buf = 0, bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) continue;  // padding and whitespace
    buf = (buf << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  return out;
}

namespace {

// One modelTopology.node entry; control inputs ("^node") are dropped.
Status parse_node(const ordered_json& n, const std::string& where, ModelDef& def) {
  NodeDef node;
  if (!n.is_object() || !n.contains("name") || !n["name"].is_string() || !n.contains("op") ||
      !n["op"].is_string())
    return Error(where + ": a node lacks a string 'name' or 'op'");
  node.name = n["name"].get<std::string>();
  node.op = n["op"].get<std::string>();
  if (n.contains("input")) {
    if (!n["input"].is_array())
      return Error(where + ": node '" + node.name + "': 'input' is not a list");
    for (const auto& in : n["input"]) {
      if (!in.is_string())
        return Error(where + ": node '" + node.name + "': an input is not a string");
      std::string ref = in.get<std::string>();
      if (!ref.empty() && ref[0] == '^') continue;  // control dependency: no data
      node.inputs.push_back(std::move(ref));
    }
  }
  if (n.contains("attr")) {
    if (!n["attr"].is_object())
      return Error(where + ": node '" + node.name + "': 'attr' is not an object");
    node.attrs = Attrs(json::parse(n["attr"].dump()));
  }
  def.nodes.push_back(std::move(node));
  return {};
}

// A manifest group's shards, concatenated in the order it lists them.
struct GroupBytes {
  std::string data;
  std::string shard_names;  // "a.bin, b.bin", for errors
};

Result<GroupBytes> join_shards(const ordered_json& paths,
                               const std::map<std::string, std::string>& shards,
                               const fs::path& path) {
  const std::string where = path.string();
  GroupBytes group;
  for (const auto& p : paths) {
    if (!p.is_string()) return Error(where + ": a weight shard path is not a string");
    std::string name = p.get<std::string>();
    group.shard_names += (group.shard_names.empty() ? "" : ", ") + name;
    auto it = shards.find(name);
    if (it == shards.end())
      return Error(where + ": weight shard '" + name + "' is missing (expected at " +
                   (path.parent_path() / name).string() + ")");
    group.data += it->second;
  }
  return group;
}

// The weight entry `w` decoded from the group's bytes at `offset`, which moves past it.
Status read_weight(const ordered_json& w, const GroupBytes& group, size_t& offset,
                   const std::string& where, ModelDef& def) {
  if (!w.is_object() || !w.contains("name") || !w["name"].is_string() || !w.contains("shape") ||
      !w["shape"].is_array())
    return Error(where + ": a weight entry lacks 'name' or 'shape'");
  std::string name = w["name"].get<std::string>();
  int64_t n = 1;
  for (const auto& d : w["shape"]) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > (int64_t{1} << 31))
      return Error(where + ": weight '" + name + "' has a bad shape " + w["shape"].dump());
    n *= d.get<int64_t>();
    if (n > (int64_t{1} << 31)) return Error(where + ": weight '" + name + "' is too large");
  }
  std::string stored = w.value("dtype", "float32");
  if (w.contains("quantization") && w["quantization"].is_object())
    stored = w["quantization"].value("dtype", stored);
  size_t eb = element_bytes(stored);
  if (eb == 0)
    return Error(where + ": weight '" + name + "' has unsupported dtype '" + stored + "'");
  size_t bytes = static_cast<size_t>(n) * eb;
  if (offset + bytes > group.data.size())
    return Error(where + ": weight '" + name + "' needs bytes " + std::to_string(offset) + ".." +
                 std::to_string(offset + bytes) + " but shard(s) " + group.shard_names +
                 " hold only " + std::to_string(group.data.size()) + " bytes (truncated file?)");
  auto t = decode_weight(json::parse(w.dump()),
                         reinterpret_cast<const uint8_t*>(group.data.data()) + offset, n);
  if (!t) return Error(where + ": weight '" + name + "': " + t.error().message());
  def.weights[name] = std::move(t).value();
  offset += bytes;
  return {};
}

// Weights: each manifest group is laid out over the concatenation of its shards.
Status parse_weight_group(const ordered_json& group,
                          const std::map<std::string, std::string>& shards, const fs::path& path,
                          ModelDef& def) {
  const std::string where = path.string();
  if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() ||
      !group.contains("weights") || !group["weights"].is_array())
    return Error(where + ": a weightsManifest group lacks 'paths' or 'weights'");
  Result<GroupBytes> bytes = join_shards(group["paths"], shards, path);
  if (!bytes) return bytes.error();
  size_t offset = 0;
  for (const auto& w : group["weights"])
    if (Status s = read_weight(w, bytes.value(), offset, where, def); !s.ok()) return s;
  if (offset != bytes->data.size())
    return Error(where + ": shard(s) " + bytes->shard_names + " hold " +
                 std::to_string(bytes->data.size()) + " bytes but the manifest describes " +
                 std::to_string(offset));
  return {};
}

// Signature: inputs and outputs in the order the file lists them (TF.js keeps that order).
Status parse_signature(const ordered_json& sig, const std::string& where, ModelDef& def) {
  for (const char* side : {"inputs", "outputs"}) {
    if (!sig.contains(side) || !sig[side].is_object()) continue;
    for (auto it = sig[side].begin(); it != sig[side].end(); ++it) {
      auto spec = spec_from_signature(it.key(), it.value());
      if (!spec)
        return Error(where + ": signature " + side + " '" + it.key() +
                     "' has an unsupported dtype");
      (std::string(side) == "inputs" ? def.inputs : def.outputs).push_back(*spec);
    }
  }
  return {};
}

}  // namespace

Result<ModelDef> parse_model_def(const std::string& text,
                                 const std::map<std::string, std::string>& shards,
                                 const fs::path& path) {
  const std::string where = path.string();
  ordered_json j;
  try {
    j = ordered_json::parse(text);
  } catch (const std::exception& e) {
    return Error(where + ": malformed JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains("modelTopology") || !j["modelTopology"].is_object() ||
      !j["modelTopology"].contains("node") || !j["modelTopology"]["node"].is_array())
    return Error(where + ": not a TF.js graph model (no modelTopology.node array)");
  if (!j.contains("weightsManifest") || !j["weightsManifest"].is_array())
    return Error(where + ": no weightsManifest array");

  ModelDef def;
  def.path = path;
  try {  // nlohmann's accessors throw on a type the checks do not cover (a number dtype, ...)
    for (const auto& n : j["modelTopology"]["node"])
      if (Status s = parse_node(n, where, def); !s.ok()) return s.error();
    for (const auto& group : j["weightsManifest"])
      if (Status s = parse_weight_group(group, shards, path, def); !s.ok()) return s.error();
    if (j.contains("signature") && j["signature"].is_object())
      if (Status s = parse_signature(j["signature"], where, def); !s.ok()) return s.error();
  } catch (const std::exception& e) {
    return Error(where + ": " + e.what());
  }
  return def;
}

Result<ModelDef> load_model_def(const fs::path& model_json) {
  auto text = read_file(model_json);
  if (!text) return text.error();
  // Read only the shards the manifest names; a missing one is reported by the parser.
  std::map<std::string, std::string> shards;
  try {
    auto j = json::parse(text.value());
    if (j.contains("weightsManifest") && j["weightsManifest"].is_array())
      for (const auto& g : j["weightsManifest"])
        if (g.is_object() && g.contains("paths") && g["paths"].is_array())
          for (const auto& p : g["paths"]) {
            if (!p.is_string()) continue;
            fs::path shard = model_json.parent_path() / p.get<std::string>();
            std::error_code ec;
            if (!fs::is_regular_file(shard, ec)) continue;
            auto bytes = read_file(shard);
            if (!bytes) return bytes.error();
            shards[p.get<std::string>()] = std::move(bytes).value();
          }
  } catch (const std::exception&) {
    // Malformed JSON: parse_model_def reports it with the file name.
  }
  return parse_model_def(text.value(), shards, model_json);
}

}  // namespace posecast::engine
