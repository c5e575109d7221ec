// Image classifier training: hyperparameters, the job record, a short real training run on a
// generated data set, RecordIO input, stop and resume, and the model file.
#include "posecast/image_training.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../data_tools/data_temp_dir.h"
#include "posecast/classifier_loader.h"
#include "posecast/image_classifier.h"
#include "posecast/recordio.h"
#include "posecast/training_job.h"
#include "shapes_dataset.h"

namespace posecast {
namespace {

using nlohmann::json;
using testing::DataTempDir;

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return json::parse(in, nullptr, false);
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Small and fast: ResNet-18 on 32x32 pictures, Adam, two epochs.
ImageTrainingJob tiny_job(const DataTempDir& dir) {
  ImageTrainingJob job;
  job.data = dir / "shapes";
  job.val = dir / "shapes-val";
  job.out = dir / "shapes.model";
  job.job_dir = dir / "job";
  job.name = "shapes";
  job.hp.image_shape = {3, 32, 32};
  job.hp.epochs = 2;
  job.hp.mini_batch_size = 16;
  job.hp.optimizer = "adam";
  job.hp.learning_rate = 0.002;
  job.hp.top_k = 2;
  job.threads = 1;  // ctest runs tests side by side
  job.workers = 1;
  return job;
}

TEST(ImageHyperparameters, ParsesSageMakerStringsAndRefusesWhatItCannotDo) {
  DataTempDir dir;
  testing::write_bytes(dir / "hp.json",
                       R"({"num_layers": "34", "image_shape": "3,64,48", "epochs": "3",
                           "learning_rate": "0.01", "mini_batch_size": 8, "optimizer": "adam",
                           "lr_scheduler_step": "1,2", "augmentation_type": "crop_color",
                           "use_pretrained_model": "0"})");
  ImageHyperparameters hp;
  ASSERT_TRUE(load_hyperparameters(dir / "hp.json", hp).ok());
  EXPECT_EQ(hp.num_layers, 34);
  EXPECT_EQ(hp.image_shape, (std::array<int, 3>{3, 64, 48}));
  EXPECT_EQ(hp.epochs, 3);
  EXPECT_DOUBLE_EQ(hp.learning_rate, 0.01);
  EXPECT_EQ(hp.mini_batch_size, 8);
  EXPECT_EQ(hp.lr_scheduler_step, (std::vector<int>{1, 2}));
  EXPECT_TRUE(check_hyperparameters(hp).ok());
  EXPECT_EQ(hp.to_json()["image_shape"], "3,64,48");
  EXPECT_EQ(hp.to_json()["epochs"], "3");

  Status unknown = set_hyperparameter(hp, "num_layer", "18");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown hyperparameter num_layer"), std::string::npos);
  Status pretrained = set_hyperparameter(hp, "use_pretrained_model", "1");
  ASSERT_FALSE(pretrained.ok());
  EXPECT_NE(pretrained.error().message().find("pretrained"), std::string::npos);
  Status bad_number = set_hyperparameter(hp, "epochs", "three");
  ASSERT_FALSE(bad_number.ok());
  EXPECT_NE(bad_number.error().message().find("epochs"), std::string::npos);
  hp.num_layers = 101;
  EXPECT_FALSE(check_hyperparameters(hp).ok());
  hp.num_layers = 18;
  hp.optimizer = "rmsprop";
  EXPECT_FALSE(check_hyperparameters(hp).ok());

  testing::write_bytes(dir / "bad.json", "[1, 2]");
  Status not_object = load_hyperparameters(dir / "bad.json", hp);
  ASSERT_FALSE(not_object.ok());
  EXPECT_NE(not_object.error().message().find("bad.json"), std::string::npos);
}

TEST(TrainingJobRecord, GoesFromInProgressToCompletedOrFailedLikeDescribeTrainingJob) {
  DataTempDir dir;
  {
    auto record = TrainingJobRecord::open(dir / "a", "job-a", {{"epochs", "2"}}, false);
    ASSERT_TRUE(record) << record.error().message();
    json s = read_json(dir / "a" / "status.json");
    EXPECT_EQ(s["TrainingJobName"], "job-a");
    EXPECT_EQ(s["TrainingJobStatus"], "InProgress");
    EXPECT_EQ(s["SecondaryStatus"], "Starting");
    EXPECT_EQ(s["HyperParameters"]["epochs"], "2");
    ASSERT_TRUE(record->set_secondary("Training", "Training").ok());
    EXPECT_EQ(read_json(dir / "a" / "status.json")["TrainingJobStatus"], "InProgress");
    ASSERT_TRUE(record->completed(dir / "a.model", {{"validation:accuracy", 0.75}}).ok());
    s = read_json(dir / "a" / "status.json");
    EXPECT_EQ(s["TrainingJobStatus"], "Completed");
    EXPECT_EQ(s["SecondaryStatus"], "Completed");
    EXPECT_EQ(s["FinalMetricDataList"][0]["MetricName"], "validation:accuracy");
    EXPECT_TRUE(s.contains("TrainingEndTime"));
    ASSERT_EQ(s["SecondaryStatusTransitions"].size(), 3u);
    EXPECT_EQ(s["SecondaryStatusTransitions"][1]["Status"], "Training");
    EXPECT_TRUE(s["SecondaryStatusTransitions"][1].contains("EndTime"));
  }
  auto record = TrainingJobRecord::open(dir / "b", "job-b", json::object(), false);
  ASSERT_TRUE(record);
  ASSERT_TRUE(record->failed("no images in /data").ok());
  json s = read_json(dir / "b" / "status.json");
  EXPECT_EQ(s["TrainingJobStatus"], "Failed");
  EXPECT_EQ(s["FailureReason"], "no images in /data");
  EXPECT_NE(read_text(dir / "b" / "training.log").find("no images in /data"), std::string::npos);
}

TEST(ImageTraining, TwoEpochsOnAGeneratedSetBeatChanceAndTheModelFileLoads) {
  DataTempDir dir;
  testing::write_shapes_dataset(dir / "shapes", 64, 1);
  testing::write_shapes_dataset(dir / "shapes-val", 20, 2);
  ImageTrainingJob job = tiny_job(dir);
  std::vector<std::string> log;
  int ticks = 0;
  job.on_log = [&](const std::string& line) { log.push_back(line); };
  job.on_tick = [&](const ImageTrainingTick& t) {
    ++ticks;
    EXPECT_EQ(t.epochs, 2);
    EXPECT_EQ(t.batches, 12u);  // 192 / 16
  };
  const PoseLibrary library;  // empty: folder names are the labels
  Result<ImageTrainingResult> result = train_image_classifier(job, library);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->status, "Completed");
  EXPECT_EQ(ticks, 24);
  EXPECT_EQ(result->train_samples, 192u);
  EXPECT_EQ(result->val_samples, 60u);
  // Three labels: chance is 1/3.
  EXPECT_GE(result->val_accuracy, 0.6) << "validation accuracy after 2 epochs";
  EXPECT_GE(result->val_top_k, result->val_accuracy);

  json s = read_json(job.job_dir / "status.json");
  EXPECT_EQ(s["TrainingJobStatus"], "Completed");
  EXPECT_EQ(s["HyperParameters"]["image_shape"], "3,32,32");
  EXPECT_EQ(s["Progress"]["EpochsCompleted"], 2);
  const std::string text = read_text(job.job_dir / "training.log");
  EXPECT_NE(text.find("Epoch[1] Validation-accuracy="), std::string::npos);
  EXPECT_NE(text.find("Epoch[0] Time cost="), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(job.job_dir / "checkpoints" / "latest.json"));

  Result<ImageClassifier> model = ImageClassifier::load(job.out);
  ASSERT_TRUE(model) << model.error().message();
  EXPECT_EQ(model->labels(), (std::vector<std::string>{"bar", "disc", "ring"}));
  EXPECT_EQ(model->info().height, 32);
  EXPECT_EQ(model->info().num_layers, 18);
  EXPECT_EQ(model->info().training["train_images"], 192);
  // The saved (fp16) model agrees with training's validation figure on fresh pictures.
  std::mt19937 rng(7);
  int right = 0;
  for (int i = 0; i < 30; ++i) {
    const int label = i % 3;
    Classification c = model->classify_frame(Pose{}, testing::draw_shape(label, rng));
    float sum = 0;
    for (const Prediction& p : c.top) sum += p.prob;
    EXPECT_NEAR(sum, 1.0f, 1e-4f);
    right += c.top.front().label == testing::kShapeLabels[label];
  }
  EXPECT_GE(right, 18) << "of 30 fresh pictures";
  // --model loads it as an image classifier.
  Result<LoadedClassifier> loaded = load_classifier(job.out.string(), library, 0.5f);
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_TRUE(loaded->classifier->uses_image());
  EXPECT_EQ(loaded->classifier->classify(Pose{}).reason, "no_image");
}

TEST(ImageTraining, TrainsFromRecordIOAndSkipsACorruptPicture) {
  DataTempDir dir;
  testing::write_shapes_dataset(dir / "shapes", 12, 3);
  PackOptions pack;
  Result<PackReport> packed = pack_image_folder(dir / "shapes", dir / "shapes", pack);
  ASSERT_TRUE(packed) << packed.error().message();
  testing::write_bytes(dir / "folder" / "disc" / "broken.jpg", "not a jpeg at all");
  testing::write_shapes_dataset(dir / "folder", 4, 4);

  ImageTrainingJob job = tiny_job(dir);
  job.data = dir / "shapes.rec";
  job.val = dir / "folder";  // labels matched by name: the .labels.json names the .rec's numbers
  job.hp.epochs = 1;
  std::vector<std::string> log;
  job.on_log = [&](const std::string& line) { log.push_back(line); };
  const PoseLibrary library;
  Result<ImageTrainingResult> result = train_image_classifier(job, library);
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->train_samples, 36u);
  EXPECT_EQ(result->val_samples, 13u);  // 12 pictures and the broken file
  EXPECT_EQ(result->skipped_samples, 1u);
  EXPECT_EQ(result->info.labels, (std::vector<std::string>{"bar", "disc", "ring"}));
  bool reported = false;
  for (const std::string& line : log) reported |= line.find("broken.jpg") != std::string::npos;
  EXPECT_TRUE(reported) << "the unreadable picture is named in the log";
}

TEST(ImageTraining, AStopRequestLeavesAStoppedJobThatResumesFromItsCheckpoint) {
  DataTempDir dir;
  testing::write_shapes_dataset(dir / "shapes", 16, 5);
  testing::write_shapes_dataset(dir / "shapes-val", 4, 6);
  ImageTrainingJob job = tiny_job(dir);
  job.hp.epochs = 3;
  std::atomic<bool> stop{false};
  job.stop = &stop;
  job.on_tick = [&](const ImageTrainingTick& t) {
    if (t.epoch == 2 && t.batch == 1) stop = true;
  };
  const PoseLibrary library;
  Result<ImageTrainingResult> first = train_image_classifier(job, library);
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->status, "Stopped");
  EXPECT_EQ(first->epochs_done, 1);
  EXPECT_EQ(read_json(job.job_dir / "status.json")["TrainingJobStatus"], "Stopped");
  EXPECT_FALSE(std::filesystem::exists(job.out));

  stop = false;
  job.on_tick = nullptr;
  job.resume = true;
  Result<ImageTrainingResult> second = train_image_classifier(job, library);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->status, "Completed");
  EXPECT_EQ(second->first_epoch, 2);
  EXPECT_EQ(second->epochs_done, 3);
  json s = read_json(job.job_dir / "status.json");
  EXPECT_EQ(s["TrainingJobStatus"], "Completed");
  EXPECT_FALSE(s.contains("FailureReason"));
  EXPECT_NE(read_text(job.job_dir / "training.log").find("resumed from the checkpoint of epoch 1"),
            std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(job.out));
}

TEST(ImageTraining, FailuresAreRecordedWithTheirReason) {
  DataTempDir dir;
  testing::write_shapes_dataset(dir / "shapes", 4, 7);
  std::filesystem::remove_all(dir / "shapes" / "bar");
  std::filesystem::remove_all(dir / "shapes" / "ring");
  ImageTrainingJob job = tiny_job(dir);
  job.val.clear();
  const PoseLibrary library;
  Result<ImageTrainingResult> result = train_image_classifier(job, library);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("at least 2 labels"), std::string::npos);
  json s = read_json(job.job_dir / "status.json");
  EXPECT_EQ(s["TrainingJobStatus"], "Failed");
  EXPECT_NE(s["FailureReason"].get<std::string>().find("at least 2 labels"), std::string::npos);

  job.job_dir = dir / "job2";
  job.data = dir / "missing";
  ASSERT_FALSE(train_image_classifier(job, library));
  EXPECT_EQ(read_json(job.job_dir / "status.json")["TrainingJobStatus"], "Failed");

  job.job_dir = dir / "job3";
  job.resume = true;
  job.data = dir / "shapes";
  testing::write_shapes_dataset(dir / "shapes", 4, 8);
  Result<ImageTrainingResult> no_checkpoint = train_image_classifier(job, library);
  ASSERT_FALSE(no_checkpoint);
  EXPECT_NE(no_checkpoint.error().message().find("no checkpoint"), std::string::npos);
}

TEST(ImageModelFile, DamageIsReportedNamingTheFile) {
  DataTempDir dir;
  testing::write_shapes_dataset(dir / "shapes", 4, 9);
  ImageTrainingJob job = tiny_job(dir);
  job.val.clear();
  job.hp.epochs = 1;
  const PoseLibrary library;
  ASSERT_TRUE(train_image_classifier(job, library));
  const std::string bytes = read_text(job.out);
  ASSERT_TRUE(ImageClassifier::load(job.out));
  EXPECT_EQ(model_file_format(job.out).value(), kImageModelFormat);

  testing::write_bytes(dir / "truncated.model", bytes.substr(0, bytes.size() / 2));
  auto truncated = load_classifier((dir / "truncated.model").string(), library);
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().message().find("truncated.model"), std::string::npos);
  EXPECT_NE(truncated.error().message().find("truncated"), std::string::npos);

  std::string flipped = bytes;
  flipped[flipped.size() - 3] ^= 0x55;
  testing::write_bytes(dir / "flipped.model", flipped);
  auto damaged = ImageClassifier::load(dir / "flipped.model");
  ASSERT_FALSE(damaged);
  EXPECT_NE(damaged.error().message().find("checksum"), std::string::npos);

  testing::write_bytes(dir / "garbage.model", "\x89PNG\r\n\x1a\n garbage");
  auto garbage = load_classifier((dir / "garbage.model").string(), library);
  ASSERT_FALSE(garbage);
  EXPECT_NE(garbage.error().message().find("garbage.model"), std::string::npos);
}

TEST(GuideBox, IsCentredWithTheModelsAspectAndInsideTheFrame) {
  EXPECT_EQ(guide_box({640, 480}, 0.9f, 224, 224), cv::Rect(104, 24, 432, 432));
  EXPECT_EQ(guide_box({640, 480}, 1.0f, 320, 160), cv::Rect(0, 80, 640, 320));  // width-limited
  EXPECT_EQ(guide_box({640, 480}, 0.5f, 224, 224), cv::Rect(200, 120, 240, 240));
}

}  // namespace
}  // namespace posecast
