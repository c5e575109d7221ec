// The live pipeline: capture -> keypoints -> classify/coach -> render -> outputs, each stage on
// its own thread (the pose stage on several, PipelineOptions::frames_in_flight) with a
// newest-value hand-off between them, so a slow stage makes the others skip frames, never queue
// them.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "posecast/background.h"
#include "posecast/capture.h"
#include "posecast/classifier.h"
#include "posecast/frame_result.h"
#include "posecast/movenet.h"
#include "posecast/overlay.h"
#include "posecast/pose_library.h"
#include "posecast/rep_counter.h"
#include "posecast/status.h"

namespace posecast {

struct PipelineOptions {
  std::string source;  // see open_source(); empty = default_source_spec()
  SourceOptions capture;
  MoveNetOptions movenet;
  OverlayOptions overlay;
  int jpeg_quality = 80;
  std::string record_path;             // MP4 of the annotated video; empty = none
  bool display = false;                // a local window (needs a display)
  std::string model_name = "builtin";  // for status: which classifier runs
  // kRemove: every frame's background is flattened (background.h) before MoveNet, and the
  // classifier gets the flattened frame; viewers still see the camera's picture. The remover
  // runs with movenet.models_dir and movenet.threads.
  BackgroundMode background = BackgroundMode::kKeep;
  // Draw each frame's capture time into its top-left corner (time_code.h), so that a viewer can
  // measure capture -> screen latency through any codec and server.
  bool time_code = false;
  // The rep exercises (exercise_library.h); "" = default_exercise_library_path().
  std::filesystem::path exercise_library;
  // The exercise to count from the start (`run --exercise`); "" = recognise it by itself.
  ExerciseTarget exercise;
  int people = 1;  // FrameAnalyzerOptions::people
  // Frames analysed at once (1-kMaxFramesInFlight), each on its own thread with its own copy of
  // the pose model; results still leave in frame order. More frames a second on a machine with
  // spare cores, each frame as fast as with one. Several people are tracked one frame at a time.
  int frames_in_flight = 1;
  std::string pose_model_note;  // why this pose model (--pose-model auto), shown in status()
};

inline constexpr int kMaxFramesInFlight = 8;

// Called on the render thread for every annotated frame: the JPEG is encoded once and shared.
using FrameSink = std::function<void(const FrameResult& result,
                                     std::shared_ptr<const std::vector<uint8_t>> jpeg)>;
// Called on the render thread with the annotated BGR picture of every frame (for the video
// encoders); it must copy what it keeps and return quickly.
using VideoSink = std::function<void(const FrameResult& result, const cv::Mat& annotated)>;
using ErrorSink = std::function<void(const std::string& kind, const std::string& message)>;

inline constexpr int kMaxTargetReps = 1000;

// OK when `target` names an exercise of `library` (or none) and wants 0-kMaxTargetReps reps;
// else "unknown exercise 'burpee' (known: squat, pushup, ...)" or "reps -1: ...".
Status check_exercise_target(const ExerciseLibrary& library, const ExerciseTarget& target);

class Pipeline {
 public:
  static Result<std::unique_ptr<Pipeline>> create(PipelineOptions options,
                                                  std::shared_ptr<const PoseClassifier> classifier,
                                                  PoseLibrary library);
  ~Pipeline();

  void add_frame_sink(FrameSink sink);  // before start()
  void add_video_sink(VideoSink sink);  // before start()
  void set_error_sink(ErrorSink sink);  // before start()
  void start();
  void stop();

  // Instructor controls. One target at a time: a pose replaces an exercise and back.
  // A pose target must be a library pose (id or alias); "" clears it.
  Status set_target(const std::string& pose);
  // An exercise target must be an exercise library id ("" = recognise the exercise by itself),
  // its reps 0 (none) to 1000 a set. An error names the id and the known ones.
  Status set_exercise(const ExerciseTarget& exercise);
  void set_message(const std::string& text);
  // Whom the targets are for with several people (PipelineOptions::people > 1): `person` (an id
  // of the latest result's people) becomes the primary person and gets the targets; 0 = the
  // largest and most central; `everyone`: the targets apply to every person (`person` ignored).
  // An error names an id not in view, or any id above 1 on a device that follows one person.
  Status set_person(int person, bool everyone);
  // Switches the classifier between frames (the next frame uses it); `name` shows in status().
  void set_classifier(std::shared_ptr<const PoseClassifier> classifier, const std::string& name);
  std::vector<std::string> poses() const;  // ids the target may be set to

  nlohmann::json status() const;
  std::string metrics() const;  // Prometheus text exposition

  struct Impl;

 private:
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
