// Options shared by the subcommands that analyse recorded video (analyze, eval-video): the
// classifier, MoveNet, the library, background removal, a target pose and a rep exercise, set up
// the way `run` sets them up for a camera.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "exercise_options.h"
#include "posecast/classifier_loader.h"
#include "posecast/frame_analyzer.h"
#include "posecast/video_analysis.h"
#include "progress.h"

namespace posecast::cli {

struct VideoArgs {
  std::string model = "builtin";
  std::string pose_model = "lightning";
  std::string models_dir;
  std::string library;  // empty: the built-in library
  std::string background = "keep";
  std::string target;     // a library pose the coach scores every frame against
  ExerciseArgs exercise;  // --exercise, --reps: the rep exercise counted from the first frame
  // One per core (0): since the engine runs its parallel work in one pool, 2 threads analyse a
  // 720p clip at 95 fps against 87 with 1 on 2 cores (it was 19 against 101 with two pools).
  int threads = 0;
  std::string motion_gate = "on";
  int people = 1;
};

// --people N: how many people to follow and coach, each on their own (1-6).
void add_people_option(CLI::App& cmd, int& people);

void add_video_options(CLI::App& cmd, VideoArgs& args);

struct VideoAnalysisSetup {
  LoadedClassifier classifier;
  std::unique_ptr<FrameAnalyzer> analyzer;
  AnalysisControls controls;
};

// Loads the library, the classifier and the models; errors name what failed to load (or the
// unknown --target pose or --exercise).
Result<VideoAnalysisSetup> set_up_video_analysis(const VideoArgs& args);

// A progress bar on stderr that follows one video's frames: attach() chains it onto the
// callbacks' on_open and on_frame; finish() ends its line.
class VideoProgress {
 public:
  explicit VideoProgress(std::string prefix) : prefix_(std::move(prefix)) {}
  void attach(VideoAnalysisCallbacks& callbacks);
  void finish();

 private:
  std::string prefix_;
  // Made when the video opens (its frame count is the total); shared with the callbacks.
  std::shared_ptr<std::unique_ptr<Progress>> bar_ = std::make_shared<std::unique_ptr<Progress>>();
};

}  // namespace posecast::cli
