// posecast eval: accuracy of a classifier on a folder of labelled photos.
#include <iostream>
#include <memory>

#include "commands.h"
#include "json_output.h"
#include "photo_options.h"
#include "posecast/classifier_loader.h"
#include "posecast/pose_training.h"
#include "progress.h"

namespace posecast::cli {

namespace {

struct EvalArgs {
  PhotoArgs photo;
  std::string model = "builtin";
  std::string data;
  float threshold = -1;
  bool json = false;
};

int run_eval(const EvalArgs& args) {
  auto fail = [](const std::string& message) {
    std::cerr << "posecast eval: " << message << "\n";
    return 1;
  };
  Result<PoseLibrary> library = load_library(args.photo);
  if (!library) return fail(library.error().message());
  Result<LoadedClassifier> loaded = load_classifier(args.model, library.value(), args.threshold);
  if (!loaded) return fail(loaded.error().message());
  Result<ImageFolder> folder = scan_image_folder(args.data);
  if (!folder) return fail(folder.error().message());
  size_t photos = 0;
  for (const LabelledImage& image : folder->images)
    photos += !folder->has_split || image.split == "test";
  Progress progress("posecast eval", "keypoints", photos);
  Result<Evaluation> eval = evaluate_on_folder(folder.value(), *loaded->classifier, library.value(),
                                               extraction_options(args.photo),
                                               [&](size_t done, size_t) { progress.update(done); });
  progress.finish();
  if (!eval) return fail(eval.error().message());
  if (args.json) {
    nlohmann::ordered_json line = {
        {"model", loaded->name}, {"data", args.data}, {"background", args.photo.background}};
    if (folder->has_split) line["split"] = "test";
    const nlohmann::ordered_json report = evaluation_json(eval.value());
    for (auto it = report.begin(); it != report.end(); ++it) line[it.key()] = it.value();
    print_json_line(line);
  } else {
    std::cout << "model " << loaded->name << " on " << args.data
              << (folder->has_split ? " (test split)" : "")
              << (args.photo.background == "remove" ? " (background removed)" : "") << "\n"
              << evaluation_text(eval.value());
  }
  return 0;
}

}  // namespace

void add_eval(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval",
      "Accuracy of a classifier on labelled photos: DIR/<label>/*.jpg (or the DIR/test/<label> "
      "split). "
      "Prints accuracy, per-class precision/recall and the confusion matrix; with --json one "
      "object "
      "{\"accuracy\",\"n\",\"per_class\",\"confusion\",\"unknown_classes\",...}. Classes the model "
      "does "
      "not know are reported and left out of accuracy; photos without a person count as "
      "take_your_pose.");
  cmd->add_option("--model", args->model, "'builtin' or a model file from `posecast train pose`")
      ->capture_default_str();
  cmd->add_option("--data", args->data, "Folder of labelled photos")->required();
  cmd->add_option("--threshold", args->threshold,
                  "Probability needed to name a pose (default: the model's)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_flag("--json", args->json, "One JSON object instead of tables");
  cmd->add_option("--cache", args->photo.cache,
                  "Keypoint cache folder (default: ~/.cache/posecast/keypoints; '-': no cache)");
  cmd->add_option("--workers", args->photo.workers,
                  "Photos processed in parallel (default: one per core)");
  add_photo_options(*cmd, args->photo);
  add_background_option(*cmd, args->photo);
  cmd->callback([args, &ctx] { ctx.exit_code = run_eval(*args); });
}

}  // namespace posecast::cli
