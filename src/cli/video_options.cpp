#include "video_options.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "photo_options.h"

namespace posecast::cli {

void add_people_option(CLI::App& cmd, int& people) {
  cmd.add_option("--people", people,
                 "How many people to follow and coach, each on their own (1-" +
                     std::to_string(kMaxPeople) + "); above 1, MoveNet MultiPose finds them")
      ->check(CLI::Range(1, kMaxPeople))
      ->capture_default_str();
}

void add_video_options(CLI::App& cmd, VideoArgs& args) {
  cmd.add_option("--model", args.model, "'builtin' (the pose library) or a model file")
      ->capture_default_str();
  add_model_options(cmd, args.pose_model, args.models_dir, args.library);
  cmd.add_option("--background", args.background,
                 "'remove': flatten the background (the selfie model) before MoveNet")
      ->check(CLI::IsMember({"keep", "remove"}))
      ->capture_default_str();
  cmd.add_option("--target", args.target,
                 "A library pose the coach scores the student against on every frame, as an "
                 "instructor's target does live");
  add_exercise_options(cmd, args.exercise);
  cmd.add_option("--motion-gate", args.motion_gate,
                 "'off': name poses on moving bodies too (walking, transitions, reps), as before "
                 "the gate existed; for comparisons")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd.add_option("--threads", args.threads, "Threads for MoveNet (0: one per core)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  add_people_option(cmd, args.people);
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
  options.people = args.people;
  auto analyzer = FrameAnalyzer::create(std::move(options), std::move(library).value());
  if (!analyzer) return analyzer.error();
  setup.analyzer = std::move(analyzer).value();
  auto exercise = exercise_target(args.exercise, setup.analyzer->exercise_library());
  if (!exercise) return exercise.error();
  setup.controls.exercise = exercise.value();
  return setup;
}

void VideoProgress::attach(VideoAnalysisCallbacks& callbacks) {
  auto bar = bar_;
  callbacks.on_open = [bar, prefix = prefix_,
                       next = std::move(callbacks.on_open)](const VideoFileInfo& info) {
    *bar = std::make_unique<Progress>(prefix, info.path,
                                      static_cast<size_t>(std::max<int64_t>(1, info.frame_count)));
    if (next) next(info);
  };
  callbacks.on_frame = [bar, next = std::move(callbacks.on_frame)](const FrameResult& r,
                                                                   double t_s) {
    if (next) next(r, t_s);
    if (*bar) (*bar)->update(static_cast<size_t>(r.frame));
  };
}

void VideoProgress::finish() {
  if (*bar_) (*bar_)->finish();
}

}  // namespace posecast::cli
