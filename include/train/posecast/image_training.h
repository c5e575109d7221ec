// `posecast train image`: a ResNet image classifier trained on the device from a folder of
// labelled photos or an MXNet RecordIO file, with the hyperparameter names and meanings of
// SageMaker's built-in image classification algorithm, so a job written for the original runs
// here unchanged (docs/image-training.md).
#pragma once

#include <array>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "posecast/image_classifier.h"
#include "posecast/pose_library.h"
#include "posecast/status.h"

namespace posecast {

// SageMaker image classification hyperparameters; defaults are SageMaker's.
struct ImageHyperparameters {
  int num_layers = 18;                          // 18, 34 or 50
  std::array<int, 3> image_shape{3, 224, 224};  // "3,224,224"
  int num_classes = 0;                          // 0: from the data; else must match it
  int num_training_samples = 0;                 // 0: from the data; else must match it
  int mini_batch_size = 32;
  int epochs = 30;
  double learning_rate = 0.1;
  std::string optimizer = "sgd";  // sgd | adam
  double momentum = 0.9;          // sgd only
  double weight_decay = 0.0001;
  std::vector<int> lr_scheduler_step;  // epochs at which the learning rate is multiplied by ...
  double lr_scheduler_factor = 0.1;    // ... this
  // "" (none), "crop" (random crop + horizontal flip), "crop_color" (+ hue, saturation and
  // lightness jitter), "crop_color_transform" (+ rotation, shear and aspect-ratio change).
  std::string augmentation_type;
  int top_k = 0;                 // > 1: also report top-k validation accuracy
  int checkpoint_frequency = 1;  // epochs between checkpoints

  // As SageMaker echoes them in DescribeTrainingJob: every value a string.
  nlohmann::ordered_json to_json() const;
};

// One hyperparameter by its SageMaker name (a string as in hp.json; numbers in JSON are accepted
// too). Errors name the hyperparameter and the value. SageMaker names posecast does not implement
// (use_pretrained_model=1, multi_label=1, ...) are refused with a reason.
Status set_hyperparameter(ImageHyperparameters& hp, const std::string& name,
                          const nlohmann::json& value);
// A SageMaker hyperparameters JSON file (`--hyperparameters hp.json`); errors name the file.
Status load_hyperparameters(const std::filesystem::path& path, ImageHyperparameters& hp);
// Whole-set checks (ranges, the optimizer name, ...).
Status check_hyperparameters(const ImageHyperparameters& hp);

struct ImageTrainingTick {
  int epoch = 0, epochs = 0;  // 1-based epoch in progress
  size_t batch = 0, batches = 0;
  double loss = 0;  // running mean of the epoch
};

struct ImageTrainingJob {
  std::filesystem::path data;     // DIR/<label>/..., DIR/{train,val}/<label>/..., or PREFIX.rec
  std::filesystem::path val;      // the same kinds; empty: DIR/val (or test) when DIR is split
  std::filesystem::path out;      // the model file
  std::filesystem::path job_dir;  // status.json, training.log, checkpoints/
  std::string name;               // TrainingJobName
  ImageHyperparameters hp;
  bool resume = false;  // continue from the latest checkpoint in job_dir
  uint64_t seed = 1;
  int workers = 0;  // data-loading threads (0: one per core)
  int threads = 0;  // LibTorch threads (0: one per core; 1 on a machine busy with other work)
  float threshold = 0.60f;
  std::function<void(const ImageTrainingTick&)> on_tick;  // after every batch
  std::function<void(const std::string&)> on_log;         // every log line, as written
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by SIGINT): stop after the current batch
};

struct ImageTrainingResult {
  std::string status;  // "Completed" or "Stopped"
  ImageModelInfo info;
  int first_epoch = 1;  // > 1 after --resume
  int epochs_done = 0;
  size_t train_samples = 0, val_samples = 0, skipped_samples = 0;
  double train_accuracy = 0, train_loss = 0;
  double val_accuracy = -1, val_top_k = -1;  // -1: no validation data
  double seconds = 0, images_per_s = 0;      // training only, without validation
};

// Runs a training job; the job record (training_job.h) is kept in job.job_dir. A failure is
// recorded there as Failed with its reason and returned as the error.
Result<ImageTrainingResult> train_image_classifier(const ImageTrainingJob& job,
                                                   const PoseLibrary& library);

// `posecast bench train`: ResNet training and inference speed on this machine.
struct TrainBenchmark {
  int num_layers = 18;
  std::array<int, 3> image_shape{3, 224, 224};
  int batch = 16;
  int iterations = 5;
  int threads = 0;  // 0: one per core
};
struct TrainBenchmarkResult {
  double train_images_per_s = 0, infer_images_per_s = 0, infer_single_ms = 0;
  double forward_gmacs = 0;                   // per image
  double train_gflops = 0, infer_gflops = 0;  // achieved (training = 3 x forward)
  double conv_peak_gflops = 0;  // a large 3x3 convolution on this machine, same threads
  int threads = 0;
};
Result<TrainBenchmarkResult> benchmark_training(const TrainBenchmark& options);

}  // namespace posecast
