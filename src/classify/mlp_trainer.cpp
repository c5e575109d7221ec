// Training the MLP classifier with LibTorch: the only part of classification that needs torch.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "posecast/mlp_classifier.h"
#include "posecast/skeleton_poser.h"

namespace posecast {

namespace {

// A random stick figure: every segment in any direction, somewhere in a 640x480 image.
Pose random_body(std::mt19937& rng) {
  std::uniform_real_distribution<float> any(0, 360), yaw(-90, 90), place(0.5f, 1.5f);
  SkeletonAngles a;
  a.torso = any(rng);
  a.yaw = yaw(rng);
  for (float* v : {&a.left_upper_arm, &a.left_forearm, &a.right_upper_arm, &a.right_forearm,
                   &a.left_thigh, &a.left_shin, &a.right_thigh, &a.right_shin})
    *v = any(rng);
  SkeletonPlacement at;
  at.torso_px = 80 * place(rng);
  at.hip_x = 320 * place(rng);
  at.hip_y = 240 * place(rng);
  return pose_skeleton(a, at);
}

struct Augmenter {
  const MlpTrainOptions& options;
  std::mt19937 rng;

  // One augmented copy: mirrored (label swapped) half the time, turned, scaled, jittered.
  std::pair<Pose, std::string> operator()(const LabelledPose& example) {
    Pose pose = example.pose;
    std::string label = example.label;
    std::uniform_real_distribution<float> unit(-1, 1);
    if (options.mirror && std::bernoulli_distribution(0.5)(rng)) {
      pose = mirror_pose(pose);
      label = mirror_label(label);
    }
    pose = rotate_and_scale(pose, options.rotate_deg * unit(rng),
                            1 + options.scale_jitter * unit(rng));
    Features f = compute_features(pose, options.features);
    if (f.valid && options.keypoint_noise > 0) {
      std::normal_distribution<float> noise(0, options.keypoint_noise * f.torso_length_px);
      for (Keypoint& k : pose.keypoints) k.x += noise(rng), k.y += noise(rng);
    }
    return {pose, label};
  }
};

// Centroid and 95 % radius of each class's training feature vectors, over augmented copies
// of the examples (the distribution training saw; a few photos alone would give a radius too
// tight to accept the next person), for the distance-to-training-data check.
void fit_novelty(const MlpClassifier& model, const std::vector<LabelledPose>& data,
                 const MlpTrainOptions& options, MlpCalibration& calibration) {
  const auto& classes = model.classes();
  std::vector<std::vector<std::vector<float>>> by_class(classes.size());
  Augmenter augment{options, std::mt19937(static_cast<uint32_t>(options.seed) + 2)};
  constexpr int kCopies = 8;
  for (const LabelledPose& e : data) {
    for (int copy = 0; copy < kCopies; ++copy) {
      auto [pose, label] = augment(e);
      auto it = std::find(classes.begin(), classes.end(), label);
      if (it == classes.end()) continue;
      Features f = compute_features(pose, options.features);
      if (f.valid) by_class[static_cast<size_t>(it - classes.begin())].push_back(feature_vector(f));
    }
  }
  calibration.centroids.assign(classes.size(), std::vector<float>(kFeatureVectorSize, 0.0f));
  calibration.radius.assign(classes.size(), 1.0f);
  for (size_t c = 0; c < classes.size(); ++c) {
    const auto& rows = by_class[c];
    if (rows.empty()) continue;
    std::vector<float>& centre = calibration.centroids[c];
    for (const auto& r : rows)
      for (int i = 0; i < kFeatureVectorSize; ++i)
        centre[i] += r[i] / static_cast<float>(rows.size());
    std::vector<float> d;
    for (const auto& r : rows) {
      double d2 = 0;
      for (int i = 0; i < kFeatureVectorSize; ++i)
        d2 += double(r[i] - centre[i]) * (r[i] - centre[i]);
      d.push_back(static_cast<float>(std::sqrt(d2)));
    }
    std::sort(d.begin(), d.end());
    float r95 = d[std::min(d.size() - 1, static_cast<size_t>(0.95 * double(d.size())))];
    calibration.radius[c] = std::max(r95, 1e-3f);
  }
}

// The softmax temperature that minimises the negative log-likelihood of `validation` (a grid
// search: one dimension, a few hundred examples).
float fit_temperature(const MlpClassifier& model, const std::vector<LabelledPose>& validation,
                      const FeatureOptions& features) {
  std::vector<std::vector<float>> logits;
  std::vector<size_t> truth;
  const auto& classes = model.classes();
  for (const LabelledPose& e : validation) {
    auto it = std::find(classes.begin(), classes.end(), e.label);
    if (it == classes.end()) {  // a sided pose labelled without its side: take either side
      it = std::find_if(classes.begin(), classes.end(),
                        [&](const std::string& c) { return split_label(c).first == e.label; });
      if (it == classes.end()) continue;
    }
    Features f = compute_features(e.pose, features);
    if (!f.valid) continue;
    logits.push_back(model.logits(f));
    truth.push_back(static_cast<size_t>(it - classes.begin()));
  }
  if (logits.size() < 5) return 1;
  float best_t = 1;
  double best_nll = std::numeric_limits<double>::infinity();
  for (float t = 0.25f; t <= 8.0f; t *= 1.05f) {
    double nll = 0;
    for (size_t k = 0; k < logits.size(); ++k) {
      const auto& z = logits[k];
      float top = *std::max_element(z.begin(), z.end());
      double sum = 0;
      for (float v : z) sum += std::exp((v - top) / t);
      // Sides of one pose count together: the validation label may not say which side.
      const std::string id = split_label(classes[truth[k]]).first;
      double p = 0;
      for (size_t c = 0; c < z.size(); ++c)
        if (split_label(classes[c]).first == id) p += std::exp((z[c] - top) / t) / sum;
      nll -= std::log(std::max(p, 1e-12));
    }
    if (nll < best_nll) best_nll = nll, best_t = t;
  }
  return best_t;
}

// The examples that show a body, and `synthetic_negatives` random bodies labelled take_your_pose.
std::vector<LabelledPose> training_data(const std::vector<LabelledPose>& examples,
                                        const MlpTrainOptions& options, std::mt19937& rng) {
  std::vector<LabelledPose> data;
  for (const LabelledPose& e : examples)
    if (compute_features(e.pose, options.features).valid) data.push_back(e);
  if (data.empty()) return data;
  for (int i = 0; i < options.synthetic_negatives; ++i)
    data.push_back({random_body(rng), std::string(kTakeYourPose)});
  return data;
}

// The output classes, sorted: every label, and with `mirror` each label's mirror image.
std::vector<std::string> output_classes(const std::vector<LabelledPose>& data,
                                        const MlpTrainOptions& options) {
  std::set<std::string> class_set;
  for (const LabelledPose& e : data) {
    class_set.insert(e.label);
    if (options.mirror) class_set.insert(mirror_label(e.label));
  }
  return {class_set.begin(), class_set.end()};
}

struct Normalisation {
  std::vector<float> mean, stddev;
};

// Feature normalisation from the examples as given (and mirrored, as training will see them).
Normalisation feature_normalisation(const std::vector<LabelledPose>& data,
                                    const MlpTrainOptions& options) {
  const int n_features = kFeatureVectorSize;
  std::vector<double> sum(n_features, 0), sum_sq(n_features, 0);
  int count = 0;
  for (const LabelledPose& e : data) {
    for (bool mirrored : {false, true}) {
      if (mirrored && !options.mirror) continue;
      std::vector<float> v = feature_vector(
          compute_features(mirrored ? mirror_pose(e.pose) : e.pose, options.features));
      for (int i = 0; i < n_features; ++i) sum[i] += v[i], sum_sq[i] += double(v[i]) * v[i];
      ++count;
    }
  }
  Normalisation norm{std::vector<float>(n_features), std::vector<float>(n_features)};
  for (int i = 0; i < n_features; ++i) {
    norm.mean[i] = static_cast<float>(sum[i] / count);
    double var = sum_sq[i] / count - double(norm.mean[i]) * norm.mean[i];
    norm.stddev[i] = static_cast<float>(std::max(std::sqrt(std::max(var, 0.0)), 1e-2));
  }
  return norm;
}

// Linear + ReLU per hidden width, then a linear layer to the classes.
struct Network {
  torch::nn::Sequential net;
  std::vector<torch::nn::Linear> linears;
};

Network build_network(const MlpTrainOptions& options, size_t classes) {
  Network network;
  int previous = kFeatureVectorSize;
  for (int width : options.hidden) {
    network.linears.push_back(torch::nn::Linear(previous, width));
    network.net->push_back(network.linears.back());
    network.net->push_back(torch::nn::ReLU());
    previous = width;
  }
  network.linears.push_back(torch::nn::Linear(previous, static_cast<int64_t>(classes)));
  network.net->push_back(network.linears.back());
  return network;
}

// Adam over `epochs` shuffled passes (shuffled by `rng`), each example augmented afresh.
void train_network(Network& network, const std::vector<LabelledPose>& data,
                   const std::vector<std::string>& classes, const Normalisation& norm,
                   const MlpTrainOptions& options, std::mt19937& rng) {
  const int n_features = kFeatureVectorSize;
  auto class_index = [&](const std::string& label) {
    return static_cast<int64_t>(std::lower_bound(classes.begin(), classes.end(), label) -
                                classes.begin());
  };
  torch::optim::Adam optimizer(
      network.net->parameters(),
      torch::optim::AdamOptions(options.learning_rate).weight_decay(options.weight_decay));
  Augmenter augment{options, std::mt19937(static_cast<uint32_t>(options.seed) + 1)};
  std::vector<size_t> order(data.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const int batch = std::max(1, options.batch_size);
  network.net->train();
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double loss_sum = 0;
    int batches = 0;
    for (size_t start = 0; start < order.size(); start += batch) {
      size_t end = std::min(order.size(), start + batch);
      auto x = torch::empty({static_cast<int64_t>(end - start), n_features});
      auto y = torch::empty({static_cast<int64_t>(end - start)}, torch::kLong);
      auto xa = x.accessor<float, 2>();
      auto ya = y.accessor<int64_t, 1>();
      for (size_t k = start; k < end; ++k) {
        auto [pose, label] = augment(data[order[k]]);
        std::vector<float> v = feature_vector(compute_features(pose, options.features));
        int64_t row = static_cast<int64_t>(k - start);
        for (int i = 0; i < n_features; ++i) xa[row][i] = (v[i] - norm.mean[i]) / norm.stddev[i];
        ya[row] = class_index(label);
      }
      optimizer.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(network.net->forward(x), y);
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<float>();
      ++batches;
    }
    if (options.on_epoch)
      options.on_epoch(epoch + 1, options.epochs,
                       static_cast<float>(loss_sum / std::max(1, batches)));
  }
}

// The trained weights as the classifier keeps them.
std::vector<MlpClassifier::Layer> exported_layers(const Network& network) {
  std::vector<MlpClassifier::Layer> layers;
  for (const auto& linear : network.linears) {
    MlpClassifier::Layer l;
    auto w = linear->weight.detach().contiguous();
    auto b = linear->bias.detach().contiguous();
    l.out = static_cast<int>(w.size(0));
    l.in = static_cast<int>(w.size(1));
    l.weight.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
    l.bias.assign(b.data_ptr<float>(), b.data_ptr<float>() + b.numel());
    layers.push_back(std::move(l));
  }
  return layers;
}

}  // namespace

Result<MlpClassifier> MlpClassifier::train(const std::vector<LabelledPose>& examples,
                                           const MlpTrainOptions& options,
                                           const std::vector<LabelledPose>& validation) {
  std::mt19937 rng(static_cast<uint32_t>(options.seed));
  std::vector<LabelledPose> data = training_data(examples, options, rng);
  if (data.empty()) return Error("mlp training: no example shows a body");
  std::vector<std::string> classes = output_classes(data, options);
  if (classes.size() < 2) return Error("mlp training: the examples need at least two labels");
  Normalisation norm = feature_normalisation(data, options);

  torch::manual_seed(options.seed);
  Network network = build_network(options, classes.size());
  train_network(network, data, classes, norm, options, rng);

  MlpClassifier model(std::move(classes), std::move(norm.mean), std::move(norm.stddev),
                      exported_layers(network), options.threshold, options.features);
  MlpCalibration calibration;
  fit_novelty(model, data, options, calibration);
  calibration.temperature = fit_temperature(model, validation, options.features);
  model.set_calibration(std::move(calibration));
  return model;
}

}  // namespace posecast
