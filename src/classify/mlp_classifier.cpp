// MLP inference and the model file. Plain C++ on purpose: a forward pass of a few thousand
// weights per frame needs no tensor library, and the CLI stays fast to start. Training is in
// mlp_trainer.cpp (LibTorch).
#include "posecast/mlp_classifier.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "posecast/fnv1a.h"
#include "posecast/half_float.h"

namespace posecast {

namespace {

using nlohmann::json;
constexpr const char* kFormat = "posecast-mlp";
constexpr int kVersion = 2;

// IEEE 754 binary16 <-> binary32, round to nearest even; enough for weights (no NaN payloads).
uint16_t to_half(float value) {
  uint32_t f = std::bit_cast<uint32_t>(value);
  uint32_t sign = (f >> 16) & 0x8000u;
  int32_t exponent = static_cast<int32_t>((f >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = f & 0x7fffffu;
  if (((f >> 23) & 0xff) == 0xff)
    return static_cast<uint16_t>(sign | 0x7c00u | (mantissa ? 0x200u : 0));
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow: infinity
  if (exponent <= 0) {                                               // subnormal or zero
    if (exponent < -10) return static_cast<uint16_t>(sign);
    mantissa |= 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - exponent);
    uint32_t half = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1);
    uint32_t midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(exponent) << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1))) ++half;  // may carry into the exponent
  return static_cast<uint16_t>(half);
}

// The engine's fp16 decoder, shared with the model loader.
float from_half(uint16_t h) { return engine::half_to_float(h); }

float round_to_half(float v) { return from_half(to_half(v)); }

std::string hex(uint64_t v) {
  std::ostringstream s;
  s << std::hex << v;
  return s.str();
}

void put_half(std::string& out, float v) {
  uint16_t h = to_half(v);
  out.push_back(static_cast<char>(h & 0xff));
  out.push_back(static_cast<char>(h >> 8));
}

float get_half(const std::string& in, size_t& pos) {
  uint16_t h = static_cast<uint16_t>(static_cast<unsigned char>(in[pos]) |
                                     (static_cast<unsigned char>(in[pos + 1]) << 8));
  pos += 2;
  return from_half(h);
}

}  // namespace

std::pair<std::string, std::string> split_label(const std::string& label) {
  for (const char* side : {":left", ":right"}) {
    std::string_view s(side);
    if (label.size() > s.size() && label.ends_with(s))
      return {label.substr(0, label.size() - s.size()), std::string(s.substr(1))};
  }
  return {label, ""};
}

std::string mirror_label(const std::string& label) {
  auto [id, side] = split_label(label);
  if (side == "left") return id + ":right";
  if (side == "right") return id + ":left";
  return label;
}

Pose rotate_and_scale(const Pose& pose, float degrees, float scale) {
  const Keypoint& lh = pose[Joint::kLeftHip];
  const Keypoint& rh = pose[Joint::kRightHip];
  float cx = (lh.x + rh.x) / 2, cy = (lh.y + rh.y) / 2;
  float r = degrees * 3.14159265f / 180.0f;
  float c = std::cos(r) * scale, s = std::sin(r) * scale;
  Pose out = pose;
  for (Keypoint& k : out.keypoints) {
    float dx = k.x - cx, dy = k.y - cy;
    k.x = cx + c * dx - s * dy;
    k.y = cy + s * dx + c * dy;
  }
  return out;
}

MlpClassifier::MlpClassifier(std::vector<std::string> classes, std::vector<float> mean,
                             std::vector<float> std, std::vector<Layer> layers, float threshold,
                             FeatureOptions features, MlpCalibration calibration)
    : classes_(std::move(classes)),
      mean_(std::move(mean)),
      std_(std::move(std)),
      layers_(std::move(layers)),
      threshold_(threshold),
      features_(features) {
  set_calibration(std::move(calibration));
  // What runs is what a saved and loaded model would run.
  for (Layer& l : layers_) {
    for (float& w : l.weight) w = round_to_half(w);
    for (float& b : l.bias) b = round_to_half(b);
  }
}

void MlpClassifier::set_calibration(MlpCalibration calibration) {
  if (!(calibration.temperature > 0) || !std::isfinite(calibration.temperature))
    calibration.temperature = 1;
  if (calibration.centroids.size() != classes_.size() ||
      calibration.radius.size() != classes_.size()) {
    calibration.centroids.clear();
    calibration.radius.clear();
  }
  calibration_ = std::move(calibration);
}

std::vector<float> MlpClassifier::normalised(const Features& features) const {
  std::vector<float> x = feature_vector(features);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (x[i] - mean_[i]) / std_[i];
  return x;
}

std::vector<float> MlpClassifier::probabilities(const Features& features) const {
  std::vector<float> x = logits(features);
  float top = *std::max_element(x.begin(), x.end());
  float sum = 0;
  for (float& v : x) sum += v = std::exp((v - top) / calibration_.temperature);
  for (float& v : x) v /= sum;
  return x;
}

std::vector<float> MlpClassifier::logits(const Features& features) const {
  std::vector<float> x = normalised(features);
  for (size_t li = 0; li < layers_.size(); ++li) {
    const Layer& l = layers_[li];
    std::vector<float> y(l.bias);
    for (int o = 0; o < l.out; ++o) {
      const float* w = &l.weight[static_cast<size_t>(o) * l.in];
      float sum = 0;
      for (int i = 0; i < l.in; ++i) sum += w[i] * x[i];
      y[o] += sum;
    }
    if (li + 1 < layers_.size())
      for (float& v : y) v = std::max(v, 0.0f);
    x = std::move(y);
  }
  return x;
}

std::vector<std::string> MlpClassifier::labels() const {
  std::vector<std::string> out;
  for (const std::string& c : classes_) {
    std::string id = split_label(c).first;
    if (id != kTakeYourPose && std::find(out.begin(), out.end(), id) == out.end())
      out.push_back(id);
  }
  return out;
}

Classification MlpClassifier::classify(const Pose& pose) const {
  return classify(compute_features(pose, features_));
}

Classification MlpClassifier::classify(const Features& features) const {
  Classification c;
  c.decision = std::string(kTakeYourPose);
  c.distance = std::numeric_limits<float>::quiet_NaN();  // no library distance here
  if (!features.valid) {
    c.none_prob = 1;
    for (const std::string& id : labels()) c.top.push_back({id, 0});
    c.reason = "no_body";
    return c;
  }
  std::vector<float> p = probabilities(features);
  const size_t best_class = static_cast<size_t>(std::max_element(p.begin(), p.end()) - p.begin());
  // Sides of one pose add up to the pose; the best side is its variant.
  std::vector<Prediction> top;
  std::vector<std::pair<std::string, float>> best_side;
  for (size_t i = 0; i < classes_.size(); ++i) {
    auto [id, side] = split_label(classes_[i]);
    if (id == kTakeYourPose) {
      c.none_prob += p[i];
      continue;
    }
    // An init-capture: clang before 16 cannot capture a structured binding (scripts/fuzz.sh).
    auto it = std::find_if(top.begin(), top.end(),
                           [&pose = id](const Prediction& x) { return x.label == pose; });
    if (it == top.end()) {
      top.push_back({id, p[i]});
      best_side.push_back({side, p[i]});
    } else {
      size_t k = static_cast<size_t>(it - top.begin());
      it->prob += p[i];
      if (p[i] > best_side[k].second) best_side[k] = {side, p[i]};
    }
  }
  std::vector<size_t> order(top.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return top[a].prob > top[b].prob; });
  for (size_t i : order) c.top.push_back(top[i]);
  if (c.top.empty()) {
    c.reason = "no_match";
    return c;
  }
  c.variant = best_side[order.front()].first;
  // Distance to the training data of the most likely class, in units of its 95 % radius.
  bool near_training = true;
  if (!calibration_.centroids.empty() && split_label(classes_[best_class]).first != kTakeYourPose) {
    std::vector<float> x = feature_vector(features);
    const std::vector<float>& centre = calibration_.centroids[best_class];
    double d2 = 0;
    for (size_t i = 0; i < x.size(); ++i) d2 += double(x[i] - centre[i]) * (x[i] - centre[i]);
    c.distance = static_cast<float>(std::sqrt(d2)) / calibration_.radius[best_class];
    near_training = c.distance <= calibration_.novelty_factor;
  }
  if (c.top.front().prob < threshold_)
    c.reason = "no_match";
  else if (!near_training)
    c.reason = "unlike_training";
  else
    c.decision = c.top.front().label;
  return c;
}

Status MlpClassifier::save(const std::filesystem::path& path) const {
  std::string weights;
  json layers = json::array();
  for (const Layer& l : layers_) {
    layers.push_back({l.in, l.out});
    for (float w : l.weight) put_half(weights, w);
    for (float b : l.bias) put_half(weights, b);
  }
  json header = {
      {"format", kFormat},
      {"version", kVersion},
      {"feature_size", kFeatureVectorSize},
      {"classes", classes_},
      {"mean", mean_},
      {"std", std_},
      {"layers", layers},
      {"activation", "relu"},
      {"threshold", threshold_},
      {"min_score", features_.min_score},
      {"temperature", calibration_.temperature},
      {"centroids", calibration_.centroids},
      {"radius", calibration_.radius},
      {"novelty_factor", calibration_.novelty_factor},
      {"weights",
       {{"dtype", "float16"}, {"bytes", weights.size()}, {"fnv1a64", hex(fnv1a64(weights))}}}};
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error(path.string() + ": cannot write the model");
    out << header.dump() << '\n' << weights;
    if (!out.flush()) return Error(tmp.string() + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Error(path.string() + ": cannot replace the model: " + ec.message());
  return Status::Ok();
}

namespace {

Error model_error(const std::string& name, const std::string& what) {
  return Error(name + ": " + what);
}

struct ModelFile {
  json header;
  std::string weights;  // the bytes after the header line
};

Result<ModelFile> read_model_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(name + ": cannot open the model");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t newline = content.find('\n');
  if (content.empty() || content[0] != '{' || newline == std::string::npos)
    return Error(name + ": not a posecast MLP model (no JSON header line)");
  ModelFile file;
  try {
    file.header = json::parse(content.substr(0, newline));
  } catch (const json::exception& e) {
    return Error(name + ": corrupt model header: " + e.what());
  }
  file.weights = content.substr(newline + 1);
  return file;
}

// The format, its version and the feature vector size: a file this posecast can read at all.
Status check_format(const json& h, const std::string& name) {
  if (h.value("format", "") != kFormat)
    return model_error(name, "not a posecast MLP model (format is not \"posecast-mlp\")");
  int version = h.at("version").get<int>();
  if (version != kVersion)
    return model_error(name, "unsupported model version " + std::to_string(version) +
                                 " (this posecast reads " + std::to_string(kVersion) + ")");
  int feature_size = h.at("feature_size").get<int>();
  if (feature_size != kFeatureVectorSize)
    return model_error(name, "made for " + std::to_string(feature_size) +
                                 " features, this posecast computes " +
                                 std::to_string(kFeatureVectorSize));
  return {};
}

// The layer shapes, chained from the features to one output per class; `weight_bytes` is what
// their fp16 weights and biases take.
Result<std::vector<MlpClassifier::Layer>> read_layer_shapes(const json& h, size_t classes,
                                                            const std::string& name,
                                                            size_t& weight_bytes) {
  std::vector<MlpClassifier::Layer> layers;
  int previous = kFeatureVectorSize;
  for (const json& l : h.at("layers")) {
    MlpClassifier::Layer layer;
    layer.in = l.at(0).get<int>();
    layer.out = l.at(1).get<int>();
    if (layer.in != previous || layer.out <= 0 || layer.out > 100000)
      return model_error(
          name, "layers: layer " + std::to_string(layers.size()) + " does not fit the one before");
    previous = layer.out;
    weight_bytes += 2 * (static_cast<size_t>(layer.in) * layer.out + layer.out);
    layers.push_back(std::move(layer));
  }
  if (layers.empty() || previous != static_cast<int>(classes))
    return model_error(name, "layers: the last layer must have one output per class");
  return layers;
}

// The fp16 weights of `layers` from `blob`, once its size and checksum match the header `w`.
Status read_weights(const json& w, const std::string& blob, size_t expected_bytes,
                    std::vector<MlpClassifier::Layer>& layers, const std::string& name) {
  if (w.value("dtype", "") != "float16")
    return model_error(name, "weights: only float16 is supported");
  size_t bytes = w.at("bytes").get<size_t>();
  if (bytes != expected_bytes)
    return model_error(name, "weights: header says " + std::to_string(bytes) +
                                 " bytes, the layers need " + std::to_string(expected_bytes));
  if (blob.size() != bytes)
    return model_error(name, "weights: file holds " + std::to_string(blob.size()) +
                                 " bytes, expected " + std::to_string(bytes) +
                                 (blob.size() < bytes ? " (truncated)" : ""));
  if (w.at("fnv1a64").get<std::string>() != hex(fnv1a64(blob)))
    return model_error(name, "weights: checksum mismatch (the file is corrupt)");
  size_t pos = 0;
  for (MlpClassifier::Layer& l : layers) {
    l.weight.resize(static_cast<size_t>(l.in) * l.out);
    l.bias.resize(l.out);
    for (float& v : l.weight) v = get_half(blob, pos);
    for (float& v : l.bias) v = get_half(blob, pos);
    for (float v : l.weight)
      if (!std::isfinite(v)) return model_error(name, "weights: not finite");
  }
  return {};
}

Result<MlpCalibration> read_calibration(const json& h, size_t classes, const std::string& name) {
  MlpCalibration calibration;
  calibration.temperature = h.value("temperature", 1.0f);
  if (!(calibration.temperature > 0)) return model_error(name, "temperature: must be positive");
  calibration.centroids = h.value("centroids", std::vector<std::vector<float>>{});
  calibration.radius = h.value("radius", std::vector<float>{});
  calibration.novelty_factor = h.value("novelty_factor", calibration.novelty_factor);
  if (calibration.centroids.empty()) return calibration;
  if (calibration.centroids.size() != classes || calibration.radius.size() != classes)
    return model_error(name, "centroids/radius: expected one per class");
  for (const auto& c : calibration.centroids)
    if (c.size() != static_cast<size_t>(kFeatureVectorSize))
      return model_error(
          name, "centroids: expected " + std::to_string(kFeatureVectorSize) + " values each");
  for (float r : calibration.radius)
    if (!(r > 0) || !std::isfinite(r)) return model_error(name, "radius: values must be positive");
  return calibration;
}

}  // namespace

Result<MlpClassifier> MlpClassifier::load(const std::filesystem::path& path) {
  const std::string name = path.string();
  Result<ModelFile> file = read_model_file(path);
  if (!file) return file.error();
  const json& h = file->header;
  try {
    if (Status s = check_format(h, name); !s.ok()) return s.error();
    auto classes = h.at("classes").get<std::vector<std::string>>();
    if (classes.size() < 2) return model_error(name, "classes: a model needs at least two classes");
    auto mean = h.at("mean").get<std::vector<float>>();
    auto stddev = h.at("std").get<std::vector<float>>();
    if (mean.size() != static_cast<size_t>(kFeatureVectorSize) || stddev.size() != mean.size())
      return model_error(
          name, "mean/std: expected " + std::to_string(kFeatureVectorSize) + " values each");
    for (float s : stddev)
      if (!(s > 0) || !std::isfinite(s)) return model_error(name, "std: values must be positive");
    size_t weight_bytes = 0;
    Result<std::vector<Layer>> layers = read_layer_shapes(h, classes.size(), name, weight_bytes);
    if (!layers) return layers.error();
    if (Status s = read_weights(h.at("weights"), file->weights, weight_bytes, *layers, name);
        !s.ok())
      return s.error();
    float threshold = h.value("threshold", 0.6f);
    FeatureOptions features;
    features.min_score = h.value("min_score", features.min_score);
    Result<MlpCalibration> calibration = read_calibration(h, classes.size(), name);
    if (!calibration) return calibration.error();
    return MlpClassifier(std::move(classes), std::move(mean), std::move(stddev),
                         std::move(layers).value(), threshold, features,
                         std::move(calibration).value());
  } catch (const json::exception& e) {
    return model_error(name, std::string("corrupt model header: ") + e.what());
  }
}

}  // namespace posecast
