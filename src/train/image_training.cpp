// `posecast train image`: the ResNet training loop with checkpoints and resume, and the training
// job record. The data sets are read in image_training_data, batched and augmented in
// image_training_batches, and checkpointed in image_checkpoint.
#include "posecast/image_training.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "image_checkpoint.h"
#include "image_training_batches.h"
#include "image_training_data.h"
#include "posecast/torch/image_model_io.h"
#include "posecast/torch/resnet.h"
#include "posecast/training_job.h"

namespace posecast {

namespace fs = std::filesystem;
using image_training::align_labels;
using image_training::BatchStream;
using image_training::Checkpoint;
using image_training::DataSet;
using image_training::load_checkpoint;
using image_training::load_data;
using image_training::save_checkpoint;
using image_training::split_folders;
using nlohmann::json;

namespace {

std::string format(const char* fmt, double a, double b = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

double learning_rate_at(const ImageHyperparameters& hp, int epoch /* 1-based */) {
  double lr = hp.learning_rate;
  for (int step : hp.lr_scheduler_step)
    if (epoch > step) lr *= hp.lr_scheduler_factor;
  return lr;
}

void set_learning_rate(torch::optim::Optimizer& optimizer, const std::string& kind, double lr) {
  for (auto& group : optimizer.param_groups()) {
    if (kind == "adam")
      static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    else
      static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);
  }
}

struct Accuracy {
  double top1 = 0, top_k = 0;
  size_t n = 0;
};

Accuracy evaluate(resnet::ResNet& net, const DataSet& set, const ImageModelInfo& info, int top_k,
                  size_t batch_size, int workers, std::vector<std::string>& errors) {
  torch::NoGradGuard no_grad;
  net->eval();
  std::vector<size_t> order(set.samples.size());
  std::iota(order.begin(), order.end(), 0);
  BatchStream stream(set, std::move(order), batch_size, info, "", false, 0, 0, workers);
  double top1 = 0, topk = 0;
  size_t n = 0;
  while (auto batch = stream.next()) {
    for (auto& e : batch->errors) errors.push_back(e);
    if (!batch->input.defined()) continue;
    torch::Tensor logits = net->forward(batch->input);
    top1 += logits.argmax(1).eq(batch->target).sum().item<double>();
    const int k = std::min<int>(std::max(top_k, 1), static_cast<int>(logits.size(1)));
    torch::Tensor best = std::get<1>(logits.topk(k, 1));
    topk += best.eq(batch->target.unsqueeze(1)).any(1).sum().item<double>();
    n += static_cast<size_t>(batch->target.size(0));
  }
  net->train();
  if (n == 0) return {};
  return {top1 / n, topk / n, n};
}

// One run of a job: its data, the network and optimizer, and what the epochs found. run() takes
// the steps in order: the data, the network (or the checkpoint to resume), the epochs, the model.
class TrainingRun {
 public:
  TrainingRun(const ImageTrainingJob& job, TrainingJobRecord& record)
      : job_(job), hp_(job.hp), record_(record) {}
  Result<ImageTrainingResult> run(const PoseLibrary& library);

 private:
  struct EpochTotals {
    double loss_sum = 0, correct = 0;
    size_t seen = 0;
    bool stopped = false;  // on request, during the epoch
  };

  Status read_data(const PoseLibrary& library);
  Status check_data_against_hyperparameters() const;
  void log_data();
  Status set_up_network();
  Result<bool> run_epoch(int epoch);  // false: stopped on request
  Result<EpochTotals> train_batches(int epoch);
  void log_training(int epoch, const EpochTotals& totals, double seconds);
  void validate(int epoch);
  Status write_model();
  void log(const std::string& line);
  void report_errors(const std::vector<std::string>& errors);

  const ImageTrainingJob& job_;
  const ImageHyperparameters& hp_;
  TrainingJobRecord& record_;
  DataSet train_;
  std::optional<DataSet> val_;
  ImageModelInfo info_;
  resnet::ResNet net_{nullptr};
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  json checkpoint_meta_;
  ImageTrainingResult result_;
  std::set<std::string> reported_errors_;
  std::map<std::string, double> metrics_;
  double train_seconds_ = 0;
  size_t trained_images_ = 0;
};

Result<ImageTrainingResult> TrainingRun::run(const PoseLibrary& library) {
  if (Status s = check_hyperparameters(hp_); !s.ok()) return s.error();
  if (Status s = record_.set_secondary("Downloading", "Reading the training data"); !s.ok())
    return s.error();
  if (Status s = read_data(library); !s.ok()) return s.error();
  if (Status s = set_up_network(); !s.ok()) return s.error();
  result_.train_samples = train_.samples.size();
  result_.val_samples = val_ ? val_->samples.size() : 0;

  if (Status s = record_.set_secondary(
          "Training", "Training ResNet-" + std::to_string(hp_.num_layers) + " on " +
                          std::to_string(train_.samples.size()) + " images");
      !s.ok())
    return s.error();
  for (int epoch = result_.first_epoch; epoch <= hp_.epochs; ++epoch) {
    Result<bool> finished = run_epoch(epoch);
    if (!finished) return finished.error();
    if (!finished.value()) {
      result_.status = "Stopped";
      result_.epochs_done = epoch - 1;
      result_.info = info_;
      return result_;
    }
  }
  result_.seconds = train_seconds_;
  result_.images_per_s = train_seconds_ > 0 ? trained_images_ / train_seconds_ : 0;
  if (Status s = write_model(); !s.ok()) return s.error();
  return result_;
}

// The training data, and the validation data (the --val path, or DIR/val of a split DIR) on the
// training data's label numbering.
Status TrainingRun::read_data(const PoseLibrary& library) {
  auto [train_path, split_val] = split_folders(job_.data);
  const fs::path val_path = !job_.val.empty() ? job_.val : split_val;
  Result<DataSet> train = load_data(train_path, library);
  if (!train) return train.error();
  train_ = std::move(train).value();
  if (train_.labels.size() < 2)
    return Error(train_.origin + ": needs at least 2 labels to train a classifier, has " +
                 std::to_string(train_.labels.size()));
  if (!val_path.empty()) {
    Result<DataSet> v = load_data(val_path, library);
    if (!v) return v.error();
    if (size_t dropped = align_labels(*v, train_))
      log("validation: " + std::to_string(dropped) +
          " images of labels the training data does not have are left out");
    val_ = std::move(v).value();
  }
  if (Status s = check_data_against_hyperparameters(); !s.ok()) return s;
  log_data();
  return {};
}

Status TrainingRun::check_data_against_hyperparameters() const {
  const int classes = static_cast<int>(train_.labels.size());
  if (hp_.num_classes != 0 && hp_.num_classes != classes)
    return Error("num_classes is " + std::to_string(hp_.num_classes) +
                 " but the training data has " + std::to_string(classes) + " labels");
  if (hp_.num_training_samples != 0 &&
      static_cast<size_t>(hp_.num_training_samples) != train_.samples.size())
    return Error("num_training_samples is " + std::to_string(hp_.num_training_samples) +
                 " but the training data has " + std::to_string(train_.samples.size()) + " images");
  return {};
}

void TrainingRun::log_data() {
  std::string label_list;
  for (const std::string& l : train_.labels) label_list += (label_list.empty() ? "" : ", ") + l;
  log("training data: " + std::to_string(train_.samples.size()) + " images of " +
      std::to_string(train_.labels.size()) + " labels (" + label_list + ") from " + train_.origin);
  if (val_)
    log("validation data: " + std::to_string(val_->samples.size()) + " images from " +
        val_->origin);
}

// The model description, a fresh network and its optimizer, or with --resume the checkpoint's.
Status TrainingRun::set_up_network() {
  const int classes = static_cast<int>(train_.labels.size());
  info_.num_layers = hp_.num_layers;
  info_.channels = hp_.image_shape[0];
  info_.height = hp_.image_shape[1];
  info_.width = hp_.image_shape[2];
  info_.labels = train_.labels;
  info_.threshold = job_.threshold;
  info_.top_k = hp_.top_k > 0 ? hp_.top_k : std::min(5, classes);

  torch::manual_seed(job_.seed);
  // More threads than idle cores costs far more than it gains: each op waits for a descheduled
  // thread (measured: 10 ms per op with 2 threads on a busy 2-core machine).
  at::set_num_threads(job_.threads > 0
                          ? job_.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  net_ = resnet::ResNet(hp_.num_layers, classes);
  net_->train();
  if (hp_.optimizer == "adam")
    optimizer_ = std::make_unique<torch::optim::Adam>(
        net_->parameters(),
        torch::optim::AdamOptions(hp_.learning_rate).weight_decay(hp_.weight_decay));
  else
    optimizer_ = std::make_unique<torch::optim::SGD>(net_->parameters(),
                                                     torch::optim::SGDOptions(hp_.learning_rate)
                                                         .momentum(hp_.momentum)
                                                         .weight_decay(hp_.weight_decay));

  checkpoint_meta_ = {{"labels", info_.labels},
                      {"num_layers", hp_.num_layers},
                      {"image_shape", hp_.image_shape},
                      {"seed", job_.seed}};
  if (job_.resume) {
    Result<Checkpoint> ck =
        load_checkpoint(record_.checkpoints(), net_, *optimizer_, checkpoint_meta_);
    if (!ck) return ck.error();
    result_.first_epoch = ck->epoch + 1;
    log("resumed from the checkpoint of epoch " + std::to_string(ck->epoch));
  }
  return {};
}

Result<bool> TrainingRun::run_epoch(int epoch) {
  const auto start = std::chrono::steady_clock::now();
  Result<EpochTotals> totals = train_batches(epoch);
  if (!totals) return totals.error();
  if (totals->stopped) return false;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  log_training(epoch, *totals, seconds);
  if (val_ && !val_->samples.empty()) validate(epoch);
  result_.epochs_done = epoch;
  if (epoch % hp_.checkpoint_frequency == 0 || epoch == hp_.epochs) {
    if (Status s =
            save_checkpoint(record_.checkpoints(), epoch, net_, *optimizer_, checkpoint_meta_);
        !s.ok())
      return s.error();
    log("saved the checkpoint of epoch " + std::to_string(epoch));
  }
  if (Status s = record_.set_progress(epoch, hp_.epochs, metrics_); !s.ok()) return s.error();
  return true;
}

// One pass over the training data in this epoch's shuffled order.
Result<TrainingRun::EpochTotals> TrainingRun::train_batches(int epoch) {
  set_learning_rate(*optimizer_, hp_.optimizer, learning_rate_at(hp_, epoch));
  std::vector<size_t> order(train_.samples.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 shuffle(job_.seed * 1000003u + static_cast<uint64_t>(epoch));
  std::shuffle(order.begin(), order.end(), shuffle);
  const size_t batch_size = static_cast<size_t>(hp_.mini_batch_size);
  BatchStream stream(train_, std::move(order), batch_size, info_, hp_.augmentation_type, true,
                     job_.seed, epoch, job_.workers);
  const size_t batches = stream.batches();
  EpochTotals totals;
  size_t batch_no = 0;
  while (auto batch = stream.next()) {
    ++batch_no;
    report_errors(batch->errors);
    // Batch norm needs two pictures; a lone last one is left for the next epoch's shuffle.
    if (!batch->input.defined() || batch->input.size(0) < 2) continue;
    optimizer_->zero_grad();
    torch::Tensor logits = net_->forward(batch->input);
    torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch->target);
    loss.backward();
    optimizer_->step();
    const auto n = static_cast<size_t>(batch->target.size(0));
    totals.loss_sum += loss.item<double>() * n;
    totals.correct += logits.argmax(1).eq(batch->target).sum().item<double>();
    totals.seen += n;
    if (!std::isfinite(totals.loss_sum))
      return Error("training diverged at epoch " + std::to_string(epoch) +
                   " (the loss is not a number); lower learning_rate (now " +
                   format("%g", learning_rate_at(hp_, epoch)) + ")");
    if (job_.on_tick)
      job_.on_tick({epoch, hp_.epochs, batch_no, batches, totals.loss_sum / totals.seen});
    if (job_.stop && job_.stop->load()) {
      log("stop requested during epoch " + std::to_string(epoch) +
          "; the last checkpoint is of epoch " +
          std::to_string(epoch - 1 - (epoch - 1) % hp_.checkpoint_frequency));
      totals.stopped = true;
      return totals;
    }
  }
  return totals;
}

// The epoch's training figures, in MXNet's log lines (which number epochs from 0).
void TrainingRun::log_training(int epoch, const EpochTotals& totals, double seconds) {
  train_seconds_ += seconds;
  trained_images_ += totals.seen;
  result_.train_loss = totals.seen ? totals.loss_sum / totals.seen : 0;
  result_.train_accuracy = totals.seen ? totals.correct / totals.seen : 0;
  const std::string e0 = std::to_string(epoch - 1);
  log("Epoch[" + e0 + "] Train-accuracy=" + format("%f", result_.train_accuracy));
  log("Epoch[" + e0 + "] Train-cross-entropy=" + format("%f", result_.train_loss));
  log("Epoch[" + e0 + "] Time cost=" + format("%.3f", seconds));
  metrics_ = {{"train:accuracy", result_.train_accuracy},
              {"train:cross_entropy", result_.train_loss}};
}

void TrainingRun::validate(int epoch) {
  std::vector<std::string> errors;
  Accuracy a = evaluate(net_, *val_, info_, hp_.top_k, static_cast<size_t>(hp_.mini_batch_size),
                        job_.workers, errors);
  report_errors(errors);
  const std::string e0 = std::to_string(epoch - 1);
  result_.val_accuracy = a.top1;
  log("Epoch[" + e0 + "] Validation-accuracy=" + format("%f", a.top1));
  metrics_["validation:accuracy"] = a.top1;
  if (hp_.top_k > 1) {
    result_.val_top_k = a.top_k;
    log("Epoch[" + e0 + "] Validation-top_k_accuracy_" + std::to_string(hp_.top_k) + "=" +
        format("%f", a.top_k));
    metrics_["validation:top_k_accuracy"] = a.top_k;
  }
}

// The model file, with what it was trained on, and the job record's Completed.
Status TrainingRun::write_model() {
  if (Status s = record_.set_secondary("Uploading", "Writing the model to " + job_.out.string());
      !s.ok())
    return s;
  info_.training = {{"job", job_.name},
                    {"hyperparameters", hp_.to_json()},
                    {"train_images", result_.train_samples},
                    {"validation_images", result_.val_samples},
                    {"epochs", hp_.epochs},
                    {"train_accuracy", result_.train_accuracy}};
  if (result_.val_accuracy >= 0) info_.training["validation_accuracy"] = result_.val_accuracy;
  net_->eval();
  if (Status s = image_model::save(job_.out, info_, net_); !s.ok()) return s;
  result_.info = info_;
  result_.status = "Completed";
  return record_.completed(job_.out, metrics_);
}

void TrainingRun::log(const std::string& line) {
  record_.log(line);
  if (job_.on_log) job_.on_log(line);
}

// Each unreadable image is counted and logged once, however many epochs meet it.
void TrainingRun::report_errors(const std::vector<std::string>& errors) {
  for (const std::string& e : errors)
    if (reported_errors_.insert(e).second) {
      ++result_.skipped_samples;
      log("skipped an image that cannot be read: " + e);
    }
}

}  // namespace

Result<ImageTrainingResult> train_image_classifier(const ImageTrainingJob& job,
                                                   const PoseLibrary& library) {
  Result<TrainingJobRecord> record =
      TrainingJobRecord::open(job.job_dir, job.name, job.hp.to_json(), job.resume);
  if (!record) return record.error();
  Result<ImageTrainingResult> result = Error("not run");
  try {
    result = TrainingRun(job, record.value()).run(library);
  } catch (const c10::Error& e) {
    result = Error(std::string("LibTorch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    result = Error(e.what());
  }
  if (!result) {
    // A record that cannot be written is secondary to the failure itself.
    (void)record->failed(result.error().message());
    return result.error();
  }
  if (result->status == "Stopped")
    if (Status s = record->stopped("Stopped on request; resume with --resume"); !s.ok())
      return s.error();
  return result;
}

}  // namespace posecast
