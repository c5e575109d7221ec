#include "video_options.h"

#include <algorithm>
#include <filesystem>
#include <thread>

namespace posecast::cli {

void add_video_options(CLI::App& cmd, VideoArgs& args) {
  cmd.add_option("--model", args.model, "'builtin' (the pose library) or a model file")
      ->capture_default_str();
  cmd.add_option("--pose-model", args.pose_model, "MoveNet variant for the keypoints")
      ->check(CLI::IsMember({"lightning", "thunder"}))
      ->capture_default_str();
  cmd.add_option(
      "--models", args.models_dir,
      "Folder of the pretrained models (default: $POSECAST_MODELS, else ~/.cache/posecast/models)");
  cmd.add_option("--library", args.library,
                 "Pose library JSON (default: the built-in data/poses.json)");
  cmd.add_option("--background", args.background,
                 "'remove': flatten the background (the selfie model) before MoveNet")
      ->check(CLI::IsMember({"keep", "remove"}))
      ->capture_default_str();
  cmd.add_option("--target", args.target,
                 "A library pose the coach scores the student against on every frame, as an "
                 "instructor's target does live");
  cmd.add_option("--motion-gate", args.motion_gate,
                 "'off': name poses on moving bodies too (walking, transitions, reps), as before "
                 "the gate existed; for comparisons")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd.add_option("--threads", args.threads, "Threads for MoveNet (0: one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
}

Result<VideoAnalysisSetup> set_up_video_analysis(const VideoArgs& args) {
  auto library = load_pose_library(args.library.empty() ? default_pose_library_path()
                                                        : std::filesystem::path(args.library));
  if (!library) return library.error();
  VideoAnalysisSetup setup;
  if (!args.target.empty()) {
    const PoseEntry* target = library->find(args.target);
    if (!target) return Error("--target: unknown pose '" + args.target + "'");
    setup.controls.target = target->id;
  }
  auto loaded = load_classifier(args.model, library.value());
  if (!loaded) return loaded.error();
  setup.classifier = std::move(loaded).value();
  FrameAnalyzerOptions options;
  options.movenet.variant = *variant_from_name(args.pose_model);  // CLI11 checked the name
  options.movenet.models_dir = args.models_dir;
  options.movenet.threads =
      args.threads > 0 ? args.threads
                       : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  options.background = *background_mode_from_name(args.background);
  options.motion_gate = args.motion_gate == "on";
  auto analyzer = FrameAnalyzer::create(std::move(options), std::move(library).value());
  if (!analyzer) return analyzer.error();
  setup.analyzer = std::move(analyzer).value();
  return setup;
}

}  // namespace posecast::cli
