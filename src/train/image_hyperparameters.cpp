// SageMaker image classification hyperparameters: parsing, checking, echoing.
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "posecast/image_training.h"

namespace posecast {

using nlohmann::json;

namespace {

// SageMaker passes every hyperparameter as a string; JSON numbers are accepted as well.
Result<std::string> text_of(const std::string& name, const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_number()) {
    std::ostringstream s;
    s << value.get<double>();
    return s.str();
  }
  if (value.is_boolean()) return std::string(value.get<bool>() ? "1" : "0");
  return Error("hyperparameter " + name + ": " + value.dump() + " is not a string or a number");
}

Result<long long> to_int(const std::string& name, const std::string& text) {
  long long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    return Error("hyperparameter " + name + ": \"" + text + "\" is not a whole number");
  return v;
}

Result<double> to_double(const std::string& name, const std::string& text) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  return Error("hyperparameter " + name + ": \"" + text + "\" is not a number");
}

Result<std::vector<int>> to_int_list(const std::string& name, const std::string& text) {
  std::vector<int> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    Result<long long> v = to_int(name, item);
    if (!v) return v.error();
    if (*v < 0 || *v > 1000000)
      return Error("hyperparameter " + name + ": " + item + " is out of range");
    out.push_back(static_cast<int>(*v));
  }
  return out;
}

std::string join(const std::vector<int>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

Status set_hyperparameter(ImageHyperparameters& hp, const std::string& name, const json& value) {
  Result<std::string> text = text_of(name, value);
  if (!text) return text.error();
  const std::string& t = text.value();
  auto set_int = [&](int& field) -> Status {
    Result<long long> v = to_int(name, t);
    if (!v) return v.error();
    if (*v < 0 || *v > 100000000)
      return Error("hyperparameter " + name + ": " + t + " is out of range");
    field = static_cast<int>(*v);
    return {};
  };
  auto set_double = [&](double& field) -> Status {
    Result<double> v = to_double(name, t);
    if (!v) return v.error();
    field = *v;
    return {};
  };
  if (name == "num_layers") return set_int(hp.num_layers);
  if (name == "num_classes") return set_int(hp.num_classes);
  if (name == "num_training_samples") return set_int(hp.num_training_samples);
  if (name == "mini_batch_size") return set_int(hp.mini_batch_size);
  if (name == "epochs") return set_int(hp.epochs);
  if (name == "top_k") return set_int(hp.top_k);
  if (name == "checkpoint_frequency") return set_int(hp.checkpoint_frequency);
  if (name == "learning_rate") return set_double(hp.learning_rate);
  if (name == "momentum") return set_double(hp.momentum);
  if (name == "weight_decay") return set_double(hp.weight_decay);
  if (name == "lr_scheduler_factor") return set_double(hp.lr_scheduler_factor);
  if (name == "optimizer") return hp.optimizer = t, Status{};
  if (name == "augmentation_type") return hp.augmentation_type = t, Status{};
  if (name == "lr_scheduler_step") {
    Result<std::vector<int>> steps = to_int_list(name, t);
    if (!steps) return steps.error();
    hp.lr_scheduler_step = std::move(steps).value();
    return {};
  }
  if (name == "image_shape") {
    Result<std::vector<int>> shape = to_int_list(name, t);
    if (!shape) return shape.error();
    if (shape->size() != 3)
      return Error("hyperparameter image_shape: \"" + t + "\" is not channels,height,width");
    hp.image_shape = {(*shape)[0], (*shape)[1], (*shape)[2]};
    return {};
  }
  // SageMaker names whose default is all posecast does.
  if (name == "use_pretrained_model" || name == "multi_label" || name == "use_weighted_loss") {
    if (t == "0") return {};
    return Error("hyperparameter " + name + "=" + t +
                 " is not supported: posecast trains single-label models from scratch (no "
                 "pretrained weights can be downloaded on the device)");
  }
  if (name == "precision_dtype") {
    if (t == "float32") return {};
    return Error("hyperparameter precision_dtype=" + t + " is not supported (float32 only)");
  }
  if (name == "kv_store" || name == "early_stopping" || name == "beta_1" || name == "beta_2" ||
      name == "eps" || name == "gamma" || name == "resize" || name == "lr_scheduler_mode" ||
      name == "early_stopping_min_epochs" || name == "early_stopping_patience" ||
      name == "early_stopping_tolerance" || name == "image_type")
    return Error("hyperparameter " + name + " is a SageMaker option posecast does not implement");
  return Error("unknown hyperparameter " + name);
}

Status load_hyperparameters(const std::filesystem::path& path, ImageHyperparameters& hp) {
  std::ifstream in(path);
  if (!in) return Error(path.string() + ": cannot open the hyperparameters file");
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object())
    return Error(path.string() +
                 ": not a JSON object of hyperparameters ({\"epochs\": \"3\", ...})");
  for (const auto& [name, value] : j.items())
    if (Status s = set_hyperparameter(hp, name, value); !s.ok())
      return Error(path.string() + ": " + s.error().message());
  return {};
}

Status check_hyperparameters(const ImageHyperparameters& hp) {
  if (hp.num_layers != 18 && hp.num_layers != 34 && hp.num_layers != 50)
    return Error("num_layers " + std::to_string(hp.num_layers) + " is not 18, 34 or 50");
  if (hp.image_shape[0] != 3)
    return Error("image_shape: only 3-channel (RGB) images are supported");
  if (hp.image_shape[1] < 16 || hp.image_shape[2] < 16 || hp.image_shape[1] > 1024 ||
      hp.image_shape[2] > 1024)
    return Error("image_shape: height and width must be 16-1024");
  if (hp.mini_batch_size < 1 || hp.mini_batch_size > 4096)
    return Error("mini_batch_size must be 1-4096");
  if (hp.epochs < 1) return Error("epochs must be at least 1");
  if (!(hp.learning_rate > 0 && hp.learning_rate <= 10))
    return Error("learning_rate must be in (0, 10]");
  if (hp.optimizer != "sgd" && hp.optimizer != "adam")
    return Error("optimizer '" + hp.optimizer +
                 "' is not sgd or adam (rmsprop and nag: not supported)");
  if (hp.momentum < 0 || hp.momentum >= 1) return Error("momentum must be in [0, 1)");
  if (hp.weight_decay < 0 || hp.weight_decay >= 1) return Error("weight_decay must be in [0, 1)");
  if (!(hp.lr_scheduler_factor > 0 && hp.lr_scheduler_factor <= 1))
    return Error("lr_scheduler_factor must be in (0, 1]");
  if (hp.augmentation_type != "" && hp.augmentation_type != "crop" &&
      hp.augmentation_type != "crop_color" && hp.augmentation_type != "crop_color_transform")
    return Error("augmentation_type '" + hp.augmentation_type +
                 "' is not crop, crop_color or crop_color_transform");
  if (hp.checkpoint_frequency < 1) return Error("checkpoint_frequency must be at least 1");
  return {};
}

nlohmann::ordered_json ImageHyperparameters::to_json() const {
  nlohmann::ordered_json j = {
      {"num_layers", std::to_string(num_layers)},
      {"image_shape", join({image_shape[0], image_shape[1], image_shape[2]})},
      {"num_classes", std::to_string(num_classes)},
      {"num_training_samples", std::to_string(num_training_samples)},
      {"mini_batch_size", std::to_string(mini_batch_size)},
      {"epochs", std::to_string(epochs)},
      {"learning_rate", number(learning_rate)},
      {"optimizer", optimizer},
      {"momentum", number(momentum)},
      {"weight_decay", number(weight_decay)},
      {"lr_scheduler_factor", number(lr_scheduler_factor)},
      {"top_k", std::to_string(top_k)},
      {"checkpoint_frequency", std::to_string(checkpoint_frequency)}};
  if (!lr_scheduler_step.empty()) j["lr_scheduler_step"] = join(lr_scheduler_step);
  if (!augmentation_type.empty()) j["augmentation_type"] = augmentation_type;
  return j;
}

}  // namespace posecast
