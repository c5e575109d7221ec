// posecast classify: the pose in still images, one JSON line per image, with the coach's score
// and corrections for the pose found.
#include <iostream>
#include <memory>

#include "commands.h"
#include "json_output.h"
#include "photo_options.h"
#include "posecast/classifier_loader.h"
#include "posecast/coach.h"
#include "posecast/frame_result.h"
#include "posecast/pose_extraction.h"

namespace posecast::cli {

namespace {

struct ClassifyArgs {
  PhotoArgs photo;
  std::string model = "builtin";
  float threshold = -1;
  int top_k = 0;
  std::vector<std::string> images;
};

// The documented keys first ("image", "decision", "top", "score", "corrections", "keypoints"),
// then the rest.
nlohmann::ordered_json line_for(const std::string& path, const nlohmann::json& result) {
  nlohmann::ordered_json line;
  line["image"] = path;
  for (const char* key : {"decision", "top", "score", "corrections", "keypoints"})
    if (result.contains(key)) line[key] = result[key];
  for (const auto& [key, value] : result.items())
    if (!line.contains(key)) line[key] = value;
  return line;
}

int run_classify(const ClassifyArgs& args) {
  auto fail = [](const std::string& message) {
    std::cerr << "posecast classify: " << message << "\n";
    return 1;
  };
  Result<PoseLibrary> library = load_library(args.photo);
  if (!library) return fail(library.error().message());
  Result<LoadedClassifier> loaded = load_classifier(args.model, library.value(), args.threshold);
  if (!loaded) return fail(loaded.error().message());
  // MoveNet, after the background remover with --background remove: as `eval` and `train pose`.
  Result<PhotoPoseEstimator> estimator = PhotoPoseEstimator::load(extraction_options(args.photo));
  if (!estimator) return fail(estimator.error().message());

  int failed = 0;
  for (const std::string& path : args.images) {
    Result<cv::Mat> image = read_image(path);
    if (!image) {
      fail(image.error().message());
      ++failed;
      continue;
    }
    Result<PhotoPoseEstimator::Analysed> analysed = estimator->estimate(*image);
    if (!analysed) {
      fail(path + ": " + analysed.error().message());
      ++failed;
      continue;
    }
    const Pose& pose = analysed->pose;
    // The picture MoveNet saw: an image classifier judges the flattened one too.
    const Classification c = loaded->classifier->classify_frame(pose, analysed->image);
    std::optional<CoachReport> report;
    if (const PoseEntry* entry = library->find(c.decision); entry && c.decision != kTakeYourPose) {
      std::optional<Side> side;
      if (c.variant == "left") side = Side::kLeft;
      if (c.variant == "right") side = Side::kRight;
      CoachReport r = coach(compute_features(pose), *entry, side);
      if (r.angles_checked > 0) report = std::move(r);
    }
    print_json_line(
        line_for(path, classification_json(pose, c, report, static_cast<size_t>(args.top_k))));
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_classify(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ClassifyArgs>();
  CLI::App* cmd =
      app.add_subcommand("classify",
                         "Recognise the pose in still images. One JSON line per image: "
                         "{\"image\",\"decision\" (a pose id "
                         "or \"take_your_pose\"),\"top\":[{\"label\",\"prob\"}],\"score\" (form "
                         "0-100, null when no pose),"
                         "\"corrections\":[{\"text\",\"cue\",\"joint\",\"measured_deg\",\"target_"
                         "deg\"}],\"keypoints\",...}. "
                         "Images that cannot be read are reported on stderr, the others still "
                         "classified, exit code 1.");
  cmd->add_option("--model", args->model,
                  "'builtin' (the pose library, no training) or a model file from "
                  "`posecast train pose`")
      ->capture_default_str();
  cmd->add_option("--threshold", args->threshold,
                  "Probability needed to name a pose (default: the model's own, 0.60 for builtin)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--top", args->top_k, "Labels listed in \"top\" (0: all)")
      ->check(CLI::NonNegativeNumber);
  add_photo_options(*cmd, args->photo);
  add_background_option(*cmd, args->photo);
  cmd->add_option("images", args->images, "Image files (JPEG, PNG, ...)")->required();
  cmd->callback([args, &ctx] { ctx.exit_code = run_classify(*args); });
}

}  // namespace posecast::cli
