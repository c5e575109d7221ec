// `posecast train image`: data sets (photo folders or RecordIO), SageMaker-style augmentation,
// the ResNet training loop with checkpoints and resume, and the training job record.
#include "posecast/image_training.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <mutex>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <random>
#include <set>
#include <thread>

#include "posecast/classifier_loader.h"
#include "posecast/image_dataset.h"
#include "posecast/image_io.h"
#include "posecast/parallel_for.h"
#include "posecast/recordio.h"
#include "posecast/torch/image_model_io.h"
#include "posecast/torch/resnet.h"
#include "posecast/training_job.h"

namespace posecast {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// ---- data sets -------------------------------------------------------------------------------

struct Sample {
  std::string name;     // the file, or "data.rec@1032"
  fs::path path;        // a photo file, or empty for a record
  uint64_t offset = 0;  // the record's offset in the .rec
  int label = 0;        // index into DataSet::labels
};

// A .rec shared by the loading threads: RecordReader has one file position.
struct RecordSource {
  std::mutex mutex;
  RecordReader reader;
  explicit RecordSource(RecordReader r) : reader(std::move(r)) {}
};

struct DataSet {
  std::string origin;
  std::vector<std::string> labels;  // label names (library ids where they match)
  std::vector<Sample> samples;
  std::shared_ptr<RecordSource> records;
};

bool is_record_file(const fs::path& path) { return path.extension() == ".rec"; }

Result<DataSet> load_folder(const fs::path& dir, const PoseLibrary& library) {
  Result<ImageFolder> folder = scan_image_folder(dir);
  if (!folder) return folder.error();
  DataSet set;
  set.origin = dir.string();
  std::map<std::string, int> index;
  for (const LabelledImage& image : folder->images) {
    const std::string label = label_for_folder(image.label, library);
    auto [it, added] = index.emplace(label, static_cast<int>(set.labels.size()));
    if (added) set.labels.push_back(label);
    set.samples.push_back({image.path.string(), image.path, 0, it->second});
  }
  return set;
}

Result<DataSet> load_records(const fs::path& rec, const PoseLibrary& library) {
  Result<RecordReader> reader = RecordReader::open(rec);
  if (!reader) return reader.error();
  DataSet set;
  set.origin = rec.string();
  // Label names: posecast's PREFIX.labels.json when present (`posecast data pack` writes it),
  // else "class_<n>" as the numbers are all an im2rec file holds.
  Result<std::vector<std::string>> label_names = read_label_names(rec);
  if (!label_names) return label_names.error();
  const std::vector<std::string>& names = label_names.value();
  std::map<int, std::string> by_number;
  std::vector<std::pair<uint64_t, int>> found;
  std::string first_error;
  for (;;) {
    Result<std::optional<Record>> next = reader->next();
    if (!next) {
      if (first_error.empty()) first_error = next.error().message();
      continue;
    }
    if (!next->has_value()) break;
    Result<ImageRecord> image = reader->image(**next);
    if (!image) {
      if (first_error.empty()) first_error = image.error().message();
      continue;
    }
    const float value = image->labels.empty() ? image->header.label : image->labels.front();
    const int number = static_cast<int>(std::lround(value));
    if (number < 0 || std::fabs(value - number) > 1e-3f) {
      if (first_error.empty())
        first_error = rec.string() + ": record at byte " + std::to_string((*next)->offset) +
                      ": label " + std::to_string(value) + " is not a class number";
      continue;
    }
    by_number.emplace(number, static_cast<size_t>(number) < names.size() && !names[number].empty()
                                  ? names[number]
                                  : "class_" + std::to_string(number));
    found.emplace_back((*next)->offset, number);
  }
  std::map<int, int> index;
  for (const auto& [number, name] : by_number) {
    index[number] = static_cast<int>(set.labels.size());
    set.labels.push_back(label_for_folder(name, library));
  }
  for (const auto& [offset, number] : found)
    set.samples.push_back({rec.string() + "@" + std::to_string(offset), {}, offset, index[number]});
  if (set.samples.empty())
    return Error(rec.string() + ": no usable image records" +
                 (first_error.empty() ? "" : " (" + first_error + ")"));
  set.records = std::make_shared<RecordSource>(std::move(reader).value());
  return set;
}

Result<DataSet> load_data(const fs::path& path, const PoseLibrary& library) {
  return is_record_file(path) ? load_records(path, library) : load_folder(path, library);
}

// DIR/train with DIR/val (as `posecast data split` writes), DIR/validation or DIR/test.
std::pair<fs::path, fs::path> split_folders(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir / "train", ec)) return {dir, {}};
  for (const char* val : {"val", "validation", "test"})
    if (fs::is_directory(dir / val, ec)) return {dir / "train", dir / val};
  return {dir, {}};
}

// Moves `val` onto `train`'s label numbering; labels training never saw are dropped (counted).
size_t align_labels(DataSet& val, const DataSet& train) {
  size_t dropped = 0;
  std::vector<Sample> kept;
  for (Sample s : val.samples) {
    auto it = std::find(train.labels.begin(), train.labels.end(), val.labels[s.label]);
    if (it == train.labels.end()) {
      ++dropped;
      continue;
    }
    s.label = static_cast<int>(it - train.labels.begin());
    kept.push_back(std::move(s));
  }
  val.samples = std::move(kept);
  val.labels = train.labels;
  return dropped;
}

Result<cv::Mat> decode_sample(const DataSet& set, const Sample& s) {
  if (!set.records) return read_image_file(s.path);
  std::string bytes;
  {
    std::lock_guard<std::mutex> lock(set.records->mutex);
    Result<Record> record = set.records->reader.read_at(s.offset);
    if (!record) return record.error();
    Result<ImageRecord> image = set.records->reader.image(record.value());
    if (!image) return image.error();
    bytes = std::move(image->image);
  }
  return decode_image(bytes, s.name);
}

// ---- augmentation (SageMaker augmentation_type) ----------------------------------------------

// A random part of the picture (35-100 % of its area, aspect 3/4-4/3), mirrored half the time.
cv::Mat random_crop_flip(const cv::Mat& image, std::mt19937& rng) {
  std::uniform_real_distribution<double> area(0.35, 1.0),
      log_aspect(std::log(3.0 / 4), std::log(4.0 / 3));
  const double total = static_cast<double>(image.cols) * image.rows;
  cv::Rect crop(0, 0, image.cols, image.rows);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double a = area(rng) * total, aspect = std::exp(log_aspect(rng));
    const int w = static_cast<int>(std::lround(std::sqrt(a * aspect)));
    const int h = static_cast<int>(std::lround(std::sqrt(a / aspect)));
    if (w <= image.cols && h <= image.rows && w > 0 && h > 0) {
      crop = cv::Rect(std::uniform_int_distribution<int>(0, image.cols - w)(rng),
                      std::uniform_int_distribution<int>(0, image.rows - h)(rng), w, h);
      break;
    }
  }
  cv::Mat out = image(crop).clone();
  if (std::bernoulli_distribution(0.5)(rng)) cv::flip(out, out, 1);
  return out;
}

// MXNet's random_h=36, random_s=50, random_l=50 (the values SageMaker uses for crop_color):
// hue shifted by up to ±36 degrees, saturation and lightness by up to ±50 of 255.
void color_jitter(cv::Mat& image, std::mt19937& rng) {
  std::uniform_int_distribution<int> dh(-18, 18), ds(-50, 50), dl(-50, 50);  // OpenCV hue: 0-179
  cv::Mat hls;
  cv::cvtColor(image, hls, cv::COLOR_BGR2HLS);
  const int h = dh(rng), l = dl(rng), s = ds(rng);
  hls.forEach<cv::Vec3b>([&](cv::Vec3b& p, const int*) {
    p[0] = static_cast<uint8_t>((p[0] + h + 180) % 180);
    p[1] = cv::saturate_cast<uint8_t>(p[1] + l);
    p[2] = cv::saturate_cast<uint8_t>(p[2] + s);
  });
  cv::cvtColor(hls, image, cv::COLOR_HLS2BGR);
}

// MXNet's max_rotate_angle=10, max_shear_ratio=0.1, max_aspect_ratio=0.25 (crop_color_transform).
void geometric_jitter(cv::Mat& image, std::mt19937& rng) {
  std::uniform_real_distribution<double> angle(-10, 10), shear(-0.1, 0.1), aspect(-0.25, 0.25);
  const double a = angle(rng) * CV_PI / 180, sh = shear(rng), ar = 1 + aspect(rng);
  const double sx = std::sqrt(ar), sy = 1 / std::sqrt(ar);
  // rotation x shear x aspect, about the centre
  cv::Matx22d m = cv::Matx22d(std::cos(a), -std::sin(a), std::sin(a), std::cos(a)) *
                  cv::Matx22d(1, sh, 0, 1) * cv::Matx22d(sx, 0, 0, sy);
  const cv::Point2d c(image.cols / 2.0, image.rows / 2.0);
  cv::Matx23d affine(m(0, 0), m(0, 1), c.x - m(0, 0) * c.x - m(0, 1) * c.y, m(1, 0), m(1, 1),
                     c.y - m(1, 0) * c.x - m(1, 1) * c.y);
  cv::warpAffine(image, image, affine, image.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT_101);
}

cv::Mat prepare(const cv::Mat& image, const std::string& augmentation, bool train, int width,
                int height, std::mt19937& rng) {
  if (!train || augmentation.empty()) return image_model::fit_to_input(image, width, height);
  cv::Mat out = random_crop_flip(image, rng);
  if (augmentation == "crop_color_transform") geometric_jitter(out, rng);
  out = image_model::fit_to_input(out, width, height);
  if (augmentation != "crop") color_jitter(out, rng);
  return out;
}

// ---- batches ---------------------------------------------------------------------------------

struct Batch {
  torch::Tensor input, target;
  std::vector<std::string> errors;  // samples that could not be decoded (left out)
};

Batch make_batch(const DataSet& set, const std::vector<size_t>& order, size_t begin, size_t end,
                 const ImageModelInfo& info, const std::string& augmentation, bool train,
                 uint64_t seed, int epoch, int workers) {
  const size_t n = end - begin;
  std::vector<cv::Mat> pictures(n);
  std::vector<std::string> errors(n);
  data::parallel_for(n, workers, [&](size_t i) {
    const Sample& s = set.samples[order[begin + i]];
    // Seeded per (seed, epoch, sample): the same run gives the same pictures, resumed or not.
    std::seed_seq seq{seed, static_cast<uint64_t>(epoch), static_cast<uint64_t>(order[begin + i])};
    std::mt19937 rng(seq);
    try {
      Result<cv::Mat> image = decode_sample(set, s);
      if (!image) {
        errors[i] = image.error().message();
        return;
      }
      pictures[i] = prepare(image.value(), augmentation, train, info.width, info.height, rng);
    } catch (const cv::Exception& e) {
      errors[i] = s.name + ": " + e.what();
    }
  });
  Batch batch;
  std::vector<cv::Mat> good;
  std::vector<int64_t> labels;
  for (size_t i = 0; i < n; ++i) {
    if (!errors[i].empty()) {
      batch.errors.push_back(errors[i]);
      continue;
    }
    good.push_back(pictures[i]);
    labels.push_back(set.samples[order[begin + i]].label);
  }
  if (!good.empty()) {
    batch.input = image_model::to_input(good, info);
    batch.target = torch::tensor(labels, torch::kLong);
  }
  return batch;
}

// Batches of one pass over `set`, the next one prepared on the loading threads while the current
// one trains.
class BatchStream {
 public:
  BatchStream(const DataSet& set, std::vector<size_t> order, size_t batch_size,
              const ImageModelInfo& info, std::string augmentation, bool train, uint64_t seed,
              int epoch, int workers)
      : set_(set),
        order_(std::move(order)),
        batch_size_(batch_size),
        info_(info),
        augmentation_(std::move(augmentation)),
        train_(train),
        seed_(seed),
        epoch_(epoch),
        workers_(workers) {
    launch();
  }
  ~BatchStream() {
    if (next_.valid()) next_.wait();
  }
  size_t batches() const { return (order_.size() + batch_size_ - 1) / batch_size_; }
  std::optional<Batch> next() {
    if (!next_.valid()) return std::nullopt;
    Batch b = next_.get();
    launch();
    return b;
  }

 private:
  void launch() {
    if (pos_ >= order_.size()) return;
    const size_t begin = pos_, end = std::min(order_.size(), pos_ + batch_size_);
    pos_ = end;
    next_ = std::async(std::launch::async, [this, begin, end] {
      return make_batch(set_, order_, begin, end, info_, augmentation_, train_, seed_, epoch_,
                        workers_);
    });
  }
  const DataSet& set_;
  std::vector<size_t> order_;
  size_t batch_size_;
  const ImageModelInfo& info_;
  std::string augmentation_;
  bool train_;
  uint64_t seed_;
  int epoch_, workers_;
  size_t pos_ = 0;
  std::future<Batch> next_;
};

// ---- checkpoints -----------------------------------------------------------------------------

struct Checkpoint {
  int epoch = 0;
  json meta;
};

fs::path net_file(const fs::path& dir, int epoch) {
  char name[40];
  std::snprintf(name, sizeof name, "epoch-%04d.net.pt", epoch);
  return dir / name;
}
fs::path optimizer_file(const fs::path& dir, int epoch) {
  char name[40];
  std::snprintf(name, sizeof name, "epoch-%04d.optimizer.pt", epoch);
  return dir / name;
}

// The two tensor files first, then latest.json by rename: a job killed while writing still
// resumes from the checkpoint before. Keeps the last two checkpoints.
Status save_checkpoint(const fs::path& dir, int epoch, resnet::ResNet& net,
                       torch::optim::Optimizer& optimizer, const json& meta) {
  try {
    torch::save(net, net_file(dir, epoch).string());
    torch::save(optimizer, optimizer_file(dir, epoch).string());
  } catch (const c10::Error& e) {
    return Error("cannot write a checkpoint in " + dir.string() + ": " +
                 e.what_without_backtrace());
  }
  json latest = meta;
  latest["epoch"] = epoch;
  latest["net"] = net_file(dir, epoch).filename().string();
  latest["optimizer"] = optimizer_file(dir, epoch).filename().string();
  {
    std::ofstream out(dir / "latest.json.tmp", std::ios::trunc);
    out << latest.dump(2) << "\n";
    out.flush();
    if (!out) return Error("cannot write " + (dir / "latest.json.tmp").string());
  }
  std::error_code ec;
  fs::rename(dir / "latest.json.tmp", dir / "latest.json", ec);
  if (ec) return Error("cannot write " + (dir / "latest.json").string() + ": " + ec.message());
  for (int old = epoch - 2; old >= 1 && fs::exists(net_file(dir, old), ec); --old) {
    fs::remove(net_file(dir, old), ec);
    fs::remove(optimizer_file(dir, old), ec);
  }
  return {};
}

Result<Checkpoint> load_checkpoint(const fs::path& dir, resnet::ResNet& net,
                                   torch::optim::Optimizer& optimizer, const json& expected) {
  std::ifstream in(dir / "latest.json");
  if (!in)
    return Error("--resume: no checkpoint in " + dir.string() +
                 " (the job never finished an epoch); start it again without --resume");
  json latest = json::parse(in, nullptr, false);
  if (!latest.is_object() || !latest.contains("epoch"))
    return Error((dir / "latest.json").string() + ": damaged");
  for (const char* key : {"labels", "num_layers", "image_shape"})
    if (latest.value(key, json()) != expected.value(key, json()))
      return Error("--resume: the checkpoint in " + dir.string() + " was made with other " + key +
                   " (" + latest.value(key, json()).dump() + ", now " +
                   expected.value(key, json()).dump() + ")");
  try {
    torch::load(net, (dir / latest["net"].get<std::string>()).string());
    torch::load(optimizer, (dir / latest["optimizer"].get<std::string>()).string());
  } catch (const std::exception& e) {
    return Error("--resume: cannot read the checkpoint in " + dir.string() + ": " + e.what());
  }
  return Checkpoint{latest["epoch"].get<int>(), latest};
}

// ---- the job ---------------------------------------------------------------------------------

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

Result<ImageTrainingResult> run_job(const ImageTrainingJob& job, const PoseLibrary& library,
                                    TrainingJobRecord& record) {
  const ImageHyperparameters& hp = job.hp;
  auto log = [&](const std::string& line) {
    record.log(line);
    if (job.on_log) job.on_log(line);
  };
  if (Status s = check_hyperparameters(hp); !s.ok()) return s.error();

  if (Status s = record.set_secondary("Downloading", "Reading the training data"); !s.ok())
    return s.error();
  auto [train_path, split_val] = split_folders(job.data);
  const fs::path val_path = !job.val.empty() ? job.val : split_val;
  Result<DataSet> train = load_data(train_path, library);
  if (!train) return train.error();
  if (train->labels.size() < 2)
    return Error(train->origin + ": needs at least 2 labels to train a classifier, has " +
                 std::to_string(train->labels.size()));
  std::optional<DataSet> val;
  if (!val_path.empty()) {
    Result<DataSet> v = load_data(val_path, library);
    if (!v) return v.error();
    if (size_t dropped = align_labels(*v, *train))
      log("validation: " + std::to_string(dropped) +
          " images of labels the training data does not have are left out");
    val = std::move(v).value();
  }
  const int classes = static_cast<int>(train->labels.size());
  if (hp.num_classes != 0 && hp.num_classes != classes)
    return Error("num_classes is " + std::to_string(hp.num_classes) +
                 " but the training data has " + std::to_string(classes) + " labels");
  if (hp.num_training_samples != 0 &&
      static_cast<size_t>(hp.num_training_samples) != train->samples.size())
    return Error("num_training_samples is " + std::to_string(hp.num_training_samples) +
                 " but the training data has " + std::to_string(train->samples.size()) + " images");
  std::string label_list;
  for (const std::string& l : train->labels) label_list += (label_list.empty() ? "" : ", ") + l;
  log("training data: " + std::to_string(train->samples.size()) + " images of " +
      std::to_string(classes) + " labels (" + label_list + ") from " + train->origin);
  if (val)
    log("validation data: " + std::to_string(val->samples.size()) + " images from " + val->origin);

  ImageModelInfo info;
  info.num_layers = hp.num_layers;
  info.channels = hp.image_shape[0];
  info.height = hp.image_shape[1];
  info.width = hp.image_shape[2];
  info.labels = train->labels;
  info.threshold = job.threshold;
  info.top_k = hp.top_k > 0 ? hp.top_k : std::min(5, classes);

  torch::manual_seed(job.seed);
  // More threads than idle cores costs far more than it gains: each op waits for a descheduled
  // thread (measured: 10 ms per op with 2 threads on a busy 2-core machine).
  at::set_num_threads(job.threads > 0
                          ? job.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  resnet::ResNet net(hp.num_layers, classes);
  net->train();
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (hp.optimizer == "adam")
    optimizer = std::make_unique<torch::optim::Adam>(
        net->parameters(),
        torch::optim::AdamOptions(hp.learning_rate).weight_decay(hp.weight_decay));
  else
    optimizer = std::make_unique<torch::optim::SGD>(net->parameters(),
                                                    torch::optim::SGDOptions(hp.learning_rate)
                                                        .momentum(hp.momentum)
                                                        .weight_decay(hp.weight_decay));

  const json checkpoint_meta = {{"labels", info.labels},
                                {"num_layers", hp.num_layers},
                                {"image_shape", hp.image_shape},
                                {"seed", job.seed}};
  ImageTrainingResult result;
  if (job.resume) {
    Result<Checkpoint> ck = load_checkpoint(record.checkpoints(), net, *optimizer, checkpoint_meta);
    if (!ck) return ck.error();
    result.first_epoch = ck->epoch + 1;
    log("resumed from the checkpoint of epoch " + std::to_string(ck->epoch));
  }
  result.train_samples = train->samples.size();
  result.val_samples = val ? val->samples.size() : 0;

  if (Status s = record.set_secondary("Training",
                                      "Training ResNet-" + std::to_string(hp.num_layers) + " on " +
                                          std::to_string(train->samples.size()) + " images");
      !s.ok())
    return s.error();
  std::set<std::string> reported_errors;
  auto report_errors = [&](const std::vector<std::string>& errors) {
    for (const std::string& e : errors)
      if (reported_errors.insert(e).second) {
        ++result.skipped_samples;
        log("skipped an image that cannot be read: " + e);
      }
  };
  const size_t batch_size = static_cast<size_t>(hp.mini_batch_size);
  const size_t batches = (train->samples.size() + batch_size - 1) / batch_size;
  double train_seconds = 0;
  size_t trained_images = 0;
  std::map<std::string, double> metrics;
  for (int epoch = result.first_epoch; epoch <= hp.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    set_learning_rate(*optimizer, hp.optimizer, learning_rate_at(hp, epoch));
    std::vector<size_t> order(train->samples.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 shuffle(job.seed * 1000003u + static_cast<uint64_t>(epoch));
    std::shuffle(order.begin(), order.end(), shuffle);
    BatchStream stream(*train, std::move(order), batch_size, info, hp.augmentation_type, true,
                       job.seed, epoch, job.workers);
    double loss_sum = 0, correct = 0;
    size_t seen = 0, batch_no = 0;
    while (auto batch = stream.next()) {
      ++batch_no;
      report_errors(batch->errors);
      // Batch norm needs two pictures; a lone last one is left for the next epoch's shuffle.
      if (!batch->input.defined() || batch->input.size(0) < 2) continue;
      optimizer->zero_grad();
      torch::Tensor logits = net->forward(batch->input);
      torch::Tensor loss = torch::nn::functional::cross_entropy(logits, batch->target);
      loss.backward();
      optimizer->step();
      const auto n = static_cast<size_t>(batch->target.size(0));
      loss_sum += loss.item<double>() * n;
      correct += logits.argmax(1).eq(batch->target).sum().item<double>();
      seen += n;
      if (!std::isfinite(loss_sum))
        return Error("training diverged at epoch " + std::to_string(epoch) +
                     " (the loss is not a number); lower learning_rate (now " +
                     format("%g", learning_rate_at(hp, epoch)) + ")");
      if (job.on_tick) job.on_tick({epoch, hp.epochs, batch_no, batches, loss_sum / seen});
      if (job.stop && job.stop->load()) {
        log("stop requested during epoch " + std::to_string(epoch) +
            "; the last checkpoint is of epoch " +
            std::to_string(epoch - 1 - (epoch - 1) % hp.checkpoint_frequency));
        result.status = "Stopped";
        result.epochs_done = epoch - 1;
        result.info = info;
        return result;
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    train_seconds += seconds;
    trained_images += seen;
    result.train_loss = seen ? loss_sum / seen : 0;
    result.train_accuracy = seen ? correct / seen : 0;
    const int e0 = epoch - 1;  // MXNet numbers epochs from 0 in its log lines
    log("Epoch[" + std::to_string(e0) + "] Train-accuracy=" + format("%f", result.train_accuracy));
    log("Epoch[" + std::to_string(e0) + "] Train-cross-entropy=" + format("%f", result.train_loss));
    log("Epoch[" + std::to_string(e0) + "] Time cost=" + format("%.3f", seconds));
    metrics = {{"train:accuracy", result.train_accuracy},
               {"train:cross_entropy", result.train_loss}};
    if (val && !val->samples.empty()) {
      std::vector<std::string> errors;
      Accuracy a = evaluate(net, *val, info, hp.top_k, batch_size, job.workers, errors);
      report_errors(errors);
      result.val_accuracy = a.top1;
      log("Epoch[" + std::to_string(e0) + "] Validation-accuracy=" + format("%f", a.top1));
      metrics["validation:accuracy"] = a.top1;
      if (hp.top_k > 1) {
        result.val_top_k = a.top_k;
        log("Epoch[" + std::to_string(e0) + "] Validation-top_k_accuracy_" +
            std::to_string(hp.top_k) + "=" + format("%f", a.top_k));
        metrics["validation:top_k_accuracy"] = a.top_k;
      }
    }
    result.epochs_done = epoch;
    if (epoch % hp.checkpoint_frequency == 0 || epoch == hp.epochs) {
      if (Status s = save_checkpoint(record.checkpoints(), epoch, net, *optimizer, checkpoint_meta);
          !s.ok())
        return s.error();
      log("saved the checkpoint of epoch " + std::to_string(epoch));
    }
    if (Status s = record.set_progress(epoch, hp.epochs, metrics); !s.ok()) return s.error();
  }
  result.seconds = train_seconds;
  result.images_per_s = train_seconds > 0 ? trained_images / train_seconds : 0;

  if (Status s = record.set_secondary("Uploading", "Writing the model to " + job.out.string());
      !s.ok())
    return s.error();
  info.training = {{"job", job.name},
                   {"hyperparameters", hp.to_json()},
                   {"train_images", result.train_samples},
                   {"validation_images", result.val_samples},
                   {"epochs", hp.epochs},
                   {"train_accuracy", result.train_accuracy}};
  if (result.val_accuracy >= 0) info.training["validation_accuracy"] = result.val_accuracy;
  net->eval();
  if (Status s = image_model::save(job.out, info, net); !s.ok()) return s.error();
  result.info = info;
  result.status = "Completed";
  if (Status s = record.completed(job.out, metrics); !s.ok()) return s.error();
  return result;
}

}  // namespace

Result<ImageTrainingResult> train_image_classifier(const ImageTrainingJob& job,
                                                   const PoseLibrary& library) {
  Result<TrainingJobRecord> record =
      TrainingJobRecord::open(job.job_dir, job.name, job.hp.to_json(), job.resume);
  if (!record) return record.error();
  Result<ImageTrainingResult> result = Error("not run");
  try {
    result = run_job(job, library, record.value());
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
