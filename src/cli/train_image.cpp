// posecast train image: a ResNet image classifier trained on the device, with SageMaker image
// classification's hyperparameters (as flags or --hyperparameters hp.json) and job record.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "json_output.h"
#include "photo_options.h"
#include "posecast/image_training.h"
#include "progress.h"

namespace posecast::cli {

namespace {

std::atomic<bool> stop_requested{false};
extern "C" void request_stop(int) { stop_requested = true; }

struct Hyperparameter {
  const char* name;
  const char* help;
};
constexpr Hyperparameter kHyperparameters[] = {
    {"num_layers", "ResNet depth: 18, 34 or 50 (default 18)"},
    {"image_shape", "channels,height,width of the network input (default 3,224,224)"},
    {"num_classes", "Labels; checked against the data (default: from the data)"},
    {"num_training_samples", "Training images; checked against the data (default: from the data)"},
    {"mini_batch_size", "Images per step (default 32)"},
    {"epochs", "Passes over the training data (default 30)"},
    {"learning_rate", "Initial learning rate (default 0.1)"},
    {"optimizer", "sgd or adam (default sgd)"},
    {"momentum", "SGD momentum (default 0.9)"},
    {"weight_decay", "L2 weight decay (default 0.0001)"},
    {"lr_scheduler_step",
     "Epochs after which the learning rate is multiplied by the factor: 10,20"},
    {"lr_scheduler_factor", "Learning rate factor at each step (default 0.1)"},
    {"augmentation_type", "crop, crop_color or crop_color_transform (default: none)"},
    {"top_k", "Also report top-k validation accuracy (k > 1)"},
    {"checkpoint_frequency", "Epochs between checkpoints (default 1)"},
};

struct TrainImageArgs {
  PhotoArgs photo;  // the pose library: folder names become library ids
  std::string data, val, out, job_dir, hyperparameters, name;
  std::map<std::string, std::string> values;
  std::map<std::string, CLI::Option*> options;
  bool resume = false, json = false;
  uint64_t seed = 1;
  int workers = 0, threads = 0;
  float threshold = 0.6f;
};

// --hyperparameters, then the flags over it, then checked together.
Status read_hyperparameters(TrainImageArgs& args, ImageHyperparameters& hp) {
  if (!args.hyperparameters.empty())
    if (Status s = load_hyperparameters(args.hyperparameters, hp); !s.ok()) return s;
  for (const auto& [name, option] : args.options)  // flags win over the file
    if (option->count() > 0)
      if (Status s = set_hyperparameter(hp, name, args.values[name]); !s.ok()) return s;
  return check_hyperparameters(hp);
}

void describe_job(const TrainImageArgs& args, ImageTrainingJob& job) {
  job.data = args.data;
  job.val = args.val;
  job.out = args.out;
  job.job_dir = !args.job_dir.empty() ? std::filesystem::path(args.job_dir)
                                      : std::filesystem::path(args.out + ".job");
  job.name = !args.name.empty() ? args.name : std::filesystem::path(args.out).stem().string();
  job.resume = args.resume;
  job.seed = args.seed;
  job.workers = args.workers;
  job.threads = args.threads;
  job.threshold = args.threshold;
}

// A progress bar over the batches of the epochs still to run; while it shows, the job's log
// lines other than the epoch summaries stay off the terminal.
class TrainingProgress {
 public:
  void tick(const ImageTrainingTick& t) {
    if (!progress_) {
      first_epoch_ = t.epoch;
      progress_ = std::make_unique<Progress>(
          "posecast train image",
          "batches (epochs " + std::to_string(t.epoch) + "-" + std::to_string(t.epochs) + ")",
          (t.epochs - t.epoch + 1) * t.batches);
    }
    progress_->update((t.epoch - first_epoch_) * t.batches + t.batch);
  }
  void log(const std::string& line) {
    if (progress_ && line.rfind("Epoch[", 0) != 0) return;  // the bar has the rest
    finish();
    std::cerr << "posecast train image: " << line << "\n";
  }
  void finish() {
    if (!progress_) return;
    progress_->finish();
    progress_.reset();
  }

 private:
  std::unique_ptr<Progress> progress_;
  int first_epoch_ = 0;
};

// Ctrl-C and SIGTERM stop the job after the current batch (the result says "Stopped").
Result<ImageTrainingResult> train_until_stopped(ImageTrainingJob& job, const PoseLibrary& library) {
  stop_requested = false;
  job.stop = &stop_requested;
  auto old_int = std::signal(SIGINT, request_stop);
  auto old_term = std::signal(SIGTERM, request_stop);
  Result<ImageTrainingResult> result = train_image_classifier(job, library);
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  return result;
}

nlohmann::ordered_json summary_json(const TrainImageArgs& args, const ImageTrainingJob& job,
                                    const ImageTrainingResult& result) {
  nlohmann::ordered_json summary = {
      {"status", result.status},
      {"model", result.status == "Completed" ? nlohmann::ordered_json(args.out) : nullptr},
      {"job", job.job_dir.string()},
      {"labels", result.info.labels},
      {"num_layers", job.hp.num_layers},
      {"image_shape", job.hp.to_json()["image_shape"]},
      {"epochs_done", result.epochs_done},
      {"first_epoch", result.first_epoch},
      {"train_images", result.train_samples},
      {"validation_images", result.val_samples},
      {"skipped_images", result.skipped_samples},
      {"train_accuracy", rounded(result.train_accuracy, 4)},
      {"train_loss", rounded(result.train_loss, 4)},
      {"training_s", rounded(result.seconds, 2)},
      {"images_per_s", rounded(result.images_per_s, 2)}};
  if (result.val_accuracy >= 0) summary["validation_accuracy"] = rounded(result.val_accuracy, 4);
  if (result.val_top_k >= 0) summary["validation_top_k_accuracy"] = rounded(result.val_top_k, 4);
  return summary;
}

void print_summary(const TrainImageArgs& args, const ImageTrainingJob& job,
                   const ImageTrainingResult& result) {
  if (args.json) {
    print_json_line(summary_json(args, job, result));
  } else if (result.status == "Completed") {
    std::printf("trained resnet-%d on %zu images: train accuracy %.3f", job.hp.num_layers,
                result.train_samples, result.train_accuracy);
    if (result.val_accuracy >= 0) std::printf(", validation accuracy %.3f", result.val_accuracy);
    std::printf(" (%.1f images/s)\nwrote %s; job record in %s\n", result.images_per_s,
                args.out.c_str(), job.job_dir.c_str());
  } else {
    std::printf("stopped after epoch %d; continue with the same command and --resume\n",
                result.epochs_done);
  }
}

int run_train_image(TrainImageArgs& args) {
  auto fail = [](const std::string& message) {
    std::cerr << "posecast train image: " << message << "\n";
    return 1;
  };
  ImageTrainingJob job;
  if (Status s = read_hyperparameters(args, job.hp); !s.ok()) return fail(s.error().message());
  Result<PoseLibrary> library = load_library(args.photo);
  if (!library) return fail(library.error().message());
  describe_job(args, job);
  TrainingProgress progress;
  job.on_tick = [&progress](const ImageTrainingTick& t) { progress.tick(t); };
  job.on_log = [&progress](const std::string& line) { progress.log(line); };
  Result<ImageTrainingResult> result = train_until_stopped(job, library.value());
  progress.finish();
  if (!result)
    return fail(result.error().message() +
                " (job record: " + (job.job_dir / "status.json").string() + ")");
  print_summary(args, job, result.value());
  return result->status == "Completed" ? 0 : 130;
}

}  // namespace

void add_train_image(CLI::App& train, Context& ctx) {
  auto args = std::make_shared<TrainImageArgs>();
  CLI::App* cmd = train.add_subcommand(
      "image",
      "Train a ResNet image classifier (SageMaker image classification's hyperparameters) from "
      "DIR/<label>/*.jpg, DIR/train + DIR/val, or an MXNet RecordIO PREFIX.rec. Writes the model "
      "file, and a job record (status.json as DescribeTrainingJob, training.log, checkpoints) in "
      "--job-dir; --resume continues an interrupted job. Ctrl-C stops after the current batch.");
  cmd->add_option("--data", args->data, "Training data: a photo folder or PREFIX.rec")->required();
  cmd->add_option("--val", args->val,
                  "Validation data: a photo folder or PREFIX.rec (default: DIR/val when --data "
                  "is split)");
  cmd->add_option("--out", args->out, "Model file to write")->required();
  cmd->add_option("--job-dir", args->job_dir, "Job record folder (default: MODEL.job)");
  cmd->add_option("--name", args->name, "TrainingJobName (default: the model file's name)");
  add_max_pixels_option(*cmd);
  cmd->add_option("--hyperparameters", args->hyperparameters,
                  "SageMaker hyperparameters JSON ({\"epochs\": \"3\", ...}); flags override it");
  for (const Hyperparameter& hp : kHyperparameters) {
    std::string dashed = hp.name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    const std::string names = "--" + std::string(hp.name) + ",--" + dashed;
    args->options[hp.name] = cmd->add_option(names, args->values[hp.name], hp.help);
  }
  cmd->add_flag("--resume", args->resume, "Continue from the job's latest checkpoint");
  cmd->add_option("--seed", args->seed, "Random seed (weights, shuffling, augmentation)")
      ->capture_default_str();
  cmd->add_option("--workers", args->workers, "Image loading threads (0: one per core)");
  cmd->add_option("--threads", args->threads,
                  "LibTorch threads (0: one per core; use 1 when the machine is busy)");
  cmd->add_option("--threshold", args->threshold,
                  "Probability needed to name a label, stored in the model")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--library", args->photo.library,
                  "Pose library (folder names that are its ids or aliases become its ids)");
  cmd->add_flag("--json", args->json, "Print one JSON summary line");
  cmd->callback([args, &ctx] { ctx.exit_code = run_train_image(*args); });
}

}  // namespace posecast::cli
