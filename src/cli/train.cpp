// posecast train pose: train a pose classifier on the device from a folder of labelled photos.
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "json_output.h"
#include "photo_options.h"
#include "posecast/pose_training.h"
#include "progress.h"

namespace posecast::cli {

namespace {

struct TrainArgs {
  PhotoArgs photo;
  std::string data, out;
  double val = 0.2;
  int epochs = 300;
  uint64_t seed = 1;
  float threshold = 0.6f;
  std::vector<int> hidden = {64, 32};
  bool json = false;
};

int run_train(const TrainArgs& args) {
  auto fail = [](const std::string& message) {
    std::cerr << "posecast train pose: " << message << "\n";
    return 1;
  };
  Result<PoseLibrary> library = load_library(args.photo);
  if (!library) return fail(library.error().message());
  Result<ImageFolder> folder = scan_image_folder(args.data);
  if (!folder) return fail(folder.error().message());
  for (const auto& skipped : folder->skipped)
    std::cerr << "posecast train pose: not a photo, skipped: " << skipped.string() << "\n";

  PoseTrainingOptions options;
  options.val_fraction = args.val;
  options.seed = args.seed;
  options.extraction = extraction_options(args.photo);
  options.mlp.epochs = args.epochs;
  options.mlp.hidden = args.hidden;
  options.mlp.threshold = args.threshold;
  std::unique_ptr<Progress> progress;
  TrainingPhase phase = TrainingPhase::kKeypoints;
  auto on_progress = [&](TrainingPhase p, size_t done, size_t total) {
    if (!progress || p != phase) {
      if (progress) progress->finish();
      phase = p;
      progress = std::make_unique<Progress>(
          "posecast train pose", p == TrainingPhase::kKeypoints ? "keypoints" : "epochs", total);
    }
    progress->update(done);
  };
  Result<PoseTrainingReport> report =
      train_pose_classifier(folder.value(), library.value(), options, on_progress);
  if (progress) progress->finish();
  if (!report) return fail(report.error().message());
  for (const std::string& e : report->unreadable)
    std::cerr << "posecast train pose: skipped: " << e << "\n";
  for (const std::string& p : report->no_person)
    std::cerr << "posecast train pose: no person found, not used: " << p << "\n";
  if (Status s = report->model.save(args.out); !s.ok()) return fail(s.error().message());

  nlohmann::ordered_json labels = nlohmann::ordered_json::object();
  for (const auto& [folder_name, label] : report->label_of_folder) labels[folder_name] = label;
  nlohmann::ordered_json summary = {
      {"model", args.out},
      {"data", args.data},
      {"background", args.photo.background},
      {"photos", report->photos},
      {"train", report->train_photos},
      {"validation", report->validation_photos},
      {"no_person", report->no_person.size()},
      {"unreadable", report->unreadable.size()},
      {"keypoints_from_cache", report->from_cache},
      {"labels", labels},
      {"classes", report->model.classes()},
      {"temperature", rounded(report->model.calibration().temperature, 3)},
      {"keypoints_s", rounded(report->keypoints_s, 2)},
      {"training_s", rounded(report->training_s, 2)}};
  if (report->validation) {
    summary["val_accuracy"] = rounded(report->validation->accuracy, 4);
    summary["val_n"] = report->validation->n;
  }
  if (args.json) {
    if (report->validation) summary["validation_report"] = evaluation_json(*report->validation);
    print_json_line(summary);
    return 0;
  }
  std::printf(
      "trained %zu classes on %zu photos (%zu held out for validation; %zu without a person, %zu "
      "unreadable)\n",
      report->model.classes().size(), report->train_photos, report->validation_photos,
      report->no_person.size(), report->unreadable.size());
  std::printf("keypoints %.1f s (%zu of %zu from the cache), training %.1f s\n",
              report->keypoints_s, report->from_cache, report->photos, report->training_s);
  if (report->validation)
    std::printf("validation: %s", evaluation_text(*report->validation).c_str());
  std::printf("wrote %s\n", args.out.c_str());
  return 0;
}

}  // namespace

void add_train(CLI::App& app, Context& ctx) {
  CLI::App* train = app.add_subcommand("train", "Train a classifier on this device");
  train->require_subcommand(1);
  auto args = std::make_shared<TrainArgs>();
  CLI::App* cmd = train->add_subcommand(
      "pose",
      "Train a pose classifier from labelled photos: DIR/<label>/*.jpg|jpeg|png, or "
      "DIR/train/<label> and "
      "DIR/test/<label>. MoveNet finds the body in every photo (cached by content, so re-training "
      "is "
      "instant); a small MLP learns the poses from the keypoints, with mirror/rotation/scale "
      "augmentation. "
      "Folder names that are pose library aliases (downdog, warrior2, ...) become library ids, so "
      "the "
      "coach works with the model's poses. Photos without a person are reported and left out.");
  cmd->add_option("--data", args->data, "Folder of labelled photos")->required();
  cmd->add_option("--out", args->out, "Model file to write")->required();
  cmd->add_option("--val", args->val,
                  "Share of each label held out for validation (ignored with a train/test split)")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  cmd->add_option("--epochs", args->epochs, "Training epochs")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--hidden", args->hidden, "Hidden layer widths")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed (split, augmentation, initial weights)")
      ->capture_default_str();
  cmd->add_option("--threshold", args->threshold,
                  "Probability needed to name a pose, stored in the model")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--cache", args->photo.cache,
                  "Keypoint cache folder (default: ~/.cache/posecast/keypoints; '-': no cache)");
  cmd->add_option("--workers", args->photo.workers,
                  "Photos processed in parallel (default: one per core)");
  cmd->add_flag("--json", args->json, "Print one JSON summary line instead of text");
  add_photo_options(*cmd, args->photo);
  add_background_option(*cmd, args->photo);
  cmd->callback([args, &ctx] { ctx.exit_code = run_train(*args); });
  add_train_image(*train, ctx);
}

}  // namespace posecast::cli
